"""The measurements alert conditions read, memoized by a :class:`Measurer`.

A threshold condition's measurement at instant ``t`` is its aggregation chain (through the same
``query_series`` as ListTimeSeries and charts) over the alignment period ending at ``t``: one value per
resulting series; a ratio divides the numerator's value by the denominator's, series by series.

A :class:`Measurer` memoizes them: within one evaluation the numerator a retest window shares with
the next instant is measured once, and over a range of evaluations (with a
:class:`~._snapshot.StoreSnapshot`) a measurement whose inputs — which points fall in which part of
the window, series by series — are those of the previous one is not computed again.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar, cast

from google.api import metric_pb2
from google.cloud.monitoring_v3.types import common

from helios_metrics.contract.units import NS

from ._aggregation import AggregationSpec, SeriesData, lookback_ns, spec_from_pb
from ._filters import Filter, parse_filter
from ._forecast import Forecast, forecast, training_window_ns
from ._raw import Raw
from ._reads import query_series
from ._series import Series, SeriesLabels
from ._slo import DEFAULT_PERIOD_NS, find_slo
from ._snapshot import StoreSnapshot
from ._store import Reader, Store
from ._timeutil import duration_ns

__all__ = ["STEP_NS", "ConditionKey", "Measurer", "Values", "metric_types", "typed_number"]

_PERCENT_CHANGE = common.Aggregation.Aligner.ALIGN_PERCENT_CHANGE
STEP_NS = 60 * NS
_RAW_NS = 5 * 60 * NS  # without aggregation: the newest point within 5 minutes
_ABSENCE_LOOKBACK_NS = 24 * 3600 * NS
_KEEP_NS = 25 * 3600 * NS  # memoized instants kept: any retest window reaches back this far
Values = dict[SeriesLabels, float]
Specs = tuple[AggregationSpec, ...]
Signature = tuple[tuple[int, ...], ...]
"""Per series: its id and how many of its points end at or before each bound."""
ConditionKey = tuple[str, str, Specs, str, Specs]
"""(project, filter, its specs, denominator filter, its specs): what a threshold's measurements read."""
_T = TypeVar("_T")


def _key(data: SeriesData) -> SeriesLabels:
    return SeriesLabels.of(data.resource_type, data.resource_labels, data.metric_labels)


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
def metric_types(text: str) -> tuple[str, ...]:
    """The metric types a filter pins, sorted."""
    return tuple(sorted(_parsed(text).pinned_values("metric.type") or ()))


def _selector(query: Filter) -> object | None:
    return getattr(query, "slo_selector", None)


def _measurable(query: Filter) -> bool:
    """A filter naming one metric type, or an SLO selector."""
    return _selector(query) is not None or len(metric_types(query.text)) == 1


def _measure(store: Reader, project: str, query: Filter, specs: Specs, at: int) -> Values:
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
    store: Reader, project: str, query: Filter, specs: Specs, start: int, end: int
) -> dict[SeriesLabels, dict[int, float]]:
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
        self.store: Reader = store if snapshot is None else snapshot
        self._values: dict[tuple[str, str, Specs], dict[int, Values]] = {}
        self._ratios: dict[ConditionKey, dict[int, Values]] = {}
        self._forecasts: dict[tuple[ConditionKey, int], dict[int, dict[SeriesLabels, Forecast]]] = {}
        self._previous: dict[tuple[str, str, Specs, str], tuple[Signature, object]] = {}
        self._matching: dict[tuple[str, str], list[Series]] = {}
        self._specs: dict[int, tuple[Raw, Specs]] = {}
        self._slos: dict[tuple[str, str], list[Filter] | None] = {}

    # --- memo plumbing -------------------------------------------------------------------------
    def forget_before(self, now: int) -> None:
        """Drop memoized instants no retest window ending at ``now`` or later reaches (25 h back)."""
        tables: list[dict[int, Any]] = [*self._values.values(), *self._ratios.values(), *self._forecasts.values()]
        for table in tables:
            while table:  # oldest first (insertion order): stop at the first kept one
                oldest = next(iter(table))
                if oldest >= now - _KEEP_NS:
                    break
                del table[oldest]

    def condition_key(self, project: str, threshold: Raw) -> ConditionKey:
        """What a threshold condition's measurements depend on: its filters and aggregations."""
        return (
            project,
            threshold.filter,
            self.specs(threshold.aggregations),
            threshold.denominator_filter,
            self.specs(threshold.denominator_aggregations),
        )

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
                s for s in self.store.series_of(project, metric_types(query.text)) if query.matches(s.key.resolver())
            ]
            self._matching[key] = found
        return found

    def _signature(self, project: str, query: Filter, bounds: Sequence[int]) -> Signature | None:
        """Which points of each matching series fall between ``bounds`` (ascending): equal
        signatures read equal inputs, so give equal results. None where it cannot be known."""
        snapshot = self._snapshot
        if snapshot is None or _selector(query) is not None or len(metric_types(query.text)) != 1:
            return None
        if min(bounds) < snapshot.low:
            return None
        return tuple(
            (s.id, *(bisect.bisect_right(snapshot.ends(s), b) for b in bounds))
            for s in self._matching_series(project, query)
        )

    def _kind(self, project: str, query: Filter) -> int:
        (metric_type,) = metric_types(query.text) or ("",)
        descriptor = self.store.descriptor(project, metric_type)
        if descriptor is not None:
            return int(descriptor.metric_kind)
        matching = self._matching_series(project, query)
        return matching[0].kind if matching else metric_pb2.MetricDescriptor.GAUGE

    def _reuse(self, key: tuple[str, str, Specs, str], signature: Signature | None, compute: Callable[[], _T]) -> _T:
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
        table = self._values.setdefault((project, text, specs), {})
        found = table.get(at)
        if found is None:
            found = table[at] = self._values_now(project, text, specs, at)
        return found

    def _slo_filters(self, project: str, slo_name: str) -> list[Filter] | None:
        """The filters of a request-based SLO's SLI (good, bad, total, or a distribution cut's)."""
        key = (project, slo_name)
        if key not in self._slos:
            found = find_slo(self.store, project, slo_name)
            filters = None
            if found is not None and found[1].service_level_indicator.WhichOneof("type") == "request_based":
                based = found[1].service_level_indicator.request_based
                ratio, cut = based.good_total_ratio, based.distribution_cut
                texts = [ratio.good_service_filter, ratio.bad_service_filter, ratio.total_service_filter]
                texts.append(cut.distribution_filter)
                filters = [_parsed(t) for t in texts if t]
            self._slos[key] = filters
        return self._slos[key]

    def _selector_signature(self, project: str, selector: Any, specs: Specs, at: int) -> Signature | None:
        """A burn rate, health or counts point at ``at`` sums the SLI's events in one window — the
        lookback, or the alignment period — ending at ``at`` (see ``_slo``): which points of the
        SLI's series fall in it decides the value."""
        function = getattr(selector, "function", "")
        if function == "select_slo_burn_rate":
            after = at - int(getattr(selector, "lookback_ns", 0) or 0)
        elif function in ("select_slo_health", "select_slo_counts"):
            after = at - (specs[0].period_ns if specs else DEFAULT_PERIOD_NS)
        else:
            return None  # compliance and budgets: over the SLO's period, which may be a calendar one
        filters = self._slo_filters(project, str(getattr(selector, "slo_name", "")))
        if not filters:
            return None
        parts = [self._signature(project, query, (after, at)) for query in filters]
        return None if any(part is None for part in parts) else tuple(p for part in parts for p in part or ())

    def _values_now(self, project: str, text: str, specs: Specs, at: int) -> Values:
        query = _parsed(text)
        signature = None
        selector = _selector(query)
        if self._snapshot is not None and selector is not None:
            signature = self._selector_signature(project, selector, specs, at)
        elif self._snapshot is not None and _measurable(query):
            if specs:
                spec, start = specs[0], at - specs[0].period_ns
                bounds = [start - lookback_ns(spec, self._kind(project, query)), start - spec.period_ns, start, at]
            else:
                bounds = [at - _RAW_NS, at]
            signature = self._signature(project, query, sorted(bounds))
        return self._reuse(
            (project, text, specs, "value"), signature, lambda: _measure(self.store, project, query, specs, at)
        )

    def condition_values(self, key: ConditionKey, instants: Sequence[int]) -> list[Values]:
        """A threshold condition's measurements (its values, or its ratio) at each instant."""
        table = self._ratios.setdefault(key, {})
        out = []
        for at in instants:
            found = table.get(at)
            if found is None:
                found = table[at] = self._ratio_now(key, at)
            out.append(found)
        return out

    def _ratio_now(self, key: ConditionKey, at: int) -> Values:
        project, text, specs, denominator_text, denominator_specs = key
        numerator = self.values(project, text, specs, at)
        if not denominator_text:
            return numerator
        denominator = self.values(project, denominator_text, denominator_specs, at)
        return {series: value / denominator[series] for series, value in numerator.items() if denominator.get(series)}

    def forecasts(self, key: ConditionKey, instants: Sequence[int], horizon: int) -> list[dict[SeriesLabels, Forecast]]:
        """Each series' forecast at each instant (see :mod:`._forecast`), from the condition's
        values over the training window."""
        table = self._forecasts.setdefault((key, horizon), {})
        out = []
        for at in instants:
            found = table.get(at)
            if found is None:
                found = table[at] = self._forecasts_now(key, at, horizon)
            out.append(found)
        return out

    def _forecasts_now(self, key: ConditionKey, at: int, horizon: int) -> dict[SeriesLabels, Forecast]:
        project, text, specs, denominator_text, denominator_specs = key
        start = at - training_window_ns(horizon)
        numerator = _samples(self.store, project, _parsed(text), specs, start, at)
        if denominator_text:
            denominator = _samples(self.store, project, _parsed(denominator_text), denominator_specs, start, at)
            numerator = {
                series: {t: v / below[t] for t, v in values.items() if below.get(t)}
                for series, values in numerator.items()
                if (below := denominator.get(series))
            }
        found = {}
        for series, values in numerator.items():
            predicted = forecast(sorted(values.items()), at, horizon)
            if predicted is not None:
                found[series] = predicted
        return found

    def absence(self, project: str, absent: Raw, now: int) -> tuple[set[SeriesLabels], set[SeriesLabels]]:
        """(series with data in the day before the window, series with data in the window)."""
        duration = max(duration_ns(absent.duration), 2 * STEP_NS)
        query, specs = _parsed(absent.filter), self.specs(absent.aggregations)
        before, during = now - duration - _ABSENCE_LOOKBACK_NS, now - duration
        signature = None
        if all(s.aligner != _PERCENT_CHANGE for s in specs):  # presence then depends on membership alone
            bounds = (before, during, now)
            raw = self._signature(project, query, bounds)
            signature = None if raw is None else tuple((s[0], s[2] > s[1], s[3] > s[2]) for s in raw)

        def compute() -> tuple[set[SeriesLabels], set[SeriesLabels]]:
            seen, _ = query_series(self.store, project, query, specs, before, during)
            present, _ = query_series(self.store, project, query, specs, during, now)
            return {_key(s) for s in seen if s.points}, {_key(s) for s in present if s.points}

        return self._reuse((project, absent.filter, specs, f"absence {duration}"), signature, compute)
