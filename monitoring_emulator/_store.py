"""SQLite persistence plus the in-memory indexes the hot path reads.

Every write goes through one lock and one transaction, so concurrent clients see whole
requests or nothing. Series state (last start/end) lives in memory and is rebuilt from the
points table when the emulator restarts on the same ``--data`` file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from google.api import metric_pb2

__all__ = ["Series", "SeriesKey", "Store", "backing", "base_point", "key_resolver", "resource_key", "series_key"]

Labels = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, str, Labels, str, Labels]

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


def series_key(
    project: str, metric_type: str, metric_labels: dict[str, str], resource_type: str, resource_labels: dict[str, str]
) -> SeriesKey:
    return (
        project,
        metric_type,
        tuple(sorted(metric_labels.items())),
        resource_type,
        tuple(sorted(resource_labels.items())),
    )


def resource_key(key: SeriesKey) -> tuple[str, ...]:
    """What the active-series cap counts against: the resource (and the type, for ``global``)."""
    if key[3] == "global":
        return (key[0], "global", key[1])
    return (key[0], key[3], *(f"{k}={v}" for k, v in key[4]))


def key_resolver(key: SeriesKey) -> Callable[[str], str | None]:
    """Answer filter selectors (``metric.type``, ``resource.labels.zone``…) for one series."""
    metric_labels, resource_labels = dict(key[2]), dict(key[4])

    def resolve(selector: str) -> str | None:
        if selector == "metric.type":
            return key[1]
        if selector == "resource.type":
            return key[3]
        if selector == "project":
            return key[0]
        if selector.startswith("metric.labels."):
            return metric_labels.get(selector[14:])
        if selector.startswith("resource.labels."):
            return resource_labels.get(selector[16:])
        return None

    return resolve


@dataclass(slots=True)
class Series:
    """One stored time series and the latest point written to it."""

    id: int
    key: SeriesKey
    kind: int
    value_type: int
    last_start: int = -1
    last_end: int = -1
    metric_labels: dict[str, str] = field(default_factory=dict)
    resource_labels: dict[str, str] = field(default_factory=dict)
    alive: bool = True  # False once deleted or replaced by a reload; caches check it

    @property
    def project(self) -> str:
        return self.key[0]

    @property
    def metric_type(self) -> str:
        return self.key[1]

    @property
    def resource_type(self) -> str:
        return self.key[3]

    @property
    def resource_key(self) -> tuple[str, ...]:
        return resource_key(self.key)


class Store:
    """Descriptors, series and points; alert policies, channels and dashboards as serialized messages."""

    def __init__(self, path: str | None = None) -> None:
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._load()

    def _load(self) -> None:
        """(Re)build the in-memory indexes from the database."""
        for stale in getattr(self, "series", {}).values():
            stale.alive = False
        self.descriptors: dict[tuple[str, str], metric_pb2.MetricDescriptor] = {}
        self.series: dict[SeriesKey, Series] = {}
        self.series_by_metric: dict[tuple[str, str], list[Series]] = {}
        self.series_by_resource: dict[tuple[str, ...], list[Series]] = {}
        self._next_series_id = 1
        for project, type_, body in self._db.execute("SELECT project, type, body FROM descriptors"):
            self.descriptors[(project, type_)] = metric_pb2.MetricDescriptor.FromString(body)
        latest = {
            sid: (start, end)
            for sid, end, start in self._db.execute(
                "SELECT p.series_id, p.end_ns, p.start_ns FROM points p JOIN "
                "(SELECT series_id, MAX(end_ns) AS m FROM points GROUP BY series_id) q "
                "ON p.series_id = q.series_id AND p.end_ns = q.m"
            )
        }
        rows = self._db.execute(
            "SELECT id, project, metric_type, metric_labels, resource_type, resource_labels, kind, value_type "
            "FROM series ORDER BY id"
        )
        for sid, project, mtype, mlabels, rtype, rlabels, kind, vtype in rows:
            metric_labels, resource_labels = json.loads(mlabels), json.loads(rlabels)
            key = series_key(project, mtype, metric_labels, rtype, resource_labels)
            start, end = latest.get(sid, (-1, -1))
            self._index(Series(sid, key, kind, vtype, start, end, metric_labels, resource_labels))
            self._next_series_id = max(self._next_series_id, sid + 1)

    def _index(self, series: Series) -> None:
        self.series[series.key] = series
        self.series_by_metric.setdefault((series.project, series.metric_type), []).append(series)
        self.series_by_resource.setdefault(series.resource_key, []).append(series)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of writes; callers already hold :attr:`lock`."""
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            self._load()  # the indexes may hold changes the rollback undid
            raise
        self._db.execute("COMMIT")

    # --- metric descriptors -------------------------------------------------------------
    def put_descriptor(self, project: str, descriptor: metric_pb2.MetricDescriptor) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO descriptors VALUES (?, ?, ?)",
            (project, descriptor.type, descriptor.SerializeToString()),
        )
        self.descriptors[(project, descriptor.type)] = descriptor

    def delete_descriptor(self, project: str, metric_type: str) -> None:
        """Drop the descriptor and, as Google warns, make its data unusable (deleted here)."""
        self._db.execute("DELETE FROM descriptors WHERE project = ? AND type = ?", (project, metric_type))
        self.descriptors.pop((project, metric_type), None)
        for series in self.series_by_metric.pop((project, metric_type), []):
            self._db.execute("DELETE FROM points WHERE series_id = ?", (series.id,))
            self._db.execute("DELETE FROM series WHERE id = ?", (series.id,))
            del self.series[series.key]
            series.alive = False
            self.series_by_resource[series.resource_key].remove(series)

    # --- series and points --------------------------------------------------------------
    def new_series(self, key: SeriesKey, kind: int, value_type: int) -> Series:
        series = Series(self._next_series_id, key, kind, value_type, -1, -1, dict(key[2]), dict(key[4]))
        self._next_series_id += 1
        self._db.execute(
            "INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                series.id,
                key[0],
                key[1],
                json.dumps(series.metric_labels, sort_keys=True),
                key[3],
                json.dumps(series.resource_labels, sort_keys=True),
                kind,
                value_type,
            ),
        )
        self._index(series)
        return series

    def add_points(self, rows: list[tuple[Series, int, int, bytes]]) -> None:
        """Append ``(series, start_ns, end_ns, TypedValue bytes)``; order was checked by the caller."""
        self._db.executemany(
            "INSERT INTO points VALUES (?, ?, ?, ?)",
            [(series.id, end, start, value) for series, start, end, value in rows],
        )
        for series, start, end, _ in rows:
            series.last_start, series.last_end = start, end

    def points(self, series: Series, after_ns: int, until_ns: int) -> list[tuple[int, int, bytes]]:
        """``(end_ns, start_ns, value)`` with after < end <= until, newest first (as Google returns)."""
        cursor = self._db.execute(
            "SELECT end_ns, start_ns, value FROM points WHERE series_id = ? AND end_ns > ? AND end_ns <= ? "
            "ORDER BY end_ns DESC",
            (series.id, after_ns, until_ns),
        )
        return cursor.fetchall()

    def point_at_or_before(self, series: Series, at_ns: int) -> tuple[int, int, bytes] | None:
        """The newest ``(end_ns, start_ns, value)`` with end <= at: what a cumulative series counted
        by then, the base its next points' growth is measured from."""
        row = self._db.execute(
            "SELECT end_ns, start_ns, value FROM points WHERE series_id = ? AND end_ns <= ? "
            "ORDER BY end_ns DESC LIMIT 1",
            (series.id, at_ns),
        ).fetchone()
        return None if row is None else (row[0], row[1], bytes(row[2]))

    # --- alert policies, notification channels, dashboards (serialized messages) ------------
    def put_object(self, kind: str, project: str, ident: str, body: bytes) -> None:
        self._db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?)", (kind, project, ident, body))

    def get_object(self, kind: str, project: str, ident: str) -> bytes | None:
        row = self._db.execute(
            "SELECT body FROM objects WHERE kind = ? AND project = ? AND id = ?", (kind, project, ident)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def list_objects(self, kind: str, project: str) -> list[tuple[str, bytes]]:
        rows = self._db.execute(
            "SELECT id, body FROM objects WHERE kind = ? AND project = ? ORDER BY id", (kind, project)
        )
        return [(ident, bytes(body)) for ident, body in rows]

    def known_projects(self) -> set[str]:
        """Every project that owns something here."""
        with self.lock:
            found = {project for (project,) in self._db.execute("SELECT DISTINCT project FROM objects")}
            return found | {project for project, _ in self.descriptors} | {key[0] for key in self.series}

    def object_projects(self, kind: str) -> list[str]:
        rows = self._db.execute("SELECT DISTINCT project FROM objects WHERE kind = ? ORDER BY project", (kind,))
        return [project for (project,) in rows]

    def delete_object(self, kind: str, project: str, ident: str) -> bool:
        cursor = self._db.execute(
            "DELETE FROM objects WHERE kind = ? AND project = ? AND id = ?", (kind, project, ident)
        )
        return cursor.rowcount > 0

    def series_of(self, project: str, metric_types: Iterable[str]) -> list[Series]:
        found: list[Series] = []
        for metric_type in metric_types:
            found.extend(self.series_by_metric.get((project, metric_type), ()))
        return found

    def close(self) -> None:
        with self.lock:
            self._db.close()


def backing(reads: object) -> Store:
    """The :class:`Store` behind ``reads`` — itself, or the store a read view (the alert evaluator's
    snapshot of points) wraps — for what only the store keeps: objects and known projects."""
    if isinstance(reads, Store):
        return reads
    inner = getattr(reads, "_store", None)
    if not isinstance(inner, Store):
        raise TypeError(f"{type(reads).__name__} is neither a Store nor a view of one")
    return inner


def base_point(reads: Store, series: Series, at_ns: int) -> tuple[int, int, bytes] | None:
    """:meth:`Store.point_at_or_before` on the store or on a read view that only has ``points``."""
    finder = getattr(reads, "point_at_or_before", None)
    if finder is not None:
        found: tuple[int, int, bytes] | None = finder(series, at_ns)
        return found
    for reach in (_BASE_REACH_NS, None):  # a day back first: what a view holds in memory, at any volume
        rows = reads.points(series, -1 if reach is None else at_ns - reach, at_ns)
        if rows:
            return rows[0]
    return None


_BASE_REACH_NS = 24 * 3600 * 1_000_000_000
