"""Burn-rate alerts replayed over sequences of runs, pure and seeded: where an alert opens and
closes (:func:`simulate`), and how it meets a slow bleed (:func:`bleed`) — how often it fires
before a quarter of the period's budget is spent, after how long and at what cost; the numbers
docs/alerting.md tabulates beside the exact ones of :mod:`helios_metrics.setup_infra.slo_math`."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from .slo_math import BurnAlert, Objective, Volume

__all__ = ["BleedOutcome", "bleed", "simulate"]


def simulate(alert: BurnAlert, objective: Objective, volume: Volume, failed: Sequence[bool]) -> list[tuple[int, bool]]:
    """The alert over a sequence of runs (True: failed), evaluated at each run: ``(run index,
    True)`` where an incident opens, ``(run index, False)`` where it closes."""
    constraints = alert.constraints(objective, volume)
    counts = [0] * len(constraints)
    hold = round(alert.retest_s / volume.interval_s)
    held = 0
    firing, events = False, []
    for i, fail in enumerate(failed):
        for c, (runs, _) in enumerate(constraints):
            counts[c] += fail - (failed[i - runs] if i >= runs else 0)
        held = held + 1 if all(n >= k for n, (_, k) in zip(counts, constraints, strict=True)) else 0
        if (held > hold) != firing:
            firing = not firing
            events.append((i, firing))
    return events


@dataclass(frozen=True)
class BleedOutcome:
    """A slow bleed replayed ``trials`` times: how often the alert fired before a quarter of the
    period's budget was spent, after how many minutes (median, 95th percentile of those that did)
    and how much of the budget the bleed had spent by then; incidents per bleed."""

    failure_rate: float
    caught: float
    median_minutes: float
    p95_minutes: float
    budget_at_median: float
    budget_at_p95: float
    incidents: float


def bleed(
    alert: BurnAlert,
    objective: Objective,
    volume: Volume,
    failure_rate: float = 0.30,
    trials: int = 1000,
    seed: int = 17,
) -> BleedOutcome:
    """A bleed at ``failure_rate`` lasting until a quarter of the period's budget is spent, after a
    healthy stretch as long as the long window, replayed ``trials`` times (seeded)."""
    rng = random.Random(seed)
    quarter = objective.budget_runs(volume) / 4
    bleed_runs = math.ceil(quarter / failure_rate)
    before = volume.runs_in(alert.long.lookback_s)
    p = volume.healthy_failure_rate
    firsts: list[int] = []
    incidents = 0
    for _ in range(trials):
        runs = [rng.random() < p for _ in range(before)] + [rng.random() < failure_rate for _ in range(bleed_runs)]
        opened = [i - before for i, up in simulate(alert, objective, volume, runs) if up and i >= before]
        incidents += len(opened)
        if opened:
            firsts.append(opened[0] + 1)  # runs of the bleed up to and including the one that fired it
    firsts.sort()
    minutes = [r * volume.interval_s / 60 for r in firsts] or [math.inf]
    median, p95 = minutes[len(minutes) // 2], minutes[min(len(minutes) - 1, int(len(minutes) * 0.95))]

    def spent(m: float) -> float:
        return m * 60 / volume.interval_s * failure_rate / objective.budget_runs(volume)

    return BleedOutcome(failure_rate, len(firsts) / trials, median, p95, spent(median), spent(p95), incidents / trials)
