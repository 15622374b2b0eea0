"""The optimization triggers, pure: what counts as a problem in a window and what to do about it.

A rate trigger on a handful of runs is mostly noise — at a run every 12 minutes one failed run in an
hour is a 80 % share — so the success-rate and stage-error triggers fire only when the window's runs
are beyond the threshold at a one-sided level (exact binomial test), tuned on generated histories to
under one false alarm a week for both together (``python -m benchmarks.forecast_scorecard``, docs/analysis.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .statistics import binomial_cdf, wilson
from .window import SCORES, WindowData

__all__ = ["AnalysisThresholds", "triggers"]


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
    success_alpha: float | None = 0.02
    """The success-rate trigger fires when the window's runs are below ``success_rate`` at this
    one-sided level (exact binomial test); None: whenever the share is below it, however few runs."""
    error_alpha: float | None = 0.02
    """The same for a stage's error rate above ``error_rate``."""


def _success_low(succeeded: int, runs: int, limits: AnalysisThresholds) -> bool:
    """The success share is below the threshold — significantly, when ``success_alpha`` is set."""
    if not runs or succeeded / runs >= limits.success_rate:
        return False
    return limits.success_alpha is None or binomial_cdf(succeeded, runs, limits.success_rate) < limits.success_alpha


def _errors_high(failed: int, runs: int, limits: AnalysisThresholds) -> bool:
    """A stage's error rate is over the threshold — significantly, when ``error_alpha`` is set."""
    if not runs or failed / runs <= limits.error_rate:
        return False
    return limits.error_alpha is None or 1 - binomial_cdf(failed - 1, runs, limits.error_rate) < limits.error_alpha


def _beyond(alpha: float | None) -> str:
    return "" if alpha is None else f" (one-sided p < {alpha:g})"


def triggers(current: WindowData, trends: Mapping[str, Any], limits: AnalysisThresholds) -> list[dict[str, str]]:
    """Each problem ``current`` shows, with its reason and a recommendation; ``trends`` as
    :func:`helios_metrics.reporting.analysis.analyze` worked them out."""
    found: list[dict[str, str]] = []

    def add(kind: str, subject: str, reason: str, recommendation: str) -> None:
        found.append({"kind": kind, "subject": subject, "reason": reason, "recommendation": recommendation})

    if _success_low(current.succeeded, current.total, limits):
        low, high = wilson(current.succeeded, current.total)
        add(
            "success_rate",
            "pipeline",
            f"{current.succeeded} of {current.total} runs succeeded ({current.succeeded / current.total:.0%}, "
            f"95 % interval {low:.0%}–{high:.0%}), below {limits.success_rate:.0%}{_beyond(limits.success_alpha)}",
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
        if _errors_high(stage.failed, stage.total, limits):
            add(
                "stage_errors",
                name,
                f"{stage.failed} of {stage.total} runs failed ({stage.failed / stage.total:.0%}), over "
                f"{limits.error_rate:.0%}{_beyond(limits.error_alpha)}",
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
