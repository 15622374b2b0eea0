"""Measuring alert conditions the way Cloud Monitoring does, over the stored data.

A threshold condition's measurement at instant ``t`` is its aggregation chain (applied in order,
through the same machinery as ListTimeSeries) over the alignment period ending at ``t``: one value
per resulting series. A ratio divides the numerator's value by the denominator's, series by series
(a series with no numerator, or a zero denominator, has no measurement). A condition *holds* for a
series at ``now`` when every measurement at the evaluation instants of the retest window
``[now - duration, now]`` (one a minute) satisfies the comparison — so one that does not resets
the window. Missing measurements follow ``evaluation_missing_data``. An absence condition holds for
a series that had data in the day before the window and none in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from google.cloud.monitoring_v3.types import alert, common

from ._aggregation import AggregationSpec, SeriesData, spec_from_pb
from ._filters import parse_filter
from ._raw import Raw
from ._reads import query_series
from ._store import Store
from ._timeutil import NS_PER_S, duration_ns

__all__ = ["Outcome", "SeriesKey", "evaluate_condition"]

_CT = common.ComparisonType
_MISSING = alert.AlertPolicy.Condition.EvaluationMissingData
STEP_NS = 60 * NS_PER_S
_ABSENCE_LOOKBACK_NS = 24 * 3600 * NS_PER_S
SeriesKey = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
"""(resource type, resource labels, metric labels) of a measured series."""


@dataclass
class Outcome:
    """One condition at one instant: the series it holds for (with the observed value), the
    series measured and not holding, and the series whose state is unknown (missing data, NO_OP)."""

    holding: dict[SeriesKey, float | None] = field(default_factory=dict)
    clear: set[SeriesKey] = field(default_factory=set)
    unknown: set[SeriesKey] = field(default_factory=set)
    series_count: int = 0
    fires: bool = False
    metric_type: str = ""
    missing_clears: bool = False
    """``evaluation_missing_data: INACTIVE``: a series with no data at all counts as not holding."""


def _key(data: SeriesData) -> SeriesKey:
    return data.resource_type, tuple(sorted(data.resource_labels.items())), tuple(sorted(data.metric_labels.items()))


def typed_number(value: Raw) -> float:
    """A TypedValue as a number (a distribution by its mean, a bool as 0 or 1)."""
    which = value.WhichOneof("value")
    if which == "distribution_value":
        return float(value.distribution_value.mean)
    if which == "bool_value":
        return 1.0 if value.bool_value else 0.0
    return float(getattr(value, which))


def _specs(aggregations: Sequence[Raw]) -> list[AggregationSpec]:
    return [spec for spec in (spec_from_pb(a) for a in aggregations) if spec is not None]


def _measure(store: Store, project: str, text: str, specs: list[AggregationSpec], at: int) -> dict[SeriesKey, float]:
    """Each series' value of the period ending at ``at`` (the latest raw point within 5 minutes when
    there is no aggregation)."""
    query = parse_filter(text)
    if len(query.pinned_values("metric.type") or ()) != 1:
        return {}
    period = specs[0].period_ns if specs else 5 * 60 * NS_PER_S
    data, _ = query_series(store, project, query, specs, at - period, at)
    values = {}
    for series in data:
        newest = max(series.points, key=lambda p: p[0], default=None)
        if newest is not None and (not specs or newest[0] == at):
            values[_key(series)] = typed_number(newest[2])
    return values


def _threshold_values(store: Store, project: str, threshold: Raw, at: int) -> dict[SeriesKey, float]:
    numerator = _measure(store, project, threshold.filter, _specs(threshold.aggregations), at)
    if not threshold.denominator_filter:
        return numerator
    denominator = _measure(store, project, threshold.denominator_filter, _specs(threshold.denominator_aggregations), at)
    return {key: value / denominator[key] for key, value in numerator.items() if denominator.get(key)}


def _satisfies(comparison: int, value: float, threshold: float) -> bool:
    if comparison == _CT.COMPARISON_GT:
        return value > threshold
    if comparison == _CT.COMPARISON_LT:
        return value < threshold
    if comparison == _CT.COMPARISON_GE:
        return value >= threshold
    if comparison == _CT.COMPARISON_LE:
        return value <= threshold
    if comparison == _CT.COMPARISON_EQ:
        return value == threshold
    return value != threshold


def _fires(body: Raw, holding: int, total: int) -> bool:
    trigger = body.trigger
    if trigger.WhichOneof("type") == "percent":
        return total > 0 and holding * 100 >= trigger.percent * total and holding > 0
    return holding >= max(trigger.count, 1)


def _threshold(store: Store, project: str, threshold: Raw, now: int) -> Outcome:
    duration = duration_ns(threshold.duration)
    instants = [now - step * STEP_NS for step in range(duration // STEP_NS, -1, -1)]  # oldest first
    measured = [_threshold_values(store, project, threshold, at) for at in instants]
    missing = threshold.evaluation_missing_data
    outcome = Outcome()
    keys = set().union(*measured)
    for key in keys:
        latest = measured[-1].get(key)
        if latest is None and missing in (
            _MISSING.EVALUATION_MISSING_DATA_UNSPECIFIED,
            _MISSING.EVALUATION_MISSING_DATA_NO_OP,
        ):
            outcome.unknown.add(key)
            continue
        holds = True
        for values in measured:
            value = values.get(key)
            if value is None:
                holds = missing == _MISSING.EVALUATION_MISSING_DATA_ACTIVE
            elif not _satisfies(threshold.comparison, value, threshold.threshold_value):
                holds = False
            if not holds:
                break
        if holds:
            outcome.holding[key] = latest
        else:
            outcome.clear.add(key)
    outcome.series_count = len(keys)
    outcome.missing_clears = missing == _MISSING.EVALUATION_MISSING_DATA_INACTIVE
    return outcome


def _absence(store: Store, project: str, absent: Raw, now: int) -> Outcome:
    duration = max(duration_ns(absent.duration), 2 * STEP_NS)
    query = parse_filter(absent.filter)
    specs = _specs(absent.aggregations)
    before, _ = query_series(store, project, query, specs, now - duration - _ABSENCE_LOOKBACK_NS, now - duration)
    during, _ = query_series(store, project, query, specs, now - duration, now)
    seen = {_key(s) for s in before if s.points}
    present = {_key(s) for s in during if s.points}
    outcome = Outcome(clear=present, series_count=len(seen | present))
    outcome.holding = dict.fromkeys(seen - present)
    return outcome


def evaluate_condition(store: Store, project: str, condition: Raw, now: int) -> Outcome:
    """The condition's outcome at ``now``; conditions the emulator does not evaluate (MQL, PromQL,
    log match, SQL) never fire."""
    which = condition.WhichOneof("condition")
    if which == "condition_threshold":
        body = condition.condition_threshold
        outcome = _threshold(store, project, body, now)
    elif which == "condition_absent":
        body = condition.condition_absent
        outcome = _absence(store, project, body, now)
    else:
        return Outcome()
    outcome.fires = _fires(body, len(outcome.holding), outcome.series_count)
    outcome.metric_type = next(iter(parse_filter(body.filter).pinned_values("metric.type") or ()), "")
    return outcome
