"""The alert policies, pure: filters naming metric and resource type, aggregations that reduce
across the collector's ``task_id`` (the catalog's reduction), whole-minute durations, a markdown
runbook, ``auto_close``, and channels routed by severity.

Rates are ratios of counts (``denominator_filter``), never means of per-window rates. A ratio
needs a numerator series, so the collector writes ``pipeline_runs`` and ``stage_runs`` in pairs:
in every window with runs, the status that had none gets a zero point. A share of runs therefore
exists whenever there were runs, and each rate is written as what operators read: the success rate
is the *success* share below ``success_rate`` (an incident shows 0.667 against 0.85, not a failure
share of 0.333 against 0.15), and it still fires on a window of nothing but failures (0 successes
is a measured 0 %). The stage error rate is the failure share above ``error_rate``; when failures
stop it measures 0 % and its incident closes, instead of waiting on missing data for ``auto_close``.

Silence pages too. A ratio with no runs and a threshold with no points never fire, so three
policies watch for silence itself: the collector's own heartbeat (``collector_runs``, written at the
end of every completed run) absent for ``collector_silence_s``; ``pipeline_runs`` absent for
``pipeline_silence_s``, reduced to one series across ``task_id`` *and* ``status`` so that the
failure series falling quiet on a healthy day is not an absence; and, on Google Cloud, Pub/Sub's
own ``subscription/oldest_unacked_message_age`` of the collector's subscription above
``backlog_age_s`` — a witness that needs nothing of ours to be alive (the emulators have no data for
it: it is created everywhere and fires only on Google Cloud). Absence durations stay within
Google's bounds for them: 2 minutes to 23.5 hours.

Run success is alerted on as ``[alerts] mode`` says. ``slo`` (the default): the pipeline's success
SLO (:mod:`setup_infra.burn_rate`) and three burn-rate policies whose windows and thresholds
:mod:`setup_infra.slo_math` derives from the objective and the store's volume — a fast-burn page
(a total outage within 30 minutes), a slow-burn page (a bleed, before a quarter of the budget is
gone) and a ticket (a day burning faster than the budget accrues). ``static``: the design's
success-rate page and stage error-rate warning, thresholds on an hour's ratio — at five runs an
hour one failed run is 20 %, so they page on a healthy day (docs/alerting.md has the measurements).
``both`` creates all of them, to compare. A forecast warning on resource utilization (Google's
``forecast_options``) warns before the utilization threshold is crossed.

Every policy's documentation has a subject written with Google's variables
(``${policy.display_name}``, and the condition that tripped for policies of several conditions),
links (the runbook page when configured, the dashboard, Google's guide to burn rates for the
burn-rate policies), and critical policies notify their channels again every ``renotify_s`` while
an incident stays open.

Cloud Monitoring's severities are CRITICAL, ERROR and WARNING: there is no INFO. Info policies
therefore carry no severity and the user label ``severity=info`` (so do the others, with their
level), and route to the low-noise channels.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from contract.catalog import spec
from contract.settings import Settings

from .burn_rate import burn_alerts, burn_conditions, span
from .config import InfraConfig
from .model import MANAGED_BY, Resource, ref
from .slo_math import BurnAlert

__all__ = [
    "BACKLOG_METRIC",
    "GOOGLE_ONLY_KEYS",
    "POLICY_KEYS",
    "SLO_KEYS",
    "STATIC_KEYS",
    "metric_filter",
    "policies",
    "policy_keys",
    "reduced",
]

POLICY_KEYS = (
    "pipeline-execution-time",
    "pipeline-success-rate",
    "stage-error-rate",
    "resource-utilization",
    "resource-forecast",
    "trends-discovered",
    "products-published",
    "slo-fast-burn",
    "slo-slow-burn",
    "slo-ticket",
    "collector-dead",
    "pipeline-stopped",
    "subscription-backlog",
)
"""Every policy setup_infra can create, in the order it creates them (``mode = "both"``)."""
STATIC_KEYS = ("pipeline-success-rate", "stage-error-rate")
"""The design's rate thresholds: created in ``static`` and ``both`` modes."""
SLO_KEYS = ("slo-fast-burn", "slo-slow-burn", "slo-ticket")
"""The success SLO's burn-rate policies: created in ``slo`` and ``both`` modes."""
GOOGLE_ONLY_KEYS = ("subscription-backlog",)
"""Policies on Google's built-in metrics: created everywhere, but only Google Cloud has their data."""
BACKLOG_METRIC = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"
_DEFAULT_SUBSCRIPTION = Settings.subscription  # the dataclass field's default, read without any environment

_SEVERITY = {"critical": "CRITICAL", "warning": "WARNING", "info": "SEVERITY_UNSPECIFIED"}
_BURN_RATE_GUIDE = "https://cloud.google.com/stackdriver/docs/solutions/slo-monitoring/alerting-on-budget-burn-rate"


def policy_keys(config: InfraConfig) -> tuple[str, ...]:
    """The keys of the policies this configuration creates, in order."""
    mode = config.alerts.mode
    skipped = set()
    if mode == "slo":
        skipped |= set(STATIC_KEYS)
    if mode == "static":
        skipped |= set(SLO_KEYS)
    if not config.alerts.forecast_horizon_s:
        skipped.add("resource-forecast")
    return tuple(key for key in POLICY_KEYS if key not in skipped)


def metric_filter(metric: str, **labels: str) -> str:
    """A filter naming the metric type and the collector's resource type (and metric labels)."""
    parts = [f'metric.type = "{spec(metric).type}"', 'resource.type = "generic_task"']
    parts += [f'metric.labels.{key} = "{value}"' for key, value in labels.items()]
    return " AND ".join(parts)


def reduced(metric: str, period_s: int, reducer: str | None = None, group_by: tuple[str, ...] = ()) -> dict[str, Any]:
    """An aggregation that reduces across ``task_id`` the way the catalog says (or with ``reducer``)."""
    reduction = spec(metric).reduction
    return {
        "alignment_period": f"{period_s}s",
        "per_series_aligner": reduction.aligner,
        "cross_series_reducer": reducer or reduction.reducer,
        "group_by_fields": [f"metric.labels.{key}" for key in group_by],
    }


def _absence(filter_: str, aggregations: list[dict[str, Any]], duration_s: int) -> dict[str, Any]:
    return {
        "condition_absent": {
            "filter": filter_,
            "aggregations": aggregations,
            "duration": f"{duration_s}s",
            "trigger": {"count": 1},
        }
    }


def _backlog_filter(subscription: str) -> str:
    return (
        f'metric.type = "{BACKLOG_METRIC}" AND resource.type = "pubsub_subscription" '
        f'AND resource.labels.subscription_id = "{subscription}"'
    )


def _runbook(title: str, what: str, steps: list[str]) -> str:
    lines = [f"## {title}", "", what, ""]
    if steps:
        lines += ["**What to do**", "", *(f"{i}. {step}" for i, step in enumerate(steps, 1)), ""]
    lines.append("_Managed by `python -m setup_infra`; edit the configuration, not this policy._")
    return "\n".join(lines)


def _links(config: InfraConfig, key: str, burn_rate: bool) -> list[dict[str, str]]:
    """The runbook page (when configured), the dashboard, and Google's guide for burn-rate policies —
    the project filled in by Monitoring (``${project}``) when it sends the notification."""
    from .dashboards import DASHBOARD_IDS  # dashboards builds on this module

    links = []
    if config.alerts.runbook_url:
        links.append({"display_name": "Runbook", "url": f"{config.alerts.runbook_url}#{key}"})
    board = DASHBOARD_IDS[1] if burn_rate else DASHBOARD_IDS[0]  # the SLO's row is on Performance Intelligence
    links.append(
        {
            "display_name": "Dashboard",
            "url": f"https://console.cloud.google.com/monitoring/dashboards/custom/{board}?project=${{project}}",
        }
    )
    if burn_rate:
        links.append({"display_name": "Burn-rate alerting", "url": _BURN_RATE_GUIDE})
    return links


def _policy(
    config: InfraConfig,
    configured: Collection[str],
    key: str,
    severity: str,
    title: str,
    condition: dict[str, Any] | list[dict[str, Any]],
    runbook: str,
) -> Resource:
    alerts = config.alerts
    routed = [ref("notification_channel", kind) for kind in config.routing[severity] if kind in configured]
    conditions = condition if isinstance(condition, list) else [{"display_name": title, **condition}]
    subject = f"[{severity}] ${{policy.display_name}}" + (": ${condition.display_name}" if len(conditions) > 1 else "")
    strategy: dict[str, Any] = {
        "auto_close": f"{alerts.info_auto_close_s if severity == 'info' else alerts.auto_close_s}s"
    }
    if severity == "critical" and routed and alerts.renotify_s:
        strategy["notification_channel_strategy"] = [
            {"notification_channel_names": routed, "renotify_interval": f"{alerts.renotify_s}s"}
        ]
    body: dict[str, Any] = {
        "display_name": f"{config.prefix}: {title}",
        "documentation": {
            "content": runbook,
            "mime_type": "text/markdown",
            "subject": subject,
            "links": _links(config, key, key in SLO_KEYS),
        },
        "user_labels": {**MANAGED_BY, "helios_key": key, "severity": severity},
        "conditions": conditions,
        "combiner": "AND" if len(conditions) > 1 else "OR",
        "enabled": True,
        "notification_channels": routed,
        "alert_strategy": strategy,
        "severity": _SEVERITY[severity],
    }
    return Resource("alert_policy", key, body)


def _threshold(
    filter_: str,
    aggregations: list[dict[str, Any]],
    comparison: str,
    value: float,
    duration_s: int,
    denominator: tuple[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "filter": filter_,
        "aggregations": aggregations,
        "comparison": comparison,
        "threshold_value": value,
        "duration": f"{duration_s}s",
        "trigger": {"count": 1},
    }
    if denominator is not None:
        body["denominator_filter"], body["denominator_aggregations"] = denominator
    return {"condition_threshold": body}


def policies(
    config: InfraConfig, configured: Collection[str], subscription: str = _DEFAULT_SUBSCRIPTION
) -> list[Resource]:
    """The policies of this configuration (:func:`policy_keys`): the Helios monitoring design's (its rate
    thresholds in ``static`` and ``both`` modes), the forecast warning, the SLO's burn-rate
    policies (``slo`` and ``both``), then the three that page on silence (critical).
    ``subscription``: the collector's (``Settings.subscription``)."""
    made = [
        *_seed_policies(config, configured),
        *_forecast_policy(config, configured),
        *_burn_rate_policies(config, configured),
        *_silence_policies(config, configured, subscription),
    ]
    by_key = {r.key: r for r in made}
    return [by_key[key] for key in policy_keys(config)]


def _seed_policies(config: InfraConfig, configured: Collection[str]) -> list[Resource]:
    a = config.alerts
    window, five = a.rate_window_s, 300
    return [
        _policy(
            config,
            configured,
            "pipeline-execution-time",
            "critical",
            f"pipeline execution time > {a.execution_time_s:g} s",
            _threshold(
                metric_filter("pipeline_execution_time"),
                [reduced("pipeline_execution_time", five, "REDUCE_PERCENTILE_99")],
                "COMPARISON_GT",
                a.execution_time_s,
                a.critical_duration_s,
            ),
            _runbook(
                "Pipeline runs are slow",
                f"The 99th percentile of pipeline run time over 5 minutes is above {a.execution_time_s:g} s.",
                [
                    "Open the Helios dashboard: which stage grew (Performance Intelligence → stage duration p95)?",
                    "Check the external APIs that stage calls for latency or rate limiting.",
                    "If one stage is stuck, restart the pipeline; the metrics of the runs in flight are kept.",
                ],
            ),
        ),
        _policy(
            config,
            configured,
            "pipeline-success-rate",
            "critical",
            f"pipeline success rate < {a.success_rate:.0%}",
            _threshold(
                metric_filter("pipeline_runs", status="success"),
                [reduced("pipeline_runs", window)],
                "COMPARISON_LT",
                a.success_rate,
                a.critical_duration_s,
                (metric_filter("pipeline_runs"), [reduced("pipeline_runs", window)]),
            ),
            _runbook(
                "Pipeline runs are failing",
                f"Fewer than {a.success_rate:.0%} of the pipeline runs of the last {window // 60} minutes "
                "succeeded (successful runs / all runs).",
                [
                    "Find the failing stage: Helios dashboard → success rate; Performance Intelligence → stage errors.",
                    "Read that stage's logs for the first error of the burst.",
                    "Pause publication if failed designs could reach the store.",
                ],
            ),
        ),
        _policy(
            config,
            configured,
            "stage-error-rate",
            "warning",
            f"stage error rate > {a.error_rate:.0%}",
            _threshold(
                metric_filter("stage_runs", status="failure"),
                [reduced("stage_runs", window)],
                "COMPARISON_GT",
                a.error_rate,
                a.warning_duration_s,
                (metric_filter("stage_runs"), [reduced("stage_runs", window)]),
            ),
            _runbook(
                "Stages are failing more often",
                f"More than {a.error_rate:.0%} of stage executions in the last {window // 60} minutes failed "
                "(failed stage runs / all stage runs). It closes once the share is back under the threshold.",
                [
                    "Group the stage_runs chart by stage to see which one fails.",
                    "Retries usually hide transient errors: look for a dependency that is down or throttling.",
                ],
            ),
        ),
        _policy(
            config,
            configured,
            "resource-utilization",
            "warning",
            f"resource utilization > {a.resource_utilization:.0%}",
            _threshold(
                metric_filter("resource_utilization"),
                [reduced("resource_utilization", five, group_by=("resource",))],
                "COMPARISON_GT",
                a.resource_utilization,
                a.warning_duration_s,
            ),
            _runbook(
                "The pipeline is short of CPU or memory",
                f"CPU or memory utilization of the pipeline process averaged above {a.resource_utilization:.0%}.",
                [
                    "Check which resource (the incident names it) and whether a stage started doing more work.",
                    "Give the pipeline more CPU or memory, or lower its concurrency.",
                ],
            ),
        ),
        _policy(
            config,
            configured,
            "trends-discovered",
            "info",
            "new trends discovered",
            _threshold(
                metric_filter("stage_value", stage="trend_discovery", key="trends_found"),
                [reduced("stage_value", five)],
                "COMPARISON_GT",
                0,
                a.info_duration_s,
            ),
            _runbook("New trends discovered", "Trend discovery reported new trends in the last 5 minutes.", []),
        ),
        _policy(
            config,
            configured,
            "products-published",
            "info",
            "products published",
            _threshold(
                metric_filter("stage_runs", stage="publication", status="success"),
                [reduced("stage_runs", five)],
                "COMPARISON_GT",
                0,
                a.info_duration_s,
            ),
            _runbook("Products published", "The publication stage published products in the last 5 minutes.", []),
        ),
    ]


def _forecast_policy(config: InfraConfig, configured: Collection[str]) -> list[Resource]:
    a = config.alerts
    if not a.forecast_horizon_s:
        return []
    horizon = span(a.forecast_horizon_s)
    condition = _threshold(
        metric_filter("resource_utilization"),
        [reduced("resource_utilization", 300, group_by=("resource",))],
        "COMPARISON_GT",
        a.resource_utilization,
        a.warning_duration_s,
    )
    condition["condition_threshold"]["forecast_options"] = {"forecast_horizon": f"{a.forecast_horizon_s}s"}
    return [
        _policy(
            config,
            configured,
            "resource-forecast",
            "warning",
            f"resource utilization forecast > {a.resource_utilization:.0%} within {horizon}",
            condition,
            _runbook(
                "The pipeline will soon be short of CPU or memory",
                f"CPU or memory utilization (5-minute mean) is forecast to cross {a.resource_utilization:.0%} "
                f"within {horizon}, on its trend so far — a warning before *resource utilization* fires.",
                [
                    "Check which resource the incident names and what has been growing (a leak grows steadily).",
                    "Plan more CPU or memory, or less concurrency, before the threshold is crossed.",
                ],
            ),
        )
    ]


def _burn_runbook(alert: BurnAlert, config: InfraConfig, what: str) -> str:
    a = config.alerts
    windows = f"over {span(alert.long.lookback_s)}"
    if alert.short is not None:
        windows += f" (and over the last {span(alert.short.lookback_s)})"
    return _runbook(
        what,
        f"The pipeline's success SLO ({a.success_rate:.0%} of runs over {a.slo_period_days} days) is spending its "
        f"error budget {alert.long.burn:g} times faster than it accrues {windows}, with at least "
        f"{alert.min_failures} failed runs (every condition of this policy holds; the incident names the first).",
        [
            "Find the failing stage: Performance Intelligence → stage errors, grouped by stage.",
            "Read that stage's logs for the first error of the burst; check the external APIs it calls.",
            "Watch the SLO's remaining budget on Helios — Performance Intelligence (the success SLO row), or "
            "`python -m functions report`: it says how long until the budget is gone.",
            "Pause publication if failed designs could reach the store.",
        ],
    )


def _burn_rate_policies(config: InfraConfig, configured: Collection[str]) -> list[Resource]:
    fast, slow, ticket = burn_alerts(config)
    goal = f"{config.alerts.success_rate:.0%}"
    return [
        _policy(
            config,
            configured,
            fast.key,
            fast.severity,
            f"pipeline runs failing: {goal} SLO burning fast",
            burn_conditions(fast),
            _burn_runbook(fast, config, "Pipeline runs are all failing"),
        ),
        _policy(
            config,
            configured,
            slow.key,
            slow.severity,
            f"pipeline runs failing: {goal} SLO burning steadily",
            burn_conditions(slow),
            _burn_runbook(slow, config, "Pipeline runs keep failing"),
        ),
        _policy(
            config,
            configured,
            ticket.key,
            ticket.severity,
            f"pipeline runs failing: {goal} SLO over budget today",
            burn_conditions(ticket),
            _burn_runbook(ticket, config, "The day spent more than its share of the error budget"),
        ),
    ]


def _silence_policies(config: InfraConfig, configured: Collection[str], subscription: str) -> list[Resource]:
    a = config.alerts
    collector, pipeline, backlog = span(a.collector_silence_s), span(a.pipeline_silence_s), span(a.backlog_age_s)
    return [
        _policy(
            config,
            configured,
            "collector-dead",
            "critical",
            f"collector has not completed a run for {collector}",
            _absence(metric_filter("collector_runs"), [reduced("collector_runs", 60)], a.collector_silence_s),
            _runbook(
                "The metrics collector has stopped",
                f"No collection run completed in the last {collector}: every run ends with a heartbeat "
                "(`collector_runs`, reduced across instances), and none arrived. Until it runs again no "
                "metric reaches Monitoring, so every other alert is blind.",
                [
                    "Read the collector's logs (the Cloud Function `helios-metrics-collector`): a missing "
                    "subscription or a revoked role fails every run with its cause.",
                    "Check that the Cloud Scheduler job that invokes it is enabled and its last attempts succeeded.",
                    "Run `python -m functions collect --once` with the production settings: its JSON line says "
                    '`"heartbeat": true` when a run completes.',
                    "Nothing is lost meanwhile: events wait in the subscription (7 days) and are counted once "
                    "when the collector runs again.",
                ],
            ),
        ),
        _policy(
            config,
            configured,
            "pipeline-stopped",
            "critical",
            f"no pipeline run recorded for {pipeline}",
            _absence(metric_filter("pipeline_runs"), [reduced("pipeline_runs", 60)], a.pipeline_silence_s),
            _runbook(
                "The store's pipeline has stopped",
                f"No pipeline run, successful or failed, was recorded in the last {pipeline} "
                "(`pipeline_runs` of every status, reduced to one series).",
                [
                    "If *collector has not completed a run* is open too, runs may be recorded but not "
                    "collected: fix the collector first.",
                    "Check the pipeline's scheduler and the logs of its last run.",
                    "Check that the pipeline can publish: the publisher logs why Pub/Sub refuses events and "
                    "spools them to disk meanwhile.",
                ],
            ),
        ),
        _policy(
            config,
            configured,
            "subscription-backlog",
            "critical",
            f"metrics waiting more than {backlog} in {subscription}",
            _threshold(
                _backlog_filter(subscription),
                [
                    {
                        "alignment_period": "60s",
                        "per_series_aligner": "ALIGN_MAX",
                        "cross_series_reducer": "REDUCE_MAX",
                        "group_by_fields": [],
                    }
                ],
                "COMPARISON_GT",
                a.backlog_age_s,
                a.critical_duration_s,
            ),
            _runbook(
                "The collector is not draining its subscription",
                f"Pub/Sub reports that the oldest unacknowledged message of `{subscription}` is older than "
                f"{backlog}: the collector is stopped, failing, or cannot keep up. Pub/Sub measures this "
                "itself, so it pages even when nothing of ours is alive (Google Cloud only).",
                [
                    "If *collector has not completed a run* is open too, start there.",
                    "Otherwise runs complete but do not acknowledge: look at the collector's write errors "
                    "(Performance Intelligence → collector health); messages go back to Pub/Sub while "
                    "Monitoring refuses their points.",
                    "Messages are kept 7 days; after 10 deliveries one goes to the dead-letter topic.",
                ],
            ),
        ),
    ]
