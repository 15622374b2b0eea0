"""The monthly bill of three designs under the same load, from list prices and measured inputs —
and of the ways to make the collector's data fresher (:func:`freshness_bills`).

Pure: it takes the load (runs per 12-minute slot, the demo's shape) and the figures the other
benchmarks measured (seconds per invocation, Pub/Sub bytes per event) and returns dollars. The
points each design writes are counted, not guessed: the load's events go through the collector's
own ``WindowAggregator`` and its mapping to points (``to_series_points``, which adds the baselines
of the CUMULATIVE ``pipeline_run_count``), one day at a time.

Prices (list, USD, Tier 1 region, read 2026-12-01; free allotments are per billing account and
shared, so none is subtracted — these are marginal costs):

- Cloud Monitoring ingestion $0.2580/MiB to 100,000 MiB, $0.1510 to 250,000, $0.0610 above; a
  BOOL/INT64/DOUBLE point is billed as 8 bytes, a DISTRIBUTION point as 80 bytes
  (cloud.google.com/stackdriver/pricing).
- Pub/Sub throughput $40/TiB; every publish, push or pull request is billed at least 1,000 bytes
  (cloud.google.com/pubsub/pricing).
- Cloud Run functions (request-based billing): $0.40 per million requests, $0.000024 per
  vCPU-second, $0.0000025 per GiB-second, billed per 100 ms (cloud.google.com/run/pricing).

For the always-on alternatives only (list prices as published for 2026, not re-read for this
table; they decide nothing, see docs/performance.md): Cloud Run instance-based billing $0.000018
per vCPU-second and $0.000002 per GiB-second; a Compute Engine e2-micro $0.0084 an hour with a
10 GB standard disk at $0.04 per GB-month; Cloud Scheduler $0.10 per job-month beyond three;
Cloud Tasks $0.40 per million operations beyond the first million.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from helios_metrics.contract.units import NS
from helios_metrics.contract.wire import Event, MetricEvent, PipelineEvent, StageEvent, decode_message, encode_message
from helios_metrics.functions import AggregationLimits, WindowAggregator
from helios_metrics.functions.passes import SCHEDULE_PERIOD_S, pass_instants
from helios_metrics.functions.timeseries import LaneBook, ResourceIdentity, to_series_points

__all__ = [
    "CHOSEN",
    "FRESHNESS_DESIGNS",
    "Bill",
    "Design",
    "Load",
    "Measured",
    "bills",
    "count_points",
    "freshness_bills",
]

DAY_S = 24 * 3600
MONTH_DAYS = 30
MINUTES_PER_MONTH = MONTH_DAYS * 24 * 60
BYTES = {"BOOL": 8, "INT64": 8, "DOUBLE": 8, "DISTRIBUTION": 80}
MONITORING_TIERS = ((100_000, 0.2580), (250_000, 0.1510), (math.inf, 0.0610))  # (up to MiB, $/MiB)
PUBSUB_PER_BYTE = 40 / 2**40
PUBSUB_MIN_REQUEST = 1000
REQUEST = 0.40 / 1e6
VCPU_SECOND = 0.000024
GIB_SECOND = 0.0000025
SECONDS_PER_MONTH = MINUTES_PER_MONTH * 60
INSTANCE_VCPU_SECOND = 0.000018
INSTANCE_GIB_SECOND = 0.000002
E2_MICRO_MONTH = 0.0084 * 24 * MONTH_DAYS + 10 * 0.04
SCHEDULER_JOB_MONTH = 0.10
CLOUD_TASKS_OPERATION = 0.40 / 1e6
STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")
_EPOCH_S = 1_796_083_200  # 2026-12-01T00:00:00Z: a fixed day keeps the count reproducible
_DATA = {"trend_discovery": {"trends_found": 3.0}}


@dataclass(frozen=True)
class Load:
    runs_per_slot: int
    """Pipeline runs every 12 minutes (the demo's day: 1)."""
    function_memory_gib: float = 0.5
    function_vcpu: float = 1 / 3
    """What --memory=512Mi gives a Cloud Run function."""


@dataclass(frozen=True)
class Measured:
    idle_invocation_s: float
    """A warm collect_metrics on an empty subscription (its last pull waits to be sure)."""
    collector_events_per_s: float
    """End-to-end drain rate of one instance."""
    ours_pubsub_bytes_per_event: float
    plain_pubsub_bytes_per_event: float
    point_write_s: float
    """One CreateTimeSeries round trip: what a function that writes one point per event spends."""


@dataclass(frozen=True)
class Bill:
    monitoring: float
    pubsub: float
    functions: float
    points_per_month: int

    @property
    def total(self) -> float:
        return self.monitoring + self.pubsub + self.functions


def _events(day: int, load: Load, rng: random.Random) -> Iterator[Event]:
    """One day of the demo's runs: each run's stages, its pipeline event, and the publisher's
    resource samples every 5 minutes."""
    base = (_EPOCH_S + day * DAY_S) * NS
    slot = 12 * 60
    for index in range(DAY_S // slot):
        for run in range(load.runs_per_slot):
            t = base + (index * slot + run * slot // load.runs_per_slot) * NS
            elapsed = 0.0
            for stage in STAGES:
                duration = rng.uniform(10, 90)
                elapsed += duration
                yield StageEvent(t + int(elapsed * NS), stage, duration, True, 0, _DATA.get(stage, {"items": 7.0}))
            yield PipelineEvent(t + int(elapsed * NS), elapsed, 0.8, 0.86, 0.9, 0.93, success=True)
            for minute in range(0, 12, 5):
                stamp = t + minute * 60 * NS
                yield MetricEvent(stamp, "resource_utilization", 0.45, {"resource": "cpu"})
                yield MetricEvent(stamp, "resource_utilization", 0.55, {"resource": "memory"})


@dataclass(frozen=True)
class _Counts:
    events: int
    point_bytes: int
    points: int
    busy_minutes: int
    series: int
    series_bytes: int
    """Bytes of one point of every distinct series (what an exporter rewrites every interval)."""
    event_values: int
    """Metric values the events carry (one point each in the point-per-event design)."""
    run_count_points: int
    """Points of the CUMULATIVE ``pipeline_run_count``: a window's total per status, and a baseline
    before each increase whose series' previous point is older than the window."""
    pushed_points: int
    pushed_bytes: int
    """What a push subscription's function writes: each message on arrival, nothing aggregated."""


@functools.cache
def count_points(load: Load, window_s: int = 60) -> _Counts:
    """One day of the load through the collector's aggregator with ``window_s`` windows: points,
    bytes, busy windows."""
    rng = random.Random(7)
    events = list(_events(0, load, rng))
    events.sort(key=lambda e: e.t)
    now = (_EPOCH_S + DAY_S + 60) * NS
    limits = AggregationLimits(window_ns=window_s * NS, max_past_ns=(DAY_S + 600) * NS)
    aggregator = WindowAggregator(limits, now)
    for start in range(0, len(events), 2000):
        message = encode_message("cost", start, events[start : start + 2000])
        aggregator.add_message(decode_message(message.data, message.attributes).events)
    points = aggregator.points()
    written = to_series_points(points, LaneBook(window_ns=window_s * NS), ResourceIdentity("cost"), now)
    series: dict[tuple, int] = {}
    for point in points:
        series[(point.metric.name, tuple(sorted(point.labels.items())))] = BYTES[point.metric.value_type]
    busy = len({point.window_end_ns for point in points})
    values = sum(
        3 + len(e.data or ()) if isinstance(e, StageEvent) else 6 if isinstance(e, PipelineEvent) else 1 for e in events
    )
    pushed = [_pushed_bytes(e) for e in events]
    return _Counts(
        events=len(events),
        point_bytes=sum(BYTES[p.value_type] for p in written),
        points=len(written),
        busy_minutes=busy,
        series=len(series),
        series_bytes=sum(series.values()),
        event_values=values,
        run_count_points=sum(1 for p in written if p.counter is not None),
        pushed_points=sum(n for n, _ in pushed),
        pushed_bytes=sum(b for _, b in pushed),
    )


def _pushed_bytes(event: Event) -> tuple[int, int]:
    """(points, bytes) an event costs when each message is written on arrival, alone: its own
    distributions and counts, the zero of the other status, and the running total with its baseline."""
    if isinstance(event, StageEvent):  # duration, runs + its zero, errors, each data value
        return 4 + len(event.data or ()), BYTES["DISTRIBUTION"] + 8 * (3 + len(event.data or ()))
    if isinstance(event, PipelineEvent):  # 5 distributions, runs + zero, run count + zero + baseline
        return 10, 5 * BYTES["DISTRIBUTION"] + 5 * 8
    return 1, 8


def _monitoring(bytes_per_month: float) -> float:
    mib, cost, floor = bytes_per_month / 2**20, 0.0, 0.0
    for ceiling, price in MONITORING_TIERS:
        cost += max(0.0, min(mib, ceiling) - floor) * price
        floor = ceiling
    return cost


def _function(invocations: float, seconds: float, load: Load) -> float:
    billed = math.ceil(seconds * 10) / 10  # per 100 ms
    return invocations * (REQUEST + billed * (load.function_vcpu * VCPU_SECOND + load.function_memory_gib * GIB_SECOND))


def bills(load: Load, measured: Measured) -> dict[str, Bill]:
    """ours, otel_exporter (a) and point_per_event (b), per month."""
    day = count_points(load)
    events = day.events * MONTH_DAYS
    # ours: the aggregated points, plus the collector's own collector_events and collector_lag in
    # every minute that had data; one invocation a minute; Pub/Sub publish + pull of the batches and
    # the empty pulls of idle minutes.
    own = day.busy_minutes * (BYTES["INT64"] + BYTES["DISTRIBUTION"])
    ours_points = (day.points + 2 * day.busy_minutes) * MONTH_DAYS
    per_event_s = 1 / measured.collector_events_per_s
    events_per_minute = events / MINUTES_PER_MONTH
    ours = Bill(
        monitoring=_monitoring((day.point_bytes + own) * MONTH_DAYS),
        pubsub=PUBSUB_PER_BYTE
        * (2 * events * measured.ours_pubsub_bytes_per_event + MINUTES_PER_MONTH * PUBSUB_MIN_REQUEST),
        functions=_function(MINUTES_PER_MONTH, measured.idle_invocation_s + events_per_minute * per_event_s, load),
        points_per_month=ours_points,
    )
    # (a) OpenTelemetry's Cloud Monitoring exporter in every pipeline process (one per concurrent
    # run slot), each rewriting every series it has touched every 60 s, its own instance label
    # keeping processes apart. No Pub/Sub, no function.
    processes = load.runs_per_slot
    otel = Bill(
        monitoring=_monitoring(processes * day.series_bytes * MINUTES_PER_MONTH),
        pubsub=0.0,
        functions=0.0,
        points_per_month=processes * day.series * MINUTES_PER_MONTH,
    )
    # (b) the original: one Pub/Sub message per event, pushed to a function that writes each of the
    # event's values as one scalar point.
    values = day.event_values * MONTH_DAYS
    plain = Bill(
        monitoring=_monitoring(values * BYTES["DOUBLE"]),
        pubsub=PUBSUB_PER_BYTE * 2 * events * max(PUBSUB_MIN_REQUEST, measured.plain_pubsub_bytes_per_event),
        functions=_function(events, max(0.1, measured.point_write_s), load),
        points_per_month=values,
    )
    return {"ours": ours, "otel_exporter": otel, "point_per_event": plain}


@dataclass(frozen=True)
class Design:
    """One way to run the collector, for :func:`freshness_bills`."""

    key: str
    label: str
    window_s: int
    kind: str
    """``passes`` (the minute's invocation passes at each window end), ``second_schedule`` (one
    more Scheduler job whose call waits half a minute), ``cloud_tasks`` (the minute's call enqueues
    a task that calls it again at :30), ``always_on`` (a Cloud Run instance kept running the loop),
    ``vm`` (an e2-micro running it) or ``push`` (a push subscription)."""

    @property
    def offsets(self) -> list[float]:
        """Seconds into the minute at which a pass starts."""
        if self.kind in ("second_schedule", "cloud_tasks"):
            return [0.0, SCHEDULE_PERIOD_S / 2]
        if self.kind in ("always_on", "vm"):
            return [float(k * self.window_s) for k in range(int(SCHEDULE_PERIOD_S // self.window_s))]
        return [at - SCHEDULE_PERIOD_S for at in pass_instants(SCHEDULE_PERIOD_S, self.window_s)]


FRESHNESS_DESIGNS = (
    Design("60s_schedule", "today: one pass a minute, 60 s windows", 60, "passes"),
    Design("passes_30s", "2 passes a minute, 30 s windows (chosen)", 30, "passes"),
    Design("passes_20s", "3 passes a minute, 20 s windows", 20, "passes"),
    Design("passes_15s", "4 passes a minute, 15 s windows", 15, "passes"),
    Design("second_schedule_30s", "a second Scheduler job, its call waiting 30 s; 30 s windows", 30, "second_schedule"),
    Design("cloud_tasks_30s", "the :00 call enqueues a Cloud Task for :30; 30 s windows", 30, "cloud_tasks"),
    Design("always_on_30s", "a Cloud Run instance always on, a pass every 30 s", 30, "always_on"),
    Design("vm_30s", "an e2-micro VM, a pass every 30 s", 30, "vm"),
    Design("push", "push subscription: each message written on arrival", 60, "push"),
)
CHOSEN = "passes_30s"


def freshness_bills(load: Load, measured: Measured) -> dict[str, Bill]:
    """The monthly bill of each of :data:`FRESHNESS_DESIGNS` under ``load``. A pass costs what an
    idle invocation measured (its last pull waits to be sure) plus the events' share of the drain
    rate; a scheduled invocation is billed from its first pass to the end of its last."""
    out = {}
    for design in FRESHNESS_DESIGNS:
        day = count_points(load, design.window_s)
        events = day.events * MONTH_DAYS
        passes = len(design.offsets) * MINUTES_PER_MONTH
        work_per_minute = events / MINUTES_PER_MONTH / measured.collector_events_per_s
        if design.kind == "push":
            out[design.key] = Bill(
                monitoring=_monitoring(day.pushed_bytes * MONTH_DAYS),
                pubsub=PUBSUB_PER_BYTE * 2 * events * max(PUBSUB_MIN_REQUEST, measured.ours_pubsub_bytes_per_event),
                functions=_function(events, max(0.1, measured.point_write_s), load),
                points_per_month=day.pushed_points * MONTH_DAYS,
            )
            continue
        # own metrics: collector_events and collector_lag in every window with data, a heartbeat a pass
        own = day.busy_minutes * (BYTES["INT64"] + BYTES["DISTRIBUTION"]) * MONTH_DAYS + passes * BYTES["INT64"]
        points = (day.points + 2 * day.busy_minutes) * MONTH_DAYS + passes
        pubsub = PUBSUB_PER_BYTE * (
            2 * events * measured.ours_pubsub_bytes_per_event + passes * PUBSUB_MIN_REQUEST  # each pass's empty pull
        )
        busy_s = measured.idle_invocation_s + work_per_minute
        if design.kind == "passes":
            functions = _function(MINUTES_PER_MONTH, design.offsets[-1] + busy_s, load)
        elif design.kind == "second_schedule":
            waiting = _function(MINUTES_PER_MONTH, design.offsets[-1] + measured.idle_invocation_s, load)
            functions = _function(MINUTES_PER_MONTH, busy_s, load) + waiting + SCHEDULER_JOB_MONTH
        elif design.kind == "cloud_tasks":  # two short calls a minute, one task created a minute (free tier aside)
            tasks = MINUTES_PER_MONTH * CLOUD_TASKS_OPERATION
            functions = _function(2 * MINUTES_PER_MONTH, measured.idle_invocation_s + work_per_minute / 2, load) + tasks
        elif design.kind == "always_on":
            per_second = load.function_vcpu * INSTANCE_VCPU_SECOND + load.function_memory_gib * INSTANCE_GIB_SECOND
            functions = SECONDS_PER_MONTH * per_second
        else:
            functions = E2_MICRO_MONTH
        out[design.key] = Bill(
            monitoring=_monitoring(day.point_bytes * MONTH_DAYS + own),
            pubsub=pubsub,
            functions=functions,
            points_per_month=points,
        )
    return out
