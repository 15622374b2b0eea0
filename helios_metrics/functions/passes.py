"""Several collection passes in one scheduled invocation: the freshness of a short window without
a second schedule or an always-on process.

Cloud Scheduler cannot fire more often than once a minute, and a point is readable only once its
window has ended. So the minute's invocation runs a pass at once and then one at every later end
of an aggregation window (``HELIOS_WINDOW_SECONDS``) that leaves a pass room before the next
minute's invocation: with the 30 s windows production deploys, passes at :00 and :30, each an
ordinary run (pull until drained, write, acknowledge only after the write). With the 60 s default
the invocation is one pass, as before. Passes are at least a window apart and a series' points a
window apart, so the write rules (one point per series per 5 s, each newer than the last) hold as
they do for single runs.

Pure scheduling over injected clocks; :func:`run_passes` takes the run as a callable.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from .summary import RunSummary

if TYPE_CHECKING:
    from .collector import Collector

__all__ = ["SCHEDULE_PERIOD_S", "collect_invocation", "pass_budgets", "pass_instants", "run_passes"]

SCHEDULE_PERIOD_S = 60.0
"""Cloud Scheduler's finest cron period: the next invocation comes a minute after this one's."""
_MIN_PASS_S = 8.0
"""Room a pass needs (its last, empty pull waits 2 s; then the write): none starts later than this
before the next invocation."""
_HANDOVER_S = 2.0
"""A pass ends this long before the next instant, so the invocation is free when the next one fires."""


def pass_instants(start_s: float, window_s: float, period_s: float = SCHEDULE_PERIOD_S) -> list[float]:
    """Wall-clock instants (s) of an invocation's passes: ``start_s``, then every multiple of
    ``window_s`` before the next scheduled invocation, less the room a pass needs."""
    tick = math.floor(start_s / period_s) * period_s
    last = tick + period_s - _MIN_PASS_S
    instants = [start_s]
    k = math.floor(start_s / window_s) + 1
    while k * window_s <= last:
        instants.append(k * window_s)
        k += 1
    return instants


def pass_budgets(instants: list[float], budget_s: float, period_s: float = SCHEDULE_PERIOD_S) -> list[float]:
    """Each pass's budget: the configured one, cut so the pass ends before the next instant (the
    last before the next invocation) — but never below the room a pass needs."""
    tick = math.floor(instants[0] / period_s) * period_s
    ends = [*instants[1:], tick + period_s]
    return [min(budget_s, max(_MIN_PASS_S, end - at - _HANDOVER_S)) for at, end in zip(instants, ends, strict=True)]


def run_passes(
    collect: Callable[[float], RunSummary],
    window_s: float,
    budget_s: float,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    period_s: float = SCHEDULE_PERIOD_S,
) -> RunSummary:
    """Run ``collect(budget)`` at each of the invocation's instants; the counts of every pass, and
    the last pass's ``transient_failure`` (an earlier pass's messages came back to the later ones)."""
    instants = pass_instants(clock(), window_s, period_s)
    total, last = RunSummary(), RunSummary()
    for at, budget in zip(instants, pass_budgets(instants, budget_s, period_s), strict=True):
        now = clock()
        late = max(0.0, now - at)
        if late >= budget:
            continue  # an earlier pass overran this one's slot: the next pass drains what is left
        if now < at:
            sleep(at - now)
        last = collect(budget - late)
        total += last
    return replace(total, transient_failure=last.transient_failure)


def collect_invocation(collector: Collector) -> RunSummary:
    """What one scheduled call of ``collect_metrics`` runs: a pass at every window end of its minute."""
    settings = collector.settings
    return run_passes(collector.collect_once, settings.window_seconds, settings.collect_budget_seconds)
