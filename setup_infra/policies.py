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

Cloud Monitoring's severities are CRITICAL, ERROR and WARNING: there is no INFO. Info policies
therefore carry no severity and the user label ``severity=info`` (so do the others, with their
level), and route to the low-noise channels.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from contract.catalog import spec
from contract.settings import Settings

from .config import InfraConfig
from .model import MANAGED_BY, Resource, ref

__all__ = ["BACKLOG_METRIC", "GOOGLE_ONLY_KEYS", "POLICY_KEYS", "metric_filter", "policies", "reduced"]

POLICY_KEYS = (
    "pipeline-execution-time",
    "pipeline-success-rate",
    "stage-error-rate",
    "resource-utilization",
    "trends-discovered",
    "products-published",
    "collector-dead",
    "pipeline-stopped",
    "subscription-backlog",
)
GOOGLE_ONLY_KEYS = ("subscription-backlog",)
"""Policies on Google's built-in metrics: created everywhere, but only Google Cloud has their data."""
BACKLOG_METRIC = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"
_DEFAULT_SUBSCRIPTION = Settings.subscription  # the dataclass field's default, read without any environment

_SEVERITY = {"critical": "CRITICAL", "warning": "WARNING", "info": "SEVERITY_UNSPECIFIED"}


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


def _span(seconds: int) -> str:
    """600 → "10 min", 3600 → "1 h", 5400 → "1 h 30 min", 90 → "90 s"."""
    if seconds % 60:
        return f"{seconds:g} s"
    hours, minutes = divmod(seconds // 60, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


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


def _policy(
    config: InfraConfig,
    configured: Collection[str],
    key: str,
    severity: str,
    title: str,
    condition: dict[str, Any],
    runbook: str,
) -> Resource:
    alerts = config.alerts
    routed = [ref("notification_channel", kind) for kind in config.routing[severity] if kind in configured]
    body: dict[str, Any] = {
        "display_name": f"{config.prefix}: {title}",
        "documentation": {"content": runbook, "mime_type": "text/markdown", "subject": f"[{severity}] {title}"},
        "user_labels": {**MANAGED_BY, "helios_key": key, "severity": severity},
        "conditions": [{"display_name": title, **condition}],
        "combiner": "OR",
        "enabled": True,
        "notification_channels": routed,
        "alert_strategy": {"auto_close": f"{alerts.info_auto_close_s if severity == 'info' else alerts.auto_close_s}s"},
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
    """The six policies of the seed document (two critical, two warning, two info), then the three
    that page on silence (critical). ``subscription``: the collector's (``Settings.subscription``)."""
    return _seed_policies(config, configured) + _silence_policies(config, configured, subscription)


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


def _silence_policies(config: InfraConfig, configured: Collection[str], subscription: str) -> list[Resource]:
    a = config.alerts
    collector, pipeline, backlog = _span(a.collector_silence_s), _span(a.pipeline_silence_s), _span(a.backlog_age_s)
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
