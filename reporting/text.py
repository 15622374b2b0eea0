"""The analysis as a person reads it: the lines ``python -m functions report`` prints."""

from __future__ import annotations

from typing import Any

from .error_budget import slo_lines

__all__ = ["report_lines"]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _span(hours: float) -> str:
    """A window as it was asked for: ``10 min``, ``6 h``, ``2 d``."""
    minutes = round(hours * 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} d"
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def report_lines(analysis: dict[str, Any]) -> list[str]:
    """The analysis as a person reads it."""
    summary, forecast = analysis["summary"], analysis["forecast"]
    rate = summary["success_rate"]
    low, high = rate["interval_95"]
    execution = summary["execution_time_s"]
    lines = [
        f"last {_span(summary['window']['hours'])}: {summary['runs']} runs, {summary['throughput_per_hour']:.1f}/h",
        f"success rate {_pct(rate['rate'])} (95 % interval {_pct(low)}–{_pct(high)})",
        "execution time " + ", ".join(f"{p} {_seconds(execution[p])}" for p in ("p50", "p95", "p99")),
    ]
    for stage, figures in summary["stages"].items():
        lines.append(
            f"  {stage}: {figures['runs']} runs, error rate {_pct(figures['error_rate'])}, "
            f"p95 {_seconds(figures['p95_duration_s'])}"
        )
    lines.append("scores: " + ", ".join(f"{k} {v:.2f}" for k, v in summary["scores"].items() if v is not None))
    trend = analysis["trends"]["success_rate"]
    lines.append(
        f"trend: success rate {trend['change']:+.1%} against the previous window "
        f"(p = {trend['p_value']:.3f}{', significant' if trend['significant'] else ''})"
    )
    f_low, f_high = forecast["interval_95"]
    lines.append(
        f"forecast, next hour: success {_pct(forecast['next_hour_success_rate'])} "
        f"(95 % interval {_pct(f_low)}–{_pct(f_high)}, from {forecast['based_on_runs']} runs)"
        + (", written to Cloud Monitoring" if forecast.get("written") else "")
    )
    if "slo" in summary:
        lines.extend(slo_lines(summary["slo"]))
    triggers = analysis["optimization_triggers"]
    lines.append(f"optimization triggers: {len(triggers) or 'none'}")
    lines.extend(f"  [{t['kind']}] {t['subject']}: {t['reason']}. {t['recommendation']}" for t in triggers)
    return lines
