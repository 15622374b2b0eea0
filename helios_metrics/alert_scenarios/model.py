"""What a scenario of ``python -m setup_infra test-alerts`` is: minutes of synthetic pipeline
traffic (events, which go through the collector's own aggregation), the collector's heartbeats,
and what the policies should do — hand-worked open and close minutes for a minute scenario, an
acceptance (:data:`ACCEPTANCE`) for a store scenario, whose traffic is :class:`Traffic`: the
store's real volume, drawn from a seeded generator, so a scenario is the same traffic every time.

Minute ``m``'s events happen 30 s into it, so their points end at minute ``m``."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from helios_metrics.contract.wire import Event, MetricEvent, PipelineEvent, StageEvent

__all__ = [
    "ACCEPTANCE",
    "STAGES",
    "Acceptance",
    "EventAt",
    "Fault",
    "Scenario",
    "Traffic",
    "every_minute",
    "run_event",
    "stage_event",
    "utilization_event",
]

STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")
Acceptance = Literal["no-page", "page-within-30-min", "page-before-quarter-budget", "no-slo-page", "all-close"]
ACCEPTANCE: Mapping[str, str] = {
    "no-page": "no critical incident",
    "page-within-30-min": "a page within 30 minutes of the fault's first failed run",
    "page-before-quarter-budget": "a page before the fault has spent a quarter of the period's error budget",
    "no-slo-page": "no page from the burn-rate policies",
    "all-close": "every incident closed by the end",
}

EventAt = tuple[int, tuple[Any, ...]]
"""(minute, an event without its time: its tag, then its other fields in the order of its wire
Struct — made by :func:`_timeless`; the writer stamps each with its minute)."""


def every_minute(minutes: int) -> list[int]:
    """A collector that completes a run in every minute of the scenario."""
    return list(range(1, minutes + 1))


@dataclass(frozen=True)
class Fault:
    """Runs ending in minutes ``[start, end)`` fail with probability ``failure_rate``."""

    start: int
    end: int
    failure_rate: float


@dataclass(frozen=True)
class Traffic:
    """The store's real volume: a run scheduled every ``interval`` minutes from minute 3, ending up
    to ``jitter`` minutes early or late, failing i.i.d. at the healthy rate or its fault's rate.
    One generator, seeded, draws each run's jitter then its outcome — the same runs every time."""

    minutes: int
    faults: tuple[Fault, ...] = ()
    seed: int = 17
    healthy_failure_rate: float = 0.08
    interval: int = 12
    jitter: int = 2

    def failure_rate(self, minute: int) -> float:
        fault = next((f for f in self.faults if f.start <= minute < f.end), None)
        return self.healthy_failure_rate if fault is None else fault.failure_rate

    def runs(self) -> list[tuple[int, bool]]:
        """(minute, failed) of every run, in order."""
        rng = random.Random(self.seed)
        out: list[tuple[int, bool]] = []
        for scheduled in range(3, self.minutes + 1, self.interval):
            minute = scheduled + rng.randint(-self.jitter, self.jitter)
            failed = rng.random() < self.failure_rate(minute)
            if 1 <= minute <= self.minutes:
                out.append((minute, failed))
        return out

    def events(self) -> list[EventAt]:
        """Each run as the collector receives it: the run, and its stages up to the one that
        failed (the stages take turns at failing)."""
        events: list[EventAt] = []
        for index, (minute, failed) in enumerate(self.runs()):
            failing = STAGES[index % len(STAGES)] if failed else None
            for stage in STAGES:
                events.append((minute, stage_event(stage, success=stage != failing)))
                if stage == failing:
                    break
            events.append((minute, run_event(100.0, success=not failed)))
        return events


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    minutes: int
    events: Callable[[], list[EventAt]]
    expected: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)
    """policy key -> (minutes it opens, minutes it closes) with the default configuration; every
    other policy stays quiet."""
    heartbeats: Callable[[int], Sequence[int]] = every_minute
    """The minutes in which the collector completes a run (its heartbeat lands 30 s into the
    minute), given the scenario's length. Not events: the collector writes them itself."""
    traffic: Traffic | None = None
    """A store scenario's traffic (its events are the traffic's runs)."""
    acceptance: tuple[Acceptance, ...] = ()
    """What a store scenario must show with the default configuration (see :data:`ACCEPTANCE`)."""

    @property
    def fault(self) -> Fault | None:
        return self.traffic.faults[0] if self.traffic and self.traffic.faults else None


def _timeless(event: Event) -> tuple[Any, ...]:
    """``event`` less its time (``t``, the Struct's first field), as :data:`EventAt` carries it."""
    return (event.__struct_config__.tag, *msgspec.structs.astuple(event)[1:])


def run_event(execution_time: float, success: bool = True) -> tuple[Any, ...]:
    scores = {
        "trend_opportunity_score": 0.8,
        "audience_confidence": 0.9,
        "design_generation_success": 0.9,
        "publication_success": 0.95,
    }
    return _timeless(PipelineEvent(t=0, execution_time=execution_time, success=success, **scores))


def stage_event(stage: str, success: bool = True, data: dict[str, float] | None = None) -> tuple[Any, ...]:
    error_count = 0 if success else 1
    return _timeless(StageEvent(t=0, stage=stage, duration=20.0, success=success, error_count=error_count, data=data))


def utilization_event(resource: str, value: float) -> tuple[Any, ...]:
    return _timeless(MetricEvent(t=0, name="resource_utilization", value=value, labels={"resource": resource}))
