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

Silence pages too: three policies watch for silence itself (:mod:`helios_metrics.setup_infra.silence_policies`).

Run success is alerted on as ``[alerts] mode`` says. ``slo`` (the default): the pipeline's success
SLO (:mod:`helios_metrics.setup_infra.burn_rate`) and three burn-rate policies
(:mod:`helios_metrics.setup_infra.slo_policies`)
whose windows and thresholds :mod:`helios_metrics.setup_infra.slo_math` derives from the objective and the
store's volume — a fast-burn page (a total outage within 30 minutes), a slow-burn page (a bleed,
before a quarter of the budget is gone) and a ticket (a day burning faster than the budget
accrues). ``static``: the design's success-rate page and stage error-rate warning, thresholds on
an hour's ratio — at five runs an hour one failed run is 20 %, so they page on a healthy day
(docs/alerting.md has the measurements). ``both`` creates all of them, to compare. A forecast
warning on resource utilization (Google's ``forecast_options``) warns before the utilization
threshold is crossed.

Every policy's documentation has a subject written with Google's variables
(``${policy.display_name}``, and the condition that tripped for policies of several conditions),
links (the runbook page when configured, the dashboard, Google's guide to burn rates for the
burn-rate policies), and critical policies notify their channels again every ``renotify_s`` while
an incident stays open.

The parts every policy is made of (filters, aggregations, conditions, runbooks, routing and
severity) are :mod:`helios_metrics.setup_infra.policy_parts`.
"""

from __future__ import annotations

from collections.abc import Collection

from helios_metrics.contract.settings import Settings

from .burn_rate import span
from .config import InfraConfig
from .model import Resource
from .policy_parts import (
    BACKLOG_METRIC,
    GOOGLE_ONLY_KEYS,
    POLICY_KEYS,
    SLO_KEYS,
    STATIC_KEYS,
    metric_filter,
    policy,
    policy_keys,
    reduced,
    runbook,
    threshold,
)
from .silence_policies import silence_policies
from .slo_policies import burn_rate_policies

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

_DEFAULT_SUBSCRIPTION = Settings.subscription  # the dataclass field's default, read without any environment


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
        *burn_rate_policies(config, configured),
        *silence_policies(config, configured, subscription),
    ]
    by_key = {r.key: r for r in made}
    return [by_key[key] for key in policy_keys(config)]


def _seed_policies(config: InfraConfig, configured: Collection[str]) -> list[Resource]:
    a = config.alerts
    window, five = a.rate_window_s, 300
    return [
        policy(
            config,
            configured,
            "pipeline-execution-time",
            "critical",
            f"pipeline execution time > {a.execution_time_s:g} s",
            threshold(
                metric_filter("pipeline_execution_time"),
                [reduced("pipeline_execution_time", five, "REDUCE_PERCENTILE_99")],
                "COMPARISON_GT",
                a.execution_time_s,
                a.critical_duration_s,
            ),
            runbook(
                "Pipeline runs are slow",
                f"The 99th percentile of pipeline run time over 5 minutes is above {a.execution_time_s:g} s.",
                [
                    "Open the Helios dashboard: which stage grew (Performance Intelligence → stage duration p95)?",
                    "Check the external APIs that stage calls for latency or rate limiting.",
                    "If one stage is stuck, restart the pipeline; the metrics of the runs in flight are kept.",
                ],
            ),
        ),
        policy(
            config,
            configured,
            "pipeline-success-rate",
            "critical",
            f"pipeline success rate < {a.success_rate:.0%}",
            threshold(
                metric_filter("pipeline_runs", status="success"),
                [reduced("pipeline_runs", window)],
                "COMPARISON_LT",
                a.success_rate,
                a.critical_duration_s,
                (metric_filter("pipeline_runs"), [reduced("pipeline_runs", window)]),
            ),
            runbook(
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
        policy(
            config,
            configured,
            "stage-error-rate",
            "warning",
            f"stage error rate > {a.error_rate:.0%}",
            threshold(
                metric_filter("stage_runs", status="failure"),
                [reduced("stage_runs", window)],
                "COMPARISON_GT",
                a.error_rate,
                a.warning_duration_s,
                (metric_filter("stage_runs"), [reduced("stage_runs", window)]),
            ),
            runbook(
                "Stages are failing more often",
                f"More than {a.error_rate:.0%} of stage executions in the last {window // 60} minutes failed "
                "(failed stage runs / all stage runs). It closes once the share is back under the threshold.",
                [
                    "Group the stage_runs chart by stage to see which one fails.",
                    "Retries usually hide transient errors: look for a dependency that is down or throttling.",
                ],
            ),
        ),
        policy(
            config,
            configured,
            "resource-utilization",
            "warning",
            f"resource utilization > {a.resource_utilization:.0%}",
            threshold(
                metric_filter("resource_utilization"),
                [reduced("resource_utilization", five, group_by=("resource",))],
                "COMPARISON_GT",
                a.resource_utilization,
                a.warning_duration_s,
            ),
            runbook(
                "The pipeline is short of CPU or memory",
                f"CPU or memory utilization of the pipeline process averaged above {a.resource_utilization:.0%}.",
                [
                    "Check which resource (the incident names it) and whether a stage started doing more work.",
                    "Give the pipeline more CPU or memory, or lower its concurrency.",
                ],
            ),
        ),
        policy(
            config,
            configured,
            "trends-discovered",
            "info",
            "new trends discovered",
            threshold(
                metric_filter("stage_value", stage="trend_discovery", key="trends_found"),
                [reduced("stage_value", five)],
                "COMPARISON_GT",
                0,
                a.info_duration_s,
            ),
            runbook("New trends discovered", "Trend discovery reported new trends in the last 5 minutes.", []),
        ),
        policy(
            config,
            configured,
            "products-published",
            "info",
            "products published",
            threshold(
                metric_filter("stage_runs", stage="publication", status="success"),
                [reduced("stage_runs", five)],
                "COMPARISON_GT",
                0,
                a.info_duration_s,
            ),
            runbook("Products published", "The publication stage published products in the last 5 minutes.", []),
        ),
    ]


def _forecast_policy(config: InfraConfig, configured: Collection[str]) -> list[Resource]:
    a = config.alerts
    if not a.forecast_horizon_s:
        return []
    horizon = span(a.forecast_horizon_s)
    condition = threshold(
        metric_filter("resource_utilization"),
        [reduced("resource_utilization", 300, group_by=("resource",))],
        "COMPARISON_GT",
        a.resource_utilization,
        a.warning_duration_s,
    )
    condition["condition_threshold"]["forecast_options"] = {"forecast_horizon": f"{a.forecast_horizon_s}s"}
    return [
        policy(
            config,
            configured,
            "resource-forecast",
            "warning",
            f"resource utilization forecast > {a.resource_utilization:.0%} within {horizon}",
            condition,
            runbook(
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
