"""What operators read about an incident, through the emulator's HTTP side: a success-share breach
stated as percentages with its comparison in every notification and on the console, Google's own
fields left as Google sends them, and the link each notification carries answering with a page
that shows that incident (its condition, series, runbook and notifications)."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from google.cloud import monitoring_v3

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.monitoring_emulator.breach import Reading, reading
from tests.helpers import HELIOS, declare_runs_metric, minute_floor, series

RUNS = f'metric.type = "{HELIOS}/pipeline_runs" AND resource.type = "generic_task"'
TASK = {"location": "global", "namespace": "helios", "job": "collector", "task_id": "c-pages"}
BASE = minute_floor(2 * 3600)
RUNBOOK = (
    "## Pipeline runs are failing\n\nFewer than 85% of runs succeeded.\n\n**What to do**\n\n"
    "1. Helios dashboard → success rate.\n2. Read the stage's logs.\n\n_Managed by `setup_infra`._"
)


def rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode()


def text_of(page: str) -> str:
    """The page as a person reads it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def incident(monitoring, settings: Settings, factory: ClientFactory) -> dict:
    """A success-share policy (success runs over all runs < 85 %) with four outbox channels, and
    ten minutes of two successes and one failure a minute: one incident at 66.7 %."""
    project = settings.project_id
    declare_runs_metric(factory, project)
    channels = factory.notification_channel()
    names = [
        channels.create_notification_channel(
            name=f"projects/{project}", notification_channel={"type_": kind, "labels": labels}
        ).name
        for kind, labels in (
            ("email", {"email_address": "oncall@example.com"}),
            ("sms", {"number": "+15551234567"}),
            ("slack", {"channel_name": "#helios", "auth_token": "xoxb-1"}),
            ("pagerduty", {"service_key": "pd-1"}),
        )
    ]
    window = {
        "alignment_period": {"seconds": 600},
        "per_series_aligner": "ALIGN_SUM",
        "cross_series_reducer": "REDUCE_SUM",
    }
    factory.alert_policy().create_alert_policy(
        name=f"projects/{project}",
        alert_policy=monitoring_v3.AlertPolicy(
            {
                "display_name": "Helios: pipeline success rate < 85%",
                "combiner": "OR",
                "notification_channels": names,
                "documentation": {"content": RUNBOOK, "mime_type": "text/markdown"},
                "conditions": [
                    {
                        "display_name": "pipeline success rate < 85%",
                        "condition_threshold": {
                            "filter": f'{RUNS} AND metric.labels.status = "success"',
                            "denominator_filter": RUNS,
                            "aggregations": [window],
                            "denominator_aggregations": [window],
                            "comparison": "COMPARISON_LT",
                            "threshold_value": 0.85,
                            "duration": {"seconds": 0},
                        },
                    }
                ],
            }
        ),
    )
    metrics = factory.metric_service()
    runs = f"{HELIOS}/pipeline_runs"
    for minute in range(1, 11):
        end = BASE + 60 * minute
        metrics.create_time_series(
            name=f"projects/{project}",
            time_series=[
                series(2, end, runs, {"status": "success"}, resource_labels=TASK),
                series(1, end, runs, {"status": "failure"}, resource_labels=TASK),
            ],
        )
    (opened,) = monitoring.admin.evaluate(rfc3339(BASE + 600), project)["opened"]
    return opened


def test_a_success_share_reads_as_percentages_against_its_threshold(incident):
    assert reading(incident) == Reading("66.7 %", "< 85 %")
    assert str(reading(incident)) == "66.7 % < 85 %"
    # Google's fields stay numbers, and the summary is worded as Google words it
    assert (incident["observed_value"], incident["threshold_value"]) == ("0.666667", "0.85")
    project = incident["scoping_project_id"]
    assert incident["summary"] == (
        f"pipeline_runs for {project} Generic Task labels {{project_id={project}}} with metric labels {{}} "
        "is below the threshold of 0.850 with a value of 0.667."
    )


def test_every_notification_states_the_share_and_none_the_bare_ratio(incident, monitoring):
    sent = {
        n["type"]: n["message"] for n in monitoring.admin.notifications() if n["incident_id"] == incident["incident_id"]
    }
    assert set(sent) == {"email", "sms", "slack", "pagerduty"}
    email = sent["email"]
    assert email["body"].startswith("pipeline success rate < 85%: 66.7 % < 85 %")
    assert "1. Helios dashboard → success rate." in email["body"].splitlines()  # text, not escapes
    assert email["body"].endswith(f"View incident: {incident['url']}")
    assert sent["sms"]["body"] == "[OPENED] Helios: pipeline success rate < 85%: 66.7 % < 85 %"
    (attachment,) = sent["slack"]["attachments"]
    assert (attachment["text"], attachment["title_link"]) == (
        "pipeline success rate < 85%: 66.7 % < 85 % (aligned over 10 min)",  # and what it measured over
        incident["url"],
    )
    details = sent["pagerduty"]["payload"]["custom_details"]
    assert (details["observed"], details["threshold"], details["window"]) == ("66.7 %", "< 85 %", "aligned over 10 min")
    for message in sent.values():
        assert "0.666667" not in str(message)


def test_the_link_in_a_notification_opens_a_page_showing_that_incident(incident, monitoring):
    assert incident["url"] == f"{monitoring.http_url}/incidents/{incident['incident_id']}"
    status, page = fetch(incident["url"])
    assert status == 200
    shown = " ".join(text_of(page).split())
    assert "Helios: pipeline success rate < 85%" in shown
    assert "observed vs threshold 66.7 % < 85 %" in shown
    assert "state open" in shown
    assert "still open" in shown
    assert f"metric {HELIOS}/pipeline_runs" in shown
    assert f"project_id={incident['scoping_project_id']}" in shown
    # the runbook rendered: a heading, a numbered list, the arrow as a character
    assert "<h4>Pipeline runs are failing</h4>" in page
    assert "<li>Helios dashboard → success rate.</li>" in page
    assert "<code>setup_infra</code>" in page
    # its notifications, and the condition's chart
    for kind in ("email", "sms", "slack", "pagerduty"):
        assert f"<td>{kind}</td>" in page
    assert "<svg" in page.split("The condition around the incident", 1)[1]


def test_the_incidents_list_links_each_incident_to_its_page(incident, monitoring):
    _, listing = fetch(f"{monitoring.http_url}/incidents")
    assert f'href="/incidents/{incident["incident_id"]}"' in listing
    assert "66.7 % &lt; 85 %" in listing


def test_an_unknown_incident_is_not_found(monitoring):
    status, _ = fetch(f"{monitoring.http_url}/incidents/0.doesnotexist")
    assert status == 404


def test_the_outbox_page_shows_message_bodies_as_text(incident, monitoring):
    _, page = fetch(f"{monitoring.http_url}/notifications")
    assert "→" in page
    assert "\\u2192" not in page
    assert "\\n" not in page
    assert f'href="/incidents/{incident["incident_id"]}"' in page
    _, admin = fetch(f"{monitoring.http_url}/admin/notifications")  # the stored record, as JSON text
    assert "Helios dashboard → success rate." in admin
    assert "\\u2192" not in admin


def plot_of(page: str) -> str:
    return page.split('id="plot"', 1)[1]


def test_the_explorer_opens_on_a_query_that_works(incident, monitoring):
    _, anywhere = fetch(f"{monitoring.http_url}/explorer")
    assert "The query fails" not in anywhere
    project = incident["scoping_project_id"]
    _, page = fetch(f"{monitoring.http_url}/explorer?project={project}&range=1d")
    assert "The query fails" not in page
    assert "<svg" in plot_of(page)
    assert "<option selected>ALIGN_MEAN</option>" in page  # an aligner pipeline_runs (INT64) accepts


def test_a_distribution_metric_opens_with_an_aligner_it_accepts(monitoring, settings, factory):
    durations = f"{HELIOS}/stage_duration"
    factory.metric_service().create_metric_descriptor(
        name=f"projects/{settings.project_id}",
        metric_descriptor={"type": durations, "metric_kind": "GAUGE", "value_type": "DISTRIBUTION", "unit": "s"},
    )
    _, page = fetch(f"{monitoring.http_url}/explorer?project={settings.project_id}")
    assert "The query fails" not in page
    assert "<option selected>ALIGN_PERCENTILE_50</option>" in page
    assert "<option>ALIGN_MEAN</option>" not in page  # not offered: a distribution has no mean aligner


def test_the_explorer_offers_only_what_the_emulator_implements(incident, monitoring):
    project = incident["scoping_project_id"]
    _, page = fetch(f"{monitoring.http_url}/explorer?project={project}")
    offered = re.findall(r"<option(?: selected)?>(ALIGN_\w+)</option>", page)
    assert {"ALIGN_INTERPOLATE", "ALIGN_PERCENT_CHANGE"} <= set(offered)  # both implemented now
    for aligner in offered:  # whatever is offered runs
        _, shown = fetch(f"{monitoring.http_url}/explorer?project={project}&range=1d&aligner={aligner}&period=60")
        assert "The query fails" not in shown, aligner
    query = "aligner=ALIGN_PERCENT_CHANGE&period=60&reducer=REDUCE_SUM&group_by=metric.labels.status"
    _, changed = fetch(f"{monitoring.http_url}/explorer?project={project}&range=1d&{query}")
    assert "The query fails" not in changed
    assert "<svg" in plot_of(changed)
    assert "% change" in plot_of(changed)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=abc", "period: a whole number of seconds, at least 60, is needed; got 'abc'"),
        ("period=30", "period: alignment periods are at least 60 seconds; got 30"),
        ("filter=metric.labels.stage+%3D", "filter: expected a value at position 21, found the end of the filter"),
        ("filter=metric.labels.status+%3D+%22success%22+)", "filter: unexpected ')' at position 33"),
        ("aligner=ALIGN_SOMETIMES", "aligner: 'ALIGN_SOMETIMES' is not one the emulator implements"),
        ("aligner=ALIGN_NONE&group_by=metric.labels.status", "group by: grouping needs an aligner and a reducer"),
        ("metric=custom.googleapis.com/helios/nothing", "metric: project"),
    ],
)
def test_explorer_inputs_are_checked_with_a_message_naming_the_field(incident, monitoring, query, message):
    project = incident["scoping_project_id"]
    _, page = fetch(f"{monitoring.http_url}/explorer?project={project}&{query}")
    shown = html.unescape(plot_of(page))
    assert f"The query fails: {message}" in shown
    assert "invalid literal" not in shown
