"""The store as one range of alert evaluations reads it: each series' points are read from SQLite
once and then served from memory.

Replaying a week minute by minute is ~10,000 evaluations, each measuring every condition over its
alignment period and retest window; reading the points of each measurement with a query of its own
made a week take minutes. A snapshot reads a series' points once — every point from
:data:`MAX_LOOKBACK_NS` before the range's first instant to its last one — and answers
``points(series, after, until)`` by bisection. A read reaching outside that span goes to the store.

Points written while the range runs are not seen by it: a range evaluates the data as they are when
it starts (the admin API's range form is for replays, which write first and evaluate after).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

from google.api import metric_pb2

from helios_metrics.contract.units import NS

from ._series import Series, SeriesKey
from ._store import Row, Selection, Store, Window, selection

__all__ = ["MAX_LOOKBACK_NS", "StoreSnapshot"]

MAX_LOOKBACK_NS = 8 * 24 * 3600 * NS
"""How far before a range's first instant its reads may reach and still be served from memory:
a forecast's training window (twice a horizon of at most 60 h), or a day of absence lookback beside
a 25-hour alignment period and a retest window, all fit."""


class StoreSnapshot:
    """A :class:`~._store.Reader`: ``points`` and ``point_at_or_before`` from memory, everything else
    (descriptors, series, stored objects such as SLOs) from the store itself; ``low`` is the oldest
    instant it holds points after."""

    def __init__(self, store: Store, first_ns: int, last_ns: int) -> None:
        self._store = store
        self.low, self._high = first_ns - MAX_LOOKBACK_NS, last_ns
        self._loaded: dict[int, tuple[list[int], list[Row]]] = {}

    def whole(self) -> Store:
        return self._store

    def descriptor(self, project: str, metric_type: str) -> metric_pb2.MetricDescriptor | None:
        return self._store.descriptor(project, metric_type)

    def series_of(self, project: str, metric_types: Iterable[str]) -> list[Series]:
        return self._store.series_of(project, metric_types)

    def get_object(self, kind: str, project: str, ident: str) -> bytes | None:
        return self._store.get_object(kind, project, ident)

    def known_projects(self) -> set[str]:
        return self._store.known_projects()

    def select(
        self, project: str, metric_type: str, matches: Callable[[SeriesKey], bool], until_ns: int, window: Window
    ) -> Selection:
        """As :meth:`Store.select`, the points from memory (what was written before the range began)."""
        descriptor, found = self._store.matching(project, metric_type, matches)
        return selection(self, descriptor, found, until_ns, window)

    def ends(self, series: Series) -> list[int]:
        """The end times of the series' points in the snapshot's span, oldest first."""
        return self._rows(series)[0]

    def points(self, series: Series, after_ns: int, until_ns: int) -> list[Row]:
        """``(end_ns, start_ns, value)`` with after < end <= until, newest first (as :meth:`Store.points`)."""
        if after_ns < self.low or until_ns > self._high:
            return self._store.points(series, after_ns, until_ns)
        ends, rows = self._rows(series)
        low, high = bisect.bisect_right(ends, after_ns), bisect.bisect_right(ends, until_ns)
        return rows[low:high][::-1]

    def point_at_or_before(self, series: Series, at_ns: int) -> Row | None:
        """The newest point with end <= ``at_ns`` (as :meth:`Store.point_at_or_before`)."""
        if self.low <= at_ns <= self._high:
            ends, rows = self._rows(series)
            index = bisect.bisect_right(ends, at_ns)
            if index:
                return rows[index - 1]
            at_ns = self.low  # nothing in (low, at]: the newest point at or before low
        return self._store.point_at_or_before(series, at_ns)

    def _rows(self, series: Series) -> tuple[list[int], list[Row]]:
        found = self._loaded.get(series.id)
        if found is None:
            rows = self._store.points(series, self.low, self._high)
            rows.reverse()  # oldest first, for bisection
            found = self._loaded[series.id] = ([row[0] for row in rows], rows)
        return found
