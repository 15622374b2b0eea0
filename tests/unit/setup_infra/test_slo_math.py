"""The arithmetic of the success SLO's burn-rate alerts: budgets and burn rates at 85 %, how many
runs a window holds, the false-page rate of a healthy week (checked against a replay of many
weeks), the time to page an outage, and the defaults the derivation gives at the store's volume."""

from __future__ import annotations

import math
import random

import pytest

from helios_metrics.setup_infra.slo_math import (
    DAY,
    HOUR,
    BurnAlert,
    Objective,
    Volume,
    Window,
    derive,
    false_alerts_per_week,
    outage_minutes,
)
from helios_metrics.setup_infra.slo_replay import bleed, simulate

OBJECTIVE, VOLUME = Objective(), Volume()


def test_at_85_percent_the_budget_is_15_percent_and_no_burn_rate_exceeds_6_7():
    assert OBJECTIVE.budget == pytest.approx(0.15)
    assert OBJECTIVE.max_burn == pytest.approx(6.667, abs=1e-3)
    assert 6 < OBJECTIVE.max_burn < 14.4  # the textbook 14.4x never fires; 6x only if 90 % of runs fail
    assert OBJECTIVE.burn(VOLUME.healthy_failure_rate) == pytest.approx(0.533, abs=1e-3)
    assert OBJECTIVE.budget_runs(VOLUME) == pytest.approx(126)  # 15 % of 840 runs a week
    assert Objective(period_s=28 * DAY).budget_runs(VOLUME) == pytest.approx(504)


def test_a_window_holds_the_runs_of_its_length_and_a_threshold_is_a_count_of_failed_runs():
    assert VOLUME.interval_s == 720
    assert [VOLUME.runs_in(s) for s in (HOUR, 36 * 60, 12 * HOUR, DAY)] == [5, 3, 60, 120]
    assert Window(HOUR, 2.0).failures_needed(OBJECTIVE, VOLUME) == 2  # 30 %: 2 of 5 (40 %) is the fewest above
    assert Window(DAY, 1.0).failures_needed(OBJECTIVE, VOLUME) == 19  # 18 of 120 is exactly 15 %: not above
    assert Window(36 * 60, 4.72).failures_needed(OBJECTIVE, VOLUME) == 3
    two_of_two = BurnAlert("a", "critical", Window(24 * 60, 6.0), min_failures=3, retest_s=60)
    assert two_of_two.failures_needed(OBJECTIVE, VOLUME) == 3  # the count, not the burn rate, decides


@pytest.mark.parametrize(
    "alert",
    [
        BurnAlert("fast", "critical", Window(36 * 60, 5.83), 3, 60, count_window_s=48 * 60),
        BurnAlert("three-of-five", "critical", Window(HOUR, 3.9), 3, 60),
        BurnAlert("slow", "critical", Window(12 * HOUR, 1.39), 13, 0, Window(4 * HOUR, 1.0)),
    ],
    ids=lambda a: a.key,
)
def test_the_false_page_rate_is_what_a_replay_of_healthy_weeks_measures(alert):
    weeks = 1000
    rng = random.Random(3)
    runs = [rng.random() < VOLUME.healthy_failure_rate for _ in range(int(VOLUME.runs_per_week) * weeks)]
    measured = sum(1 for _, opened in simulate(alert, OBJECTIVE, VOLUME, runs) if opened) / weeks
    expected = false_alerts_per_week(alert, OBJECTIVE, VOLUME)
    assert abs(measured - expected) <= 4 * math.sqrt(expected * weeks) / weeks  # 4 sigma of a Poisson count


def test_three_failed_runs_in_a_row_is_the_floor_of_any_page_within_30_minutes():
    """By minute 30 an outage has written three failed runs; three in a row happen by chance at
    8 % — 840 x 0.08^3 x 0.92 times a week — so no page that fast can be quieter."""
    three = BurnAlert("fast", "critical", Window(36 * 60, 5.83), 3, 60, count_window_s=48 * 60)
    four = BurnAlert("four", "critical", Window(48 * 60, 6.0), 4, 60)
    assert false_alerts_per_week(three, OBJECTIVE, VOLUME) == pytest.approx(840 * 0.08**3 * 0.92, rel=1e-6)
    assert false_alerts_per_week(four, OBJECTIVE, VOLUME) == pytest.approx(840 * 0.08**4 * 0.92, rel=1e-6)
    assert outage_minutes(three, OBJECTIVE, VOLUME) == 26  # the 3rd failed run, 24 min after the 1st, + 2 min
    assert outage_minutes(four, OBJECTIVE, VOLUME) == 38


def test_an_alert_whose_count_the_window_cannot_hold_never_pages_an_outage():
    impossible = BurnAlert("x", "critical", Window(24 * 60, 4.0), 3, 60)  # 2 runs in 24 minutes
    assert outage_minutes(impossible, OBJECTIVE, VOLUME) == math.inf


def test_the_derived_defaults_at_the_stores_volume():
    fast, slow, ticket = derive(OBJECTIVE, VOLUME)
    assert (fast.long.lookback_s, fast.long.burn, fast.min_failures, fast.retest_s) == (36 * 60, 5.83, 3, 60)
    assert fast.count_window == 48 * 60  # jittered runs can leave 2 in 36 minutes: the count looks further
    assert fast.constraints(OBJECTIVE, VOLUME) == [(4, 3), (3, 3)]  # 3 of the last 4 runs, and the last 3
    assert outage_minutes(fast, OBJECTIVE, VOLUME) <= 30
    assert (slow.long.lookback_s, slow.min_failures, slow.short) == (12 * HOUR, 13, Window(4 * HOUR, 1.0))
    assert slow.long.failures_needed(OBJECTIVE, VOLUME) == 13
    assert false_alerts_per_week(slow, OBJECTIVE, VOLUME) <= 0.1
    assert (ticket.long, ticket.min_failures, ticket.severity) == (Window(DAY, 1.0), 19, "warning")


def test_the_derived_slow_page_catches_a_30_percent_bleed_before_a_quarter_of_the_budget_is_spent():
    _, slow, _ = derive(OBJECTIVE, VOLUME)
    outcome = bleed(slow, OBJECTIVE, VOLUME, 0.30, trials=300)
    assert outcome.caught >= 0.95
    assert outcome.budget_at_median < 0.25
    assert outcome.budget_at_p95 < 0.25


def test_the_derivation_follows_the_volume_and_the_objective():
    busy = Volume(runs_per_hour=20)
    fast, slow, _ = derive(OBJECTIVE, busy)
    assert fast.min_failures > 3  # more runs fit in 30 minutes: more evidence before the page
    assert slow.min_failures > 13
    assert false_alerts_per_week(slow, OBJECTIVE, busy) <= 0.1
    assert outage_minutes(fast, OBJECTIVE, busy) <= 30
    assert false_alerts_per_week(fast, OBJECTIVE, busy) < 0.01
    strict = Objective(goal=0.95)
    fast, _, ticket = derive(strict, VOLUME)
    assert fast.long.burn == pytest.approx(17.5)  # every run of the last 36 minutes failed, against a 5 % budget
    assert ticket.min_failures == 7  # 5 % of 120 runs is 6: a day with 7 failed runs
