"""``python -m setup_infra snooze`` against the Monitoring emulator through the official clients:
every managed policy snoozed (more than Google's 16 a snooze: two snoozes, said so), hand-made
policies left alone, a chosen policy snoozed later, listed while active or scheduled, cancelled as
Google allows (UpdateSnooze of the interval), and misuse refused in one line."""

from __future__ import annotations

import json
import time

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.setup_infra.__main__ import main
from helios_metrics.setup_infra.model import MANAGED_BY
from helios_metrics.setup_infra.snooze import parse_time, rfc3339

MANAGED = 18  # more than the 16 a snooze may cover
RUNS = 'metric.type = "custom.googleapis.com/helios/pipeline_runs" AND resource.type = "generic_task"'


def policy(key: str, managed: bool = True) -> dict:
    labels = {**MANAGED_BY, "helios_key": key} if managed else {"owner": "someone"}
    return {
        "display_name": f"policy {key}",
        "combiner": "OR",
        "conditions": [
            {
                "display_name": "c",
                "condition_threshold": {
                    "filter": RUNS,
                    "comparison": "COMPARISON_GT",
                    "threshold_value": 1.0,
                    "duration": "0s",
                },
            }
        ],
        "user_labels": labels,
    }


@pytest.fixture
def policies(settings: Settings, factory: ClientFactory, monkeypatch) -> dict[str, str]:
    """key -> name of the managed policies; one hand-made policy besides. The shell points at the emulator."""
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", settings.project_id)
    monkeypatch.setenv("MONITORING_EMULATOR_HOST", settings.monitoring_emulator_host or "")
    client, parent = factory.alert_policy(), f"projects/{settings.project_id}"
    client.create_alert_policy(name=parent, alert_policy=policy("hand-made", managed=False))
    return {
        key: client.create_alert_policy(name=parent, alert_policy=policy(key)).name
        for key in (f"p-{i:02d}" for i in range(MANAGED))
    }


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def snoozes(factory: ClientFactory, settings: Settings) -> list:
    return list(factory.snooze().list_snoozes(parent=f"projects/{settings.project_id}"))


def test_every_managed_policy_is_snoozed_in_two_snoozes_listed_and_cancelled(policies, factory, settings, capsys):
    status, out, _ = run(capsys, "snooze", "--for", "1h", "--reason", "deploy v2.3", "--json")
    assert status == 0
    made = json.loads(out)
    assert [len(s["covers"]) for s in made["snoozes"]] == [16, 2]
    assert sorted(k for s in made["snoozes"] for k in s["covers"]) == sorted(policies)
    assert made["notes"] == ["Google allows at most 16 policies per snooze: 18 policies in 2 snoozes"]
    assert {s["state"] for s in made["snoozes"]} == {"active"}
    stored = snoozes(factory, settings)
    assert sorted(n for s in stored for n in s.criteria.policies) == sorted(policies.values())  # not the hand-made one
    assert sorted(s.display_name for s in stored) == ["deploy v2.3 (1/2)", "deploy v2.3 (2/2)"]
    for snooze in stored:
        length = snooze.interval.end_time.timestamp() - snooze.interval.start_time.timestamp()
        assert length == 3600

    status, out, _ = run(capsys, "snooze", "list")
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert all(" active until " in line and "deploy v2.3" in line for line in lines)

    status, out, _ = run(capsys, "snooze", "cancel", "all")
    assert status == 0
    assert sorted(line.split()[1] for line in out.splitlines()) == sorted(s.name for s in stored)
    time.sleep(1.5)  # cancelling ends a snooze one second from now, as gcloud does
    assert run(capsys, "snooze", "list")[1] == "No active or scheduled snoozes of managed alert policies.\n"
    assert all(s.interval.end_time.timestamp() < time.time() for s in snoozes(factory, settings))
    assert run(capsys, "snooze", "cancel", "all")[1].startswith("Nothing to cancel")


def test_a_chosen_policy_snoozed_later_lists_as_scheduled_and_cancels_by_id(policies, factory, settings, capsys):
    start = rfc3339(time.time() + 3600)
    status, out, _ = run(
        capsys, "snooze", "--for", "30m", "--reason", "db migration", "--policy", "p-03", "--start", start
    )
    assert status == 0
    (line,) = out.splitlines()
    assert line.startswith("snoozed projects/")
    assert f"scheduled from {start} to {rfc3339(parse_time(start) + 1800)} (30 min)" in line
    assert line.endswith("covers 1: p-03")
    (stored,) = snoozes(factory, settings)
    assert list(stored.criteria.policies) == [policies["p-03"]]
    listed = json.loads(run(capsys, "snooze", "list", "--json")[1])["snoozes"]
    assert [(s["name"], s["state"], s["covers"]) for s in listed] == [(stored.name, "scheduled", ["p-03"])]

    status, out, _ = run(capsys, "snooze", "cancel", stored.name.rsplit("/", 1)[1])
    assert (status, out.split()[:2]) == (0, ["cancelled", stored.name])
    cancelled = factory.snooze().get_snooze(name=stored.name)
    assert cancelled.interval.start_time == cancelled.interval.end_time  # never starts
    assert cancelled.interval.end_time.timestamp() <= time.time() + 2


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["snooze", "--for", "1h"], "error: snooze: --for and --reason are required"),
        (["snooze", "--for", "an hour", "--reason", "x"], "error: --for: expected a duration"),
        (
            ["snooze", "--for", "1h", "--reason", "x", "--policy", "nope"],
            "error: --policy: no managed alert policy 'nope'",
        ),
        (
            ["snooze", "--for", "1h", "--reason", "x", "--start", "2020-01-01T00:00:00Z"],
            "error: --start: 2020-01-01T00:00:00Z is in the past",
        ),
        (["snooze", "list", "--for", "1h"], "error: snooze list: --for belongs to"),
        (["snooze", "cancel"], "error: snooze cancel: name the snooze"),
        (["snooze", "cancel", "no-such-snooze"], "error: snooze cancel: no snooze projects/"),
    ],
)
def test_misuse_is_one_line_and_exit_1(policies, factory, settings, capsys, argv, expected):
    status, out, err = run(capsys, *argv)
    assert (status, out) == (1, "")
    assert len(err.splitlines()) == 1, err
    assert err.startswith(expected), err
    assert snoozes(factory, settings) == []


def test_cancelling_a_snooze_that_ended_says_so(policies, factory, settings, capsys):
    run(capsys, "snooze", "--for", "1h", "--reason", "deploy", "--policy", "p-00")
    (stored,) = snoozes(factory, settings)
    run(capsys, "snooze", "cancel", stored.name)
    time.sleep(1.5)
    status, _, err = run(capsys, "snooze", "cancel", stored.name)
    assert status == 1
    assert err.startswith(f"error: snooze {stored.name} already ended at ")


def test_a_missing_project_or_a_closed_emulator_is_one_line_before_any_call(monkeypatch, capsys):
    from helios_metrics.monitoring_emulator.launch import free_port

    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    monkeypatch.setenv("MONITORING_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    status, _, err = run(capsys, "snooze", "list")
    assert (status, len(err.splitlines())) == (1, 1)
    assert "GOOGLE_CLOUD_PROJECT" in err
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "p")
    status, _, err = run(capsys, "snooze", "cancel", "all")
    assert (status, len(err.splitlines())) == (1, 1)
    assert "MONITORING_EMULATOR_HOST" in err
    assert "connection refused" in err
