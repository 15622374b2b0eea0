"""Charts as inline SVG, pure: time series in, a readable plot out — axes with nice ticks, the unit,
a legend, threshold lines — so the console needs no script and fetches nothing."""

from __future__ import annotations

import html
import itertools
import math
import time
from collections.abc import Sequence

from helios_metrics.contract.units import NS

__all__ = ["PALETTE", "Column", "Line", "heatmap", "line_chart", "nice_ticks", "sparkline"]

PALETTE = ("#1a73e8", "#e8710a", "#188038", "#d93025", "#9334e6", "#12b5cb", "#f9ab00", "#5f6368")
Line = tuple[str, Sequence[tuple[int, float]]]
"""(legend label, [(end time ns, value), …])."""


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2 or 5 times a power of ten apart)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = [round(math.floor(low / step) * step, 12)]
    while ticks[-1] < high:  # the last tick covers the highest value: nothing is drawn off the chart
        ticks.append(round(ticks[0] + step * len(ticks), 12))
    return ticks


def _label(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10_000:
        return f"{value / 1000:.0f}k"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 1:
        return f"{value:.3g}"
    return f"{value:.2g}"


def _clock(ns: int, span_ns: int) -> str:
    moment = time.gmtime(ns / NS)
    return time.strftime("%d %b %H:%M" if span_ns > 2 * 86400 * NS else "%H:%M", moment)


def line_chart(
    lines: Sequence[Line],
    start_ns: int,
    end_ns: int,
    unit: str = "",
    thresholds: Sequence[float] = (),
    width: int = 560,
    height: int = 220,
    stacked: bool = False,
) -> str:
    """An SVG line (or stacked area) chart of ``lines`` over [start, end] (UTC times)."""
    left, right, top, bottom = 56, 40, 10, 28  # room for a centred "01 Dec 00:00" at the right edge
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, points in lines for _, v in points if math.isfinite(v)]
    values += list(thresholds)
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    low = min(low, 0.0)
    ticks = nice_ticks(low, high)
    y_min, y_max = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1
    span = max(end_ns - start_ns, 1)

    def x(t: int) -> float:
        return left + (t - start_ns) / span * plot_w

    def y(v: float) -> float:
        return top + plot_h - (v - y_min) / (y_max - y_min) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" class="chart">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#dadce0"/>',
    ]
    for tick in ticks:
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#f1f3f4"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" fill="#5f6368">'
            f"{_label(tick)}</text>"
        )
    for i in range(5):
        t = start_ns + span * i // 4
        parts.append(
            f'<text x="{x(t):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="#5f6368">'
            f"{_clock(t, span)}</text>"
        )
    if unit:
        parts.append(
            f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" fill="#5f6368" '
            f'transform="rotate(-90 12 {top + plot_h / 2:.1f})" text-anchor="middle">{html.escape(unit)}</text>'
        )
    baseline: dict[int, float] = {}
    for index, (_, points) in enumerate(lines):
        color = PALETTE[index % len(PALETTE)]
        ordered = sorted((t, v) for t, v in points if math.isfinite(v) and start_ns <= t <= end_ns)
        if not ordered:
            continue
        if stacked:
            stacked_points = [(t, v + baseline.get(t, 0.0)) for t, v in ordered]
            floor = [(t, baseline.get(t, 0.0)) for t, _ in reversed(ordered)]
            path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in [*stacked_points, *floor])
            parts.append(f'<polygon points="{path}" fill="{color}" fill-opacity="0.5" stroke="{color}"/>')
            baseline.update(stacked_points)
        elif len(ordered) == 1:
            t, v = ordered[0]
            parts.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"/>')
        else:
            path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in ordered)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.6"/>')
    for threshold in thresholds:
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(threshold):.1f}" y2="{y(threshold):.1f}" '
            'stroke="#d93025" stroke-dasharray="4 3"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(points: Sequence[tuple[int, float]], width: int = 160, height: int = 36, color: str = PALETTE[0]) -> str:
    ordered = sorted((t, v) for t, v in points if math.isfinite(v))
    if len(ordered) < 2:
        return ""
    t0, t1 = ordered[0][0], ordered[-1][0]
    lo, hi = min(v for _, v in ordered), max(v for _, v in ordered)
    hi = hi if hi > lo else lo + 1

    def xy(t: int, v: float) -> str:
        return (
            f"{(t - t0) / max(t1 - t0, 1) * (width - 2) + 1:.1f},{height - 1 - (v - lo) / (hi - lo) * (height - 2):.1f}"
        )

    path = " ".join(xy(t, v) for t, v in ordered)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" class="spark">'
        f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"/></svg>'
    )


Column = tuple[int, Sequence[float], Sequence[int]]
"""(end time ns, the finite bucket bounds, the bucket counts) of one distribution point."""


def heatmap(
    columns: Sequence[Column], start_ns: int, end_ns: int, unit: str = "", width: int = 560, height: int = 220
) -> str:
    """A heatmap of distributions over time: one column per point, one cell per non-empty bucket,
    darker for more samples; the value axis is logarithmic when the buckets grow exponentially."""
    left, right, top, bottom = 56, 40, 10, 28  # room for a centred "01 Dec 00:00" at the right edge
    plot_w, plot_h = width - left - right, height - top - bottom
    cells = [
        (
            t,
            bounds[i - 1] if i > 0 else (bounds[0] / 2 if bounds[0] > 0 else bounds[0] - 1),
            bounds[i] if i < len(bounds) else bounds[-1] * 1.5,
            count,
        )
        for t, bounds, counts in columns
        for i, count in enumerate(counts)
        if count and bounds
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" class="chart heatmap">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#dadce0"/>',
    ]
    if cells:
        low = min(c[1] for c in cells if c[1] > 0) if any(c[1] > 0 for c in cells) else 1e-3
        high = max(c[2] for c in cells)
        logarithmic = low > 0 and high / low > 100

        def y(v: float) -> float:
            v = max(v, low)
            if logarithmic:
                share = (math.log10(v) - math.log10(low)) / max(math.log10(high) - math.log10(low), 1e-9)
            else:
                share = (v - low) / max(high - low, 1e-9)
            return top + plot_h - share * plot_h

        span = max(end_ns - start_ns, 1)
        times = sorted({c[0] for c in cells})
        step = min((b - a for a, b in itertools.pairwise(times)), default=span // 20) or span // 20
        cell_w = max(1.0, step / span * plot_w)
        most = max(c[3] for c in cells)
        for t, lower, upper, count in cells:
            x = left + (t - start_ns) / span * plot_w - cell_w
            opacity = 0.15 + 0.85 * count / most
            tall = max(1.0, y(lower) - y(upper))
            parts.append(
                f'<rect x="{x:.1f}" y="{y(upper):.1f}" width="{cell_w:.1f}" height="{tall:.1f}" '
                f'fill="{PALETTE[0]}" fill-opacity="{opacity:.2f}"/>'
            )
        for tick in (low, math.sqrt(low * high) if logarithmic else (low + high) / 2, high):
            parts.append(
                f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
                f'fill="#5f6368">{_label(tick)}</text>'
            )
    for i in range(5):
        t = start_ns + (end_ns - start_ns) * i // 4
        x_pos = left + (t - start_ns) / max(end_ns - start_ns, 1) * plot_w
        parts.append(
            f'<text x="{x_pos:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="#5f6368">'
            f"{_clock(t, end_ns - start_ns)}</text>"
        )
    if unit:
        parts.append(
            f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" fill="#5f6368" '
            f'transform="rotate(-90 12 {top + plot_h / 2:.1f})" text-anchor="middle">{html.escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
