"""The performance summary and analysis, pure: plain window data in (read from Monitoring by
``report``), figures out — honest statistics instead of the original's fixed formulas.

**Forecast.** The next hour's success rate is forecast as the share of successful runs over the
last six hours, with the Wilson 95 % interval of that share: if the pipeline keeps behaving as it
did, the true rate lies in that interval 95 times in 100. It assumes no trend inside those hours;
the trends below say when that assumption is doubtful.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .statistics import Moments, percentile, proportion_change, welch, wilson

__all__ = ["AnalysisThresholds", "DistributionData", "StageData", "WindowData", "analyze", "summarize"]

SCORES = ("trend_opportunity_score", "audience_confidence", "design_generation_success", "publication_success")


@dataclass(frozen=True)
class DistributionData:
    """A merged distribution as read back: buckets and moments."""

    bounds: Sequence[float]
    counts: Sequence[int]
    count: int
    mean: float
    ssd: float
    low: float | None = None
    high: float | None = None

    def percentile(self, p: float) -> float | None:
        return percentile(self.bounds, self.counts, p, self.low, self.high)

    @property
    def moments(self) -> Moments:
        return Moments(self.count, self.mean, self.ssd)


@dataclass(frozen=True)
class StageData:
    duration: DistributionData | None
    runs: Mapping[str, int]  # status -> runs

    @property
    def total(self) -> int:
        return sum(self.runs.values())

    @property
    def failed(self) -> int:
        return self.runs.get("failure", 0)


@dataclass(frozen=True)
class WindowData:
    start_s: int
    end_s: int
    runs: Mapping[str, int] = field(default_factory=dict)  # status -> pipeline runs
    execution: DistributionData | None = None
    stages: Mapping[str, StageData] = field(default_factory=dict)
    scores: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return (self.end_s - self.start_s) / 3600

    @property
    def total(self) -> int:
        return sum(self.runs.values())

    @property
    def succeeded(self) -> int:
        return self.runs.get("success", 0)


@dataclass(frozen=True)
class AnalysisThresholds:
    """What counts as a problem (the Helios monitoring design's numbers)."""

    success_rate: float = 0.85
    error_rate: float = 0.15
    execution_p95_s: float = 300.0
    stage_p95_s: float = 120.0
    regression: float = 0.20  # a mean duration this much longer, significantly, is a regression
    significance: float = 0.05
    low_score: float = 0.70


def _rate(successes: int, total: int) -> dict[str, Any]:
    low, high = wilson(successes, total)
    return {"rate": successes / total if total else None, "interval_95": [low, high], "runs": total}


def summarize(window: WindowData, slo: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Runs, success rate with its Wilson interval, execution-time percentiles, per-stage p95 and
    error rates, throughput per hour and mean scores of one window; and ``slo``, the success SLO's
    budget and burn (:func:`reporting.error_budget.slo_figures`), as it was read, when given."""
    execution = window.execution
    summary: dict[str, Any] = {
        "window": {"start": window.start_s, "end": window.end_s, "hours": window.hours},
        "runs": window.total,
        "succeeded": window.succeeded,
        "failed": window.total - window.succeeded,
        "success_rate": _rate(window.succeeded, window.total),
        "execution_time_s": {
            "p50": execution.percentile(50) if execution else None,
            "p95": execution.percentile(95) if execution else None,
            "p99": execution.percentile(99) if execution else None,
            "mean": execution.mean if execution and execution.count else None,
        },
        "throughput_per_hour": window.total / window.hours if window.hours else 0.0,
        "stages": {
            name: {
                "runs": stage.total,
                "error_rate": stage.failed / stage.total if stage.total else None,
                "p95_duration_s": stage.duration.percentile(95) if stage.duration else None,
            }
            for name, stage in sorted(window.stages.items())
        },
        "scores": {name: window.scores.get(name) for name in SCORES},
    }
    if slo is not None:
        summary["slo"] = dict(slo)
    return summary


def _trend(difference: float, p_value: float, significance: float) -> dict[str, Any]:
    return {"change": difference, "p_value": p_value, "significant": p_value < significance}


def _trends(current: WindowData, previous: WindowData, limits: AnalysisThresholds) -> dict[str, Any]:
    success = proportion_change(previous.succeeded, previous.total, current.succeeded, current.total)
    trends: dict[str, Any] = {"success_rate": _trend(*success, limits.significance)}
    if current.execution and previous.execution:
        trends["execution_time_mean_s"] = _trend(
            *welch(previous.execution.moments, current.execution.moments), limits.significance
        )
    stages: dict[str, Any] = {}
    for name, stage in sorted(current.stages.items()):
        before = previous.stages.get(name)
        if before is None:
            continue
        entry = {
            "error_rate": _trend(
                *proportion_change(before.failed, before.total, stage.failed, stage.total), limits.significance
            )
        }
        if stage.duration and before.duration:
            entry["duration_mean_s"] = _trend(
                *welch(before.duration.moments, stage.duration.moments), limits.significance
            )
            entry["duration_mean_s"]["before"] = before.duration.mean
        stages[name] = entry
    trends["stages"] = stages
    return trends


def _triggers(current: WindowData, trends: Mapping[str, Any], limits: AnalysisThresholds) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    def add(kind: str, subject: str, reason: str, recommendation: str) -> None:
        found.append({"kind": kind, "subject": subject, "reason": reason, "recommendation": recommendation})

    if current.total and current.succeeded / current.total < limits.success_rate:
        low, high = wilson(current.succeeded, current.total)
        add(
            "success_rate",
            "pipeline",
            f"{current.succeeded} of {current.total} runs succeeded ({current.succeeded / current.total:.0%}, "
            f"95 % interval {low:.0%}–{high:.0%}), below {limits.success_rate:.0%}",
            "Find the stage with the most failures below and read its errors; pause publication if needed.",
        )
    p95 = current.execution.percentile(95) if current.execution else None
    if p95 is not None and p95 > limits.execution_p95_s:
        add(
            "execution_time",
            "pipeline",
            f"p95 run time {p95:.0f} s is over the {limits.execution_p95_s:.0f} s budget",
            "Look at the slowest stage's p95 below; cache or parallelise its external calls.",
        )
    for name, stage in sorted(current.stages.items()):
        if stage.total and stage.failed / stage.total > limits.error_rate:
            add(
                "stage_errors",
                name,
                f"{stage.failed} of {stage.total} runs failed ({stage.failed / stage.total:.0%}), over "
                f"{limits.error_rate:.0%}",
                f"Check {name}'s dependencies and retry policy; transient errors should be retried, not failed.",
            )
        stage_p95 = stage.duration.percentile(95) if stage.duration else None
        if stage_p95 is not None and stage_p95 > limits.stage_p95_s:
            add(
                "stage_budget",
                name,
                f"p95 duration {stage_p95:.0f} s is over the {limits.stage_p95_s:.0f} s stage budget",
                f"Profile {name}: it dominates the run time.",
            )
        change = trends.get("stages", {}).get(name, {}).get("duration_mean_s")
        if (
            change
            and change["significant"]
            and change["before"] > 0
            and change["change"] / change["before"] > limits.regression
        ):
            add(
                "stage_regression",
                name,
                f"mean duration grew {change['change'] / change['before']:.0%} against the previous window "
                f"(p = {change['p_value']:.3f})",
                f"Compare {name}'s recent changes and inputs with the previous window's.",
            )
    for name in SCORES:
        score = current.scores.get(name)
        if score is not None and score < limits.low_score:
            add(
                "low_score",
                name,
                f"mean {name.replace('_', ' ')} is {score:.2f}, below {limits.low_score:.2f}",
                "Review the inputs of the stage that produces it (trend sources, audience data, prompts).",
            )
    return found


def analyze(
    current: WindowData,
    previous: WindowData,
    recent: WindowData,
    limits: AnalysisThresholds | None = None,
    slo: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Trends (``current`` against ``previous``), the next hour's success forecast from ``recent``
    (the last six hours), and optimization triggers with reasons and recommendations; ``slo``
    joins the summary."""
    limits = limits or AnalysisThresholds()
    trends = _trends(current, previous, limits)
    low, high = wilson(recent.succeeded, recent.total)
    forecast = {
        "next_hour_success_rate": recent.succeeded / recent.total if recent.total else None,
        "interval_95": [low, high],
        "based_on_runs": recent.total,
        "method": "success share of the last six hours' runs, Wilson 95 % interval (assumes no trend)",
    }
    return {
        "summary": summarize(current, slo),
        "trends": trends,
        "forecast": forecast,
        "optimization_triggers": _triggers(current, trends, limits),
    }
