"""The outbox renderings of an incident: each states the breach as the operator reads it, carries
the incident's link, and is plain text (characters and line breaks as they are)."""

from __future__ import annotations

import pytest

from helios_metrics.monitoring_emulator._incident import Notice
from helios_metrics.monitoring_emulator._notify import render, statement

URL = "http://127.0.0.1:8087/incidents/0.abc"
RUNBOOK = "## Runs failing\n\n1. Helios dashboard → success rate.\n2. Read the logs."


def incident(state: str = "open", comparison: str = "COMPARISON_GT", observed: str = "0.333333") -> dict:
    threshold = "0.15" if comparison == "COMPARISON_GT" else "0.85"
    return {
        "incident_id": "0.abc",
        "url": URL,
        "state": state,
        "started_at": 1_790_000_000,
        "ended_at": None if state == "open" else 1_790_000_600,
        "severity": "CRITICAL",
        "policy_name": "Helios: pipeline success rate < 85%",
        "condition_name": "pipeline success rate < 85%",
        "condition": {
            "conditionThreshold": {
                "filter": "f",
                "denominatorFilter": "d",
                "comparison": comparison,
                "thresholdValue": float(threshold),
            }
        },
        "observed_value": observed,
        "threshold_value": threshold,
        "resource_name": "p Generic Task",
        "resource": {"type": "generic_task", "labels": {"project_id": "p"}},
        "metric": {"type": "custom.googleapis.com/helios/pipeline_runs", "labels": {"status": "failure"}},
        "documentation": {"content": RUNBOOK, "mime_type": "text/markdown"},
        "summary": "… is above the threshold of 0.15 with a value of 0.333333.",
    }


def test_the_statement_reads_as_the_condition_measures_it():
    assert statement(incident()) == "pipeline success rate < 85%: 33.3 % > 15 %"
    success = incident(comparison="COMPARISON_LT", observed="0.666667")
    assert statement(success) == "pipeline success rate < 85%: 66.7 % < 85 %"
    assert statement({**success, "state": "closed"}) == (
        "pipeline success rate < 85%: back within its threshold (it opened at 66.7 % < 85 %)"
    )


def test_the_email_is_readable_text_with_the_share_the_runbook_and_the_link():
    message = render(
        "email", {"email_address": "oncall@example.com"}, incident(comparison="COMPARISON_LT", observed="0.666667")
    )
    assert message["to"] == "oncall@example.com"
    assert message["subject"] == "[OPENED] Helios: pipeline success rate < 85%: pipeline success rate < 85%"
    lines = message["body"].splitlines()
    assert lines[0] == "pipeline success rate < 85%: 66.7 % < 85 %"
    assert "Metric: custom.googleapis.com/helios/pipeline_runs (status=failure)" in lines
    assert "1. Helios dashboard → success rate." in lines
    assert lines[-1] == f"View incident: {URL}"
    assert "0.666667" not in message["body"]


@pytest.mark.parametrize("state", ["open", "closed"])
def test_the_sms_fits_one_message_and_states_the_share(state):
    body = render("sms", {"number": "+15551234567"}, incident(state))["body"]
    assert len(body) <= 160
    assert "33.3 % > 15 %" in body
    assert body.startswith("[OPENED]" if state == "open" else "[CLOSED]")


def test_slack_and_pagerduty_carry_the_share_and_the_link():
    slack = render("slack", {"channel_name": "#helios"}, incident())
    (attachment,) = slack["attachments"]
    assert (attachment["text"], attachment["title_link"], attachment["color"]) == (
        "pipeline success rate < 85%: 33.3 % > 15 %",
        URL,
        "danger",
    )
    # Google puts the documentation's content in Slack messages
    assert attachment["fields"] == [{"title": "Documentation", "value": RUNBOOK, "short": False}]
    pagerduty = render("pagerduty", {}, incident("closed"))
    assert pagerduty["event_action"] == "resolve"
    assert pagerduty["payload"]["custom_details"] == {
        "observed": "33.3 %",
        "threshold": "> 15 %",
        "documentation": RUNBOOK,
    }
    assert pagerduty["links"] == [{"href": URL, "text": "View incident"}]


def test_the_webhook_payload_keeps_googles_fields_as_they_are():
    payload = Notice(incident()).payload()
    assert payload["version"] == "1.2"
    assert (payload["incident"]["observed_value"], payload["incident"]["threshold_value"]) == ("0.333333", "0.15")
    assert payload["incident"]["summary"] == incident()["summary"]


def documented(state: str = "open") -> dict:
    return {
        **incident(state),
        "documentation": {
            "content": RUNBOOK,
            "mime_type": "text/markdown",
            "subject": "[page] Helios runs failing on c-7",
            "links": [{"display_name": "Dashboard", "url": "https://console.example.com/d/helios"}],
        },
    }


def test_the_subject_heads_every_message_that_has_a_headline():
    assert render("email", {}, documented())["subject"] == "[page] Helios runs failing on c-7"
    assert render("slack", {}, documented())["text"] == "[page] Helios runs failing on c-7"
    assert render("pagerduty", {}, documented())["payload"]["summary"] == "[page] Helios runs failing on c-7"
    assert render("sms", {}, documented())["body"] == "[OPENED] [page] Helios runs failing on c-7: 33.3 % > 15 %"
    assert render("sms", {}, documented("closed"))["body"].startswith(
        "[CLOSED] [page] Helios runs failing on c-7: back"
    )


def test_links_go_where_the_documentation_goes():
    email = render("email", {}, documented())["body"]
    assert "Links:\n- Dashboard: https://console.example.com/d/helios" in email
    slack = render("slack", {}, documented())["attachments"][0]["fields"]
    assert {"title": "Links", "value": "<https://console.example.com/d/helios|Dashboard>", "short": False} in slack
    pagerduty = render("pagerduty", {}, documented())["links"]
    assert pagerduty == [
        {"href": URL, "text": "View incident"},
        {"href": "https://console.example.com/d/helios", "text": "Dashboard"},
    ]
    assert "Dashboard" not in render("sms", {}, documented())["body"]  # Google lists no documentation for SMS


def test_a_reminder_says_the_incident_is_still_open():
    assert render("email", {}, incident())["subject"].startswith("[OPENED]")
    email = render("email", {}, incident(), reminder=True)
    assert email["subject"] == "[STILL OPEN] Helios: pipeline success rate < 85%: pipeline success rate < 85%"
    assert email["body"].startswith("Still open: pipeline success rate < 85%: 33.3 % > 15 %")
    assert render("sms", {}, incident(), reminder=True)["body"].startswith("[STILL OPEN] Helios")
    assert render("email", {}, documented(), reminder=True)["subject"] == "[page] Helios runs failing on c-7"


def test_the_statement_names_the_window_the_condition_measured_over():
    windowed = incident()
    windowed["condition"]["conditionThreshold"].update(aggregations=[{"alignmentPeriod": "3600s"}], duration="300s")
    assert statement(windowed) == "pipeline success rate < 85%: 33.3 % > 15 % (aligned over 1 h, for 5 min)"
    assert render("pagerduty", {}, windowed)["payload"]["custom_details"]["window"] == "aligned over 1 h, for 5 min"


def test_what_a_forecast_predicted_stays_out_of_the_webhook():
    notice = Notice(incident(), {"horizon": "3600s", "value": "0.2"})
    assert "forecast" not in notice.payload()["incident"]
    assert render("sms", {}, notice.rendering())["body"].endswith("forecast 20 % within 1 h > 15 %")
