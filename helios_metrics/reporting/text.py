"""The analysis as a person reads it: the lines ``python -m functions report`` prints."""

from __future__ import annotations

from typing import Any

from .error_budget import slo_lines

__all__ = ["forecast_lines", "report_lines"]


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


def _band(figures: dict[str, Any], rate: float | None) -> str:
    (l80, h80), (l95, h95) = figures["interval_80"], figures["interval_95"]
    return f"{_pct(rate)} (80 % interval {_pct(l80)}–{_pct(h80)}, 95 % {_pct(l95)}–{_pct(h95)})"


def forecast_lines(forecast: dict[str, Any]) -> list[str]:
    """The forecast of both horizons, what it rests on, and the six-hour share beside it."""
    share = forecast["six_hour_share"]
    rests = (
        f"from {forecast['based_on_runs']} runs"
        if forecast["fallback"]
        else f"from {forecast['based_on_runs']} runs, worth {forecast['effective_runs']:.0f} now"
    )
    lines = [
        f"forecast, next hour: success {_band(forecast, forecast['next_hour_success_rate'])}, {rests}"
        + (", written to Cloud Monitoring" if forecast.get("written") else ""),
        f"forecast, next 6 h: success {_band(forecast['next_six_hours'], forecast['next_six_hours']['success_rate'])}",
        f"  last 6 h's share {_pct(share['rate'])} of {share['runs']} runs; last hour "
        f"{_pct(forecast['realised_last_hour']['rate'])} of {forecast['realised_last_hour']['runs']}",
    ]
    if forecast["change_probability"] >= 0.5:
        lines.append(f"  the success rate has likely changed (probability {forecast['change_probability']:.0%})")
    return lines


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
    lines.extend(forecast_lines(forecast))
    if "slo" in summary:
        lines.extend(slo_lines(summary["slo"]))
    triggers = analysis["optimization_triggers"]
    lines.append(f"optimization triggers: {len(triggers) or 'none'}")
    lines.extend(f"  [{t['kind']}] {t['subject']}: {t['reason']}. {t['recommendation']}" for t in triggers)
    return lines
