"""The compressed clock the time-to-page benchmark runs every component on."""

from __future__ import annotations

import time

import pytest

from benchmarks.time_to_page import CompressedClock


def test_it_starts_in_the_past_and_jumps_forward_instead_of_waiting():
    start = time.time() - 3600
    clock = CompressedClock(start)
    assert clock.s() == pytest.approx(start, abs=1)
    clock.until(start + 600)
    assert clock.s() == pytest.approx(start + 600, abs=1)
    clock.until(start)  # never backwards
    assert clock.s() >= start + 600 - 1


def test_it_never_runs_ahead_of_what_monitoring_accepts():
    clock = CompressedClock(time.time() - 3600)
    clock.advance(7200)
    assert clock.s() <= time.time() - 600 + 1
