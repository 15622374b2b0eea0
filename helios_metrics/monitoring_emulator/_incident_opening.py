"""A new incident, with the texts Google writes for one: the resource's name ("p Generic Task labels
{project_id=p, task_id=t}"), the summary ("… is above the threshold of 0.150 with a value of
0.333."), the threshold and observed values, and what a forecast predicted."""

from __future__ import annotations

import secrets

from google.api import metric_pb2
from google.cloud.monitoring_v3.types import alert
from google.protobuf import json_format

from helios_metrics.contract.units import NS

from ._conditions import Outcome
from ._incident import Incident, IncidentForecast
from ._raw import Raw
from ._resources import RESOURCE_TYPES
from ._series import SeriesLabels
from ._timeutil import duration_ns

__all__ = ["new_incident"]


def _braced(labels: dict[str, str]) -> str:
    """Labels as Google's incident texts write them: ``{project_id=p, task_id=t}``."""
    return "{" + ", ".join(f"{k}={v}" for k, v in labels.items()) + "}"


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _duration_text(ns: int) -> str:
    seconds = ns // NS
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _summary(
    subject: str, condition: Raw, value: float | None, predicted: float | None, threshold: float | None
) -> str:
    body = condition.condition_threshold
    comparison = "above" if body.comparison in (1, 2) else "below"
    if threshold is None:
        return subject + "is absent."
    if predicted is not None:
        horizon = duration_ns(body.forecast_options.forecast_horizon)
        return subject + (
            f"is forecast to be {comparison} the threshold of {threshold:.3f} within "
            f"{_duration_text(horizon)}, with a forecast value of {predicted:.3f}."
        )
    return (
        subject
        + f"is {comparison} the threshold of {threshold:.3f}"
        + ("." if value is None else f" with a value of {value:.3f}.")
    )


def new_incident(
    project: str,
    project_number: int,
    console_url: str,
    policy: Raw,
    condition: Raw,
    series: SeriesLabels,
    value: float | None,
    outcome: Outcome,
    descriptor: metric_pb2.MetricDescriptor | None,
    now: int,
) -> Incident:
    """The incident ``condition`` of ``policy`` opens at ``now`` for ``series`` (measured ``value``;
    ``descriptor``: the measured metric's, for its display name)."""
    resource_type, resource_labels = series.resource_type, dict(series.resource_labels)
    metric_labels = dict(series.metric_labels)
    body = condition.condition_threshold
    threshold = body.threshold_value if condition.HasField("condition_threshold") else None
    incident_id = f"0.{secrets.token_hex(6)}"
    resource_display = RESOURCE_TYPES[resource_type].display_name if resource_type in RESOURCE_TYPES else resource_type
    resource_name = f"{project} {resource_display} labels {_braced(resource_labels)}"
    metric_display = (descriptor.display_name if descriptor else "") or outcome.metric_type.rsplit("/", 1)[-1]
    predicted = outcome.forecast.get(series)
    subject = f"{metric_display} for {resource_name} with metric labels {_braced(metric_labels)} "
    documentation = json_format.MessageToDict(policy.documentation, preserving_proto_field_name=True)
    incident = Incident(
        incident_id=incident_id,
        project=project,
        project_number=project_number,
        url=f"{console_url}/incidents/{incident_id}",
        severity=alert.AlertPolicy.Severity(policy.severity).name.replace("SEVERITY_UNSPECIFIED", "No severity"),
        started_at=now // NS,
        resource_name=resource_name,
        resource_display_name=resource_labels.get("task_id", resource_display),
        resource_type_display_name=resource_display,
        resource_type=resource_type,
        resource_labels=resource_labels,
        metric_type=outcome.metric_type,
        metric_display_name=metric_display,
        metric_labels=metric_labels,
        policy_display_name=policy.display_name,
        policy_user_labels=dict(policy.user_labels),
        condition_display_name=condition.display_name,
        condition=json_format.MessageToDict(condition),
        threshold_value=_number_text(threshold),
        observed_value=_number_text(value),
        documentation={"content": "", "mime_type": "text/markdown", "subject": "", "links": [], **documentation},
        summary=_summary(subject, condition, value, None if predicted is None else predicted.horizon, threshold),
        policy=policy.name,
        condition_resource=condition.name,
        series=series.text(),
        notification_channels=list(policy.notification_channels),
    )
    if predicted is not None:
        horizon = duration_ns(body.forecast_options.forecast_horizon)
        incident.forecast = IncidentForecast(
            f"{horizon // NS}s", _number_text(predicted.horizon), _number_text(outcome.latest.get(series))
        )
    return incident
