"""An incident is typed; its record survives a restart whole, and a notification's webhook body
holds Google's fields in the order of Google's schema 1.2 — none of the evaluator's own."""

from __future__ import annotations

import json

from helios_metrics.monitoring_emulator._incident import Incident, IncidentForecast

GOOGLE_FIELDS = [
    "incident_id",
    "scoping_project_id",
    "scoping_project_number",
    "url",
    "severity",
    "state",
    "started_at",
    "ended_at",
    "resource_id",
    "resource_name",
    "resource_display_name",
    "resource_type_display_name",
    "resource",
    "metric",
    "metadata",
    "policy_name",
    "policy_user_labels",
    "condition_name",
    "condition",
    "threshold_value",
    "observed_value",
    "documentation",
    "summary",
]


def incident() -> Incident:
    return Incident(
        incident_id="0.abc",
        project="p",
        project_number=123,
        url="http://127.0.0.1:8087/incidents/0.abc",
        severity="CRITICAL",
        started_at=1_790_000_000,
        resource_name="p Generic Task labels {project_id=p, task_id=t}",
        resource_display_name="t",
        resource_type_display_name="Generic Task",
        resource_type="generic_task",
        resource_labels={"project_id": "p", "task_id": "t"},
        metric_type="custom.googleapis.com/m",
        metric_display_name="m",
        metric_labels={"status": "failure"},
        policy_display_name="Helios: runs failing",
        policy_user_labels={"team": "helios"},
        condition_display_name="failing",
        condition={"conditionThreshold": {"filter": "f"}},
        threshold_value="0.15",
        observed_value="0.333333",
        documentation={"content": "on ${resource.label.task_id}", "mime_type": "text/markdown", "subject": ""},
        summary="m is above the threshold",
        policy="projects/p/alertPolicies/1",
        condition_resource="projects/p/alertPolicies/1/conditions/2",
        series='["generic_task", [["project_id", "p"], ["task_id", "t"]], [["status", "failure"]]]',
        notification_channels=["projects/p/notificationChannels/9"],
        forecast=IncidentForecast("3600s", "0.2", "0.1"),
    )


def test_the_record_survives_storage_and_a_closing():
    opened = incident()
    opened.notified_at["projects/p/notificationChannels/9"] = 1_790_000_060
    opened.close(1_790_000_600, "the condition stopped holding")
    stored = json.loads(json.dumps(opened.record(), sort_keys=True))
    assert Incident.from_record(stored) == opened
    assert stored["close_reason"] == "the condition stopped holding"
    assert stored["state"] == "closed"


def test_the_webhook_body_is_googles_fields_in_googles_order():
    payload = incident().notice().payload()
    assert payload["version"] == "1.2"
    assert list(payload["incident"]) == GOOGLE_FIELDS
    assert payload["incident"]["documentation"]["content"] == "on t"  # rendered for the notification


def test_a_notice_keeps_the_incident_as_it_was_when_made():
    current = incident()
    notice = current.notice()
    current.close(1_790_000_600, "closed")
    assert notice.fields["state"] == "open"
    assert notice.fields["ended_at"] is None
    assert notice.rendering()["forecast"] == {"horizon": "3600s", "value": "0.2", "measured": "0.1"}
    assert "forecast" not in notice.payload()["incident"]
