"""The seed document's alert policies, pure: filters naming metric and resource type, aggregations
that reduce across the collector's ``task_id`` (the catalog's reduction), whole-minute durations,
a markdown runbook, ``auto_close``, and channels routed by severity.

Rates are ratios of counts (``denominator_filter``), never means of per-window rates. Both rate
alerts count *failures* over all runs: a ratio needs a numerator series, and a window with no
successes at all has none — so "success rate below 85 %" is written as "failure rate above 15 %",
which fires on a burst of failures where the success ratio would stay silent.

Cloud Monitoring's severities are CRITICAL, ERROR and WARNING: there is no INFO. Info policies
therefore carry no severity and the user label ``severity=info`` (so do the others, with their
level), and route to the low-noise channels.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from contract.catalog import spec

from .config import InfraConfig
from .model import MANAGED_BY, Resource, ref

__all__ = ["POLICY_KEYS", "metric_filter", "policies", "reduced"]

POLICY_KEYS = (
    "pipeline-execution-time",
    "pipeline-success-rate",
    "stage-error-rate",
    "resource-utilization",
    "trends-discovered",
    "products-published",
)

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


def policies(config: InfraConfig, configured: Collection[str]) -> list[Resource]:
    """The six policies of the seed document (two critical, two warning, two info)."""
    a = config.alerts
    window, five = a.rate_window_s, 300
    failure_share = round(1 - a.success_rate, 6)
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
                metric_filter("pipeline_runs", status="failure"),
                [reduced("pipeline_runs", window)],
                "COMPARISON_GT",
                failure_share,
                a.critical_duration_s,
                (metric_filter("pipeline_runs"), [reduced("pipeline_runs", window)]),
            ),
            _runbook(
                "Pipeline runs are failing",
                f"More than {failure_share:.0%} of pipeline runs in the last {window // 60} minutes failed "
                f"(success rate below {a.success_rate:.0%}).",
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
                f"More than {a.error_rate:.0%} of stage executions in the last {window // 60} minutes failed.",
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
