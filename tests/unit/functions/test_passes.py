"""The passes of one scheduled invocation, on fake time: when they run, what budget each gets, and
what the invocation answers."""

from __future__ import annotations

import pytest

from helios_metrics.functions.passes import pass_budgets, pass_instants, run_passes
from helios_metrics.functions.summary import RunSummary

MINUTE = 1_796_083_200.0  # a whole minute


class FakeTime:
    """Wall time that moves only when slept through or when a pass spends it."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept.append(seconds)
        self.now += seconds


def test_a_sixty_second_window_is_one_pass_as_before():
    assert pass_instants(MINUTE + 0.4, 60) == [MINUTE + 0.4]


def test_twenty_second_windows_pass_at_each_window_end_of_the_minute():
    assert pass_instants(MINUTE + 0.4, 20) == [MINUTE + 0.4, MINUTE + 20, MINUTE + 40]
    assert pass_instants(MINUTE + 0.4, 15) == [MINUTE + 0.4, MINUTE + 15, MINUTE + 30, MINUTE + 45]


def test_a_late_invocation_keeps_the_window_ends_and_leaves_the_next_minute_alone():
    # fired 25 s late (a cold start, a slow scheduler): the pass at :20 is gone, :40 stays
    assert pass_instants(MINUTE + 25, 20) == [MINUTE + 25, MINUTE + 40]
    # no pass starts so late that it would still run when the next minute's invocation fires
    assert pass_instants(MINUTE + 55, 20) == [MINUTE + 55]
    assert all(at <= MINUTE + 52 for at in pass_instants(MINUTE, 10)[1:])


def test_each_pass_ends_before_the_next_begins():
    instants = pass_instants(MINUTE, 20)
    budgets = pass_budgets(instants, 40)
    assert budgets == [18, 18, 18]
    assert all(at + b < end for at, b, end in zip(instants, budgets, [*instants[1:], MINUTE + 60], strict=True))
    # a configured budget shorter than the slot is kept; one pass alone gets the whole budget
    assert pass_budgets(instants, 5) == [5, 5, 5]
    assert pass_budgets([MINUTE], 40) == [40]


def test_the_invocation_sleeps_to_each_window_end_and_sums_the_passes():
    time = FakeTime(MINUTE + 0.5)
    budgets: list[float] = []

    def collect(budget: float) -> RunSummary:
        budgets.append(budget)
        time.now += 2.0  # each pass takes 2 s
        return RunSummary(pulled=1, events=3, acked=1, heartbeat=True)

    summary = run_passes(collect, 20, 40, clock=time.clock, sleep=time.sleep)
    assert budgets == pytest.approx([17.5, 18, 18])
    assert time.slept == pytest.approx([17.5, 18])
    assert (summary.pulled, summary.events, summary.acked, summary.heartbeat) == (3, 9, 3, True)
    assert time.now == pytest.approx(MINUTE + 42)


def test_a_pass_that_overruns_its_slot_skips_the_passes_it_covered():
    time = FakeTime(MINUTE)
    calls: list[tuple[float, float]] = []

    def collect(budget: float) -> RunSummary:
        calls.append((time.now - MINUTE, budget))
        time.now += 45.0 if len(calls) == 1 else 1.0  # a backlog: the first pass runs until :45
        return RunSummary(pulled=1)

    summary = run_passes(collect, 20, 60, clock=time.clock, sleep=time.sleep)
    # :20's slot passed inside the first pass; :40's pass starts late with the rest of its slot
    assert calls == [(0, 18), (45, 13)]
    assert summary.pulled == 2


def test_the_invocation_fails_only_when_its_last_pass_left_messages_behind():
    outcomes = iter([True, False, False])
    time = FakeTime(MINUTE)

    def collect(budget: float) -> RunSummary:
        time.now += 1.0
        return RunSummary(transient_failure=next(outcomes))

    assert not run_passes(collect, 20, 40, clock=time.clock, sleep=time.sleep).transient_failure
    outcomes = iter([False, False, True])
    time.now = MINUTE + 60
    assert run_passes(collect, 20, 40, clock=time.clock, sleep=time.sleep).transient_failure
