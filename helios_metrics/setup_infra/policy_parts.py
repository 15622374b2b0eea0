"""What every alert policy is made of, pure: the keys of the policies setup_infra can create (and
which a configuration creates), filters naming metric and resource type, aggregations that reduce
across the collector's ``task_id`` (the catalog's reduction), threshold and absence conditions
with whole-minute durations, a markdown runbook, links, and the policy around them — ``auto_close``,
channels routed by severity, re-notification of critical incidents, Google's severity.

Cloud Monitoring's severities are CRITICAL, ERROR and WARNING: there is no INFO. Info policies
therefore carry no severity and the user label ``severity=info`` (so do the others, with their
level), and route to the low-noise channels.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from helios_metrics.contract.catalog import spec

from .config import InfraConfig
from .model import DASHBOARD_IDS, MANAGED_BY, Resource, ref

__all__ = [
    "BACKLOG_METRIC",
    "GOOGLE_ONLY_KEYS",
    "POLICY_KEYS",
    "SLO_KEYS",
    "STATIC_KEYS",
    "absence",
    "backlog_filter",
    "metric_filter",
    "policy",
    "policy_keys",
    "reduced",
    "runbook",
    "threshold",
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


def absence(filter_: str, aggregations: list[dict[str, Any]], duration_s: int) -> dict[str, Any]:
    return {
        "condition_absent": {
            "filter": filter_,
            "aggregations": aggregations,
            "duration": f"{duration_s}s",
            "trigger": {"count": 1},
        }
    }


def backlog_filter(subscription: str) -> str:
    return (
        f'metric.type = "{BACKLOG_METRIC}" AND resource.type = "pubsub_subscription" '
        f'AND resource.labels.subscription_id = "{subscription}"'
    )


def runbook(title: str, what: str, steps: list[str]) -> str:
    lines = [f"## {title}", "", what, ""]
    if steps:
        lines += ["**What to do**", "", *(f"{i}. {step}" for i, step in enumerate(steps, 1)), ""]
    lines.append("_Managed by `python -m setup_infra`; edit the configuration, not this policy._")
    return "\n".join(lines)


def _links(config: InfraConfig, key: str, burn_rate: bool) -> list[dict[str, str]]:
    """The runbook page (when configured), the dashboard, and Google's guide for burn-rate policies —
    the project filled in by Monitoring (``${project}``) when it sends the notification."""
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


def policy(
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


def threshold(
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
