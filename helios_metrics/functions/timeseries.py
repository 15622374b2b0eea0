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

A CUMULATIVE metric (``pipeline_run_count``) keeps, per series and lane, a :class:`Counter` in this
instance's memory: one start time for the series' whole life and the total of its points known to
have landed. A point carries that total plus its window's count, computed when it is first sent
and sent identically on every retry, so:

- a refused point adds nothing to the total, and the next point of the series carries the total
  without it — a refusal never stops or corrupts later points;
- a retry of an attempt that had landed is the same point, refused as "written in order" and
  recognised as written, as for every metric;
- a point whose fate stays unknown (an ambiguous failure, no conclusive retry) holds the later
  points of its lane until it is read back (present: its count joins the total);
- the rest of a window, a late event or a redelivered message never re-enters a lane where its
  window was reserved: it goes to another lane — a series of its own, whose first point carries
  only its own count — so a series' points only ever increase, and its deltas add up across lanes.

A point that raises the total goes with a *baseline* — the total unchanged, at the start of its
window — when its lane's previous point is older than that, so the increase lies inside its
window: Google interpolates between a series' points, and without the baseline a run 12 minutes
after the previous one would be spread over those 12 minutes. A lane's first point starts at its
window's start, for the same reason. A new instance (a new ``task_id``) starts every series at zero
and never writes into another instance's series. A lane stops taking points once its start time is
24 hours old (Google refuses start times more than 25 hours in the past): the series' next point
opens a fresh lane.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from helios_metrics.contract.catalog import spec
from helios_metrics.contract.units import NS

from .aggregate import AggregatedPoint, DistributionValue
from .contribution import Contribution

__all__ = [
    "Counter",
    "LaneBook",
    "ResourceIdentity",
    "SeriesPoint",
    "heartbeat",
    "schedule_requests",
    "to_series_points",
]

MAX_START_AGE_NS = 24 * 3600 * NS
"""A lane's start time stays younger than this: Google refuses start times more than 25 h old."""
_RETIRED = 2**62  # a lane's last end once retired: no point is ever in order after it
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


class Counter:
    """One CUMULATIVE series on one lane, in this instance's memory: its fixed start time, the total
    of its points known to have landed, and the point (if any) whose fate is unknown.

    The writer asks :meth:`value` when it sends a point and reports the outcome with
    :meth:`landed`, :meth:`lost` or :meth:`unsure`; the collector settles an unknown one with
    :meth:`resolve` once it has read it back."""

    __slots__ = ("_sent", "doubt", "start_ns", "total")

    def __init__(self, start_ns: int) -> None:
        self.start_ns = start_ns
        self.total = 0
        self.doubt: tuple[int, int] | None = None
        """(end, increase) of a point that may or may not have landed: later points wait for it."""
        self._sent: dict[int, int] = {}  # end -> the value sent, until its outcome is known

    def value(self, end_ns: int, increase: int) -> int | None:
        """The value of the point ending at ``end_ns``: fixed when first sent, the same on every
        retry; None while an earlier point's fate is unknown (the point is held, not sent)."""
        sent = self._sent.get(end_ns)
        if sent is not None:
            return sent
        if self.doubt is not None:
            return None
        value = self._sent[end_ns] = self.total + increase
        return value

    def landed(self, end_ns: int, increase: int) -> None:
        if self._sent.pop(end_ns, None) is not None:
            self.total += increase

    def lost(self, end_ns: int) -> None:
        """Not written, for sure (refused, or every attempt failed without reaching the store)."""
        self._sent.pop(end_ns, None)

    def unsure(self, end_ns: int, increase: int) -> None:
        """Maybe written (an attempt timed out, no retry told): only an increase makes it matter."""
        if self._sent.pop(end_ns, None) is not None and increase:
            self.doubt = (end_ns, increase)

    def resolve(self, landed: bool) -> None:
        """The doubtful point was read back: present (``landed``) or absent."""
        if self.doubt is not None and landed:
            self.total += self.doubt[1]
        self.doubt = None


@dataclass(frozen=True)
class SeriesPoint:
    """One point to write, as plain values; ``contribution`` is the aggregate whose value it
    carries, None for a point that carries no message's events.

    For a CUMULATIVE metric ``value`` is the window's increase and ``counter`` the series' lane
    state: the value written is the counter's total plus the increase, from its start time."""

    metric_type: str
    metric_labels: dict[str, str]
    resource_labels: dict[str, str]
    end_ns: int
    value_type: str
    value: int | float | DistributionValue
    contribution: Contribution | None
    lane: int
    counter: Counter | None = field(default=None, compare=False, repr=False)

    @property
    def series(self) -> tuple[SeriesId, int]:
        return (self.metric_type, tuple(sorted(self.metric_labels.items()))), self.lane

    @property
    def increase(self) -> int:
        """A CUMULATIVE point's increase over its series' previous point (0 for a baseline)."""
        value = self.value
        return int(value) if self.counter is not None and not isinstance(value, DistributionValue) else 0


class LaneBook:
    """Per instance: the latest end time written (or reserved) on each lane of each series, and
    the :class:`Counter` of each lane of a CUMULATIVE series. ``window_ns`` is the aggregation
    window (a lane's first cumulative point starts at its window's start)."""

    def __init__(self, min_gap_ns: int = 5 * NS, window_ns: int = 60 * NS) -> None:
        self._min_gap, self._window = min_gap_ns, window_ns
        self._last: dict[SeriesId, list[int]] = {}
        self._counters: dict[tuple[SeriesId, int], Counter] = {}
        self._now = 0

    def advance(self, now_ns: int) -> None:
        """The instance's clock: lanes whose start is 24 h older than it take no more points."""
        self._now = max(self._now, now_ns)

    def reserve(self, series: SeriesId, end_ns: int) -> int:
        """The lowest lane where a point ending at ``end_ns`` is in order and far enough from the
        previous one; that lane's latest end becomes ``end_ns``."""
        self._now = max(self._now, end_ns)
        lanes = self._last.setdefault(series, [])
        for lane, last in enumerate(lanes):
            if end_ns - last >= self._min_gap:
                lanes[lane] = end_ns
                return lane
        lanes.append(end_ns)
        return len(lanes) - 1

    def reserve_counter(self, series: SeriesId, end_ns: int, increase: int) -> tuple[int, Counter, int | None]:
        """Like :meth:`reserve`, for a CUMULATIVE series: the lane, its counter, and the end of the
        baseline to write first on that lane (None when none is needed or none fits).

        A new lane's counter starts at the window's start; a lane whose start is 24 hours older than
        the newest time this book has seen is retired and the series goes on on a fresh lane."""
        self._now = max(self._now, end_ns)
        lanes = self._last.setdefault(series, [])
        window_start = end_ns - self._window
        for lane, last in enumerate(lanes):
            counter = self._counters[(series, lane)]
            if last != _RETIRED and counter.start_ns < self._now - MAX_START_AGE_NS:
                lanes[lane] = last = _RETIRED
            if end_ns - last >= self._min_gap:
                lanes[lane] = end_ns
                fits = increase and window_start - last >= self._min_gap
                return lane, counter, window_start if fits else None
        lanes.append(end_ns)
        counter = self._counters[(series, len(lanes) - 1)] = Counter(window_start)
        return len(lanes) - 1, counter, None

    def lanes_in_use(self) -> int:
        return max((len(lanes) for lanes in self._last.values()), default=0)


def to_series_points(
    points: Sequence[AggregatedPoint], lanes: LaneBook, resource: ResourceIdentity, now_ns: int | None = None
) -> list[SeriesPoint]:
    """Map aggregates to points, oldest window first so each series' lane sees them in order; a
    CUMULATIVE point that raises its series' total may bring its baseline (see the module's
    docstring). ``now_ns``: the instance's clock, which retires lanes whose start is a day old."""
    if now_ns is not None:
        lanes.advance(now_ns)
    mapped: list[SeriesPoint] = []
    for point in sorted(points, key=lambda p: p.window_end_ns):
        metric = point.metric
        series: SeriesId = (metric.type, tuple(sorted(point.labels.items())))
        end = point.window_end_ns
        if metric.kind == "CUMULATIVE":
            assert not isinstance(point.value, DistributionValue)  # a CUMULATIVE metric is an INT64 count
            increase = int(point.value)
            lane, counter, baseline = lanes.reserve_counter(series, end, increase)
            labels = resource.labels(lane)
            if baseline is not None:
                mapped.append(SeriesPoint(metric.type, point.labels, labels, baseline, "INT64", 0, None, lane, counter))
            mapped.append(
                SeriesPoint(
                    metric.type, point.labels, labels, end, "INT64", increase, point.contribution, lane, counter
                )
            )
            continue
        lane = lanes.reserve(series, end)
        mapped.append(
            SeriesPoint(
                metric.type,
                point.labels,
                resource.labels(lane),
                end,
                metric.value_type,
                point.value,
                point.contribution,
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
