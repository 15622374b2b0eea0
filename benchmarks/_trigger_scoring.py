"""The optimization triggers' precision on generated histories: how often the success-rate and
stage-error triggers fire when nothing changed (false alarms per day), and how many regressions they
never flag (miss rate) — evaluated as the scheduled report does, every 5 minutes on the last hour.

A firing episode (consecutive evaluations that fire) is one alarm. It is **false** when no
regression overlaps the hour it looked at and the hour's true success probability was not below
the threshold (a daily trough that really is below 85 % is a true alarm). A regression is
**missed** when no evaluation fires while it lasts or within the hour after (its runs are still
in the window).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

from benchmarks._forecast_histories import DAY_S, HOUR_S, STAGES, History
from helios_metrics.reporting.triggers import AnalysisThresholds, triggers
from helios_metrics.reporting.window import StageData, WindowData

__all__ = ["ALPHAS", "trigger_rates", "tuned_alpha"]

STEP_S = 300
WINDOW_S = HOUR_S
ALPHAS = (None, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001)
"""The levels tried when tuning; None is the plain threshold (fire whenever the share is beyond it)."""
_KINDS = ("success_rate", "stage_errors")
_NO_TRENDS: dict[str, dict[str, object]] = {"stages": {}}


class _Counts:
    """Prefix sums of runs, successes and each stage's runs and failures, by run index."""

    def __init__(self, history: History) -> None:
        self.times = [r.t_s for r in history.runs]
        self.ok = [0]
        self.stage_runs = {s: [0] for s in STAGES}
        self.stage_failed = {s: [0] for s in STAGES}
        for run in history.runs:
            self.ok.append(self.ok[-1] + run.success)
            reached = STAGES if run.success else STAGES[: STAGES.index(run.failed_stage or STAGES[-1]) + 1]
            for stage in STAGES:
                self.stage_runs[stage].append(self.stage_runs[stage][-1] + (stage in reached))
                self.stage_failed[stage].append(self.stage_failed[stage][-1] + (stage == run.failed_stage))

    def window(self, start_s: int, end_s: int) -> WindowData:
        a, b = bisect.bisect_right(self.times, start_s), bisect.bisect_right(self.times, end_s)
        ok = self.ok[b] - self.ok[a]
        stages = {}
        for stage in STAGES:
            runs = self.stage_runs[stage][b] - self.stage_runs[stage][a]
            failed = self.stage_failed[stage][b] - self.stage_failed[stage][a]
            stages[stage] = StageData(None, {"success": runs - failed, "failure": failed})
        return WindowData(start_s, end_s, {"success": ok, "failure": (b - a) - ok}, None, stages)


def _episodes(history: History, counts: _Counts, limits: AnalysisThresholds) -> tuple[list[tuple[int, str]], list[int]]:
    """(start, kind) of every firing episode of each trigger kind, and every evaluation that fired."""
    started: list[tuple[int, str]] = []
    fired: list[int] = []
    firing: set[str] = set()
    for end in range(WINDOW_S, history.days * DAY_S + 1, STEP_S):
        now = {t["kind"] for t in triggers(counts.window(end - WINDOW_S, end), _NO_TRENDS, limits)}
        started += [(end, kind) for kind in sorted(now - firing)]
        if now:
            fired.append(end)
        firing = now
    return started, fired


def _score(histories: Sequence[History], limits: AnalysisThresholds) -> dict[str, float]:
    false = dict.fromkeys(_KINDS, 0)
    regressions = missed = 0
    days = 0.0
    for history in histories:
        counts = _Counts(history)
        episodes, fired = _episodes(history, counts, limits)
        days += history.days - WINDOW_S / DAY_S
        for end, kind in episodes:
            overlaps = any(a < end and b > end - WINDOW_S for a, b in history.changes)
            if not overlaps and history.true_rate(end - WINDOW_S, end) >= limits.success_rate:
                false[kind] += 1
        for a, b in history.changes:
            regressions += 1
            missed += not any(a < end <= b + WINDOW_S for end in fired)
    rows = {f"trigger_false_alarms_per_day_{kind}": false[kind] / days for kind in _KINDS}
    rows["trigger_false_alarms_per_day"] = sum(false.values()) / days
    rows["trigger_miss_rate"] = missed / max(regressions, 1)
    return rows


def tuned_alpha(histories: Sequence[History], per_day: float) -> float | None:
    """The least strict level (from :data:`ALPHAS`) whose false alarms stay at ``per_day`` or under."""
    for alpha in ALPHAS:
        limits = replace(AnalysisThresholds(), success_alpha=alpha, error_alpha=alpha)
        if _score(histories, limits)["trigger_false_alarms_per_day"] <= per_day:
            return alpha
    return ALPHAS[-1]


def trigger_rates(histories: Sequence[History]) -> dict[str, float]:
    """False alarms per day and miss rate: as shipped (``AnalysisThresholds()``), and for the plain
    thresholds the triggers used before (``_plain``)."""
    shipped = _score(histories, AnalysisThresholds())
    plain = _score(histories, AnalysisThresholds(success_alpha=None, error_alpha=None))
    return shipped | {f"{key}_plain": value for key, value in plain.items()}
