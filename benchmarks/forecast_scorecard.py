"""The success forecast's scorecard: Brier score and skill against two naive baselines (the last six
hours' share; the whole history's share), with a bootstrap 95 % interval, and the empirical coverage
of its 80 % and 95 % intervals — on generated held-out histories with a known truth
(:mod:`benchmarks._forecast_histories`); and the optimization triggers' false alarms per day and
miss rate on the same histories.

    python -m benchmarks.forecast_scorecard [--quick] [--calibrate]

Every forecast is made the way ``report`` makes it: from 5-minute bins of run outcomes, as
Monitoring's aligned counts arrive, at every hour from the second day on.
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from benchmarks._forecast_histories import DAY_S, HOUR_S, History, suite
from benchmarks._trigger_scoring import trigger_rates
from helios_metrics.reporting.forecast import Bin, Forecaster

__all__ = ["Scored", "calibrate", "main", "score_history", "scorecard"]

STEP_S = 300
_START_S = DAY_S  # forecasts from the second day: every forecaster has a day to learn from
_SCORED_SEEDS = range(100, 106)  # held out: the conformal quantiles were fitted on seeds 0–5
_QUICK_SEEDS = range(100, 102)
_CALIBRATION_SEEDS = range(0, 6)
_BOOTSTRAP = 1000


@dataclass
class Scored:
    """One history's sums: squared errors of the forecast and the baselines per horizon, interval
    hits, and the normalised errors conformal calibration needs."""

    name: str
    brier: dict[str, list[float]]  # "<horizon>:<who>" -> [sum of squared errors, runs]
    covered: dict[str, list[int]]  # "<horizon>:<level>" -> [hits, forecasts]
    scores: dict[str, list[float]]  # horizon -> |logit truth − logit forecast| / se


def _bins(history: History) -> list[Bin]:
    """The history as Monitoring's 5-minute counts give it: runs, successes, failures by stage."""
    cells: dict[int, tuple[list[int], dict[str, int]]] = {}
    for run in history.runs:
        counts, stages = cells.setdefault((run.t_s // STEP_S + 1) * STEP_S, ([0, 0], {}))
        counts[0] += run.success
        counts[1] += 1
        if run.failed_stage is not None:
            stages[run.failed_stage] = stages.get(run.failed_stage, 0) + 1
    return [Bin(end, ok, n, stages) for end, ((ok, n), stages) in sorted(cells.items())]


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _origins(history: History) -> Iterator[int]:
    yield from range(_START_S, history.days * DAY_S - HOUR_S + 1, HOUR_S)


def score_history(history: History) -> Scored:
    """Forecast at every hour of ``history`` and score each horizon against what then happened."""
    bins = _bins(history)
    times = [r.t_s for r in history.runs]
    outcomes = [r.success for r in history.runs]
    scored = Scored(history.name, {}, {}, {"1h": [], "6h": []})
    state, fed = Forecaster(), 0
    all_runs = all_ok = 0
    for origin in _origins(history):
        while fed < len(bins) and bins[fed].end_s <= origin:
            state.add(bins[fed])
            all_ok, all_runs = all_ok + bins[fed].succeeded, all_runs + bins[fed].runs
            fed += 1
        answer = state.at(origin)
        six_ok, six_runs = answer["six_hour_share"]
        baselines = {
            "six_hour": six_ok / six_runs if six_runs else all_ok / max(all_runs, 1),
            "all_history": all_ok / max(all_runs, 1),
        }
        for horizon, hours, key in (("1h", 1, "next_hour"), ("6h", 6, "next_six_hours")):
            end = origin + hours * HOUR_S
            if end > history.days * DAY_S:
                continue
            made = answer[key]
            ahead = outcomes[bisect.bisect_right(times, origin) : bisect.bisect_right(times, end)]
            for who, p in (("forecast", made.rate), *baselines.items()):
                cell = scored.brier.setdefault(f"{horizon}:{who}", [0.0, 0])
                cell[0] += sum((p - y) ** 2 for y in ahead)
                cell[1] += len(ahead)
            truth = history.true_rate(origin, end)
            for level, (low, high) in ((80, made.interval_80), (95, made.interval_95)):
                hits = scored.covered.setdefault(f"{horizon}:{level}", [0, 0])
                hits[0] += low <= truth <= high
                hits[1] += 1
            if not answer["fallback"]:
                se = 1 / math.sqrt(made.effective_runs * max(made.rate * (1 - made.rate), 1e-3))
                scored.scores[horizon].append(abs(_logit(truth) - _logit(made.rate)) / se)
    return scored


def _brier(scored: Sequence[Scored], key: str) -> float:
    total = sum(s.brier.get(key, [0.0, 0])[0] for s in scored)
    return total / max(sum(s.brier.get(key, [0.0, 0])[1] for s in scored), 1)


def _skill(scored: Sequence[Scored], horizon: str, baseline: str) -> float:
    return 1 - _brier(scored, f"{horizon}:forecast") / _brier(scored, f"{horizon}:{baseline}")


def _bootstrap(scored: Sequence[Scored], horizon: str, baseline: str, reps: int) -> tuple[float, float]:
    """95 % interval of the skill, resampling whole histories (a history's hours are not independent)."""
    rng = random.Random(2026)
    draws = sorted(_skill([rng.choice(scored) for _ in scored], horizon, baseline) for _ in range(reps))
    return draws[int(0.025 * reps)], draws[int(0.975 * reps) - 1]


def _coverage(scored: Sequence[Scored], key: str) -> float:
    return sum(s.covered[key][0] for s in scored) / sum(s.covered[key][1] for s in scored)


def scorecard(quick: bool) -> dict[str, float]:
    """The scorecard's rows, each a plain number (``make bench`` prints them)."""
    histories = suite(_QUICK_SEEDS if quick else _SCORED_SEEDS)
    scored = [score_history(h) for h in histories]
    rows: dict[str, float] = {}
    for horizon in ("1h", "6h"):
        rows[f"forecast_brier_{horizon}"] = _brier(scored, f"{horizon}:forecast")
        for baseline in ("six_hour", "all_history"):
            rows[f"forecast_brier_{horizon}_{baseline}_share"] = _brier(scored, f"{horizon}:{baseline}")
            low, high = _bootstrap(scored, horizon, baseline, 200 if quick else _BOOTSTRAP)
            rows[f"forecast_skill_{horizon}_vs_{baseline}"] = _skill(scored, horizon, baseline)
            rows[f"forecast_skill_{horizon}_vs_{baseline}_low95"] = low
            rows[f"forecast_skill_{horizon}_vs_{baseline}_high95"] = high
        for level in (80, 95):
            rows[f"forecast_coverage_{level}_{horizon}"] = _coverage(scored, f"{horizon}:{level}")
    for kind in ("stationary", "rhythm", "regression", "rhythm_regression"):
        group = [s for s in scored if s.name.removesuffix("_low") == kind]
        rows[f"forecast_skill_1h_vs_six_hour_{kind}"] = _skill(group, "1h", "six_hour")
    low_volume = [s for s in scored if s.name.endswith("_low")]
    rows["forecast_skill_1h_vs_six_hour_low_volume"] = _skill(low_volume, "1h", "six_hour")
    rows.update(trigger_rates(histories))
    return rows


def calibrate() -> dict[str, float]:
    """The split-conformal quantiles, from the calibration seeds (disjoint from the scored ones)."""
    scored = [score_history(h) for h in suite(_CALIBRATION_SEEDS)]
    out = {}
    for horizon in ("1h", "6h"):
        errors = sorted(e for s in scored for e in s.scores[horizon])
        for level in (80, 95):
            rank = math.ceil((len(errors) + 1) * level / 100) - 1
            out[f"{horizon}:{level}"] = errors[min(rank, len(errors) - 1)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.forecast_scorecard", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two seeds instead of six (under ~20 s)")
    parser.add_argument("--calibrate", action="store_true", help="print the conformal quantiles instead")
    args = parser.parse_args(argv)
    rows = calibrate() if args.calibrate else scorecard(args.quick)
    width = max(map(len, rows))
    for name, value in rows.items():
        print(f"{name:<{width}}  {value:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
