"""ListTimeSeries aggregation: per-series aligners, cross-series reducers, group_by.

Alignment periods end at the query's ``interval.end_time`` and step back by the period:
period k covers ``(end - (k+1)·period, end - k·period]`` and its aligned point sits at its end.
Only points inside the query interval take part, except that DELTA/RATE on CUMULATIVE series
read one period further back for the value the first delta starts from.
Statistics use the population standard deviation; numeric percentiles interpolate linearly
between closest ranks; distribution percentiles come from the buckets (see ``_distributions``).

ALIGN_PERCENT_CHANGE follows the API's definition: ``(current - previous) / previous * 100``, where
each value is the 10-minute moving mean of the points ``>= 0`` (negative points are missing data),
``current`` taken at the period's newest point and ``previous`` at the newest point of the period
before it; 0 when both are 0, infinity when only ``previous`` is. A period without points, or
without a period before it with points, has no aligned point (it reads one period and ten minutes
before the interval for that).
"""

from __future__ import annotations

import bisect
import enum
import itertools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import grpc
from google.api import distribution_pb2, metric_pb2
from google.cloud.monitoring_v3.types import common

from . import _distributions as dists
from ._errors import ApiError, invalid_argument
from ._raw import Raw
from ._timeutil import NS_PER_S

__all__ = [
    "ALIGNERS",
    "REDUCERS",
    "AggregationSpec",
    "SeriesData",
    "aggregate",
    "aligner_applies",
    "applicable",
    "lookback_ns",
    "spec_from_pb",
]

MD = metric_pb2.MetricDescriptor
A = common.Aggregation.Aligner
R = common.Aggregation.Reducer
TypedValue = common.TypedValue.pb()
Distribution = distribution_pb2.Distribution

_NUMERIC = frozenset({MD.INT64, MD.DOUBLE})
_GAUGE_DELTA = frozenset({MD.GAUGE, MD.DELTA})
_ANY_VALUE = frozenset({MD.BOOL, MD.INT64, MD.DOUBLE, MD.STRING, MD.DISTRIBUTION})


@dataclass
class SeriesData:
    """A time series as plain values; points are ``(end_ns, start_ns, TypedValue)``, newest first."""

    metric_type: str
    metric_labels: dict[str, str]
    resource_type: str
    resource_labels: dict[str, str]
    kind: int
    value_type: int
    points: list[tuple[int, int, Raw]] = field(default_factory=list)


@dataclass(frozen=True)
class AggregationSpec:
    period_ns: int
    aligner: int
    reducer: int
    group_by: tuple[str, ...]


@dataclass(frozen=True)
class _Rule:
    kinds: frozenset[int]
    value_types: frozenset[int]
    out_kind: Callable[[int], int]
    out_type: Callable[[int], int]


def _same(x: int) -> int:
    return x


def _const(value: int) -> Callable[[int], int]:
    return lambda _: value


_ALIGNERS: dict[int, _Rule] = {
    A.ALIGN_DELTA: _Rule(frozenset({MD.CUMULATIVE, MD.DELTA}), _NUMERIC | {MD.DISTRIBUTION}, _const(MD.DELTA), _same),
    A.ALIGN_RATE: _Rule(frozenset({MD.CUMULATIVE, MD.DELTA}), _NUMERIC, _const(MD.GAUGE), _const(MD.DOUBLE)),
    A.ALIGN_NEXT_OLDER: _Rule(frozenset({MD.GAUGE}), _ANY_VALUE, _same, _same),
    A.ALIGN_MIN: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _same),
    A.ALIGN_MAX: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _same),
    A.ALIGN_MEAN: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _const(MD.DOUBLE)),
    A.ALIGN_COUNT: _Rule(_GAUGE_DELTA, _NUMERIC | {MD.BOOL}, _same, _const(MD.INT64)),
    A.ALIGN_SUM: _Rule(_GAUGE_DELTA, _NUMERIC | {MD.DISTRIBUTION}, _same, _same),
    A.ALIGN_STDDEV: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _const(MD.DOUBLE)),
    A.ALIGN_COUNT_TRUE: _Rule(frozenset({MD.GAUGE}), frozenset({MD.BOOL}), _same, _const(MD.INT64)),
    A.ALIGN_COUNT_FALSE: _Rule(frozenset({MD.GAUGE}), frozenset({MD.BOOL}), _same, _const(MD.INT64)),
    A.ALIGN_FRACTION_TRUE: _Rule(frozenset({MD.GAUGE}), frozenset({MD.BOOL}), _same, _const(MD.DOUBLE)),
    **{
        a: _Rule(_GAUGE_DELTA, frozenset({MD.DISTRIBUTION}), _const(MD.GAUGE), _const(MD.DOUBLE))
        for a in (A.ALIGN_PERCENTILE_99, A.ALIGN_PERCENTILE_95, A.ALIGN_PERCENTILE_50, A.ALIGN_PERCENTILE_05)
    },
    A.ALIGN_PERCENT_CHANGE: _Rule(_GAUGE_DELTA, _NUMERIC, _const(MD.GAUGE), _const(MD.DOUBLE)),
}
_SMOOTHING_NS = 10 * 60 * NS_PER_S  # ALIGN_PERCENT_CHANGE's moving mean
_WITH_DIST = _NUMERIC | {MD.DISTRIBUTION}
_REDUCERS: dict[int, _Rule] = {
    R.REDUCE_MEAN: _Rule(_GAUGE_DELTA, _WITH_DIST, _same, _const(MD.DOUBLE)),
    R.REDUCE_MIN: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _same),
    R.REDUCE_MAX: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _same),
    R.REDUCE_SUM: _Rule(_GAUGE_DELTA, _WITH_DIST, _same, _same),
    R.REDUCE_STDDEV: _Rule(_GAUGE_DELTA, _WITH_DIST, _same, _const(MD.DOUBLE)),
    R.REDUCE_COUNT: _Rule(_GAUGE_DELTA, _ANY_VALUE, _same, _const(MD.INT64)),
    R.REDUCE_COUNT_TRUE: _Rule(_GAUGE_DELTA, frozenset({MD.BOOL}), _same, _const(MD.INT64)),
    R.REDUCE_COUNT_FALSE: _Rule(_GAUGE_DELTA, frozenset({MD.BOOL}), _same, _const(MD.INT64)),
    R.REDUCE_FRACTION_TRUE: _Rule(_GAUGE_DELTA, frozenset({MD.BOOL}), _same, _const(MD.DOUBLE)),
    **{
        r: _Rule(_GAUGE_DELTA, _WITH_DIST, _const(MD.GAUGE), _const(MD.DOUBLE))
        for r in (R.REDUCE_PERCENTILE_99, R.REDUCE_PERCENTILE_95, R.REDUCE_PERCENTILE_50, R.REDUCE_PERCENTILE_05)
    },
}


ALIGNERS: tuple[int, ...] = (A.ALIGN_NONE, *sorted(_ALIGNERS))
"""The aligners the emulator implements (ALIGN_NONE included), in enum order."""
REDUCERS: tuple[int, ...] = (R.REDUCE_NONE, *sorted(_REDUCERS))
"""The cross-series reducers the emulator implements (REDUCE_NONE included), in enum order."""


def aligner_applies(aligner: int, kind: int, value_type: int) -> bool:
    """Whether ``aligner`` (an implemented one) accepts a metric of this kind and value type."""
    if aligner == A.ALIGN_NONE:
        return True
    rule = _ALIGNERS.get(aligner)
    return rule is not None and kind in rule.kinds and value_type in rule.value_types


def _name(enum_type: type[enum.IntEnum], value: int) -> str:
    try:
        return enum_type(value).name
    except ValueError:
        return str(value)


def _format_duration(ns: int) -> str:
    seconds, rest = divmod(ns, NS_PER_S)
    return f"{seconds}s" if not rest else f"{seconds}.{rest:09d}".rstrip("0") + "s"


def spec_from_pb(aggregation: Raw, field_name: str = "aggregation") -> AggregationSpec | None:
    """Validate an ``Aggregation`` the way the API does; None when it asks for nothing."""
    aligner = aggregation.per_series_aligner
    reducer = aggregation.cross_series_reducer
    has_period = aggregation.HasField("alignment_period")
    period_ns = aggregation.alignment_period.seconds * NS_PER_S + aggregation.alignment_period.nanos
    if reducer != R.REDUCE_NONE and aligner == A.ALIGN_NONE:
        raise invalid_argument(
            f'Field {field_name}.perSeriesAligner had an invalid value of "ALIGN_NONE": '
            "A per-series aligner must be specified when a cross-series reducer is specified."
        )
    if aligner == A.ALIGN_NONE:
        return None
    if aligner not in _ALIGNERS:
        raise ApiError(
            grpc.StatusCode.UNIMPLEMENTED, f"The Monitoring emulator does not implement aligner {_name(A, aligner)}."
        )
    if reducer != R.REDUCE_NONE and reducer not in _REDUCERS:
        raise ApiError(
            grpc.StatusCode.UNIMPLEMENTED, f"The Monitoring emulator does not implement reducer {_name(R, reducer)}."
        )
    if not has_period or period_ns == 0:
        raise invalid_argument(
            f"Field {field_name}.alignmentPeriod had an invalid value: The alignment period is required when "
            f"the per-series aligner is {_name(A, aligner)}."
        )
    if period_ns < 60 * NS_PER_S:
        raise invalid_argument(
            f'Field {field_name}.alignmentPeriod had an invalid value of "{_format_duration(period_ns)}": '
            "The alignment period must be at least 60 seconds."
        )
    group_by = tuple(aggregation.group_by_fields)
    for name in group_by:
        if name not in ("resource.type", "metric.type") and not name.startswith(
            ("metric.label.", "metric.labels.", "resource.label.", "resource.labels.")
        ):
            raise invalid_argument(
                f'Field {field_name}.groupByFields had an invalid value of "{name}": '
                "Group-by fields must name metric or resource labels."
            )
    return AggregationSpec(period_ns, aligner, reducer, group_by)


def _check_rule(rules: dict[int, _Rule], op: int, kind: int, value_type: int, what: str, field_name: str) -> _Rule:
    rule = rules[op]
    if kind not in rule.kinds or value_type not in rule.value_types:
        name = _name(A if what == "aligner" else R, op)
        which = "perSeriesAligner" if what == "aligner" else "crossSeriesReducer"
        raise invalid_argument(
            f'Field {field_name}.{which} had an invalid value of "{name}": The {what} cannot be applied to '
            f"metrics with kind {MD.MetricKind.Name(kind)} and value type {MD.ValueType.Name(value_type)}."
        )
    return rule


def lookback_ns(spec: AggregationSpec | None, kind: int) -> int:
    """How far before the interval start points must be read for this aggregation."""
    if spec and kind == MD.CUMULATIVE and spec.aligner in (A.ALIGN_DELTA, A.ALIGN_RATE):
        return spec.period_ns
    if spec and spec.aligner == A.ALIGN_PERCENT_CHANGE:
        return spec.period_ns + _SMOOTHING_NS
    return 0


# --- values ------------------------------------------------------------------------------
def _number(value: Raw) -> float:
    which = value.WhichOneof("value")
    if which == "distribution_value":
        return value.distribution_value.mean
    return float(getattr(value, which))


def _typed(value_type: int, number: float | Distribution) -> Raw:
    out = TypedValue()
    if isinstance(number, Distribution):
        out.distribution_value.CopyFrom(number)
    elif value_type == MD.INT64:
        out.int64_value = round(number)
    elif value_type == MD.BOOL:
        out.bool_value = bool(number)
    else:
        out.double_value = float(number)
    return out


def _percentile_of(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    position = p / 100.0 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


_OPERATIONS: dict[tuple[str, int], str] = {
    **{
        ("aligner", a): name
        for a, name in (
            (A.ALIGN_MIN, "min"),
            (A.ALIGN_MAX, "max"),
            (A.ALIGN_MEAN, "mean"),
            (A.ALIGN_COUNT, "count"),
            (A.ALIGN_SUM, "sum"),
            (A.ALIGN_STDDEV, "stddev"),
            (A.ALIGN_COUNT_TRUE, "count_true"),
            (A.ALIGN_COUNT_FALSE, "count_false"),
            (A.ALIGN_FRACTION_TRUE, "fraction_true"),
            (A.ALIGN_PERCENTILE_99, "p99"),
            (A.ALIGN_PERCENTILE_95, "p95"),
            (A.ALIGN_PERCENTILE_50, "p50"),
            (A.ALIGN_PERCENTILE_05, "p05"),
        )
    },
    **{
        ("reducer", r): name
        for r, name in (
            (R.REDUCE_MIN, "min"),
            (R.REDUCE_MAX, "max"),
            (R.REDUCE_MEAN, "mean"),
            (R.REDUCE_COUNT, "count"),
            (R.REDUCE_SUM, "sum"),
            (R.REDUCE_STDDEV, "stddev"),
            (R.REDUCE_COUNT_TRUE, "count_true"),
            (R.REDUCE_COUNT_FALSE, "count_false"),
            (R.REDUCE_FRACTION_TRUE, "fraction_true"),
            (R.REDUCE_PERCENTILE_99, "p99"),
            (R.REDUCE_PERCENTILE_95, "p95"),
            (R.REDUCE_PERCENTILE_50, "p50"),
            (R.REDUCE_PERCENTILE_05, "p05"),
        )
    },
}
_PERCENTILES = {"p99": 99.0, "p95": 95.0, "p50": 50.0, "p05": 5.0}


def _combine(operation: str, values: list[Raw], value_type: int, out_type: int) -> Raw:
    """Apply one aligner's or reducer's arithmetic (named as in ``_OPERATIONS``) to some values."""
    if value_type == MD.DISTRIBUTION:
        merged = dists.merge([v.distribution_value for v in values])
        if operation == "sum":
            return _typed(MD.DISTRIBUTION, merged)
        if operation in _PERCENTILES:
            return _typed(MD.DOUBLE, dists.percentile(merged, _PERCENTILES[operation]) or 0.0)
        if operation == "mean":
            return _typed(MD.DOUBLE, merged.mean)
        if operation == "stddev":
            return _typed(MD.DOUBLE, math.sqrt(merged.sum_of_squared_deviation / merged.count) if merged.count else 0.0)
    if operation == "count":
        return _typed(MD.INT64, len(values))
    if operation in ("count_true", "count_false", "fraction_true"):
        trues = sum(1 for v in values if v.bool_value)
        if operation == "fraction_true":
            return _typed(MD.DOUBLE, trues / len(values))
        return _typed(MD.INT64, trues if operation == "count_true" else len(values) - trues)
    numbers = [_number(v) for v in values]
    if operation == "min":
        return _typed(out_type, min(numbers))
    if operation == "max":
        return _typed(out_type, max(numbers))
    if operation == "sum":
        return _typed(out_type, sum(numbers))
    if operation == "mean":
        return _typed(MD.DOUBLE, statistics.fmean(numbers))
    if operation == "stddev":
        return _typed(MD.DOUBLE, statistics.pstdev(numbers))
    if operation in _PERCENTILES:
        return _typed(MD.DOUBLE, _percentile_of(numbers, _PERCENTILES[operation]))
    raise AssertionError(f"unhandled operation {operation}")


def _delta(newer: Raw, older: Raw | None, value_type: int) -> Raw:
    """Cumulative ``newer - older``; ``older`` None means the counter started inside the period."""
    if older is None:
        return newer
    if value_type != MD.DISTRIBUTION:
        return _typed(value_type, _number(newer) - _number(older))
    new, old = newer.distribution_value, older.distribution_value
    out = Distribution()
    out.count = new.count - old.count
    if out.count > 0:
        out.mean = (new.count * new.mean - old.count * old.mean) / out.count
        out.sum_of_squared_deviation = max(0.0, new.sum_of_squared_deviation - old.sum_of_squared_deviation)
    out.bucket_options.CopyFrom(new.bucket_options)
    width = max(len(new.bucket_counts), len(old.bucket_counts))
    padded_old = list(old.bucket_counts) + [0] * (width - len(old.bucket_counts))
    padded_new = list(new.bucket_counts) + [0] * (width - len(new.bucket_counts))
    out.bucket_counts.extend(max(0, a - b) for a, b in zip(padded_new, padded_old, strict=False))
    return _typed(MD.DISTRIBUTION, out)


# --- alignment and reduction -------------------------------------------------------------
def _change(current: float, previous: float) -> float:
    if previous == 0:
        return 0.0 if current == 0 else math.inf
    return (current - previous) / previous * 100


def _percent_change(series: SeriesData, aligned: SeriesData, period: int, start: int, end: int) -> SeriesData:
    """ALIGN_PERCENT_CHANGE as the API defines it (see the module's docstring)."""
    usable = sorted((t, _number(v)) for t, _, v in series.points if _number(v) >= 0)  # oldest first
    times = [t for t, _ in usable]
    sums = [0.0, *itertools.accumulate(v for _, v in usable)]

    def moving_mean(at: int) -> float:  # ``at`` is a point's time: the window holds at least that point
        low, high = bisect.bisect_right(times, at - _SMOOTHING_NS), bisect.bisect_right(times, at)
        return (sums[high] - sums[low]) / (high - low)

    def newest_in(low: int, high: int) -> int | None:
        index = bisect.bisect_right(times, high) - 1
        return times[index] if index >= 0 and times[index] > low else None

    bucket_end = end
    while bucket_end > start:
        current_at = newest_in(max(bucket_end - period, start), bucket_end)
        previous_at = newest_in(bucket_end - 2 * period, bucket_end - period)
        if current_at is not None and previous_at is not None:
            change = _change(moving_mean(current_at), moving_mean(previous_at))
            aligned.points.append((bucket_end, bucket_end, _typed(MD.DOUBLE, change)))
        bucket_end -= period
    return aligned


def _bucket_index(end: int, interval_end: int, period: int) -> int:
    return (interval_end - end) // period


def _align(series: SeriesData, spec: AggregationSpec, rule: _Rule, start: int, end: int) -> SeriesData:
    out_kind, out_type = rule.out_kind(series.kind), rule.out_type(series.value_type)
    period = spec.period_ns
    if spec.aligner == A.ALIGN_PERCENT_CHANGE:
        empty = SeriesData(
            series.metric_type,
            dict(series.metric_labels),
            series.resource_type,
            dict(series.resource_labels),
            out_kind,
            out_type,
        )
        return _percent_change(series, empty, period, start, end)
    buckets: dict[int, list[tuple[int, int, Raw]]] = {}
    for point in series.points:
        if start < point[0] <= end:
            buckets.setdefault(_bucket_index(point[0], end, period), []).append(point)
    aligned = SeriesData(
        series.metric_type,
        dict(series.metric_labels),
        series.resource_type,
        dict(series.resource_labels),
        out_kind,
        out_type,
    )
    for index in sorted(buckets):
        bucket_end = end - index * period
        points = buckets[index]  # newest first
        if spec.aligner in (A.ALIGN_DELTA, A.ALIGN_RATE) and series.kind == MD.CUMULATIVE:
            newest = points[0]
            older = next((p for p in series.points if p[0] <= bucket_end - period), None)
            if older is not None and older[1] != newest[1]:
                older = None  # a reset: the counter restarted inside this period
            value = _delta(newest[2], None if older is None else older[2], series.value_type)
        elif spec.aligner in (A.ALIGN_DELTA, A.ALIGN_RATE):
            value = _combine("sum", [p[2] for p in points], series.value_type, series.value_type)
        elif spec.aligner == A.ALIGN_NEXT_OLDER:
            value = points[0][2]
        else:
            value = _combine(_OPERATIONS["aligner", spec.aligner], [p[2] for p in points], series.value_type, out_type)
        if spec.aligner == A.ALIGN_RATE:
            value = _typed(MD.DOUBLE, _number(value) / (period / NS_PER_S))
        point_start = bucket_end - period if out_kind == MD.DELTA else bucket_end
        aligned.points.append((bucket_end, point_start, value))
    return aligned


def _group_key(series: SeriesData, group_by: tuple[str, ...]) -> tuple[str | None, ...]:
    key: list[str | None] = [series.resource_type]
    for name in group_by:
        parts = name.split(".", 2)
        if name == "resource.type":
            key.append(series.resource_type)
        elif name == "metric.type":
            key.append(series.metric_type)
        elif parts[0] == "metric":
            key.append(series.metric_labels.get(parts[2]))
        else:
            key.append(series.resource_labels.get(parts[2]))
    return tuple(key)


def _reduce(aligned: list[SeriesData], spec: AggregationSpec, rule: _Rule) -> list[SeriesData]:
    groups: dict[tuple[str | None, ...], list[SeriesData]] = {}
    for series in aligned:
        groups.setdefault(_group_key(series, spec.group_by), []).append(series)
    out: list[SeriesData] = []
    for members in groups.values():
        first = members[0]
        metric_labels: dict[str, str] = {}
        resource_labels = (
            {"project_id": first.resource_labels["project_id"]} if "project_id" in first.resource_labels else {}
        )
        for name in spec.group_by:
            parts = name.split(".", 2)
            if len(parts) == 3 and parts[0] == "metric" and parts[2] in first.metric_labels:
                metric_labels[parts[2]] = first.metric_labels[parts[2]]
            elif len(parts) == 3 and parts[0] == "resource" and parts[2] in first.resource_labels:
                resource_labels[parts[2]] = first.resource_labels[parts[2]]
        reduced = SeriesData(
            first.metric_type,
            metric_labels,
            first.resource_type,
            resource_labels,
            rule.out_kind(first.kind),
            rule.out_type(first.value_type),
        )
        by_end: dict[int, list[tuple[int, Raw]]] = {}
        for series in members:
            for end, start, value in series.points:
                by_end.setdefault(end, []).append((start, value))
        for end in sorted(by_end, reverse=True):
            entries = by_end[end]
            operation = _OPERATIONS["reducer", spec.reducer]
            value = _combine(operation, [v for _, v in entries], first.value_type, reduced.value_type)
            reduced.points.append((end, entries[0][0] if reduced.kind == MD.DELTA else end, value))
        out.append(reduced)
    return out


def applicable(spec: AggregationSpec, kind: int, value_type: int, field_name: str) -> tuple[int, int]:
    """The kind and value type ``spec`` turns (kind, value_type) into; INVALID_ARGUMENT in the API's
    words when its aligner or reducer cannot apply (what charts and alert conditions are checked with)."""
    rule = _check_rule(_ALIGNERS, spec.aligner, kind, value_type, "aligner", field_name)
    kind, value_type = rule.out_kind(kind), rule.out_type(value_type)
    if spec.reducer != R.REDUCE_NONE:
        reducer = _check_rule(_REDUCERS, spec.reducer, kind, value_type, "reducer", field_name)
        kind, value_type = reducer.out_kind(kind), reducer.out_type(value_type)
    return kind, value_type


def aggregate(
    series: list[SeriesData],
    spec: AggregationSpec,
    start: int,
    end: int,
    kind: int,
    value_type: int,
    field_name: str = "aggregation",
) -> list[SeriesData]:
    """Align every series (all of one metric: ``kind``/``value_type``), then reduce across them."""
    rule = _check_rule(_ALIGNERS, spec.aligner, kind, value_type, "aligner", field_name)
    aligned = [_align(s, spec, rule, start, end) for s in series]
    aligned = [s for s in aligned if s.points]
    if spec.reducer == R.REDUCE_NONE:
        return aligned
    reducer = _check_rule(
        _REDUCERS, spec.reducer, rule.out_kind(kind), rule.out_type(value_type), "reducer", field_name
    )
    return _reduce(aligned, spec, reducer)
