"""Alert evaluation in the emulator, replayed minute by minute over hand-built series written with
the official client: the design's policies (provisioned by setup_infra) open exactly when their
condition has held for its duration, close when it stops, and notify every channel."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.api import distribution_pb2

from helios_metrics.contract import ClientFactory, Settings, spec
from helios_metrics.monitoring_emulator._notify import statement
from helios_metrics.monitoring_emulator.admin import EmulatorAdminError
from helios_metrics.monitoring_emulator.breach import reading, window
from helios_metrics.setup_infra import Infra, load_config
from tests.helpers import HELIOS, minute_floor, series

TASK = {"location": "global", "namespace": "helios", "job": "helios-metrics-collector", "task_id": "c-test"}


class Receiver:
    """A webhook endpoint on loopback that keeps what it was sent."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/helios"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture
def provisioned(pubsub_emulator, monitoring, project_id, receiver, tmp_path):
    settings = Settings(
        project_id=project_id, pubsub_emulator_host=pubsub_emulator.address, monitoring_emulator_host=monitoring.address
    )
    config = tmp_path / "infra.toml"
    # the design's static thresholds, which these tests replay (the default pages on the SLO's burn rates)
    config.write_text('[alerts]\nmode = "static"\ncritical_duration_s = 120\nrate_window_s = 600\n')
    env = {
        "HELIOS_ALERT_EMAIL": "oncall@example.com",
        "HELIOS_ALERT_SMS": "+15551234567",
        "HELIOS_SLACK_CHANNEL": "#helios",
        "HELIOS_SLACK_TOKEN": "xoxb-token",
        "HELIOS_PAGERDUTY_SERVICE_KEY": "pd-key",
        "HELIOS_ALERT_WEBHOOK_URL": receiver.url,
    }
    infra = Infra(settings, load_config(config, env=env))
    infra.apply(infra.plan(), report=lambda line: None)
    return settings


BASE = minute_floor(3 * 3600)


def at(minute: int) -> int:
    return BASE + 60 * minute


def rfc3339(minute: int) -> str:
    return datetime.fromtimestamp(at(minute), UTC).isoformat().replace("+00:00", "Z")


def write(settings: Settings, items: list) -> None:
    ClientFactory(settings).metric_service().create_time_series(
        name=f"projects/{settings.project_id}", time_series=items
    )


def one_value_distribution(value: float) -> distribution_pb2.Distribution:
    buckets = spec("pipeline_execution_time").buckets
    bounds = buckets.bounds()
    counts = [0] * (len(bounds) + 1)
    counts[sum(1 for b in bounds if value >= b)] = 1
    while counts[-1] == 0:
        counts.pop()
    dist = distribution_pb2.Distribution(count=1, mean=value, bucket_counts=counts)
    dist.bucket_options.exponential_buckets.num_finite_buckets = buckets.num_finite_buckets
    dist.bucket_options.exponential_buckets.scale = buckets.a
    dist.bucket_options.exponential_buckets.growth_factor = buckets.b
    dist.range.min = dist.range.max = value
    return dist


def replay(monitoring, project: str, minutes: range, key: str) -> tuple[list[int], list[int]]:
    """Evaluate at each minute; the minutes at which the policy ``key`` of ``project`` opened and
    closed an incident (evaluation covers every project of the emulator)."""
    opened, closed = [], []

    def mine(incident: dict) -> bool:
        return incident["scoping_project_id"] == project and incident["policy_user_labels"]["helios_key"] == key

    for minute in minutes:
        result = monitoring.admin.evaluate(rfc3339(minute), project)
        opened += [minute for i in result["opened"] if mine(i)]
        closed += [minute for i in result["closed"] if mine(i)]
    return opened, closed


def test_slow_runs_open_the_critical_alert_after_its_duration_and_close_it_when_they_stop(provisioned, monitoring):
    metric = spec("pipeline_execution_time").type
    for minute in range(1, 21):
        slow = minute in (5, 6, 7)
        value = one_value_distribution(400.0 if slow else 100.0)
        write(provisioned, [series(value, at(minute), metric, {"status": "success"}, resource_labels=TASK)])
    # the p99 over 5 minutes is above 300 s at minutes 5..11; held for 2 minutes first: opens at 7
    opened, closed = replay(monitoring, provisioned.project_id, range(1, 21), "pipeline-execution-time")
    assert (opened, closed) == ([7], [12])


def test_the_success_rate_is_a_share_of_runs_in_the_window_not_a_mean_of_rates(provisioned, monitoring):
    metric = spec("pipeline_runs").type
    for minute in range(1, 31):
        failures, successes = (10, 10) if minute in (11, 12, 13) else (1, 19)  # 20 runs a minute
        if minute in (25, 26, 27):  # few runs, all failed: a mean of per-minute rates would fire here
            failures, successes = 2, 0
        items = [series(failures, at(minute), metric, {"status": "failure"}, resource_labels=TASK)]
        if successes:
            items.append(series(successes, at(minute), metric, {"status": "success"}, resource_labels=TASK))
        write(provisioned, items)
    # successes / runs over 10 minutes: (190 - 9k) / 200 with k bad minutes in the window, below 85 % only
    # for k = 3, at minutes 13..20; held for 2 minutes first: opens at 15, closes at 21. Minutes 25..27
    # stay quiet (at 27: 133 successes in 146 runs, 91 %), where a mean of per-minute rates (66.5 %) would fire.
    opened, closed = replay(monitoring, provisioned.project_id, range(1, 31), "pipeline-success-rate")
    assert (opened, closed) == ([15], [21])
    (incident,) = [
        i
        for i in monitoring.admin.incidents()
        if i["scoping_project_id"] == provisioned.project_id
        and i["policy_user_labels"]["helios_key"] == "pipeline-success-rate"
    ]
    assert str(reading(incident)) == "81.5 % < 85 %"  # 163 of the 200 runs of minutes 6..15 succeeded
    sms = [
        n["message"]["body"]
        for n in monitoring.admin.notifications()
        if n["incident_id"] == incident["incident_id"] and n["type"] == "sms" and n["state"] == "open"
    ]
    (text,) = sms  # the policy's documentation subject (or its name), then the share against its threshold
    assert text.startswith("[OPENED] ")
    assert text.endswith(": 81.5 % < 85 %")


def test_open_and_close_are_notified_on_every_channel(provisioned, monitoring, receiver):
    metric = spec("pipeline_execution_time").type
    for minute in range(1, 12):
        value = one_value_distribution(400.0 if minute in (3, 4, 5, 6) else 100.0)
        write(provisioned, [series(value, at(minute), metric, {"status": "success"}, resource_labels=TASK)])
    opened, closed = replay(monitoring, provisioned.project_id, range(1, 12), "pipeline-execution-time")
    assert len(opened) == len(closed) == 1
    hooks = [
        m for m in receiver.received if m["incident"]["policy_user_labels"]["helios_key"] == "pipeline-execution-time"
    ]
    assert [m["incident"]["state"] for m in hooks] == ["open", "closed"]
    incident = hooks[0]["incident"]
    assert hooks[0]["version"] == "1.2"
    assert incident["policy_name"] == "Helios: pipeline execution time > 300 s"
    assert (incident["threshold_value"], float(incident["observed_value"]) > 300) == ("300", True)
    assert incident["started_at"] == at(opened[0])
    assert incident["ended_at"] is None
    assert hooks[1]["incident"]["ended_at"] == at(closed[0])
    assert incident["resource"] == {"type": "generic_task", "labels": {"project_id": provisioned.project_id}}
    assert incident["documentation"]["content"].startswith("## Pipeline runs are slow")
    outbox = {
        n["type"]: n
        for n in monitoring.admin.notifications()
        if n["incident_id"] == incident["incident_id"] and n["state"] == "open"
    }
    assert set(outbox) == {"email", "sms", "slack", "pagerduty", "webhook_tokenauth"}
    assert outbox["email"]["message"]["to"] == "oncall@example.com"
    subject = incident["documentation"]["subject"]  # rendered: the email's subject line when the policy has one
    assert outbox["email"]["message"]["subject"] == (
        subject or f"[OPENED] {incident['policy_name']}: {incident['condition_name']}"
    )
    assert outbox["slack"]["message"]["channel"] == "#helios"
    assert outbox["pagerduty"]["message"]["event_action"] == "trigger"
    assert outbox["pagerduty"]["message"]["payload"]["severity"] == "critical"
    assert len(outbox["sms"]["message"]["body"]) <= 160
    assert outbox["webhook_tokenauth"]["delivery"] == "posted"
    listed = [i for i in monitoring.admin.incidents() if i["incident_id"] == incident["incident_id"]]
    assert [(i["state"], i["ended_at"]) for i in listed] == [("closed", at(closed[0]))]


def hand_made(settings: Settings, **body) -> str:
    """A policy created with the official client (no setup_infra), returning its name."""
    from google.cloud import monitoring_v3

    client = ClientFactory(settings).alert_policy()
    policy = client.create_alert_policy(
        name=f"projects/{settings.project_id}", alert_policy=monitoring_v3.AlertPolicy({"combiner": "OR", **body})
    )
    return policy.name


def minutes_of(monitoring, project: str, name: str, minutes: range) -> tuple[list[int], list[int]]:
    opened, closed = [], []
    for minute in minutes:
        result = monitoring.admin.evaluate(rfc3339(minute), project)
        opened += [minute for i in result["opened"] if i["policy"] == name]
        closed += [minute for i in result["closed"] if i["policy"] == name]
    return opened, closed


CPU = 'metric.type = "custom.googleapis.com/helios/resource_utilization" AND resource.type = "generic_task"'


@pytest.fixture
def plain(monitoring, project_id) -> Settings:
    return Settings(project_id=project_id, monitoring_emulator_host=monitoring.address)


def test_an_absence_condition_opens_when_a_series_stops_for_its_duration(plain, monitoring):
    metric = spec("resource_utilization").type
    for minute in range(1, 11):  # data until minute 10, then nothing
        write(plain, [series(0.5, at(minute), metric, {"resource": "cpu"}, resource_labels=TASK)])
    name = hand_made(
        plain,
        display_name="collector silent",
        conditions=[{"display_name": "no data", "condition_absent": {"filter": CPU, "duration": {"seconds": 180}}}],
    )
    opened, _ = minutes_of(monitoring, plain.project_id, name, range(1, 20))
    assert opened == [13]  # the last point ends at 10: no data in (10, 13]


def test_a_percent_trigger_needs_that_share_of_series(plain, monitoring):
    metric = spec("resource_utilization").type
    for minute in range(1, 8):
        items = []
        for task in range(4):
            hot = task == 0 or (task == 1 and minute >= 4)  # one series hot, a second from minute 4
            labels = {**TASK, "task_id": f"t-{task}"}
            items.append(series(0.95 if hot else 0.2, at(minute), metric, {"resource": "cpu"}, resource_labels=labels))
        write(plain, items)
    condition = {
        "filter": CPU,
        "comparison": "COMPARISON_GT",
        "threshold_value": 0.8,
        "duration": {"seconds": 0},
        "trigger": {"percent": 50},
        "aggregations": [{"alignment_period": {"seconds": 60}, "per_series_aligner": "ALIGN_MEAN"}],
    }
    name = hand_made(
        plain, display_name="half hot", conditions=[{"display_name": "hot", "condition_threshold": condition}]
    )
    opened, _ = minutes_of(monitoring, plain.project_id, name, range(1, 8))
    assert opened == [4, 4]  # 2 of 4 series from minute 4: one incident per series


def test_an_and_combiner_needs_every_condition(plain, monitoring):
    metric = spec("resource_utilization").type
    for minute in range(1, 8):
        write(
            plain,
            [
                series(0.95, at(minute), metric, {"resource": "cpu"}, resource_labels=TASK),
                series(0.9 if minute >= 5 else 0.1, at(minute), metric, {"resource": "memory"}, resource_labels=TASK),
            ],
        )

    def hot(resource: str) -> dict:
        return {
            "display_name": resource,
            "condition_threshold": {
                "filter": f'{CPU} AND metric.labels.resource = "{resource}"',
                "comparison": "COMPARISON_GT",
                "threshold_value": 0.8,
                "duration": {"seconds": 0},
                "aggregations": [{"alignment_period": {"seconds": 60}, "per_series_aligner": "ALIGN_MEAN"}],
            },
        }

    name = hand_made(plain, display_name="both hot", combiner="AND", conditions=[hot("cpu"), hot("memory")])
    opened, _ = minutes_of(monitoring, plain.project_id, name, range(1, 8))
    # cpu is hot from the start, but memory only from minute 5; AND makes one incident ("an incident is
    # created only if all the conditions are met"), not one per condition
    assert opened == [5]


# --- ranges, repeated notifications, prompts, documentation, forecasts -----------------------------
LONG_BASE = minute_floor(6 * 3600)  # room for four hours of minutes before now


def long_at(minute: int) -> int:
    return LONG_BASE + 60 * minute


def long_rfc3339(minute: int) -> str:
    return datetime.fromtimestamp(long_at(minute), UTC).isoformat().replace("+00:00", "Z")


def cpu_every_five_minutes(settings: Settings, values: dict[str, list[float]]) -> None:
    """Each task's CPU value at minutes 0, 5, 10, … (one write per instant, all tasks in it)."""
    metric = spec("resource_utilization").type
    for index in range(max(len(v) for v in values.values())):
        write(
            settings,
            [
                series(
                    v[index], long_at(5 * index), metric, {"resource": "cpu"}, resource_labels={**TASK, "task_id": task}
                )
                for task, v in values.items()
                if index < len(v)
            ],
        )


def hot(threshold: float = 0.8, **extra) -> dict:
    """CPU above ``threshold``, as the 5-minute mean, with no retest window."""
    return {
        "display_name": "cpu hot",
        "condition_threshold": {
            "filter": CPU,
            "comparison": "COMPARISON_GT",
            "threshold_value": threshold,
            "duration": {"seconds": 0},
            "aggregations": [{"alignment_period": {"seconds": 300}, "per_series_aligner": "ALIGN_MEAN"}],
            **extra,
        },
    }


def channel(settings: Settings, type_: str, labels: dict[str, str]) -> str:
    client = ClientFactory(settings).notification_channel()
    return client.create_notification_channel(
        name=f"projects/{settings.project_id}", notification_channel={"type_": type_, "labels": labels}
    ).name


def minute_of(seconds: int) -> int:
    return (seconds - LONG_BASE) // 60


def sent_for(monitoring, incident_ids: set[str]) -> list[dict]:
    return [n for n in monitoring.admin.notifications() if n["incident_id"] in incident_ids]


def test_a_range_evaluates_every_step_as_single_evaluations_would(monitoring):
    """The same data and policies in two projects: one replayed minute by minute, one as a range."""
    pattern = [0.5, 0.9, 0.95, 0.6, 0.9, 0.9, 0.9, 0.2, 0.2, 0.85, 0.3, 0.95]  # every 5 minutes
    results = {}
    for mode in ("minutes", "range"):
        settings = Settings(
            project_id=f"test-{mode}-{uuid.uuid4().hex[:8]}", monitoring_emulator_host=monitoring.address
        )
        cpu_every_five_minutes(settings, {"t-1": pattern, "t-2": pattern[::-1]})
        held = hot(duration={"seconds": 300})
        held["display_name"] = "held 5 min"
        absent = {"display_name": "silent", "condition_absent": {"filter": CPU, "duration": {"seconds": 600}}}
        names = {
            hand_made(settings, display_name="hot", conditions=[hot()]): "hot",
            hand_made(settings, display_name="held", conditions=[held]): "held",
            hand_made(settings, display_name="silent", conditions=[absent]): "silent",
        }
        found: list[tuple[str, str, int]] = []
        if mode == "minutes":
            for minute in range(1, 80):
                result = monitoring.admin.evaluate(long_rfc3339(minute), settings.project_id)
                found += [("opened", names[i["policy"]], minute) for i in result["opened"]]
                found += [("closed", names[i["policy"]], minute) for i in result["closed"]]
        else:
            result = monitoring.admin.evaluate_range(long_rfc3339(1), long_rfc3339(79), "60s", settings.project_id)
            assert result["evaluations"] == 79
            found += [("opened", names[i["policy"]], minute_of(i["started_at"])) for i in result["opened"]]
            found += [("closed", names[i["policy"]], minute_of(i["ended_at"])) for i in result["closed"]]
            assert all(i["state"] == "open" for i in result["opened"])  # each as it was when it opened
        results[mode] = sorted(found)
    assert results["range"] == results["minutes"]
    assert ("opened", "silent", 65) in results["range"]  # the last points (minute 55) leave the window at 65
    assert {what for what, _, _ in results["range"]} == {"opened", "closed"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T01:00:00Z", "step": "0s"}, "step"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T01:00:00Z", "step": "a minute"}, "step"),
        ({"from": "2026-01-01T01:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to: "),
        ({"from": "2026-01-01T00:00:00Z"}, "to: a range needs both from and to"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T00:01:00Z", "now": "2026-01-01T00:00:00Z"}, "now:"),
        ({"from": "yesterday", "to": "2026-01-01T00:00:00Z"}, "from: not an RFC 3339 time"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-12-31T00:00:00Z", "step": "60s"}, "at most 100000"),
    ],
)
def test_a_malformed_range_is_refused_naming_the_field(monitoring, body, message):
    with pytest.raises(EmulatorAdminError) as caught:
        monitoring.admin._call("POST", "/admin/alerts/evaluate", body)
    assert caught.value.status == 400
    assert message in str(caught.value)


def test_an_incident_still_open_notifies_again_every_renotify_interval_and_prompts_are_honoured(plain, monitoring):
    # hot (0.95) at minutes 0..100, cool from 105: the 5-minute mean is hot from minute 1 to 104
    cpu_every_five_minutes(plain, {"t-1": [0.95] * 21 + [0.2] * 6})
    email = channel(plain, "email", {"email_address": "oncall@example.com"})
    quiet = channel(plain, "email", {"email_address": "quiet@example.com"})
    reminded = hand_made(
        plain,
        display_name="reminded",
        conditions=[hot()],
        notification_channels=[email, quiet],
        alert_strategy={
            "notification_channel_strategy": [
                {"notification_channel_names": [email], "renotify_interval": {"seconds": 1800}}
            ]
        },
    )
    opened_only = hand_made(
        plain,
        display_name="opened only",
        conditions=[hot()],
        notification_channels=[email],
        alert_strategy={"notification_prompts": ["OPENED"]},
    )
    result = monitoring.admin.evaluate_range(long_rfc3339(1), long_rfc3339(130), "60s", plain.project_id)
    incidents = {i["policy"]: i for i in result["opened"]}
    assert {p: minute_of(i["started_at"]) for p, i in incidents.items()} == {reminded: 1, opened_only: 1}
    assert sorted((i["policy"], minute_of(i["ended_at"])) for i in result["closed"]) == sorted(
        [(reminded, 105), (opened_only, 105)]
    )
    ids = {p: i["incident_id"] for p, i in incidents.items()}
    by_incident = {
        p: [
            (n["channel"], n["state"], minute_of(n["at"]), n.get("reminder", False))
            for n in sent_for(monitoring, {ident})
        ]
        for p, ident in ids.items()
    }
    # reminders to the channel with the interval, 30 minutes apart while the incident is open, none after it closed
    assert by_incident[reminded] == [
        (email, "open", 1, False),
        (quiet, "open", 1, False),
        (email, "open", 31, True),
        (email, "open", 61, True),
        (email, "open", 91, True),
        (email, "closed", 105, False),
        (quiet, "closed", 105, False),
    ]
    assert by_incident[opened_only] == [(email, "open", 1, False)]  # prompts [OPENED]: no closing notification
    reminder = next(n for n in sent_for(monitoring, {ids[reminded]}) if n.get("reminder"))
    assert reminder["message"]["subject"] == "[STILL OPEN] reminded: cpu hot"
    assert reminder["message"]["body"].startswith("Still open: cpu hot: 0.95 > 0.8")


def test_every_channel_carries_the_documentation_rendered(plain, monitoring, receiver):
    cpu_every_five_minutes(plain, {"c-7": [0.95] * 3})
    channels = [
        channel(plain, "email", {"email_address": "oncall@example.com"}),
        channel(plain, "slack", {"channel_name": "#helios", "auth_token": "xoxb-token"}),
        channel(plain, "pagerduty", {"service_key": "pd-key"}),
        channel(plain, "sms", {"number": "+15551234567"}),
        channel(plain, "webhook_tokenauth", {"url": receiver.url}),
    ]
    name = hand_made(
        plain,
        display_name="CPU on fire",
        user_labels={"team": "store"},
        conditions=[hot()],
        notification_channels=channels,
        documentation={
            "subject": "[${policy.user_label.team}] ${policy.display_name} on ${resource.label.task_id}",
            "content": "## ${condition.display_name}\n\n${metric.type} ${metric.label.resource} in ${project}; "
            "$${literal} ${not.a.variable}",
            "links": [
                {"display_name": "Runbook", "url": "https://runbooks.example.com/cpu?task=${resource.label.task_id}"}
            ],
        },
    )
    monitoring.admin.evaluate_range(long_rfc3339(1), long_rfc3339(3), "60s", plain.project_id)
    (hook,) = [m for m in receiver.received if m["incident"]["policy_name"] == "CPU on fire"]
    subject = "[store] CPU on fire on c-7"
    content = (
        "## cpu hot\n\ncustom.googleapis.com/helios/resource_utilization cpu in "
        f"{plain.project_id}; ${{literal}} ${{not.a.variable}}"
    )
    runbook = "https://runbooks.example.com/cpu?task=c-7"
    assert hook["incident"]["documentation"] == {
        "content": content,
        "mime_type": "text/markdown",
        "subject": subject,
        "links": [{"display_name": "Runbook", "url": runbook}],
    }
    assert set(hook["incident"]) == set(HOOK_FIELDS)  # Google's fields, nothing of the emulator's own
    (stored,) = [i for i in monitoring.admin.incidents() if i["policy"] == name]
    assert stored["documentation"]["subject"].startswith("[${policy.user_label.team}]")  # kept as written
    sent = {
        n["type"]: n.get("message")
        for n in monitoring.admin.notifications()
        if n["incident_id"] == stored["incident_id"]
    }
    assert set(sent) == {"email", "slack", "pagerduty", "sms", "webhook_tokenauth"}
    assert sent["email"]["subject"] == subject
    assert content in sent["email"]["body"]
    assert f"Links:\n- Runbook: {runbook}" in sent["email"]["body"]
    assert sent["slack"]["text"] == subject
    assert sent["slack"]["attachments"][0]["fields"] == [
        {"title": "Documentation", "value": content, "short": False},
        {"title": "Links", "value": f"<{runbook}|Runbook>", "short": False},
    ]
    assert sent["pagerduty"]["payload"]["summary"] == subject
    assert sent["pagerduty"]["payload"]["custom_details"]["documentation"] == content
    assert {"href": runbook, "text": "Runbook"} in sent["pagerduty"]["links"]
    assert sent["sms"]["body"] == f"[OPENED] {subject}: 0.95 > 0.8"  # the subject, not the content


HOOK_FIELDS = (
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
)


def test_a_forecast_opens_before_a_rising_series_crosses_and_never_on_a_flat_one(plain, monitoring, receiver):
    # every 5 minutes for 4 hours: one task rising 0.01 per 5 minutes from 0.5 (above 0.9 from minute 205),
    # one flat at 0.85
    rising = [0.5 + 0.01 * i for i in range(49)]
    cpu_every_five_minutes(plain, {"rising": rising, "flat": [0.85] * 49})
    hook = channel(plain, "webhook_tokenauth", {"url": receiver.url})
    name = hand_made(
        plain,
        display_name="CPU forecast",
        conditions=[hot(0.9, forecast_options={"forecast_horizon": {"seconds": 3600}})],
        notification_channels=[hook],
    )
    result = monitoring.admin.evaluate_range(long_rfc3339(1), long_rfc3339(240), "60s", plain.project_id)
    opened = [i for i in result["opened"] if i["policy"] == name]
    # the 5-minute means fall on a line (0.12 an hour); an hour ahead it passes 0.9 once the newest
    # point is past minute 140: at minute 145, an hour before the series itself crosses (minute 205)
    assert [(i["resource"]["labels"]["task_id"], minute_of(i["started_at"])) for i in opened] == [("rising", 145)]
    assert [i for i in result["closed"] if i["policy"] == name] == []  # the series then crosses for real
    (incident,) = opened
    assert incident["summary"].endswith(
        "is forecast to be above the threshold of 0.900 within 1 h, with a forecast value of 0.910."
    )
    assert incident["observed_value"] == "0.91"
    assert incident["forecast"] == {"horizon": "3600s", "value": "0.91", "measured": "0.79"}
    assert str(reading(incident)) == "forecast 0.91 within 1 h > 0.9"
    (sent,) = [m["incident"] for m in receiver.received if m["incident"]["incident_id"] == incident["incident_id"]]
    assert "forecast" not in sent  # Google's payload: the summary says it was a forecast
    assert sent["condition"]["conditionThreshold"]["forecastOptions"] == {"forecastHorizon": "3600s"}


def burst_slo(settings: Settings) -> str:
    """A run every 12 minutes for 8 hours up to minute 239, every run of the last hour failing (as
    the collector writes pipeline_run_count), and a run-success SLO (85 %, a rolling day) on them."""
    factory = ClientFactory(settings)
    project = settings.project_id
    runs = f"{HELIOS}/pipeline_run_count"
    factory.metric_service().create_metric_descriptor(
        name=f"projects/{project}",
        metric_descriptor={"type": runs, "metric_kind": "CUMULATIVE", "value_type": "INT64", "unit": "1"},
    )
    end = long_at(240)
    totals = {"success": 0, "failure": 0}
    for index in range(40):
        when = end - 60 - 720 * (39 - index)
        totals["failure" if index >= 35 else "success"] += 1
        factory.metric_service().create_time_series(
            name=f"projects/{project}",
            time_series=[
                {
                    "metric": {"type": runs, "labels": {"status": status}},
                    "resource": {"type": "global", "labels": {"project_id": project}},
                    "points": [
                        {
                            "interval": {"start_time": {"seconds": end - 30000}, "end_time": {"seconds": when}},
                            "value": {"int64_value": total},
                        }
                    ],
                }
                for status, total in totals.items()
            ],
        )
    slos = factory.service_monitoring()
    service = slos.create_service(
        request={"parent": f"projects/{project}", "service_id": "helios", "service": {"custom": {}}}
    )
    ratio = {
        "good_service_filter": f'metric.type = "{runs}" AND metric.labels.status = "success"',
        "total_service_filter": f'metric.type = "{runs}"',
    }
    return slos.create_service_level_objective(
        request={
            "parent": service.name,
            "service_level_objective_id": "run-success",
            "service_level_objective": {
                "goal": 0.85,
                "rolling_period": {"seconds": 86400},
                "service_level_indicator": {"request_based": {"good_total_ratio": ratio}},
            },
        }
    ).name


def burning(slo: str, name: str, lookback: str, threshold: float = 6) -> dict:
    return {
        "display_name": name,
        "condition_threshold": {
            "filter": f'select_slo_burn_rate("{slo}", "{lookback}")',
            "comparison": "COMPARISON_GT",
            "threshold_value": threshold,
            "duration": {"seconds": 0},
        },
    }


def test_of_two_burn_rate_windows_the_incident_shows_which_one_tripped(plain, monitoring):
    """Every run of the last hour failing burns 1/0.15 = 6.7× over the hour, 5 failures in 40 runs
    (0.8×) over six. Of a fast (1 h) and a slow (6 h) burn-rate condition, only the fast one opens,
    and what the operator reads names its lookback."""
    slo = burst_slo(plain)
    email = channel(plain, "email", {"email_address": "oncall@example.com"})
    hand_made(
        plain,
        display_name="Budget burn",
        conditions=[burning(slo, "fast burn", "3600s"), burning(slo, "slow burn", "21600s")],
        notification_channels=[email],
    )
    result = monitoring.admin.evaluate_range(long_rfc3339(240), long_rfc3339(240), "60s", plain.project_id)
    (incident,) = result["opened"]
    assert incident["condition_name"] == "fast burn"
    assert '"3600s"' in incident["condition"]["conditionThreshold"]["filter"]  # Google's field, as the API returns it
    assert window(incident) == "lookback 1 h"
    assert statement(incident) == "fast burn: 6.66667 > 6 (lookback 1 h)"
    (sent,) = [n for n in monitoring.admin.notifications() if n["incident_id"] == incident["incident_id"]]
    assert sent["message"]["body"].startswith("fast burn: 6.66667 > 6 (lookback 1 h)")


def test_burn_rate_conditions_in_a_range_open_and_close_as_minute_by_minute(monitoring):
    """A range reuses a selector's value while the SLI's points in its lookback stay the same: the
    same minutes as evaluating each minute on its own, in a project of its own."""
    found = {}
    for mode in ("minutes", "range"):
        settings = Settings(
            project_id=f"test-{mode}-{uuid.uuid4().hex[:8]}", monitoring_emulator_host=monitoring.address
        )
        slo = burst_slo(settings)
        conditions = [burning(slo, "1 h over 2", "3600s", 2), burning(slo, "20 min over 3", "1200s", 3)]
        hand_made(settings, display_name="burn", conditions=conditions)
        events: list[tuple[str, str, int]] = []
        if mode == "minutes":
            for minute in range(150, 331):
                result = monitoring.admin.evaluate(long_rfc3339(minute), settings.project_id)
                events += [("opened", i["condition_name"], minute) for i in result["opened"]]
                events += [("closed", i["condition_name"], minute) for i in result["closed"]]
        else:
            result = monitoring.admin.evaluate_range(long_rfc3339(150), long_rfc3339(330), "60s", settings.project_id)
            events += [("opened", i["condition_name"], minute_of(i["started_at"])) for i in result["opened"]]
            events += [("closed", i["condition_name"], minute_of(i["ended_at"])) for i in result["closed"]]
        found[mode] = sorted(events)
    assert found["range"] == found["minutes"]
    assert {what for what, _, _ in found["range"]} == {"opened", "closed"}  # each lookback opens, then closes
