"""Generated run histories with a known truth, for scoring the success forecast and the
optimization triggers: seeded, so every figure is reproducible.

A history is a week of runs (timestamp, success, the stage that failed) drawn from a success
probability ``p(t)`` the scorecard knows: stationary, a daily rhythm, one or two regressions (from
90–98 % to 40–60 %, starting between day 3 and day 6, ending 1–10 hours later), or rhythm and
regressions — at a run every ~3 min or, low volume, every ~12 min ± 2. Healthy failures are spread
over the stages; a regression's excess failures are in its one stage.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["STAGES", "History", "Run", "generate", "suite"]

STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")
_STAGE_SHARE = (0.2, 0.2, 0.3, 0.3)  # where a healthy pipeline's failures happen
DAY_S = 86_400
HOUR_S = 3600


@dataclass(frozen=True)
class Run:
    t_s: int
    success: bool
    failed_stage: str | None  # None when it succeeded


@dataclass
class History:
    """Runs over ``[0, days·DAY_S)``, the probability that drew them, and when it changed."""

    name: str
    runs: list[Run]
    probability: Callable[[float], float]
    days: int
    changes: list[tuple[int, int]] = field(default_factory=list)  # (start_s, end_s) of each regression

    def true_rate(self, start_s: int, end_s: int, step_s: int = 120) -> float:
        """The mean success probability over [start, end): what the forecast of that span aims at."""
        times = range(start_s + step_s // 2, end_s, step_s)
        return sum(self.probability(t) for t in times) / len(times)


def _rhythm(base: float, amplitude: float, trough_hour: float) -> Callable[[float], float]:
    def p(t: float) -> float:
        phase = 2 * math.pi * ((t / HOUR_S - trough_hour) % 24) / 24
        return base - amplitude * (1 + math.cos(phase)) / 2

    return p


def generate(name: str, seed: int, days: int = 7, low_volume: bool = False) -> History:
    """One history of kind ``name``: ``stationary``, ``rhythm``, ``regression``, ``rhythm_regression``."""
    rng = random.Random(f"{name}-{seed}-{low_volume}")
    healthy = rng.uniform(0.90, 0.98)
    base: Callable[[float], float]
    if name.startswith("rhythm"):
        base = _rhythm(healthy, rng.uniform(0.08, 0.2), rng.uniform(0, 24))
    else:
        base = lambda t: healthy  # noqa: E731 — a constant probability
    changes: list[tuple[int, int]] = []
    if name.endswith("regression"):
        for _ in range(rng.randint(1, 2)):
            start = rng.randrange(2 * DAY_S, (days - 1) * DAY_S, 300)
            changes.append((start, start + rng.randrange(HOUR_S, 10 * HOUR_S, 300)))
    degraded = rng.uniform(0.4, 0.6)

    def probability(t: float) -> float:
        return degraded if any(a <= t < b for a, b in changes) else base(t)

    guilty = rng.choice(STAGES)
    spacing, jitter = (720, 120) if low_volume else (180, 60)
    runs, t = [], rng.uniform(0, spacing)
    while t < days * DAY_S:
        p = probability(t)
        success = rng.random() < p
        stage = None
        if not success:
            in_change = p == degraded and any(a <= t < b for a, b in changes)
            # a regression's excess failures are its stage's; the healthy share spreads over all
            from_change = in_change and rng.random() < (healthy - degraded) / max(1 - degraded, 1e-9)
            stage = guilty if from_change else rng.choices(STAGES, _STAGE_SHARE)[0]
        runs.append(Run(int(t), success, stage))
        t += spacing + rng.uniform(-jitter, jitter)
    return History(f"{name}{'_low' if low_volume else ''}", runs, probability, days, changes)


def suite(seeds: range, days: int = 7) -> list[History]:
    """Every kind at both volumes, once per seed."""
    kinds = ("stationary", "rhythm", "regression", "rhythm_regression")
    return [generate(k, s, days, low) for s in seeds for k in kinds for low in (False, True)]
