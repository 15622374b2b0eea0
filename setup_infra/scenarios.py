"""Scenarios for ``python -m setup_infra test-alerts``: synthetic pipeline traffic, minute by minute,
that each seed alert should (or should not) react to — as events, which go through the collector's
own aggregation — with the open and close minutes the default configuration gives, worked out by
hand in each scenario's note. Change a threshold and run one to see what the alert would have done.

Minute ``m``'s events happen 30 s into it, so their points end at minute ``m``; evaluation runs
at every minute of the scenario.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SCENARIOS", "Scenario"]

EventAt = tuple[int, tuple[Any, ...]]
"""(minute, a wire-format event tuple without its time: ``("p", …)``, ``("s", …)``, ``("m", …)``)."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    minutes: int
    events: Callable[[], list[EventAt]]
    expected: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)
    """policy key -> (minutes it opens, minutes it closes) with the default configuration; every
    other policy stays quiet."""


def _run(execution_time: float, success: bool = True) -> tuple[Any, ...]:
    return ("p", execution_time, 0.8, 0.9, 0.9, 0.95, success)


def _stage(stage: str, success: bool = True, data: dict[str, float] | None = None) -> tuple[Any, ...]:
    return ("s", stage, 20.0, success, 0 if success else 1, data)


def _slow_runs() -> list[EventAt]:
    return [(m, _run(420.0 if m in (10, 11) else 100.0)) for m in range(1, 31)]


def _quiet() -> list[EventAt]:
    return [(m, _run(100.0)) for m in range(1, 61)]


def _failure_burst() -> list[EventAt]:
    events: list[EventAt] = []
    for m in range(1, 131):
        failures = 20 if 61 <= m <= 70 else 1
        events += [(m, _run(100.0, success=i >= failures)) for i in range(20)]
    return events


def _stage_errors() -> list[EventAt]:
    events: list[EventAt] = []
    for m in range(1, 131):
        failures = 10 if 61 <= m <= 66 else 1
        events += [(m, _stage("design_generation", success=i >= failures)) for i in range(10)]
    return events


def _resource_pressure() -> list[EventAt]:
    return [
        (m, ("m", "resource_utilization", 0.95 if 20 <= m <= 34 else 0.5, {"resource": "cpu"})) for m in range(1, 46)
    ]


def _trends() -> list[EventAt]:
    found = {20: 3.0, 45: 5.0}
    return [(m, _stage("trend_discovery", data={"trends_found": found.get(m, 0.0)})) for m in range(5, 61, 5)]


def _publications() -> list[EventAt]:
    return [(m, _stage("publication")) for m in (15, 40)]


SCENARIOS: Mapping[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "slow-runs",
            "One run a minute at 100 s; the runs of minutes 10 and 11 take 420 s. The p99 over 5 minutes is "
            "above 300 s from minute 10 to 15 (critical, no retest window): open at 10, closed at 16.",
            30,
            _slow_runs,
            {"pipeline-execution-time": ((10,), (16,))},
        ),
        Scenario(
            "failure-burst",
            "20 runs a minute, 1 failing; every run fails in minutes 61-70. Failures over the last hour exceed "
            "15 % (180 of 1,200) once 7 burst minutes are in it: from minute 67 to 123. Open at 67, closed at 124.",
            130,
            _failure_burst,
            {"pipeline-success-rate": ((67,), (124,))},
        ),
        Scenario(
            "stage-errors",
            "10 design_generation runs a minute, 1 failing; all fail in minutes 61-66. Failed stage runs over "
            "the hour exceed 15 % (90 of 600) with 4 burst minutes in it (minutes 64-122); held for the "
            "5-minute warning window first: open at 69, closed at 123.",
            130,
            _stage_errors,
            {"stage-error-rate": ((69,), (123,))},
        ),
        Scenario(
            "resource-pressure",
            "CPU at 50 %, at 95 % in minutes 20-34. The 5-minute mean is above 80 % from minute 23 to 35; held "
            "for the 5-minute warning window: open at 28, closed at 36.",
            45,
            _resource_pressure,
            {"resource-utilization": ((28,), (36,))},
        ),
        Scenario(
            "trends-discovered",
            "Trend discovery runs every 5 minutes and finds 3 trends at minute 20 and 5 at minute 45 (none "
            "otherwise). Info: open at 20 and 45, closed by the next run (25 and 50).",
            60,
            _trends,
            {"trends-discovered": ((20, 45), (25, 50))},
        ),
        Scenario(
            "products-published",
            "Publication succeeds at minutes 15 and 40, and nothing is written in between (the collector writes "
            "no zero counts): the info incident opens at 15 and, with no data to clear it, auto-closes 30 minutes "
            "after the last publication was in the window (minute 44): at 74.",
            80,
            _publications,
            {"products-published": ((15,), (74,))},
        ),
        Scenario("quiet-day", "A healthy hour, one 100 s run a minute: nothing fires.", 60, _quiet, {}),
    )
}
