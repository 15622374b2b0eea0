"""Pure mapping from aggregates to the points Cloud Monitoring will store, and their schedule.

Resource: ``generic_task{location, namespace="helios", job="helios-metrics-collector", task_id}``.
``task_id`` is the collector instance's id plus a *lane*: lane 0 is ``<instance>``, lane k is
``<instance>-<k>``. A series (metric + labels + task_id) is only ever written by one instance, in
increasing window order, at least a window apart — so concurrent or successive collectors never
trip "Points must be written in order" or the 5-second sampling limit. When a window of a series
was already written on lane 0 (the rest of a partial window in the next run, a late or replayed
event), its point goes to the lowest lane where it is still in order. Charts and alerts therefore
reduce across ``task_id`` (ALIGN_SUM/REDUCE_SUM for counts, ALIGN_SUM+REDUCE_SUM on distributions).

The heartbeat (``collector_runs``, 1 per completed run) is the one point not at a window's end: it
is stamped with the instant the run completed, and goes through the same lanes — a run ending
less than 5 s after the previous one beats on the next lane, so no heartbeat is ever refused as
too frequent or out of order, and none waits for the next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contract.catalog import spec

from .aggregate import AggregatedPoint, DistributionValue

__all__ = ["LaneBook", "ResourceIdentity", "SeriesPoint", "heartbeat", "schedule_requests", "to_series_points"]

NS = 1_000_000_000
_HEARTBEAT = spec("collector_runs")
SeriesId = tuple[str, tuple[tuple[str, str], ...]]  # metric type, sorted metric labels


@dataclass(frozen=True)
class ResourceIdentity:
    instance: str
    location: str = "global"
    namespace: str = "helios"
    job: str = "helios-metrics-collector"

    def labels(self, lane: int) -> dict[str, str]:
        task_id = self.instance if lane == 0 else f"{self.instance}-{lane}"
        return {"location": self.location, "namespace": self.namespace, "job": self.job, "task_id": task_id}


@dataclass(frozen=True)
class SeriesPoint:
    """One point to write, as plain values; ``contribution`` indexes the aggregate it carries."""

    metric_type: str
    metric_labels: dict[str, str]
    resource_labels: dict[str, str]
    end_ns: int
    value_type: str
    value: int | float | DistributionValue
    contribution: int
    lane: int

    @property
    def series(self) -> tuple[SeriesId, int]:
        return (self.metric_type, tuple(sorted(self.metric_labels.items()))), self.lane


class LaneBook:
    """Per instance: the latest end time written (or reserved) on each lane of each series."""

    def __init__(self, min_gap_ns: int = 5 * NS) -> None:
        self._min_gap = min_gap_ns
        self._last: dict[SeriesId, list[int]] = {}

    def reserve(self, series: SeriesId, end_ns: int) -> int:
        """The lowest lane where a point ending at ``end_ns`` is in order and far enough from the
        previous one; that lane's latest end becomes ``end_ns``."""
        lanes = self._last.setdefault(series, [])
        for lane, last in enumerate(lanes):
            if end_ns - last >= self._min_gap:
                lanes[lane] = end_ns
                return lane
        lanes.append(end_ns)
        return len(lanes) - 1

    def lanes_in_use(self) -> int:
        return max((len(lanes) for lanes in self._last.values()), default=0)


def to_series_points(
    points: Sequence[AggregatedPoint], lanes: LaneBook, resource: ResourceIdentity
) -> list[SeriesPoint]:
    """Map aggregates to points, oldest window first so each series' lane sees them in order."""
    mapped: list[SeriesPoint] = []
    for point in sorted(points, key=lambda p: p.window_end_ns):
        metric = point.metric
        series: SeriesId = (metric.type, tuple(sorted(point.labels.items())))
        lane = lanes.reserve(series, point.window_end_ns)
        mapped.append(
            SeriesPoint(
                metric.type,
                point.labels,
                resource.labels(lane),
                point.window_end_ns,
                metric.value_type,
                point.value,
                point.ident,
                lane,
            )
        )
    return mapped


def heartbeat(completed_ns: int, lanes: LaneBook, resource: ResourceIdentity) -> SeriesPoint:
    """The heartbeat of a run that completed at ``completed_ns``: ``collector_runs`` = 1, on the
    lowest lane where it is in order and at least 5 s after that lane's previous point."""
    (point,) = to_series_points([AggregatedPoint(_HEARTBEAT, {}, completed_ns, 1)], lanes, resource)
    return point


def schedule_requests(points: Sequence[SeriesPoint], max_series: int = 200) -> list[list[SeriesPoint]]:
    """Group points into CreateTimeSeries requests: at most ``max_series`` per request, one point
    per series per request, each series' points in time order across requests.

    Longest-remaining-chain first (Hu's rule for chains) gives the fewest requests possible:
    max(ceil(points / max_series), the most points any one series has)."""
    chains: dict[tuple[SeriesId, int], list[SeriesPoint]] = {}
    for point in sorted(points, key=lambda p: p.end_ns):
        chains.setdefault(point.series, []).append(point)
    queues = [list(reversed(chain)) for chain in chains.values()]  # pop() yields the oldest
    requests: list[list[SeriesPoint]] = []
    while queues:
        queues.sort(key=len, reverse=True)
        batch = queues[:max_series]
        requests.append([queue.pop() for queue in batch])
        queues = [queue for queue in queues if queue]
    return requests
