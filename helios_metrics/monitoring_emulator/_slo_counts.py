"""Good and total service of a request-based SLI over any window, from the stored series.

Every stored point becomes an *increment* (``_deltas``, the rule ALIGN_DELTA uses too), counted at
its end time: a DELTA point's value; for a CUMULATIVE series, the growth since the series' previous
point (however long before the window), or the whole value when the series has no earlier point or
restarted — a new start time, or a value lower than the last — since a counter counts from zero at
its start (a restart's whole value counts, as Google counts it). A series' increments are computed
once per point written and kept as prefix sums, so a window costs two bisections per series.
Summing the increments of all matching series whose end time falls in ``(a, b]`` is ALIGN_DELTA
over ``(a, b]`` then a sum across series whenever each increment lies inside the window — as the
collector's do, each point carrying a baseline at its window's start — where ALIGN_DELTA gives a
window only its share of an increment that straddles the window's start.

A ``TimeSeriesRatio`` sums two of good, bad and total (the third is ``good + bad = total``); a
``DistributionCut`` counts, per point, the values in ``[min, max]`` — whole buckets inside the range,
a linear share of a finite bucket it cuts, none of an open-ended bucket it does not contain — and
the distribution's count as total.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from google.api import distribution_pb2, metric_pb2
from google.cloud.monitoring_v3.types import common

from ._deltas import increments
from ._distributions import bounds
from ._filters import parse_filter
from ._raw import Raw
from ._series import Series
from ._store import Reader, Store

__all__ = ["Counter", "counter_for"]

MD = metric_pb2.MetricDescriptor
_TYPED_VALUE = common.TypedValue.pb()
Vector = tuple[float, ...]
Measure = Callable[[Raw], Vector]


def _number(value: Raw) -> Vector:
    which = value.WhichOneof("value")
    if which in ("int64_value", "double_value"):
        return (float(getattr(value, which)),)
    if which == "bool_value":
        return (1.0 if value.bool_value else 0.0,)
    if which == "distribution_value":
        return (float(value.distribution_value.count),)
    return (0.0,)


def _cut(low: float, high: float) -> Measure:
    """(values in [low, high], all values) of a distribution point."""

    def measure(value: Raw) -> Vector:
        dist: distribution_pb2.Distribution = value.distribution_value
        edges = bounds(dist.bucket_options)
        good = 0.0
        for index, count in enumerate(dist.bucket_counts):
            if not count:
                continue
            lower = edges[index - 1] if index > 0 else -math.inf
            upper = edges[index] if index < len(edges) else math.inf
            inside = max(0.0, min(upper, high) - max(lower, low))
            if low <= lower and upper <= high:
                good += count
            elif math.isfinite(lower) and math.isfinite(upper) and upper > lower:
                good += count * inside / (upper - lower)
        return (good, float(dist.count))

    return measure


def _increments(series: Series, points: list[tuple[int, int, bytes]], measure: Measure) -> list[tuple[int, Vector]]:
    """``(end, increment)`` of each point of a series' whole history, oldest first (``points`` come
    newest first): the increments ALIGN_DELTA spreads (``_deltas``), each counted at its end."""
    measured = [(end, start, measure(_TYPED_VALUE.FromString(body))) for end, start, body in reversed(points)]
    found = increments(
        measured,
        series.kind == MD.CUMULATIVE,
        lambda new, old: tuple(v - p for v, p in zip(new, old, strict=True)),
        lambda new, old: any(v < p for v, p in zip(new, old, strict=True)),
    )
    return [(inc.until, inc.value) for inc in found]


@dataclass
class _Sums:
    """Prefix sums of one series' increments by time: the total in ``(a, b]`` by two bisections."""

    series: Series
    last_end: int
    times: list[int]
    sums: list[Vector]

    def between(self, after: int, until: int) -> Vector:
        high = self.sums[bisect.bisect_right(self.times, until)]
        low = self.sums[bisect.bisect_right(self.times, after)]
        return tuple(h - lo for h, lo in zip(high, low, strict=True))


_CACHE: weakref.WeakKeyDictionary[Store, dict[tuple[int, object], _Sums]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def _series_sums(store: Store, series: Series, measure: Measure, measure_key: object, width: int) -> _Sums:
    """The series' increments, computed once per point written: points are only ever appended (a
    series that is deleted or reloaded is a new :class:`Series`), so the sums stay valid until the
    series' last end moves."""
    with _CACHE_LOCK:
        known = _CACHE.setdefault(store, {}).get((series.id, measure_key))
    if known is not None and known.series is series and known.last_end == series.last_end:
        return known
    last_end = series.last_end
    increments = _increments(series, store.points(series, -1, last_end), measure)
    zero = (0.0,) * width
    sums = list(
        itertools.accumulate(
            (v for _, v in increments), lambda a, b: tuple(x + y for x, y in zip(a, b, strict=True)), initial=zero
        )
    )
    found = _Sums(series, last_end, [t for t, _ in increments], sums)
    with _CACHE_LOCK:
        _CACHE.setdefault(store, {})[(series.id, measure_key)] = found
    return found


@dataclass
class _Filtered:
    """Every series a filter matches: the sum of their increments in a window."""

    parts: list[_Sums]
    width: int

    def between(self, after: int, until: int) -> Vector:
        total = [0.0] * self.width
        for part in self.parts:
            for index, value in enumerate(part.between(after, until)):
                total[index] += value
        return tuple(total)


def _sums(reads: Reader, project: str, text: str, measure: Measure, measure_key: object, width: int) -> _Filtered:
    store = reads.whole()  # the whole history, once: a read view (the evaluator's snapshot) holds a span
    query = parse_filter(text)
    types = query.pinned_values("metric.type") or frozenset()
    matching = [s for s in store.series_of(project, sorted(types)) if query.matches(s.key.resolver())]
    return _Filtered([_series_sums(store, s, measure, measure_key, width) for s in matching], width)


@dataclass
class Counter:
    """(good, total) service in any window ``(a, b]``."""

    good: Callable[[int, int], float]
    total: Callable[[int, int], float]

    def counts(self, after: int, until: int) -> tuple[float, float]:
        total = max(0.0, self.total(after, until))
        return min(max(0.0, self.good(after, until)), total), total


def counter_for(store: Reader, project: str, sli: Raw) -> Counter | None:
    """A counter over the request-based ``sli``; None for an SLI the emulator does not evaluate
    (basic and windows-based SLIs)."""
    if sli.WhichOneof("type") != "request_based":
        return None
    based = sli.request_based
    if based.WhichOneof("method") == "distribution_cut":
        cut = based.distribution_cut
        low, high = cut.range_.min_, cut.range_.max_
        pair = _sums(store, project, cut.distribution_filter, _cut(low, high), ("cut", low, high), 2)
        return Counter(lambda a, b: pair.between(a, b)[0], lambda a, b: pair.between(a, b)[1])
    ratio = based.good_total_ratio
    loaded = {
        role: _sums(store, project, text, _number, "number", 1)
        for role, text in (
            ("good", ratio.good_service_filter),
            ("bad", ratio.bad_service_filter),
            ("total", ratio.total_service_filter),
        )
        if text
    }

    def part(role: str) -> Callable[[int, int], float]:
        if role in loaded:
            return lambda a, b: loaded[role].between(a, b)[0]
        if role == "total":
            return lambda a, b: loaded["good"].between(a, b)[0] + loaded["bad"].between(a, b)[0]
        other = "bad" if role == "good" else "good"
        return lambda a, b: loaded["total"].between(a, b)[0] - loaded[other].between(a, b)[0]

    if len(loaded) < 2:
        return None
    return Counter(part("good"), part("total"))
