"""The store's in-memory indexes and the one way to change the store: a :class:`Change`.

A change writes SQLite and the indexes together. Its transaction begins at its first write, so a
change that only reads (or refuses before writing) never touches the database and never needs the
indexes rebuilt; :class:`~._store.Store` commits it when its block ends, or rolls it back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from google.api import metric_pb2

from ._series import Series, SeriesKey

__all__ = ["Change", "Index", "Row"]

Row = tuple[int, int, bytes]
"""A stored point: ``(end_ns, start_ns, TypedValue bytes)``."""


@dataclass
class Index:
    """Descriptors and series in memory, as the database holds them: what the hot path reads."""

    descriptors: dict[tuple[str, str], metric_pb2.MetricDescriptor] = field(default_factory=dict)
    series: dict[SeriesKey, Series] = field(default_factory=dict)
    by_metric: dict[tuple[str, str], list[Series]] = field(default_factory=dict)
    by_resource: dict[tuple[str, ...], list[Series]] = field(default_factory=dict)
    next_series_id: int = 1

    @classmethod
    def load(cls, db: sqlite3.Connection) -> Index:
        """The indexes of what ``db`` holds; a series' latest point is its newest stored one."""
        index = cls()
        for project, type_, body in db.execute("SELECT project, type, body FROM descriptors"):
            index.descriptors[(project, type_)] = metric_pb2.MetricDescriptor.FromString(body)
        latest = {
            sid: (start, end)
            for sid, end, start in db.execute(
                "SELECT p.series_id, p.end_ns, p.start_ns FROM points p JOIN "
                "(SELECT series_id, MAX(end_ns) AS m FROM points GROUP BY series_id) q "
                "ON p.series_id = q.series_id AND p.end_ns = q.m"
            )
        }
        rows = db.execute(
            "SELECT id, project, metric_type, metric_labels, resource_type, resource_labels, kind, value_type "
            "FROM series ORDER BY id"
        )
        for sid, project, mtype, mlabels, rtype, rlabels, kind, vtype in rows:
            metric_labels, resource_labels = json.loads(mlabels), json.loads(rlabels)
            key = SeriesKey.of(project, mtype, metric_labels, rtype, resource_labels)
            start, end = latest.get(sid, (-1, -1))
            index.add(Series(sid, key, kind, vtype, start, end, metric_labels, resource_labels))
            index.next_series_id = max(index.next_series_id, sid + 1)
        return index

    def add(self, series: Series) -> None:
        self.series[series.key] = series
        self.by_metric.setdefault((series.project, series.metric_type), []).append(series)
        self.by_resource.setdefault(series.key.counted_resource, []).append(series)

    def series_of(self, project: str, metric_types: Iterable[str]) -> list[Series]:
        found: list[Series] = []
        for metric_type in metric_types:
            found.extend(self.by_metric.get((project, metric_type), ()))
        return found

    def retire(self) -> None:
        """Mark every series dead: the indexes are being replaced (caches of series check ``alive``)."""
        for series in self.series.values():
            series.alive = False


class Change:
    """The writes of one atomic change, made while the store's lock is held (see ``Store.change``)."""

    def __init__(self, db: sqlite3.Connection, index: Index) -> None:
        self._db, self._index = db, index
        self._begun = False

    def _write(self, sql: str, params: tuple[object, ...]) -> sqlite3.Cursor:
        if not self._begun:
            self._db.execute("BEGIN")
            self._begun = True
        return self._db.execute(sql, params)

    def commit(self) -> None:
        if self._begun:
            self._db.execute("COMMIT")

    def rollback(self) -> bool:
        """Undo the writes; whether there were any (then the indexes must be rebuilt)."""
        if self._begun:
            self._db.execute("ROLLBACK")
        return self._begun

    # --- metric descriptors -------------------------------------------------------------
    def put_descriptor(self, project: str, descriptor: metric_pb2.MetricDescriptor) -> None:
        self._write(
            "INSERT OR REPLACE INTO descriptors VALUES (?, ?, ?)",
            (project, descriptor.type, descriptor.SerializeToString()),
        )
        self._index.descriptors[(project, descriptor.type)] = descriptor

    def delete_descriptor(self, project: str, metric_type: str) -> None:
        """Drop the descriptor and, as Google warns, make its data unusable (deleted here)."""
        index = self._index
        self._write("DELETE FROM descriptors WHERE project = ? AND type = ?", (project, metric_type))
        index.descriptors.pop((project, metric_type), None)
        for series in index.by_metric.pop((project, metric_type), []):
            self._write("DELETE FROM points WHERE series_id = ?", (series.id,))
            self._write("DELETE FROM series WHERE id = ?", (series.id,))
            del index.series[series.key]
            series.alive = False
            index.by_resource[series.key.counted_resource].remove(series)

    # --- series and points --------------------------------------------------------------
    def new_series(self, key: SeriesKey, kind: int, value_type: int) -> Series:
        index = self._index
        series = Series(
            index.next_series_id, key, kind, value_type, -1, -1, dict(key.metric_labels), dict(key.resource_labels)
        )
        index.next_series_id += 1
        self._write(
            "INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                series.id,
                key.project,
                key.metric_type,
                json.dumps(series.metric_labels, sort_keys=True),
                key.resource_type,
                json.dumps(series.resource_labels, sort_keys=True),
                kind,
                value_type,
            ),
        )
        index.add(series)
        return series

    def add_points(self, rows: list[tuple[Series, int, int, bytes]]) -> None:
        """Append ``(series, start_ns, end_ns, TypedValue bytes)``; order was checked by the caller."""
        if not self._begun:
            self._db.execute("BEGIN")
            self._begun = True
        self._db.executemany(
            "INSERT INTO points VALUES (?, ?, ?, ?)",
            [(series.id, end, start, value) for series, start, end, value in rows],
        )
        for series, start, end, _ in rows:
            series.last_start, series.last_end = start, end

    # --- alert policies, notification channels, dashboards… (serialized messages) -----------
    def put_object(self, kind: str, project: str, ident: str, body: bytes) -> None:
        self._write("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?)", (kind, project, ident, body))

    def delete_object(self, kind: str, project: str, ident: str) -> bool:
        """Whether there was such an object."""
        cursor = self._write("DELETE FROM objects WHERE kind = ? AND project = ? AND id = ?", (kind, project, ident))
        return cursor.rowcount > 0
