"""The success forecast, pure: the next hour's (and next six hours') success probability from the
run outcomes Monitoring holds, binned in time, with prediction intervals.

Why not the six-hour share: it is a confidence interval for a past rate. The store is not
stationary — a supplier or model regression starts at some hour, a fix ends it, the rate follows
the day — so the forecast weighs the recent past more when it predicts better:

- **Recency.** A few exponentially weighted success shares, from a half-life of 20 minutes to all
  history, each predicting every run before it is counted; their weights follow how well each
  predicted the last hours (a Bayesian average over forgetting rates). This is the steady model.
- **Change points** (:mod:`helios_metrics.reporting.change_point`): Bayesian online change-point detection weighs
  "no change" against "changed after t" for every t of the last 6 hours, reading which stage each
  failure was in: after a drop, two failed runs in one stage move the forecast most of the way (one
  alone does not: a healthy pipeline has those);
  the hour ahead is the mix of the steady forecast and the new rate by their probabilities (a
  quarter of it for the six hours ahead: regressions end).
- **Hour of day**, once three days are held: each hour's log-odds against the whole history's,
  shrunk by empirical Bayes (none when the day has no rhythm), moves the forecast to the hour ahead.
- **Prediction intervals** on the log-odds scale, ``±q·se``: ``se`` from the effective number of runs
  behind the estimate, ``q`` by split-conformal calibration — the quantile of the normalised error
  against the true next-hour probability over generated histories disjoint from those the scorecard
  scores (``python -m benchmarks.forecast_scorecard --calibrate`` recomputes :data:`CONFORMAL_Q`).
- **Thin evidence** (fewer than :data:`MIN_RUNS` runs held): the six-hour share and its Wilson
  interval, as before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .change_point import ChangeFinder
from .statistics import wilson

__all__ = ["CONFORMAL_Q", "MIN_RUNS", "Bin", "Forecast", "Forecaster", "forecast", "six_hour_share"]

HOUR_S = 3600
HALF_LIVES_H = (1 / 3, 1.0, 3.0, 12.0, math.inf)
"""The forgetting rates averaged over: 20 min to all history."""
_SKILL_HALF_LIFE_H = 6.0  # how long a memory's past predictions count towards its weight
_PRIOR = (0.25, 0.5, 1.0, 1.5, 1.5)  # prior weights: long memories until the data says otherwise
_PSEUDO = 1.0  # pseudo-runs at the all-history share that every memory starts from
_CHANGE_WINDOW_S = 6 * HOUR_S  # how far back a change point is looked for
_PERSISTS = {"1h": 1.0, "6h": 0.25}  # how much of a change is expected to last the horizon
_SEASON_MIN_S = 3 * 86_400
MIN_RUNS = 10
CONFORMAL_Q = {("1h", 80): 1.73, ("1h", 95): 3.40, ("6h", 80): 2.37, ("6h", 95): 4.63}
"""Split-conformal quantiles of |logit truth − logit forecast| / se, per horizon and level."""


@dataclass(frozen=True)
class Bin:
    """Runs that ended in (end_s − step, end_s]: how Monitoring's aligned counts arrive."""

    end_s: int
    succeeded: int
    runs: int
    failed_by_stage: Mapping[str, int] = field(default_factory=dict)
    """The stage each failed run failed in, counted, when known: a change in one stage is a regression."""


@dataclass(frozen=True)
class Forecast:
    """One horizon's forecast: the success probability and its 80 % and 95 % prediction intervals."""

    rate: float | None
    interval_80: tuple[float, float]
    interval_95: tuple[float, float]
    effective_runs: float
    """Runs a plain share would need to be as sure: the intervals' width before calibration."""


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


class _Memory:
    """One exponentially weighted share: discounted successes, runs and hour-of-day effects."""

    __slots__ = ("effect", "half_life_s", "runs", "skill", "succeeded")

    def __init__(self, half_life_h: float) -> None:
        self.half_life_s = half_life_h * HOUR_S
        self.succeeded = self.runs = self.effect = self.skill = 0.0

    def decay(self, dt_s: float) -> None:
        if math.isfinite(self.half_life_s):
            keep = 0.5 ** (dt_s / self.half_life_s)
            self.succeeded, self.runs, self.effect = self.succeeded * keep, self.runs * keep, self.effect * keep
        self.skill *= 0.5 ** (dt_s / (_SKILL_HALF_LIFE_H * HOUR_S))

    def logit(self, prior: float, effect_ahead: float) -> float:
        """Log-odds of the next run, at the hour of day ``effect_ahead`` describes."""
        share = (self.succeeded + _PSEUDO * prior) / (self.runs + _PSEUDO)
        learned = self.effect / self.runs if self.runs > 1e-9 else 0.0
        return _logit(share) + effect_ahead - learned


class Forecaster:
    """The forecast's state, fed bins in time order (:meth:`add`), asked at any point (:meth:`at`).
    Streaming, so a scorecard can ask at every hour of a week in one pass."""

    def __init__(self) -> None:
        self._memories = [_Memory(h) for h in HALF_LIVES_H]
        self._last_s: int | None = None
        self._first_s: int | None = None
        self._total = [0, 0]  # succeeded, runs
        self._by_hour = [[0, 0] for _ in range(24)]
        self._effects: tuple[int, list[float]] = (-1, [])  # the hour they were worked out in, and they
        self._recent: list[Bin] = []  # six hours of bins, for the fallback and the baseline
        self._changes = ChangeFinder(_CHANGE_WINDOW_S)
        self._stage_failures: dict[str, int] = {}

    @property
    def runs(self) -> int:
        return self._total[1]

    def _prior(self) -> float:
        return (self._total[0] + 1) / (self._total[1] + 2)

    def _effect(self, hour: int, now_s: int) -> float:
        """The hour of day's log-odds against the whole history's, shrunk; 0 below three days."""
        if self._first_s is None or now_s - self._first_s < _SEASON_MIN_S:
            return 0.0
        if self._effects[0] != now_s // HOUR_S:
            self._effects = (now_s // HOUR_S, _hour_effects(self._by_hour))
        return self._effects[1][hour]

    def _advance(self, to_s: int) -> None:
        if self._last_s is not None and to_s > self._last_s:
            for memory in self._memories:
                memory.decay(to_s - self._last_s)
        self._last_s = to_s if self._last_s is None else max(self._last_s, to_s)

    def add(self, item: Bin) -> None:
        """Count one bin: each memory is first scored on it, then learns it."""
        if item.runs <= 0:
            return
        self._advance(item.end_s)
        if self._first_s is None:
            self._first_s = item.end_s
        hour = (item.end_s - 1) // HOUR_S % 24
        effect = self._effect(hour, item.end_s)
        prior, failed = self._prior(), item.runs - item.succeeded
        steady = self._steady(effect)
        for memory in self._memories:
            p = _sigmoid(memory.logit(prior, effect))
            p = min(max(p, 1e-4), 1 - 1e-4)
            memory.skill += item.succeeded * math.log(p) + failed * math.log(1 - p)
            memory.succeeded += item.succeeded
            memory.runs += item.runs
            memory.effect += item.runs * effect
        self._total[0] += item.succeeded
        self._total[1] += item.runs
        self._by_hour[hour][0] += item.succeeded
        self._by_hour[hour][1] += item.runs
        self._changes.add(item.end_s, item.succeeded, item.runs, steady, item.failed_by_stage, prior, self._stage_mix())
        self._recent.append(item)
        for stage, n in item.failed_by_stage.items():
            self._stage_failures[stage] = self._stage_failures.get(stage, 0) + n

    def _weights(self) -> list[float]:
        logs = [math.log(w) + m.skill for w, m in zip(_PRIOR, self._memories, strict=True)]
        top = max(logs)
        raw = [math.exp(v - top) for v in logs]
        return [r / sum(raw) for r in raw]

    def _steady(self, effect: float) -> float:
        """The memories' weighted forecast of a run at the hour of day ``effect`` describes."""
        prior = self._prior()
        weights = self._weights()
        return sum(w * _sigmoid(m.logit(prior, effect)) for w, m in zip(weights, self._memories, strict=True))

    def _stage_mix(self) -> dict[str, float]:
        """The share of failures each stage has had over the whole history (one in hand for each)."""
        total = sum(self._stage_failures.values()) + len(self._stage_failures)
        return {s: (n + 1) / total for s, n in self._stage_failures.items()}

    def at(self, now_s: int) -> dict[str, Any]:
        """The forecast at ``now_s`` (no earlier than the last bin): next hour, next six hours,
        their intervals, and what they rest on."""
        self._advance(now_s)
        self._recent = six = [b for b in self._recent if b.end_s > now_s - 6 * HOUR_S]
        recent = [sum(b.succeeded for b in six), sum(b.runs for b in six)]
        if self.runs < MIN_RUNS:
            return _fallback(recent[0], recent[1], self.runs)
        weights = self._weights()
        steady_runs = sum(w * (m.runs + _PSEUDO) for w, m in zip(weights, self._memories, strict=True))
        found = self._changes.at(self._prior(), self._steady(self._effect(now_s // HOUR_S % 24, now_s)))
        horizons: dict[str, Forecast] = {}
        for name, hours in (("1h", 1), ("6h", 6)):
            effects = [self._effect((now_s // HOUR_S + k) % 24, now_s) for k in range(hours)]
            steady = sum(self._steady(e) for e in effects) / hours
            changed, new_rate = found.probability * _PERSISTS[name], found.rate
            rate = (1 - changed) * steady + changed * new_rate
            variance = (
                (1 - changed) * steady * (1 - steady) / steady_runs
                + changed * new_rate * (1 - new_rate) / found.runs
                + changed * (1 - changed) * (steady - new_rate) ** 2
            )
            horizons[name] = _with_intervals(rate, max(rate * (1 - rate), 1e-3) / max(variance, 1e-9), name)
        return {
            "next_hour": horizons["1h"],
            "next_six_hours": horizons["6h"],
            "effective_runs": horizons["1h"].effective_runs,
            "change_probability": found.apart,
            "changed_after": found.after_s,
            "weights": dict(zip((_half_life_name(h) for h in HALF_LIVES_H), weights, strict=True)),
            "hour_of_day": self._first_s is not None and now_s - self._first_s >= _SEASON_MIN_S,
            "fallback": False,
            "runs": self.runs,
            "six_hour_share": recent,
        }


def _hour_effects(by_hour: Sequence[Sequence[int]]) -> list[float]:
    """Each hour of day's log-odds against all hours', shrunk by empirical Bayes: by how much of
    the hours' spread of shares is more than the spread chance alone would make (none, when the
    day has no rhythm)."""
    succeeded, runs = sum(h[0] for h in by_hour), sum(h[1] for h in by_hour)
    overall = (succeeded + 1) / (runs + 2)
    raw = [(ok + overall) / (n + 1) - overall for ok, n in by_hour]
    noise = [overall * (1 - overall) / (n + 1) for _, n in by_hour]
    spread = max(sum(r * r for r in raw) / len(raw) - sum(noise) / len(noise), 0.0)
    return [
        _logit(overall + r * spread / (spread + v)) - _logit(overall) if spread else 0.0
        for r, v in zip(raw, noise, strict=True)
    ]


def _half_life_name(hours: float) -> str:
    return "all" if not math.isfinite(hours) else f"{round(hours * 60)}min"


def _with_intervals(rate: float, effective: float, horizon: str) -> Forecast:
    centre = _logit(rate)
    se = 1 / math.sqrt(max(effective, 1e-3) * max(rate * (1 - rate), 1e-3))

    def band(level: int) -> tuple[float, float]:
        half = CONFORMAL_Q[(horizon, level)] * se
        return _sigmoid(centre - half), _sigmoid(centre + half)

    return Forecast(rate, band(80), band(95), effective)


def _fallback(succeeded: int, runs: int, held: int) -> dict[str, Any]:
    """Too little held to weigh: the six-hour share with its Wilson intervals, for both horizons."""
    rate = succeeded / runs if runs else None
    simple = Forecast(rate, wilson(succeeded, runs, 1.2815515655446004), wilson(succeeded, runs), float(runs))
    return {
        "next_hour": simple,
        "next_six_hours": simple,
        "effective_runs": float(runs),
        "weights": {},
        "hour_of_day": False,
        "fallback": True,
        "runs": held,
        "six_hour_share": [succeeded, runs],
    }


def six_hour_share(bins: Iterable[Bin], now_s: int) -> tuple[int, int]:
    """(succeeded, runs) of the bins ending in the six hours before ``now_s``: the naive baseline."""
    held = [b for b in bins if now_s - 6 * HOUR_S < b.end_s <= now_s]
    return sum(b.succeeded for b in held), sum(b.runs for b in held)


def forecast(bins: Sequence[Bin], now_s: int) -> dict[str, Any]:
    """The forecast at ``now_s`` from ``bins`` (any order, any step): see :meth:`Forecaster.at`."""
    state = Forecaster()
    for item in sorted(bins, key=lambda b: b.end_s):
        if item.end_s <= now_s:
            state.add(item)
    return state.at(now_s)
