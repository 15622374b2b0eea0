"""The monthly bill of three designs under the same load, from list prices and measured inputs.

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
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from contract.units import NS
from contract.wire import Event, MetricEvent, PipelineEvent, StageEvent, decode_message, encode_message
from functions import AggregationLimits, WindowAggregator
from functions.timeseries import LaneBook, ResourceIdentity, to_series_points

__all__ = ["Bill", "Load", "Measured", "bills", "count_points"]

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


def count_points(load: Load) -> _Counts:
    """One day of the load through the collector's aggregator: points, bytes, busy windows."""
    rng = random.Random(7)
    events = list(_events(0, load, rng))
    events.sort(key=lambda e: e.t)
    now = (_EPOCH_S + DAY_S + 60) * NS
    aggregator = WindowAggregator(AggregationLimits(max_past_ns=(DAY_S + 600) * NS), now)
    for start in range(0, len(events), 2000):
        message = encode_message("cost", start, events[start : start + 2000])
        aggregator.add_message(decode_message(message.data, message.attributes).events)
    points = aggregator.points()
    written = to_series_points(points, LaneBook(), ResourceIdentity("cost"), now)
    series: dict[tuple, int] = {}
    for point in points:
        series[(point.metric.name, tuple(sorted(point.labels.items())))] = BYTES[point.metric.value_type]
    busy = len({point.window_end_ns for point in points})
    values = sum(
        3 + len(e.data or ()) if isinstance(e, StageEvent) else 6 if isinstance(e, PipelineEvent) else 1 for e in events
    )
    return _Counts(
        events=len(events),
        point_bytes=sum(BYTES[p.value_type] for p in written),
        points=len(written),
        busy_minutes=busy,
        series=len(series),
        series_bytes=sum(series.values()),
        event_values=values,
        run_count_points=sum(1 for p in written if p.counter is not None),
    )


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
