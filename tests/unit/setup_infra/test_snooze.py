"""Snoozes, pure: durations and times as users type them, Google's limit of 16 policies a snooze
(several snoozes, numbered), its rule that a snooze cannot start in the past, and how snoozes read."""

from __future__ import annotations

import json
import re

import pytest

from helios_metrics.setup_infra.render import snoozes_json, snoozes_text
from helios_metrics.setup_infra.snooze import (
    MAX_POLICIES,
    SnoozeView,
    parse_duration,
    parse_time,
    rfc3339,
    snooze_bodies,
    split_note,
)

NOW = 1_750_000_000.0  # 2025-06-15T15:06:40Z
POLICIES = {f"policy-{i:02d}": f"projects/p/alertPolicies/{100 + i}" for i in range(20)}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("2d", 172_800), (" 1d2h ", 93_600)],
)
def test_durations_as_users_type_them(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "1 hour", "h", "-1h", "1.5h", "30m1h", "0m"])
def test_a_duration_that_is_not_one_names_the_option(text):
    with pytest.raises(ValueError, match=r"^--for: "):
        parse_duration(text)


def test_times_need_their_zone():
    assert parse_time("2025-06-15T15:06:40Z") == NOW
    assert parse_time("2025-06-15T17:06:40+02:00") == NOW
    with pytest.raises(ValueError, match=r"^--start: give the time zone"):
        parse_time("2025-06-15T15:06:40")
    with pytest.raises(ValueError, match=r"^--start: expected an RFC 3339 time"):
        parse_time("tomorrow")


def test_one_snooze_covers_every_managed_policy_up_to_sixteen():
    few = dict(list(POLICIES.items())[:MAX_POLICIES])
    (body,) = snooze_bodies(few, [], "deploy", NOW, NOW + 3600, NOW)
    assert body == {
        "display_name": "deploy",
        "criteria": {"policies": sorted(few.values())},
        "interval": {"start_time": "2025-06-15T15:06:40Z", "end_time": "2025-06-15T16:06:40Z"},
    }


def test_more_than_sixteen_policies_make_several_numbered_snoozes_with_one_window():
    bodies = snooze_bodies(POLICIES, [], "deploy  v2.3", NOW, NOW + 3600, NOW)
    assert [b["display_name"] for b in bodies] == ["deploy v2.3 (1/2)", "deploy v2.3 (2/2)"]
    assert [len(b["criteria"]["policies"]) for b in bodies] == [16, 4]
    assert sorted(n for b in bodies for n in b["criteria"]["policies"]) == sorted(POLICIES.values())
    assert {json.dumps(b["interval"]) for b in bodies} == {json.dumps(bodies[0]["interval"])}


def test_chosen_policies_only_and_unknown_ones_named():
    (body,) = snooze_bodies(POLICIES, ["policy-03", "policy-01", "policy-03"], "db migration", NOW, NOW + 60, NOW)
    assert body["criteria"]["policies"] == [POLICIES["policy-01"], POLICIES["policy-03"]]
    with pytest.raises(ValueError, match=r"^--policy: no managed alert policy 'nope'; they are policy-00, "):
        snooze_bodies(POLICIES, ["nope"], "x", NOW, NOW + 60, NOW)


@pytest.mark.parametrize(
    ("policies", "reason", "start", "message"),
    [
        ({}, "deploy", NOW, "no managed alert policies to snooze"),
        (POLICIES, "  ", NOW, "--reason: say why"),
        (POLICIES, "x" * 513, NOW, "--reason: at most 506 characters"),
        (POLICIES, "deploy", NOW - 16, "--start: 2025-06-15T15:06:24Z is in the past"),
    ],
)
def test_what_google_would_refuse_is_refused_first_in_one_line(policies, reason, start, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        snooze_bodies(policies, [], reason, start, start + 60, NOW)


def test_a_start_within_googles_clock_skew_is_accepted():
    (first, _) = snooze_bodies(POLICIES, [], "deploy", NOW - 15, NOW + 60, NOW)
    assert first["interval"]["start_time"] == "2025-06-15T15:06:25Z"


def view(start: float, end: float) -> SnoozeView:
    """A snooze as read: a managed policy (id 101) named with the project's number, and another one."""
    body = {
        "name": "projects/p/snoozes/42",
        "display_name": "deploy",
        "criteria": {"policies": ["projects/123/alertPolicies/101", "projects/p/alertPolicies/9"]},
        "interval": {"start_time": rfc3339(start), "end_time": rfc3339(end)},
    }
    return SnoozeView.of(body, {"101": "policy-01"})


def test_a_snooze_reads_its_policies_by_key_whatever_project_form_and_knows_its_state():
    active = view(NOW - 60, NOW + 3540)
    assert (active.covers, active.managed) == (("policy-01", "projects/p/alertPolicies/9"), 1)
    assert [active.state(t) for t in (NOW - 61, NOW, NOW + 3540)] == ["scheduled", "active", "ended"]


def test_snoozes_as_text_and_json():
    active, scheduled = view(NOW - 60, NOW + 3540), view(NOW + 86_400, NOW + 86_400 + 5400)
    assert snoozes_text("list", [active, scheduled], NOW).splitlines() == [
        'projects/p/snoozes/42: active until 2025-06-15T16:05:40Z (59 min left), "deploy", '
        "covers 2: policy-01, projects/p/alertPolicies/9",
        'projects/p/snoozes/42: scheduled from 2025-06-16T15:06:40Z to 2025-06-16T16:36:40Z (1 h 30 min), "deploy", '
        "covers 2: policy-01, projects/p/alertPolicies/9",
    ]
    assert snoozes_text("list", [], NOW) == "No active or scheduled snoozes of managed alert policies."
    assert snoozes_text("cancel", [], NOW).startswith("Nothing to cancel: no active or scheduled snoozes")
    assert (
        snoozes_text("cancel", [active], NOW)
        == 'cancelled projects/p/snoozes/42 "deploy": ends at 2025-06-15T16:05:40Z'
    )
    created = snoozes_text("snooze", [active, active], NOW, split_note([active, active]))
    assert created.splitlines()[-1] == "note: Google allows at most 16 policies per snooze: 4 policies in 2 snoozes"
    assert json.loads(snoozes_json([scheduled], NOW))["snoozes"] == [
        {
            "name": "projects/p/snoozes/42",
            "display_name": "deploy",
            "state": "scheduled",
            "start_time": "2025-06-16T15:06:40Z",
            "end_time": "2025-06-16T16:36:40Z",
            "covers": ["policy-01", "projects/p/alertPolicies/9"],
            "filter": "",
        }
    ]


def test_a_snooze_made_elsewhere_with_a_filter_says_which_series_it_covers():
    body = {
        "name": "projects/p/snoozes/7",
        "display_name": "one stage",
        "criteria": {"policies": ["projects/p/alertPolicies/101"], "filter": 'resource.labels.task_id = "a"'},
        "interval": {"start_time": rfc3339(NOW - 60), "end_time": rfc3339(NOW + 60)},
    }
    line = snoozes_text("list", [SnoozeView.of(body, {"101": "policy-01"})], NOW)
    assert line.endswith("""covers 1: policy-01 (only the series matching resource.labels.task_id = "a")""")
