"""Alert evaluation in the emulator, replayed minute by minute over hand-built series written with
the official client: the seed's policies (provisioned by setup_infra) open exactly when their
condition has held for its duration, close when it stops, and notify every channel."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.api import distribution_pb2

from contract import ClientFactory, Settings, spec
from monitoring_emulator.breach import reading
from setup_infra import Infra, load_config
from tests.helpers import minute_floor, series

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
    config.write_text("[alerts]\ncritical_duration_s = 120\nrate_window_s = 600\n")
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
    assert sms == ["[OPENED] Helios: pipeline success rate < 85%: 81.5 % < 85 %"]


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
    assert outbox["email"]["message"]["subject"].startswith("[OPENED] Helios: pipeline execution time")
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
    assert opened == [5, 5]  # cpu is hot from the start, but memory only from minute 5
