"""The performance summary and analysis, pure: plain window data in (read from Monitoring by
``report``), figures out — honest statistics instead of the original's fixed formulas.

**Forecast** (:mod:`helios_metrics.reporting.forecast`): the next hour's and the next six hours' success
probability from the history of run outcomes, recency-weighted and change-point aware, with
conformal 80 % and 95 % prediction intervals; the last six hours' share beside it, as it was.
**Optimization triggers**: :mod:`helios_metrics.reporting.triggers`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .forecast import Bin, Forecast, forecast
from .statistics import proportion_change, welch, wilson
from .triggers import AnalysisThresholds, triggers
from .window import SCORES, DistributionData, StageData, WindowData

__all__ = [
    "SCORES",
    "AnalysisThresholds",
    "DistributionData",
    "StageData",
    "WindowData",
    "analyze",
    "forecast_figures",
    "summarize",
]


def _rate(successes: int, total: int) -> dict[str, Any]:
    low, high = wilson(successes, total)
    return {"rate": successes / total if total else None, "interval_95": [low, high], "runs": total}


def summarize(window: WindowData, slo: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Runs, success rate with its Wilson interval, execution-time percentiles, per-stage p95 and
    error rates, throughput per hour and mean scores of one window; and ``slo``, the success SLO's
    budget and burn (:func:`helios_metrics.reporting.error_budget.slo_figures`), as it was read, when given."""
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


def _horizon(made: Forecast) -> dict[str, Any]:
    return {"success_rate": made.rate, "interval_80": list(made.interval_80), "interval_95": list(made.interval_95)}


def forecast_figures(history: Sequence[Bin], now_s: int) -> dict[str, Any]:
    """The forecast at ``now_s`` from ``history`` (run outcomes in time bins), as the report states
    it: both horizons with their intervals, what they rest on, the six-hour share and the last hour's
    realised rate beside them."""
    made = forecast(history, now_s)
    hour = made["next_hour"]
    six_ok, six_runs = made["six_hour_share"]
    last = [b for b in history if now_s - 3600 < b.end_s <= now_s]
    last_ok, last_runs = sum(b.succeeded for b in last), sum(b.runs for b in last)
    method = (
        "too few runs held: success share of the last six hours' runs, Wilson intervals"
        if made["fallback"]
        else "recency-weighted shares averaged by how well each predicted, change-point aware"
        + (", hour of day" if made["hour_of_day"] else "")
        + "; conformal prediction intervals"
    )
    return {
        "next_hour_success_rate": hour.rate,
        "interval_80": list(hour.interval_80),
        "interval_95": list(hour.interval_95),
        "next_six_hours": _horizon(made["next_six_hours"]),
        "based_on_runs": made["runs"],
        "effective_runs": made["effective_runs"],
        "change_probability": made.get("change_probability", 0.0),
        "changed_after": made.get("changed_after") if made.get("change_probability", 0.0) >= 0.5 else None,
        "hour_of_day": made["hour_of_day"],
        "fallback": made["fallback"],
        "memory_weights": made["weights"],
        "six_hour_share": {
            "rate": six_ok / six_runs if six_runs else None,
            "interval_95": list(wilson(six_ok, six_runs)),
            "runs": six_runs,
        },
        "realised_last_hour": {"rate": last_ok / last_runs if last_runs else None, "runs": last_runs},
        "method": method,
    }


def analyze(
    current: WindowData,
    previous: WindowData,
    history: Sequence[Bin],
    limits: AnalysisThresholds | None = None,
    slo: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Trends (``current`` against ``previous``), the success forecast at the end of ``current``
    from ``history`` (:func:`forecast_figures`), and optimization triggers with reasons and
    recommendations; ``slo`` joins the summary."""
    limits = limits or AnalysisThresholds()
    trends = _trends(current, previous, limits)
    return {
        "summary": summarize(current, slo),
        "trends": trends,
        "forecast": forecast_figures(history, current.end_s),
        "optimization_triggers": triggers(current, trends, limits),
    }
