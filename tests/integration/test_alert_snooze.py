"""Evaluation honours snoozes as Google documents them: while a snooze covers a policy it creates
no incidents and sends no notifications, and the incidents it had open close (silently: a snoozed
policy notifies nothing); once the snooze ends, evaluation resumes and a condition still holding
opens a new incident, notified as any other.

The evaluator is given the snooze checks the snooze service provides (``snoozed(project, policy,
t)`` for a whole policy, ``snooze_covers`` for a snooze whose filter names some series): first a
plain function over a list of windows, so the rule is tested on its own at chosen instants, then
the real SnoozeService through the official client — all with the real store, policy service,
channels and notifier of an emulator run in-process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from helios_metrics.contract import ClientFactory, Settings, spec
from helios_metrics.contract.units import NS
from helios_metrics.monitoring_emulator._alerting import AlertEvaluator
from helios_metrics.monitoring_emulator._notify import Notifier
from helios_metrics.monitoring_emulator._objects import Projects
from helios_metrics.monitoring_emulator._server import Emulator, EmulatorConfig
from tests.helpers import TASK, minute_floor, series

BASE = minute_floor(4 * 3600)
CPU = 'metric.type = "custom.googleapis.com/helios/resource_utilization" AND resource.type = "generic_task"'


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    running = Emulator(EmulatorConfig(port=0, http_port=0, evaluate_every_s=0))
    running.start()
    yield running
    running.stop()


def at(minute: int) -> int:
    return (BASE + 60 * minute) * NS


def test_a_snooze_closes_silently_suppresses_and_then_evaluation_resumes(emulator, project_id):
    settings = Settings(project_id=project_id, monitoring_emulator_host=emulator.address)
    factory = ClientFactory(settings)
    metric = spec("resource_utilization").type
    for minute in range(0, 121, 5):  # hot all along: the condition holds at every minute
        factory.metric_service().create_time_series(
            name=f"projects/{project_id}",
            time_series=[series(0.95, BASE + 60 * minute, metric, {"resource": "cpu"}, resource_labels=TASK)],
        )
    email = factory.notification_channel().create_notification_channel(
        name=f"projects/{project_id}",
        notification_channel={"type_": "email", "labels": {"email_address": "oncall@example.com"}},
    )
    condition = {
        "filter": CPU,
        "comparison": "COMPARISON_GT",
        "threshold_value": 0.8,
        "duration": {"seconds": 0},
        "aggregations": [{"alignment_period": {"seconds": 300}, "per_series_aligner": "ALIGN_MEAN"}],
    }
    strategy = {"notification_channel_names": [email.name], "renotify_interval": {"seconds": 1800}}
    policy = factory.alert_policy().create_alert_policy(
        name=f"projects/{project_id}",
        alert_policy={
            "display_name": "hot",
            "combiner": "OR",
            "conditions": [{"display_name": "cpu hot", "condition_threshold": condition}],
            "notification_channels": [email.name],
            "alert_strategy": {"notification_channel_strategy": [strategy]},
        },
    )
    windows = [(policy.name, at(20), at(75))]  # snoozed from minute 20 until (not including) minute 75
    asked: list[tuple[str, str, int]] = []

    def snoozed(project: str, name: str, instant: int) -> bool:
        asked.append((project, name, instant))
        return any(name == p and start <= instant < end for p, start, end in windows)

    notifier = Notifier()
    evaluator = AlertEvaluator(
        emulator.store,
        Projects(emulator.store),
        emulator.policies.policies,
        emulator.channels,
        notifier,
        lambda: emulator.http_url,
        snoozed=snoozed,
    )
    result = evaluator.evaluate_range(at(1), at(110), 60 * NS, project_id)

    def minute(seconds: int) -> int:
        return (seconds - BASE) // 60

    assert [minute(i["started_at"]) for i in result["opened"]] == [1, 75]  # resumes when the snooze ends
    assert [(minute(i["ended_at"]), i["close_reason"]) for i in result["closed"]] == [(20, "snoozed")]
    # opened at 1; closed at 20 without a notification; nothing while snoozed (no reminder at 31);
    # a new incident at 75, reminded 30 minutes later
    sent = [(n["state"], minute(n["at"]), n.get("reminder", False)) for n in notifier.sent]
    assert sent == [("open", 1, False), ("open", 75, False), ("open", 105, True)]
    assert (project_id, policy.name, at(20)) in asked  # the check gets the project, the policy's name, the instant
    assert [i["state"] for i in evaluator.incidents() if i["policy"] == policy.name] == ["closed", "open"]


def test_a_snooze_with_a_filter_covers_only_its_series(emulator, project_id):
    """Through the official SnoozeServiceClient: a snooze whose filter names one task closes and
    holds back that task's incident only; the other task's stays open and notified."""
    settings = Settings(project_id=project_id, monitoring_emulator_host=emulator.address)
    factory = ClientFactory(settings)
    base = int(time.time()) // 60 * 60  # a whole minute; the snooze must start in the future
    metric = spec("resource_utilization").type
    for minute in range(-30, -19):  # both tasks report until 20 minutes before base, then fall silent
        factory.metric_service().create_time_series(
            name=f"projects/{project_id}",
            time_series=[
                series(0.5, base + 60 * minute, metric, {"resource": "cpu"}, resource_labels={**TASK, "task_id": task})
                for task in ("t-1", "t-2")
            ],
        )
    email = factory.notification_channel().create_notification_channel(
        name=f"projects/{project_id}",
        notification_channel={"type_": "email", "labels": {"email_address": "oncall@example.com"}},
    )
    policy = factory.alert_policy().create_alert_policy(
        name=f"projects/{project_id}",
        alert_policy={
            "display_name": "silent",
            "combiner": "OR",
            "conditions": [
                {"display_name": "no cpu", "condition_absent": {"filter": CPU, "duration": {"seconds": 300}}}
            ],
            "notification_channels": [email.name],
        },
    )
    factory.snooze().create_snooze(
        parent=f"projects/{project_id}",
        snooze={
            "display_name": "t-1 maintenance",
            "criteria": {"policies": [policy.name], "filter": 'resource.labels.task_id = "t-1"'},
            "interval": {"start_time": {"seconds": base + 120}, "end_time": {"seconds": base + 1200}},
        },
    )
    notifier = Notifier()
    evaluator = AlertEvaluator(
        emulator.store,
        Projects(emulator.store),
        emulator.policies.policies,
        emulator.channels,
        notifier,
        lambda: emulator.http_url,
        snoozed=emulator.snoozes.active,
        snooze_covers=emulator.snoozes.covers,
    )
    result = evaluator.evaluate_range((base - 600) * NS, (base + 2400) * NS, 60 * NS, project_id)

    def task_minute(incident: dict, field: str) -> tuple[str, int]:
        return incident["resource"]["labels"]["task_id"], (incident[field] - base) // 60

    assert sorted(task_minute(i, "started_at") for i in result["opened"]) == [("t-1", -10), ("t-1", 20), ("t-2", -10)]
    assert [(task_minute(i, "ended_at"), i["close_reason"]) for i in result["closed"]] == [(("t-1", 2), "snoozed")]
    assert sorted((n["state"], (n["at"] - base) // 60) for n in notifier.sent) == [
        ("open", -10),
        ("open", -10),
        ("open", 20),
    ]
