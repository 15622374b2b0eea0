"""An incident as the evaluator keeps it, and what it becomes elsewhere: its record (stored, and
returned by the admin API and read by the console) and its :class:`Notice` (what a notification
carries at one moment, the webhook's JSON built from it when sent).

An :class:`Incident` is typed: the evaluator's own facts (the policy, condition and series that
name it, the channels it notifies and when it last notified each) sit beside Google's fields, and
only :meth:`Incident.notice` decides what a notification shows — Google's fields, in the order of
Google's webhook schema 1.2, with the policy's documentation rendered.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ._documentation import rendered

__all__ = ["Incident", "IncidentForecast", "Notice"]

_METADATA: dict[str, dict[str, str]] = {"system_labels": {}, "user_labels": {}}


@dataclass(frozen=True)
class IncidentForecast:
    """What a forecast predicted when it opened the incident: the horizon (``"3600s"``), the value
    predicted at its end and the newest value measured (as texts, like Google's values)."""

    horizon: str
    value: str
    measured: str

    def record(self) -> dict[str, str]:
        return {"horizon": self.horizon, "value": self.value, "measured": self.measured}


@dataclass(frozen=True)
class Notice:
    """One notification's incident: Google's fields as they were when it was made (documentation
    rendered), and what a forecast predicted, which only the outbox renderings show."""

    fields: dict[str, Any]
    forecast: dict[str, str] | None = None

    def payload(self) -> dict[str, Any]:
        """The webhook body, Cloud Monitoring's schema version 1.2."""
        return {"version": "1.2", "incident": self.fields}

    def rendering(self) -> dict[str, Any]:
        """What the email, Slack, PagerDuty and SMS renderings read: the fields and the forecast."""
        return self.fields if self.forecast is None else {**self.fields, "forecast": self.forecast}


@dataclass
class Incident:
    """One policy's condition failing for one series, from opening to closing."""

    incident_id: str
    project: str
    project_number: int
    url: str
    severity: str
    started_at: int
    """Seconds since the epoch, as Google's ``started_at``."""
    resource_name: str
    resource_display_name: str
    resource_type_display_name: str
    resource_type: str
    resource_labels: dict[str, str]
    metric_type: str
    metric_display_name: str
    metric_labels: dict[str, str]
    policy_display_name: str
    policy_user_labels: dict[str, str]
    condition_display_name: str
    condition: dict[str, Any]
    """The condition as JSON (camelCase), as Google's payload carries it."""
    threshold_value: str
    observed_value: str
    documentation: dict[str, Any]
    """The policy's documentation as written (rendered only in a notice)."""
    summary: str
    policy: str
    """The policy's resource name."""
    condition_resource: str
    """The condition's resource name."""
    series: str
    """The measured series (``SeriesLabels.text``)."""
    notification_channels: list[str]
    notified_at: dict[str, int] = field(default_factory=dict)
    """Channel name → when it last heard of the incident (s), for repeated notifications."""
    forecast: IncidentForecast | None = None
    state: str = "open"
    ended_at: int | None = None
    close_reason: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """(policy, condition, series): at most one open incident each."""
        return self.policy, self.condition_resource, self.series

    def close(self, at_s: int, reason: str) -> None:
        self.state, self.ended_at, self.close_reason = "closed", at_s, reason

    def _google_fields(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "scoping_project_id": self.project,
            "scoping_project_number": self.project_number,
            "url": self.url,
            "severity": self.severity,
            "state": self.state,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "resource_id": "",
            "resource_name": self.resource_name,
            "resource_display_name": self.resource_display_name,
            "resource_type_display_name": self.resource_type_display_name,
            "resource": {"type": self.resource_type, "labels": self.resource_labels},
            "metric": {"type": self.metric_type, "displayName": self.metric_display_name, "labels": self.metric_labels},
            "metadata": _METADATA,
            "policy_name": self.policy_display_name,
            "policy_user_labels": self.policy_user_labels,
            "condition_name": self.condition_display_name,
            "condition": self.condition,
            "threshold_value": self.threshold_value,
            "observed_value": self.observed_value,
            "documentation": self.documentation,
            "summary": self.summary,
        }

    def record(self) -> dict[str, Any]:
        """The incident as stored, and as the admin API and the console read it (a copy)."""
        found = {
            **self._google_fields(),
            "policy": self.policy,
            "condition_resource": self.condition_resource,
            "series": self.series,
            "notification_channels": self.notification_channels,
            "notified_at": self.notified_at,
        }
        if self.forecast is not None:
            found["forecast"] = self.forecast.record()
        if self.close_reason is not None:
            found["close_reason"] = self.close_reason
        return copy.deepcopy(found)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Incident:
        forecast = record.get("forecast")
        return cls(
            incident_id=record["incident_id"],
            project=record["scoping_project_id"],
            project_number=record["scoping_project_number"],
            url=record["url"],
            severity=record["severity"],
            started_at=record["started_at"],
            resource_name=record["resource_name"],
            resource_display_name=record["resource_display_name"],
            resource_type_display_name=record["resource_type_display_name"],
            resource_type=record["resource"]["type"],
            resource_labels=dict(record["resource"]["labels"]),
            metric_type=record["metric"]["type"],
            metric_display_name=record["metric"]["displayName"],
            metric_labels=dict(record["metric"]["labels"]),
            policy_display_name=record["policy_name"],
            policy_user_labels=dict(record["policy_user_labels"]),
            condition_display_name=record["condition_name"],
            condition=record["condition"],
            threshold_value=record["threshold_value"],
            observed_value=record["observed_value"],
            documentation=record["documentation"],
            summary=record["summary"],
            policy=record["policy"],
            condition_resource=record["condition_resource"],
            series=record["series"],
            notification_channels=list(record.get("notification_channels", [])),
            notified_at=dict(record.get("notified_at") or {}),
            forecast=None if not forecast else IncidentForecast(**forecast),
            state=record["state"],
            ended_at=record.get("ended_at"),
            close_reason=record.get("close_reason"),
        )

    def notice(self) -> Notice:
        """What a notification made now carries: Google's fields (a copy), documentation rendered."""
        fields = copy.deepcopy(self._google_fields())
        fields["documentation"] = rendered(self.documentation or {}, self.record())
        return Notice(fields, None if self.forecast is None else self.forecast.record())
