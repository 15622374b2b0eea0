"""The publisher beside the libraries users compare it with, all measured in this one run.

1. ``record_stage_us`` / ``record_pipeline_us``: single calls timed alone in the caller's thread
   (median and p99, 5 repeats pooled, gc on, background thread live against the Pub/Sub
   emulator) vs prometheus_client and the OpenTelemetry SDK recording the same information, with
   ``list.append`` of a tuple as the floor.
2. ``publish_events_per_s``: sustained record → published into the Pub/Sub emulator vs one
   message per event with the plain client (its default batching); billable bytes per event.
3. ``publisher_outage_rss_mb``: RSS growth while ten minutes at 10,000 events/s (6,000,000 events,
   recorded as fast as one thread can) meet an unreachable Pub/Sub, vs the same run into a
   healthy one; every event must be in memory or the spool.

    python -m benchmarks.publisher_bench [--calls 50000] [--events 300000]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from pathlib import Path
from typing import Any

from benchmarks.results import Row, table
from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.wire import EncodedMessage
from helios_metrics.monitoring_emulator.launch import start_pubsub_emulator
from helios_metrics.publisher import MetricsPublisher, PublisherOptions
from helios_metrics.publisher._transport import PubSubTransport

STAGES = ["trend_discovery", "audience_analysis", "design_generation", "publication", "ethics_screening"]
DATA = {"trends_found": 12, "confidence_avg": 0.87}
_PAGE = 4096


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE / 1e6


def _billed(size: int) -> int:
    return max(1000, math.ceil(size / 1000) * 1000)


class _CountingTransport(PubSubTransport):
    """Instrumentation for this benchmark only: the billable size of every Publish request."""

    billed = 0

    def publish(self, messages: Sequence[EncodedMessage], deadline: float) -> None:
        size = len(self.topic_path) + sum(
            len(m.data) + sum(len(k) + len(v) for k, v in m.attributes.items()) for m in messages
        )
        self.billed += _billed(size)
        super().publish(messages, deadline)


class _CountingPublisher(MetricsPublisher):
    """A publisher whose transport counts what it sends."""

    def _new_transport(self) -> PubSubTransport:
        return _CountingTransport(self._factory, self.topic_path, self.options.publish_timeout_s)

    @property
    def billed(self) -> int:
        assert isinstance(self._transport, _CountingTransport)
        return self._transport.billed


def _setup_topic(factory: ClientFactory, settings: Settings) -> None:
    factory.publisher().create_topic(name=settings.topic_path)
    factory.subscriber().create_subscription(
        name=f"projects/{settings.project_id}/subscriptions/{settings.topic}-sub", topic=settings.topic_path
    )


def sustained(address: str, events: int, work: Path) -> tuple[float, float, float, float]:
    """(ours events/s, plain events/s, ours billed bytes/1000 events, plain billed bytes/1000 events)."""
    settings = Settings(project_id="bench", pubsub_emulator_host=address, topic="sustained")
    factory = ClientFactory(settings)
    _setup_topic(factory, settings)
    ours = _CountingPublisher(settings=settings, spool_dir=work / "spool-sustained")
    start = time.perf_counter()
    for i in range(events):
        ours.record_stage_metric(STAGES[i % 5], float(i % 300), True, 0, DATA)
    result = ours.flush(300)
    ours_rate = events / (time.perf_counter() - start)
    if result.failed or ours.stats.published != events:
        raise RuntimeError(f"the sustained run lost events: {result}, {ours.stats}")
    ours_billed = ours.billed / events * 1000
    ours.close(10)

    plain_settings = Settings(project_id="bench", pubsub_emulator_host=address, topic="plain")
    plain_factory = ClientFactory(plain_settings)
    _setup_topic(plain_factory, plain_settings)
    client = plain_factory.publisher()
    billed = [0]
    lock = threading.Lock()
    original = client._gapic_publish  # instrumentation: the size of each Publish request the client sends

    def counting(*args: Any, **kwargs: Any) -> Any:
        messages: list[Any] = list(kwargs.get("messages") or [])
        size = len(plain_settings.topic_path) + sum(len(m.data) for m in messages)
        with lock:
            billed[0] += _billed(size)
        return original(*args, **kwargs)

    setattr(client, "_gapic_publish", counting)  # noqa: B010 (instrumenting a private method on purpose)
    plain_events = max(events // 10, 10_000)
    start = time.perf_counter()
    pending = []
    for i in range(plain_events):
        event = {
            "kind": "stage",
            "t": time.time_ns(),
            "stage": STAGES[i % 5],
            "duration": float(i % 300),
            "success": True,
            "error_count": 0,
            "additional_data": DATA,
        }
        pending.append(client.publish(plain_settings.topic_path, json.dumps(event).encode()))
    futures.wait(pending)
    plain_rate = plain_events / (time.perf_counter() - start)
    return ours_rate, plain_rate, ours_billed, billed[0] / plain_events * 1000


def outage_memory(events: int, work: Path, address: str | None = None) -> tuple[float, int, int]:
    """RSS growth (MB) while recording ``events`` as fast as one thread can, and the events kept
    (in memory or the spool) and lost. Without ``address`` Pub/Sub is unreachable (port 9); with
    it, the same run into a healthy emulator: the publisher's own footprint, the anchor."""
    options = PublisherOptions(memory_limit_bytes=1_000_000, publish_deadline_s=0.5, publish_timeout_s=0.5)
    topic = "healthy" if address else "outage"
    settings = Settings(project_id="bench", pubsub_emulator_host=address or "127.0.0.1:9", topic=topic)
    if address:
        _setup_topic(ClientFactory(settings), settings)
    metrics = MetricsPublisher(settings=settings, spool_dir=work / f"spool-{topic}", options=options)
    gc.collect()
    before, peak = _rss_mb(), 0.0
    for i in range(events):
        metrics.record_stage_metric(STAGES[i % 5], float(i % 300), True, 0, DATA)
        if i % 10_000 == 0:
            peak = max(peak, _rss_mb())
    peak = max(peak, _rss_mb())
    metrics.flush(60)  # settle: a message being spilled is in neither count for a moment
    stats = metrics.stats
    kept = stats.published + stats.spooled + stats.pending
    metrics.close(5)
    return peak - before, kept, stats.dropped


_Loop = Callable[[list[str], list[int]], None]


def _distribution(loop: _Loop, calls: int, between: Callable[[], object] = lambda: None) -> tuple[float, float]:
    """Median and p99 µs of single calls (each timed alone, 5 repeats pooled, gc on), less the
    timer's own cost measured the same way."""
    sequence = [STAGES[i % len(STAGES)] for i in range(calls)]
    loop(sequence[: calls // 10], [])
    between()
    samples: list[int] = []
    for _ in range(5):
        gc.collect()
        loop(sequence, samples)
        between()
    empty: list[int] = []
    _empty_loop(sequence, empty)
    overhead = statistics.median(empty)
    samples.sort()
    return (statistics.median(samples) - overhead) / 1000, (samples[int(0.99 * len(samples))] - overhead) / 1000


def _empty_loop(sequence: list[str], out: list[int]) -> None:
    clock = time.perf_counter_ns
    for _stage in sequence:
        began = clock()
        out.append(clock() - began)


def timed_costs(address: str, calls: int, work: Path) -> dict[str, tuple[float, float]]:
    """(median, p99) µs per call of the stage and pipeline records, ours and the anchors', and the
    floor: ``list.append`` of a tuple."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from prometheus_client import CollectorRegistry, Counter, Histogram

    settings = Settings(project_id="bench", pubsub_emulator_host=address, topic="timed")
    _setup_topic(ClientFactory(settings), settings)
    ours = MetricsPublisher(settings=settings, spool_dir=work / "spool-timed")
    clock = time.perf_counter_ns
    out: dict[str, tuple[float, float]] = {}

    def stage_ours(sequence: list[str], samples: list[int]) -> None:
        record = ours.record_stage_metric
        for stage in sequence:
            began = clock()
            record(stage, 45.2, True, 0, DATA)
            samples.append(clock() - began)

    def pipeline_ours(sequence: list[str], samples: list[int]) -> None:
        record = ours.record_pipeline_metric
        for _stage in sequence:
            began = clock()
            record(120.5, 0.85, 0.92, 0.88, 0.95, True)
            samples.append(clock() - began)

    out["ours stage"] = _distribution(stage_ours, calls, lambda: ours.flush(60))
    out["ours pipeline"] = _distribution(pipeline_ours, calls, lambda: ours.flush(60))
    ours.close(10)

    provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    meter = provider.get_meter("bench")
    duration = meter.create_histogram("stage_duration", unit="s")
    scores = [meter.create_histogram(f"score_{i}") for i in range(4)]
    runs = meter.create_counter("pipeline_runs")

    def stage_otel(sequence: list[str], samples: list[int]) -> None:
        record = duration.record
        for stage in sequence:
            began = clock()
            record(45.2, attributes={"stage": stage, "status": "success"})
            samples.append(clock() - began)

    def pipeline_otel(sequence: list[str], samples: list[int]) -> None:
        """The same information: execution time, four scores, one run counted."""
        attributes = {"status": "success"}
        for _stage in sequence:
            began = clock()
            duration.record(120.5, attributes=attributes)
            for histogram, value in zip(scores, (0.85, 0.92, 0.88, 0.95), strict=True):
                histogram.record(value)
            runs.add(1, attributes=attributes)
            samples.append(clock() - began)

    out["otel stage"] = _distribution(stage_otel, calls)
    out["otel pipeline"] = _distribution(pipeline_otel, calls)
    provider.shutdown()

    registry = CollectorRegistry()
    prom = Histogram("stage_duration_seconds", "d", ["stage", "status"], registry=registry)
    prom_exec = Histogram("pipeline_execution_seconds", "d", ["status"], registry=registry)
    prom_scores = [Histogram(f"score_{i}", "s", registry=registry) for i in range(4)]
    prom_runs = Counter("pipeline_runs", "r", ["status"], registry=registry)

    def stage_prom(sequence: list[str], samples: list[int]) -> None:
        labels = prom.labels
        for stage in sequence:
            began = clock()
            labels(stage=stage, status="success").observe(45.2)
            samples.append(clock() - began)

    def pipeline_prom(sequence: list[str], samples: list[int]) -> None:
        for _stage in sequence:
            began = clock()
            prom_exec.labels(status="success").observe(120.5)
            for histogram, value in zip(prom_scores, (0.85, 0.92, 0.88, 0.95), strict=True):
                histogram.observe(value)
            prom_runs.labels(status="success").inc()
            samples.append(clock() - began)

    out["prom stage"] = _distribution(stage_prom, calls)
    out["prom pipeline"] = _distribution(pipeline_prom, calls)

    floor: list[tuple[object, ...]] = []

    def append(sequence: list[str], samples: list[int]) -> None:
        add = floor.append
        for stage in sequence:
            began = clock()
            add(("s", stage, 45.2, True, 0, DATA))
            samples.append(clock() - began)
        floor.clear()

    out["floor"] = _distribution(append, calls)
    return out


OUTAGE_EVENTS = 6_000_000
"""Ten minutes at 10,000 events/s, recorded as fast as one thread can (time-compressed)."""
OUTAGE_SLACK_MB = 16.0


def rows(calls: int, events: int, outage_events: int = OUTAGE_EVENTS) -> tuple[list[Row], dict[str, float]]:
    """The publisher's rows, and the figures the cost model needs."""
    work = Path(tempfile.mkdtemp(prefix="bench-publisher-"))
    emulator = start_pubsub_emulator(log_dir=work)
    try:
        costs = timed_costs(emulator.address, calls, work)
        ours_rate, plain_rate, ours_bytes, plain_bytes = sustained(emulator.address, events, work)
        healthy, _, _ = outage_memory(outage_events, work, emulator.address)
    finally:
        emulator.stop()
    growth, kept, dropped = outage_memory(outage_events, work)
    floor = costs["floor"]
    out = []
    for kind in ("stage", "pipeline"):
        ours, prom, otel = costs[f"ours {kind}"], costs[f"prom {kind}"], costs[f"otel {kind}"]
        out.append(
            Row(
                f"record_{kind}_us",
                ours[0],
                prom[0],
                "prometheus_client labels().observe()" + (" x6" if kind == "pipeline" else ""),
                "µs/call (median)",
                "<= 0.33x prometheus_client and <= 0.12x OpenTelemetry",
                ours[0] <= 0.33 * prom[0] and ours[0] <= 0.12 * otel[0],
                f"vs OpenTelemetry {otel[0]:.2f} µs: {ours[0] / otel[0]:.2f}x; p99 ours {ours[1]:.2f}, "
                f"prom {prom[1]:.2f}, OTel {otel[1]:.2f}; floor list.append {floor[0]:.3f} µs",
            )
        )
    out.append(
        Row(
            "publish_events_per_s",
            ours_rate,
            plain_rate,
            "plain client, one message per event",
            "events/s",
            ">= 30x",
            ours_rate >= 30 * plain_rate,
            f"Pub/Sub billable bytes per 1,000 events: ours {ours_bytes:,.0f}, plain {plain_bytes:,.0f}",
        )
    )
    limit_mb = 1.0
    out.append(
        Row(
            "publisher_outage_rss_mb",
            growth,
            healthy,
            "the same run into a healthy Pub/Sub",
            "MB RSS growth",
            f"<= anchor + memory_limit ({limit_mb:.0f} MB) + {OUTAGE_SLACK_MB:.0f} MB, nothing lost",
            growth <= healthy + limit_mb + OUTAGE_SLACK_MB and kept == outage_events and dropped == 0,
            f"{outage_events:,} events recorded with Pub/Sub unreachable: {kept:,} kept (memory + spool), "
            f"{dropped} lost",
        )
    )
    figures = {"ours_bytes_per_event": ours_bytes / 1000, "plain_bytes_per_event": plain_bytes / 1000}
    return out, figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50_000, help="calls per repeat for the per-call costs")
    parser.add_argument("--events", type=int, default=300_000, help="events for the sustained run")
    parser.add_argument("--outage-events", type=int, default=OUTAGE_EVENTS)
    args = parser.parse_args()
    print(table(rows(args.calls, args.events, args.outage_events)[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
