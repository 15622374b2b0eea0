"""SQLite persistence plus the in-memory indexes the hot path reads, behind queries and one way to
change anything: :meth:`Store.change`.

Every query and every change holds the store's lock for its whole duration, and a change is one
SQLite transaction, so concurrent clients see whole requests or nothing: a :class:`Selection` reads
a metric's series and their points at one moment, and a CreateTimeSeries request checks and commits
its points in one :class:`~._store_change.Change`. Nothing outside sees the lock, the connection or
the indexes. Series state (last start/end) lives in memory and is rebuilt from the points table when
the emulator restarts on the same ``--data`` file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from google.api import metric_pb2

from ._series import Labels, Series, SeriesKey
from ._store_change import Change, Index, Row

__all__ = ["Change", "Reader", "Row", "Selection", "Store", "Window", "selection"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS descriptors (
    project TEXT NOT NULL, type TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (project, type));
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, project TEXT NOT NULL, metric_type TEXT NOT NULL,
    metric_labels TEXT NOT NULL, resource_type TEXT NOT NULL, resource_labels TEXT NOT NULL,
    kind INTEGER NOT NULL, value_type INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    series_id INTEGER NOT NULL, end_ns INTEGER NOT NULL, start_ns INTEGER NOT NULL,
    value BLOB NOT NULL, PRIMARY KEY (series_id, end_ns)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL, project TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (kind, project, id)) WITHOUT ROWID;
"""
_GAUGE, _DOUBLE = metric_pb2.MetricDescriptor.GAUGE, metric_pb2.MetricDescriptor.DOUBLE

Window = Callable[[int], tuple[int, bool]]
"""A metric kind → (after_ns, with_base): where a read of the metric's points starts, and whether it
also wants each series' newest point at or before that (a cumulative counter's base)."""


@dataclass(frozen=True)
class Selection:
    """A metric's descriptor, kind and value type (the descriptor's, else its first series', else
    GAUGE DOUBLE) and the series a filter matches, each with its points (newest first; the base
    point, when asked for, last), all read at one moment."""

    descriptor: metric_pb2.MetricDescriptor | None
    kind: int
    value_type: int
    series: list[tuple[Series, list[Row]]]


class Reader(Protocol):
    """What measuring reads: the store itself, or a snapshot of it serving points from memory."""

    def descriptor(self, project: str, metric_type: str) -> metric_pb2.MetricDescriptor | None: ...
    def series_of(self, project: str, metric_types: Iterable[str]) -> list[Series]: ...
    def select(
        self, project: str, metric_type: str, matches: Callable[[SeriesKey], bool], until_ns: int, window: Window
    ) -> Selection: ...
    def points(self, series: Series, after_ns: int, until_ns: int) -> list[Row]: ...
    def point_at_or_before(self, series: Series, at_ns: int) -> Row | None: ...
    def get_object(self, kind: str, project: str, ident: str) -> bytes | None: ...
    def known_projects(self) -> set[str]: ...
    def whole(self) -> Store:
        """The store, whose reads reach its whole history at once."""
        ...


class Store:
    """Descriptors, series and points; alert policies, channels, dashboards… as serialized messages
    (``objects``, by kind, project and id)."""

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._index = Index.load(self._db)
        self._current: Change | None = None  # the change under way, by the thread holding the lock

    # --- changes --------------------------------------------------------------------------------
    @contextmanager
    def change(self) -> Iterator[Change]:
        """One atomic change: what it reads (through the store's queries, in its block) is what it
        changes, as no other change runs meanwhile; its writes commit together when the block ends,
        or none of them if it raises. A change begun inside another one is part of it."""
        with self._lock:
            if self._current is not None:
                yield self._current
                return
            change = self._current = Change(self._db, self._index)
            try:
                yield change
            except BaseException:
                if change.rollback():  # the indexes may hold changes the rollback undid: rebuilt
                    self._index.retire()
                    self._index = Index.load(self._db)
                raise
            else:
                change.commit()
            finally:
                self._current = None

    def put_object(self, kind: str, project: str, ident: str, body: bytes) -> None:
        with self.change() as change:
            change.put_object(kind, project, ident, body)

    def delete_object(self, kind: str, project: str, ident: str) -> bool:
        with self.change() as change:
            return change.delete_object(kind, project, ident)

    def whole(self) -> Store:
        return self

    # --- metric descriptors and series ------------------------------------------------------------
    def descriptor(self, project: str, metric_type: str) -> metric_pb2.MetricDescriptor | None:
        """The stored descriptor (shared: callers copy it before changing it)."""
        with self._lock:
            return self._index.descriptors.get((project, metric_type))

    def descriptors(self, project: str) -> dict[str, metric_pb2.MetricDescriptor]:
        """The project's descriptors by metric type."""
        with self._lock:
            return {type_: d for (owner, type_), d in self._index.descriptors.items() if owner == project}

    def described_projects(self) -> list[str]:
        """The projects with at least one metric descriptor, sorted."""
        with self._lock:
            return sorted({project for project, _ in self._index.descriptors})

    def series_named(self, key: SeriesKey) -> Series | None:
        with self._lock:
            return self._index.series.get(key)

    def series_counted_with(self, counted: tuple[str, ...]) -> Sequence[Series]:
        """The series the active-series cap counts against one resource (``SeriesKey.counted_resource``)."""
        with self._lock:
            return tuple(self._index.by_resource.get(counted, ()))

    def series_of(self, project: str, metric_types: Iterable[str]) -> list[Series]:
        with self._lock:
            return self._index.series_of(project, metric_types)

    def written_since(self, project: str, metric_type: str, since_ns: int) -> bool:
        """Whether a series of the metric has a point ending at or after ``since_ns``."""
        with self._lock:
            return any(s.last_end >= since_ns for s in self._index.by_metric.get((project, metric_type), ()))

    def matching(
        self, project: str, metric_type: str, matches: Callable[[SeriesKey], bool]
    ) -> tuple[metric_pb2.MetricDescriptor | None, list[Series]]:
        """The metric's descriptor and the series of it ``matches`` keeps, at one moment."""
        with self._lock:
            found = [s for s in self._index.series_of(project, [metric_type]) if matches(s.key)]
            return self._index.descriptors.get((project, metric_type)), found

    def select(
        self, project: str, metric_type: str, matches: Callable[[SeriesKey], bool], until_ns: int, window: Window
    ) -> Selection:
        """The metric's series that ``matches`` keeps, each with its points in (after, until] and, when
        the window asks, the newest point at or before ``after``; all read at one moment."""
        with self._lock:
            descriptor, found = self.matching(project, metric_type, matches)
            return selection(self, descriptor, found, until_ns, window)

    def points(self, series: Series, after_ns: int, until_ns: int) -> list[Row]:
        """``(end_ns, start_ns, value)`` with after < end <= until, newest first (as Google returns)."""
        with self._lock:
            cursor = self._db.execute(
                "SELECT end_ns, start_ns, value FROM points WHERE series_id = ? AND end_ns > ? AND end_ns <= ? "
                "ORDER BY end_ns DESC",
                (series.id, after_ns, until_ns),
            )
            return cursor.fetchall()

    def point_at_or_before(self, series: Series, at_ns: int) -> Row | None:
        """The newest ``(end_ns, start_ns, value)`` with end <= at: what a cumulative series counted
        by then, the base its next points' growth is measured from."""
        with self._lock:
            row = self._db.execute(
                "SELECT end_ns, start_ns, value FROM points WHERE series_id = ? AND end_ns <= ? "
                "ORDER BY end_ns DESC LIMIT 1",
                (series.id, at_ns),
            ).fetchone()
        return None if row is None else (row[0], row[1], bytes(row[2]))

    def resources(self, project: str, interval: tuple[int, int] | None = None) -> list[tuple[str, Labels]]:
        """The monitored resources the project's series were written against — (type, labels with
        ``project_id``) — or, with ``(start_ns, end_ns)``, those with a point ending in ``[start, end]``."""
        with self._lock:
            series = [s for s in self._index.series.values() if s.project == project]
            if interval is not None:
                start, end = interval
                series = [s for s in series if s.last_end >= start and self.points(s, start - 1, end)]
            found = {
                (s.resource_type, tuple(sorted({"project_id": project, **s.resource_labels}.items()))) for s in series
            }
        return sorted(found)

    # --- stored objects -------------------------------------------------------------------------
    def get_object(self, kind: str, project: str, ident: str) -> bytes | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM objects WHERE kind = ? AND project = ? AND id = ?", (kind, project, ident)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def list_objects(self, kind: str, project: str) -> list[tuple[str, bytes]]:
        """``(id, body)`` of the project's objects of ``kind``, by id."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, body FROM objects WHERE kind = ? AND project = ? ORDER BY id", (kind, project)
            )
            return [(ident, bytes(body)) for ident, body in rows]

    def object_projects(self, kind: str) -> list[str]:
        """The projects with at least one object of ``kind``, sorted."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT project FROM objects WHERE kind = ? ORDER BY project", (kind,))
            return [project for (project,) in rows]

    def known_projects(self) -> set[str]:
        """Every project that owns something here."""
        with self._lock:
            found = {project for (project,) in self._db.execute("SELECT DISTINCT project FROM objects")}
            return found | {project for project, _ in self._index.descriptors} | {key[0] for key in self._index.series}

    def close(self) -> None:
        with self._lock:
            self._db.close()


def selection(
    reader: Reader,
    descriptor: metric_pb2.MetricDescriptor | None,
    found: list[Series],
    until_ns: int,
    window: Window,
) -> Selection:
    """The :class:`Selection` of ``found`` series, their points read through ``reader``."""
    kind = descriptor.metric_kind if descriptor else (found[0].kind if found else _GAUGE)
    value_type = descriptor.value_type if descriptor else (found[0].value_type if found else _DOUBLE)
    after, with_base = window(kind)
    read = []
    for series in found:
        rows = reader.points(series, after, until_ns)
        base = reader.point_at_or_before(series, after) if with_base else None
        if base is not None:
            rows.append(base)
        read.append((series, rows))
    return Selection(descriptor, kind, value_type, read)
