"""Measuring alert conditions the way Cloud Monitoring does, over the stored data.

A threshold condition's measurement at instant ``t`` is its aggregation chain (applied in order,
through the same machinery as ListTimeSeries) over the alignment period ending at ``t``: one value
per resulting series. A ratio divides the numerator's value by the denominator's, series by series
(a series with no numerator, or a zero denominator, has no measurement). A condition *holds* for a
series at ``now`` when every measurement at the evaluation instants of the retest window
``[now - duration, now]`` (one a minute) satisfies the comparison — so one that does not resets
the window. Missing measurements follow ``evaluation_missing_data``. An absence condition holds for
a series that had data in the day before the window and none in it.

A filter that is an SLO selector (``select_slo_burn_rate(…)`` …) is measured like any other: its
series come from the same ``query_series`` that ListTimeSeries and charts read.

With ``forecastOptions``, a threshold condition also holds for a series when every forecast made at
the instants of the retest window predicts a violation within the horizon (Google: "either, or
both"); the forecaster is :mod:`._forecast`, fed the condition's own aligned values.

Measurements are memoized by a :class:`Measurer`: within one evaluation the numerator a retest
window shares with the next instant is measured once, and over a range of evaluations (with a
:class:`~._snapshot.StoreSnapshot`) a measurement whose inputs — which points fall in which part of
the window, series by series — are those of the previous one is not computed again.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar, cast

from google.api import metric_pb2
from google.cloud.monitoring_v3.types import alert, common

from ._aggregation import AggregationSpec, SeriesData, lookback_ns, spec_from_pb
from ._filters import Filter, parse_filter
from ._forecast import Forecast, forecast, training_window_ns
from ._raw import Raw
from ._reads import query_series
from ._snapshot import StoreSnapshot
from ._store import Series, Store, key_resolver
from ._timeutil import NS_PER_S, duration_ns

__all__ = ["Measurer", "Outcome", "SeriesKey", "evaluate_condition", "typed_number"]

_CT = common.ComparisonType
_MISSING = alert.AlertPolicy.Condition.EvaluationMissingData
_PERCENT_CHANGE = common.Aggregation.Aligner.ALIGN_PERCENT_CHANGE
STEP_NS = 60 * NS_PER_S
_RAW_NS = 5 * 60 * NS_PER_S  # without aggregation: the newest point within 5 minutes
_ABSENCE_LOOKBACK_NS = 24 * 3600 * NS_PER_S
_KEEP_NS = 25 * 3600 * NS_PER_S  # memoized instants kept: any retest window reaches back this far
SeriesKey = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
"""(resource type, resource labels, metric labels) of a measured series."""
Values = dict[SeriesKey, float]
Specs = tuple[AggregationSpec, ...]
_K = TypeVar("_K")
_T = TypeVar("_T")


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
    forecast: dict[SeriesKey, Forecast] = field(default_factory=dict)
    """The series that hold only because their forecast crosses the threshold (their value in
    :attr:`holding` is the forecast's, at the horizon's end)."""
    latest: Values = field(default_factory=dict)
    """The newest measurement of every measured series."""


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


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Filter:
    """Filters are parsed once: a policy's filter text is measured thousands of times in a replay."""
    return parse_filter(text)


@lru_cache(maxsize=4096)
def _metric_types(text: str) -> tuple[str, ...]:
    """The metric types a filter pins, sorted."""
    return tuple(sorted(_parsed(text).pinned_values("metric.type") or ()))


def _selector(query: Filter) -> object | None:
    return getattr(query, "slo_selector", None)


def _measurable(query: Filter) -> bool:
    """A filter naming one metric type, or an SLO selector."""
    return _selector(query) is not None or len(_metric_types(query.text)) == 1


def _measure(store: Store, project: str, query: Filter, specs: Specs, at: int) -> Values:
    """Each series' value of the period ending at ``at`` (the latest raw point within 5 minutes when
    there is no aggregation)."""
    if not _measurable(query):
        return {}
    period = specs[0].period_ns if specs else _RAW_NS
    data, _ = query_series(store, project, query, specs, at - period, at)
    values = {}
    for series in data:
        newest = max(series.points, key=lambda p: p[0], default=None)
        if newest is not None and (not specs or newest[0] == at):
            values[_key(series)] = typed_number(newest[2])
    return values


def _samples(
    store: Store, project: str, query: Filter, specs: Specs, start: int, end: int
) -> dict[SeriesKey, dict[int, float]]:
    """Each series' values in (start, end]: its aligned values (one per period ending at ``end``),
    or its raw points without aggregation."""
    if not _measurable(query):
        return {}
    data, _ = query_series(store, project, query, specs, start, end)
    return {_key(s): {p[0]: typed_number(p[2]) for p in s.points} for s in data}


class Measurer:
    """The measurements of one evaluation, or of one range of evaluations (with ``snapshot``)."""

    def __init__(self, store: Store, snapshot: StoreSnapshot | None = None) -> None:
        self._snapshot = snapshot
        self.store: Store = store if snapshot is None else cast(Store, snapshot)
        self._values: dict[int, dict[tuple[str, str, Specs], Values]] = {}
        self._forecasts: dict[int, dict[tuple[str, str, Specs, str, Specs, int], dict[SeriesKey, Forecast]]] = {}
        self._previous: dict[tuple[str, str, Specs, str], tuple[tuple[tuple[int, ...], ...], object]] = {}
        self._matching: dict[tuple[str, str], list[Series]] = {}
        self._specs: dict[int, tuple[Raw, Specs]] = {}

    # --- memo plumbing -------------------------------------------------------------------------
    @staticmethod
    def _memo(table: dict[int, dict[_K, _T]], at: int, key: _K, compute: Callable[[], _T]) -> _T:
        bucket = table.setdefault(at, {})
        if key not in bucket:
            bucket[key] = compute()
        return bucket[key]

    def forget_before(self, now: int) -> None:
        """Drop memoized instants no retest window ending at ``now`` or later reaches (25 h back)."""
        for table in (self._values, self._forecasts):
            for at in list(table):  # oldest first (insertion order): stop at the first kept one
                if at >= now - _KEEP_NS:
                    break
                del table[at]

    def specs(self, aggregations: Raw) -> Specs:
        """A condition's aggregations as specs, converted once per message."""
        found = self._specs.get(id(aggregations))
        if found is None or found[0] is not aggregations:
            found = self._specs[id(aggregations)] = (
                aggregations,
                tuple(s for s in (spec_from_pb(a) for a in aggregations) if s is not None),
            )
        return found[1]

    def _matching_series(self, project: str, query: Filter) -> list[Series]:
        key = (project, query.text)
        found = self._matching.get(key)
        if found is None:
            found = [
                s
                for s in self.store.series_of(project, _metric_types(query.text))
                if query.matches(key_resolver(s.key))
            ]
            self._matching[key] = found
        return found

    def _signature(self, project: str, query: Filter, bounds: Sequence[int]) -> tuple[tuple[int, ...], ...] | None:
        """Which points of each matching series fall between ``bounds`` (ascending): equal
        signatures read equal inputs, so give equal results. None where it cannot be known."""
        snapshot = self._snapshot
        if snapshot is None or _selector(query) is not None or not _measurable(query):
            return None
        if min(bounds) < snapshot.low:
            return None
        return tuple(
            (s.id, *(bisect.bisect_right(snapshot.ends(s), b) for b in bounds))
            for s in self._matching_series(project, query)
        )

    def _kind(self, project: str, query: Filter) -> int:
        (metric_type,) = _metric_types(query.text) or ("",)
        descriptor = self.store.descriptors.get((project, metric_type))
        if descriptor is not None:
            return int(descriptor.metric_kind)
        matching = self._matching_series(project, query)
        return matching[0].kind if matching else metric_pb2.MetricDescriptor.GAUGE

    def _reuse(
        self, key: tuple[str, str, Specs, str], signature: tuple[tuple[int, ...], ...] | None, compute: Callable[[], _T]
    ) -> _T:
        if signature is not None:
            previous = self._previous.get(key)
            if previous is not None and previous[0] == signature:
                return cast(_T, previous[1])
        result = compute()
        if signature is not None:
            self._previous[key] = (signature, result)
        return result

    # --- measurements --------------------------------------------------------------------------
    def values(self, project: str, text: str, specs: Specs, at: int) -> Values:
        """Each series' measurement of ``text`` through ``specs`` at ``at`` (see :func:`_measure`)."""
        return self._memo(self._values, at, (project, text, specs), lambda: self._values_now(project, text, specs, at))

    def _values_now(self, project: str, text: str, specs: Specs, at: int) -> Values:
        query = _parsed(text)
        signature = None
        if self._snapshot is not None and _measurable(query) and _selector(query) is None:
            if specs:
                spec, start = specs[0], at - specs[0].period_ns
                bounds = [start - lookback_ns(spec, self._kind(project, query)), start - spec.period_ns, start, at]
            else:
                bounds = [at - _RAW_NS, at]
            signature = self._signature(project, query, sorted(bounds))
        return self._reuse(
            (project, text, specs, "value"), signature, lambda: _measure(self.store, project, query, specs, at)
        )

    def condition_values(self, project: str, threshold: Raw, at: int) -> Values:
        """A threshold condition's measurements at ``at``: its values, or its ratio."""
        numerator = self.values(project, threshold.filter, self.specs(threshold.aggregations), at)
        if not threshold.denominator_filter:
            return numerator
        denominator = self.values(
            project, threshold.denominator_filter, self.specs(threshold.denominator_aggregations), at
        )
        return {key: value / denominator[key] for key, value in numerator.items() if denominator.get(key)}

    def forecasts(self, project: str, threshold: Raw, at: int, horizon: int) -> dict[SeriesKey, Forecast]:
        """Each series' forecast at ``at`` (see :mod:`._forecast`), from the condition's values over
        the training window."""
        key = (
            project,
            threshold.filter,
            self.specs(threshold.aggregations),
            threshold.denominator_filter,
            self.specs(threshold.denominator_aggregations),
            horizon,
        )
        return self._memo(self._forecasts, at, key, lambda: self._forecasts_now(project, threshold, at, horizon))

    def _forecasts_now(self, project: str, threshold: Raw, at: int, horizon: int) -> dict[SeriesKey, Forecast]:
        start = at - training_window_ns(horizon)
        numerator = _samples(
            self.store, project, _parsed(threshold.filter), self.specs(threshold.aggregations), start, at
        )
        if threshold.denominator_filter:
            denominator = _samples(
                self.store,
                project,
                _parsed(threshold.denominator_filter),
                self.specs(threshold.denominator_aggregations),
                start,
                at,
            )
            numerator = {
                key: {t: v / below[t] for t, v in values.items() if below.get(t)}
                for key, values in numerator.items()
                if (below := denominator.get(key))
            }
        found = {}
        for key, values in numerator.items():
            predicted = forecast(sorted(values.items()), at, horizon)
            if predicted is not None:
                found[key] = predicted
        return found

    def absence(self, project: str, absent: Raw, now: int) -> tuple[set[SeriesKey], set[SeriesKey]]:
        """(series with data in the day before the window, series with data in the window)."""
        duration = max(duration_ns(absent.duration), 2 * STEP_NS)
        query, specs = _parsed(absent.filter), self.specs(absent.aggregations)
        before, during = now - duration - _ABSENCE_LOOKBACK_NS, now - duration
        signature = None
        if all(s.aligner != _PERCENT_CHANGE for s in specs):  # presence then depends on membership alone
            bounds = (before, during, now)
            raw = self._signature(project, query, bounds)
            signature = None if raw is None else tuple((s[0], s[2] > s[1], s[3] > s[2]) for s in raw)

        def compute() -> tuple[set[SeriesKey], set[SeriesKey]]:
            seen, _ = query_series(self.store, project, query, specs, before, during)
            present, _ = query_series(self.store, project, query, specs, during, now)
            return {_key(s) for s in seen if s.points}, {_key(s) for s in present if s.points}

        return self._reuse((project, absent.filter, specs, f"absence {duration}"), signature, compute)


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


def _crosses(predicted: Forecast | None, comparison: int, threshold: float) -> bool:
    """A straight line violates somewhere in (now, now + horizon] iff it does at one of the ends."""
    return predicted is not None and (
        _satisfies(comparison, predicted.horizon, threshold) or _satisfies(comparison, predicted.now, threshold)
    )


def _fires(body: Raw, holding: int, total: int) -> bool:
    trigger = body.trigger
    if trigger.WhichOneof("type") == "percent":
        return total > 0 and holding * 100 >= trigger.percent * total and holding > 0
    return holding >= max(trigger.count, 1)


def _holds(body: Raw, measured: list[Values], key: SeriesKey) -> bool | None:
    """Whether every measurement of the retest window satisfies the comparison; None when the
    newest is missing and missing data changes nothing (NO_OP)."""
    missing = body.evaluation_missing_data
    if measured[-1].get(key) is None and missing in (
        _MISSING.EVALUATION_MISSING_DATA_UNSPECIFIED,
        _MISSING.EVALUATION_MISSING_DATA_NO_OP,
    ):
        return None
    for values in measured:
        value = values.get(key)
        if value is None:
            if missing != _MISSING.EVALUATION_MISSING_DATA_ACTIVE:
                return False
        elif not _satisfies(body.comparison, value, body.threshold_value):
            return False
    return True


def _threshold(measurer: Measurer, project: str, body: Raw, now: int) -> Outcome:
    duration = duration_ns(body.duration)
    instants = [now - step * STEP_NS for step in range(duration // STEP_NS, -1, -1)]  # oldest first
    measured = [measurer.condition_values(project, body, at) for at in instants]
    horizon = duration_ns(body.forecast_options.forecast_horizon) if body.HasField("forecast_options") else 0
    forecasts = [measurer.forecasts(project, body, at, horizon) for at in instants] if horizon else []
    outcome = Outcome(latest=measured[-1])
    keys = set().union(*measured, *forecasts)
    for key in keys:
        held = _holds(body, measured, key)
        if (
            not held
            and forecasts
            and all(_crosses(f.get(key), body.comparison, body.threshold_value) for f in forecasts)
        ):
            outcome.forecast[key] = forecasts[-1][key]
            outcome.holding[key] = forecasts[-1][key].horizon
        elif held is None:
            outcome.unknown.add(key)
        elif held:
            outcome.holding[key] = measured[-1].get(key)
        else:
            outcome.clear.add(key)
    outcome.series_count = len(keys)
    outcome.missing_clears = body.evaluation_missing_data == _MISSING.EVALUATION_MISSING_DATA_INACTIVE
    return outcome


def _absence(measurer: Measurer, project: str, absent: Raw, now: int) -> Outcome:
    seen, present = measurer.absence(project, absent, now)
    outcome = Outcome(clear=set(present), series_count=len(seen | present))
    outcome.holding = dict.fromkeys(seen - present)
    return outcome


def evaluate_condition(measurer: Measurer, project: str, condition: Raw, now: int) -> Outcome:
    """The condition's outcome at ``now``; conditions the emulator does not evaluate (MQL, PromQL,
    log match, SQL) never fire."""
    which = condition.WhichOneof("condition")
    if which == "condition_threshold":
        body = condition.condition_threshold
        outcome = _threshold(measurer, project, body, now)
    elif which == "condition_absent":
        body = condition.condition_absent
        outcome = _absence(measurer, project, body, now)
    else:
        return Outcome()
    outcome.fires = _fires(body, len(outcome.holding), outcome.series_count)
    outcome.metric_type = next(iter(_metric_types(body.filter)), "")
    return outcome
