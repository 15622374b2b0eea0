"""ListTimeSeries aggregation: which aligners and reducers apply to which metrics, the API's
validation of an ``Aggregation``, and the pipeline — align each series (``_align``), then reduce
across them (``_group_by``).

Only points inside the query interval take part, except that some aligners read earlier points
(:func:`lookback_ns`, :func:`needs_base`): DELTA/RATE on CUMULATIVE series read one period further
back and the last point before that, however old, whose value the first increment grows from;
ALIGN_INTERPOLATE reads the last point before the interval; ALIGN_PERCENT_CHANGE one period and ten
minutes more.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from google.api import metric_pb2
from google.cloud.monitoring_v3.types import common

from helios_metrics.contract.units import NS

from ._agg_types import AggregationSpec, SeriesData
from ._align import SMOOTHING_NS, align
from ._errors import ApiError, invalid_argument
from ._group_by import group_field, reduce
from ._raw import Raw

__all__ = [
    "ALIGNERS",
    "REDUCERS",
    "AggregationSpec",
    "SeriesData",
    "aggregate",
    "aligner_applies",
    "applicable",
    "lookback_ns",
    "needs_base",
    "spec_from_pb",
]

MD = metric_pb2.MetricDescriptor
A = common.Aggregation.Aligner
R = common.Aggregation.Reducer

_NUMERIC = frozenset({MD.INT64, MD.DOUBLE})
_GAUGE_DELTA = frozenset({MD.GAUGE, MD.DELTA})
_ANY_VALUE = frozenset({MD.BOOL, MD.INT64, MD.DOUBLE, MD.STRING, MD.DISTRIBUTION})
_WITH_DIST = _NUMERIC | {MD.DISTRIBUTION}


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


_COUNTERS = frozenset({MD.CUMULATIVE, MD.DELTA})
_BOOL_GAUGE = (frozenset({MD.GAUGE}), frozenset({MD.BOOL}))
_ALIGNERS: dict[int, _Rule] = {
    A.ALIGN_DELTA: _Rule(_COUNTERS, _WITH_DIST, _const(MD.DELTA), _same),
    A.ALIGN_RATE: _Rule(_COUNTERS, _NUMERIC, _const(MD.GAUGE), _const(MD.DOUBLE)),
    A.ALIGN_INTERPOLATE: _Rule(frozenset({MD.GAUGE}), _NUMERIC, _same, _same),
    A.ALIGN_NEXT_OLDER: _Rule(frozenset({MD.GAUGE}), _ANY_VALUE, _same, _same),
    A.ALIGN_MIN: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _same),
    A.ALIGN_MAX: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _same),
    A.ALIGN_MEAN: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _const(MD.DOUBLE)),
    A.ALIGN_COUNT: _Rule(_GAUGE_DELTA, _NUMERIC | {MD.BOOL}, _same, _const(MD.INT64)),
    A.ALIGN_SUM: _Rule(_GAUGE_DELTA, _WITH_DIST, _same, _same),
    A.ALIGN_STDDEV: _Rule(_GAUGE_DELTA, _NUMERIC, _same, _const(MD.DOUBLE)),
    A.ALIGN_COUNT_TRUE: _Rule(*_BOOL_GAUGE, _same, _const(MD.INT64)),
    A.ALIGN_COUNT_FALSE: _Rule(*_BOOL_GAUGE, _same, _const(MD.INT64)),
    A.ALIGN_FRACTION_TRUE: _Rule(*_BOOL_GAUGE, _same, _const(MD.DOUBLE)),
    **{
        a: _Rule(_GAUGE_DELTA, frozenset({MD.DISTRIBUTION}), _const(MD.GAUGE), _const(MD.DOUBLE))
        for a in (A.ALIGN_PERCENTILE_99, A.ALIGN_PERCENTILE_95, A.ALIGN_PERCENTILE_50, A.ALIGN_PERCENTILE_05)
    },
    A.ALIGN_PERCENT_CHANGE: _Rule(_GAUGE_DELTA, _NUMERIC, _const(MD.GAUGE), _const(MD.DOUBLE)),
}
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
_REDUCER_OPERATIONS = {
    R.REDUCE_MIN: "min",
    R.REDUCE_MAX: "max",
    R.REDUCE_MEAN: "mean",
    R.REDUCE_COUNT: "count",
    R.REDUCE_SUM: "sum",
    R.REDUCE_STDDEV: "stddev",
    R.REDUCE_COUNT_TRUE: "count_true",
    R.REDUCE_COUNT_FALSE: "count_false",
    R.REDUCE_FRACTION_TRUE: "fraction_true",
    R.REDUCE_PERCENTILE_99: "p99",
    R.REDUCE_PERCENTILE_95: "p95",
    R.REDUCE_PERCENTILE_50: "p50",
    R.REDUCE_PERCENTILE_05: "p05",
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
    seconds, rest = divmod(ns, NS)
    return f"{seconds}s" if not rest else f"{seconds}.{rest:09d}".rstrip("0") + "s"


def spec_from_pb(aggregation: Raw, field_name: str = "aggregation") -> AggregationSpec | None:
    """Validate an ``Aggregation`` the way the API does; None when it asks for nothing."""
    aligner = aggregation.per_series_aligner
    reducer = aggregation.cross_series_reducer
    has_period = aggregation.HasField("alignment_period")
    period_ns = aggregation.alignment_period.seconds * NS + aggregation.alignment_period.nanos
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
    if period_ns < 60 * NS:
        raise invalid_argument(
            f'Field {field_name}.alignmentPeriod had an invalid value of "{_format_duration(period_ns)}": '
            "The alignment period must be at least 60 seconds."
        )
    group_by = tuple(aggregation.group_by_fields)
    for name in group_by:
        if group_field(name) is None:
            raise invalid_argument(
                f'Field {field_name}.groupByFields had an invalid value of "{name}": '
                "Group-by fields must name the project, a metric or resource type or label, or a metadata label."
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
        return spec.period_ns + SMOOTHING_NS
    return 0


def needs_base(spec: AggregationSpec | None, kind: int) -> bool:
    """Whether the aggregation also reads each series' newest point at or before the lookback's
    start, however old: a CUMULATIVE counter's value its next increment grows from, or the point
    ALIGN_INTERPOLATE interpolates the first period end from."""
    if spec is None:
        return False
    if kind == MD.CUMULATIVE and spec.aligner in (A.ALIGN_DELTA, A.ALIGN_RATE):
        return True
    return spec.aligner == A.ALIGN_INTERPOLATE


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
    out_kind, out_type = rule.out_kind(kind), rule.out_type(value_type)
    aligned = [align(s, spec, rule.out_kind(s.kind), rule.out_type(s.value_type), start, end) for s in series]
    aligned = [s for s in aligned if s.points]
    if spec.reducer == R.REDUCE_NONE:
        return aligned
    reducer = _check_rule(_REDUCERS, spec.reducer, out_kind, out_type, "reducer", field_name)
    return reduce(aligned, spec.group_by, _REDUCER_OPERATIONS[spec.reducer], reducer.out_kind, reducer.out_type)
