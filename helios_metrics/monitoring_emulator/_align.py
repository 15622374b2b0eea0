"""Per-series alignment: each series becomes one point per alignment period.

Periods end at the query's ``interval.end_time`` and step back by the period: period k covers
``(end - (k+1)·period, end - k·period]``, as long as its end is after the interval's start, and its
aligned point sits at its end. Aligners that summarise a period (MIN, MAX, MEAN, COUNT, SUM,
STDDEV, the fractions and percentiles, NEXT_OLDER) read the points whose end time falls in it.

ALIGN_DELTA and ALIGN_RATE on DELTA and CUMULATIVE numbers spread each point's increment
(``_deltas``) evenly over its interval and give a period the part that falls inside it: the value
at a period boundary is interpolated between the points either side of it, a period without a point
but inside an increment's interval gets its share, and a restart keeps what was counted before it.
ALIGN_RATE is the period's share divided by the period — the slope between its two boundary values.
Distribution increments cannot be split, so each goes whole to the period holding its end.

ALIGN_INTERPOLATE gives, at each period end, the value interpolated linearly between the newest
point at or before it and the oldest point after it; with no later point, the newest point when it
lies inside the period.

ALIGN_PERCENT_CHANGE follows the API's definition: ``(current - previous) / previous * 100``, where
each value is the 10-minute moving mean of the points ``>= 0`` (negative points are missing data),
``current`` taken at the period's newest point and ``previous`` at the newest point of the period
before it; 0 when both are 0, infinity when only ``previous`` is. A period without points, or
without a period before it with points, has no aligned point.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable
from typing import Any

from google.api import metric_pb2
from google.cloud.monitoring_v3.types import common

from helios_metrics.contract.units import NS

from ._agg_types import AggregationSpec, SeriesData
from ._agg_values import combine, number, subtract, typed
from ._deltas import Increment, increments
from ._raw import Raw

__all__ = ["SMOOTHING_NS", "align"]

MD = metric_pb2.MetricDescriptor
A = common.Aggregation.Aligner
Point = tuple[int, int, Raw]
SMOOTHING_NS = 10 * 60 * NS  # ALIGN_PERCENT_CHANGE's moving mean
_OPERATIONS = {
    A.ALIGN_MIN: "min",
    A.ALIGN_MAX: "max",
    A.ALIGN_MEAN: "mean",
    A.ALIGN_COUNT: "count",
    A.ALIGN_SUM: "sum",
    A.ALIGN_STDDEV: "stddev",
    A.ALIGN_COUNT_TRUE: "count_true",
    A.ALIGN_COUNT_FALSE: "count_false",
    A.ALIGN_FRACTION_TRUE: "fraction_true",
    A.ALIGN_PERCENTILE_99: "p99",
    A.ALIGN_PERCENTILE_95: "p95",
    A.ALIGN_PERCENTILE_50: "p50",
    A.ALIGN_PERCENTILE_05: "p05",
}


def _ends(period: int, start: int, end: int) -> list[int]:
    """The period ends of the interval ``(start, end]``, newest first."""
    count = max(0, -(-(end - start) // period))
    return [end - k * period for k in range(count)]


def align(series: SeriesData, spec: AggregationSpec, out_kind: int, out_type: int, start: int, end: int) -> SeriesData:
    """``series`` aligned by ``spec`` over ``(start, end]`` (its points may reach further back for
    the aligners that need earlier values)."""
    aligned = series.emptied(out_kind, out_type)
    aligner, period = spec.aligner, spec.period_ns
    if aligner == A.ALIGN_PERCENT_CHANGE:
        aligned.points = _percent_change(series, period, start, end)
    elif aligner == A.ALIGN_INTERPOLATE:
        aligned.points = _interpolated(series, period, start, end)
    elif aligner in (A.ALIGN_DELTA, A.ALIGN_RATE):
        if series.value_type == MD.DISTRIBUTION:
            aligned.points = _whole_deltas(series, period, start, end)
        else:
            aligned.points = _spread_deltas(series, period, start, end, aligner == A.ALIGN_RATE)
    else:
        aligned.points = _summarised(series, spec, out_type, start, end)
    return aligned


def _summarised(series: SeriesData, spec: AggregationSpec, out_type: int, start: int, end: int) -> list[Point]:
    buckets: dict[int, list[Raw]] = {}
    for point_end, _, value in series.points:  # newest first
        if start < point_end <= end:
            buckets.setdefault((end - point_end) // spec.period_ns, []).append(value)
    out: list[Point] = []
    for index in sorted(buckets):
        bucket_end, values = end - index * spec.period_ns, buckets[index]
        if spec.aligner == A.ALIGN_NEXT_OLDER:
            value = values[0]
        else:
            value = combine(_OPERATIONS[spec.aligner], values, series.value_type, out_type)
        out.append((bucket_end, bucket_end, value))
    return out


def _series_increments(series: SeriesData, convert: Callable[[Raw], Any]) -> list[Increment[Any]]:
    oldest_first = sorted(series.points, key=lambda p: p[0])
    if series.value_type == MD.DISTRIBUTION:
        return increments(
            [(e, s, v) for e, s, v in oldest_first],
            series.kind == MD.CUMULATIVE,
            lambda new, old: subtract(new, old, MD.DISTRIBUTION),
            lambda new, old: new.distribution_value.count < old.distribution_value.count,
        )
    return increments(
        [(e, s, convert(v)) for e, s, v in oldest_first],
        series.kind == MD.CUMULATIVE,
        lambda new, old: new - old,
        lambda new, old: new < old,
    )


def _spread_deltas(series: SeriesData, period: int, start: int, end: int, rate: bool) -> list[Point]:
    ends = _ends(period, start, end)
    shares: dict[int, float] = {}
    for inc in _series_increments(series, number):
        width = inc.until - inc.after
        newest = max(0, (end - inc.until) // period)
        oldest = min(len(ends) - 1, (end - inc.after - 1) // period)
        for index in range(newest, oldest + 1):
            overlap = min(inc.until, ends[index]) - max(inc.after, ends[index] - period)
            if overlap > 0 and width > 0:
                shares[index] = shares.get(index, 0.0) + inc.value * overlap / width
    out: list[Point] = []
    for index in sorted(shares):
        bucket_end = ends[index]
        if rate:
            out.append((bucket_end, bucket_end, typed(MD.DOUBLE, shares[index] / (period / NS))))
        else:
            out.append((bucket_end, bucket_end - period, typed(series.value_type, shares[index])))
    return out


def _whole_deltas(series: SeriesData, period: int, start: int, end: int) -> list[Point]:
    buckets: dict[int, list[Raw]] = {}
    for inc in _series_increments(series, lambda v: v):
        if start < inc.until <= end:
            buckets.setdefault((end - inc.until) // period, []).append(inc.value)
    out: list[Point] = []
    for index in sorted(buckets):
        bucket_end = end - index * period
        out.append((bucket_end, bucket_end - period, combine("sum", buckets[index], MD.DISTRIBUTION, MD.DISTRIBUTION)))
    return out


def _interpolated(series: SeriesData, period: int, start: int, end: int) -> list[Point]:
    known = sorted((t, number(v)) for t, _, v in series.points if t <= end)  # oldest first
    times = [t for t, _ in known]
    out: list[Point] = []
    for boundary in _ends(period, start, end):
        before = bisect.bisect_right(times, boundary) - 1
        if before < 0:
            continue
        t0, y0 = known[before]
        if t0 == boundary or before + 1 == len(known):
            if t0 == boundary or t0 > boundary - period:
                out.append((boundary, boundary, typed(series.value_type, y0)))
            continue
        t1, y1 = known[before + 1]
        out.append((boundary, boundary, typed(series.value_type, y0 + (y1 - y0) * (boundary - t0) / (t1 - t0))))
    return out


def _change(current: float, previous: float) -> float:
    if previous == 0:
        return 0.0 if current == 0 else math.inf
    return (current - previous) / previous * 100


def _percent_change(series: SeriesData, period: int, start: int, end: int) -> list[Point]:
    usable = sorted((t, number(v)) for t, _, v in series.points if number(v) >= 0)  # oldest first
    times = [t for t, _ in usable]
    sums = [0.0, *itertools.accumulate(v for _, v in usable)]

    def moving_mean(at: int) -> float:  # ``at`` is a point's time: the window holds at least that point
        low, high = bisect.bisect_right(times, at - SMOOTHING_NS), bisect.bisect_right(times, at)
        return (sums[high] - sums[low]) / (high - low)

    def newest_in(low: int, high: int) -> int | None:
        index = bisect.bisect_right(times, high) - 1
        return times[index] if index >= 0 and times[index] > low else None

    out: list[Point] = []
    for bucket_end in _ends(period, start, end):
        current_at = newest_in(max(bucket_end - period, start), bucket_end)
        previous_at = newest_in(bucket_end - 2 * period, bucket_end - period)
        if current_at is not None and previous_at is not None:
            change = _change(moving_mean(current_at), moving_mean(previous_at))
            out.append((bucket_end, bucket_end, typed(MD.DOUBLE, change)))
    return out
