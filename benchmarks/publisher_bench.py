"""The publisher beside the libraries users compare it with, all measured in this one run.

1. Cost of one recording call in the caller's thread (wall and thread-CPU µs, median of 5
   repeats, gc on): our ``record_stage_metric`` (with the seed's additional_data, background
   thread live against the Pub/Sub emulator) vs OpenTelemetry SDK ``Histogram.record(v, attributes)``
   vs prometheus_client ``Histogram.labels(...).observe(v)``.
2. Sustained events/s into the Pub/Sub emulator, end to end (record → published), vs publishing one
   message per event with the plain client (its default batching).
3. Pub/Sub billable bytes per 1,000 events (each request billed max(1 kB, size), rounded up to kB).
4. Memory during an outage: RSS growth while 500,000 events are recorded with Pub/Sub unreachable.

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
from collections.abc import Callable
from concurrent import futures
from pathlib import Path

from contract import ClientFactory, Settings
from contract.wire import EncodedMessage
from monitoring_emulator.launch import start_pubsub_emulator
from publisher import MetricsPublisher, PublisherOptions

STAGES = ["trend_discovery", "audience_analysis", "design_generation", "publication", "ethics_screening"]
DATA = {"trends_found": 12, "confidence_avg": 0.87}
_PAGE = 4096


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE / 1e6


def _per_call(
    loop: Callable[[list[str]], None], calls: int, between: Callable[[], None] = lambda: None
) -> tuple[float, float]:
    """Median wall and thread-CPU µs per call over 5 repeats (one warm-up), gc enabled."""
    sequence = [STAGES[i % len(STAGES)] for i in range(calls)]
    loop(sequence[: calls // 10])
    between()
    walls, cpus = [], []
    for _ in range(5):
        gc.collect()
        wall, cpu = time.perf_counter(), time.thread_time()
        loop(sequence)
        cpus.append((time.thread_time() - cpu) / calls * 1e6)
        walls.append((time.perf_counter() - wall) / calls * 1e6)
        between()
    return statistics.median(walls), statistics.median(cpus)


def _billed(size: int) -> int:
    return max(1000, math.ceil(size / 1000) * 1000)


class _CountingPublisher(MetricsPublisher):
    """Instrumentation for this benchmark only: record the size of every Publish request."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.billed = 0

    def _publish(self, messages: list[EncodedMessage]) -> None:
        size = len(self.topic_path) + sum(
            len(m.data) + sum(len(k) + len(v) for k, v in m.attributes.items()) for m in messages
        )
        self.billed += _billed(size)
        super()._publish(messages)


def _setup_topic(factory: ClientFactory, settings: Settings) -> None:
    factory.publisher().create_topic(name=settings.topic_path)
    factory.subscriber().create_subscription(
        name=f"projects/{settings.project_id}/subscriptions/{settings.topic}-sub", topic=settings.topic_path
    )


def per_call_costs(address: str, calls: int, work: Path) -> dict[str, tuple[float, float]]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, PeriodicExportingMetricReader
    from prometheus_client import CollectorRegistry, Histogram

    class DropExporter(MetricExporter):
        def export(self, metrics_data: object, timeout_millis: float = 10_000, **kwargs: object) -> MetricExportResult:
            return MetricExportResult.SUCCESS

        def force_flush(self, timeout_millis: float = 10_000) -> bool:
            return True

        def shutdown(self, timeout_millis: float = 30_000, **kwargs: object) -> None:
            return None

    results: dict[str, tuple[float, float]] = {}
    settings = Settings(project_id="bench", pubsub_emulator_host=address, topic="percall")
    factory = ClientFactory(settings)
    _setup_topic(factory, settings)
    ours = MetricsPublisher(settings=settings, spool_dir=work / "spool-percall")

    def record_ours(sequence: list[str]) -> None:
        record = ours.record_stage_metric
        for stage in sequence:
            record(stage, 45.2, True, 0, DATA)

    def record_ours_plain(sequence: list[str]) -> None:
        record = ours.record_stage_metric
        for stage in sequence:
            record(stage, 45.2, True, 0)

    results["ours: record_stage_metric(stage, 45.2, True, 0, additional_data)"] = _per_call(
        record_ours, calls, lambda: ours.flush(60)
    )
    results["ours: record_stage_metric(stage, 45.2, True, 0)"] = _per_call(
        record_ours_plain, calls, lambda: ours.flush(60)
    )
    ours.close(10)

    reader = PeriodicExportingMetricReader(DropExporter(), export_interval_millis=10_000)
    provider = MeterProvider(metric_readers=[reader])
    histogram = provider.get_meter("bench").create_histogram("stage_duration", unit="s")

    def record_otel(sequence: list[str]) -> None:
        record = histogram.record
        for stage in sequence:
            record(45.2, attributes={"stage": stage, "status": "success"})

    results["OpenTelemetry SDK Histogram.record(v, attributes)"] = _per_call(record_otel, calls)
    provider.shutdown()

    prom = Histogram("stage_duration_seconds", "d", ["stage", "status"], registry=CollectorRegistry())

    def record_prom(sequence: list[str]) -> None:
        labels = prom.labels
        for stage in sequence:
            labels(stage=stage, status="success").observe(45.2)

    results["prometheus_client Histogram.labels(...).observe(v)"] = _per_call(record_prom, calls)
    return results


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

    def counting(*args: object, **kwargs: object) -> object:
        messages = kwargs.get("messages") or []
        size = len(plain_settings.topic_path) + sum(len(m.data) for m in messages)  # type: ignore[attr-defined]
        with lock:
            billed[0] += _billed(size)
        return original(*args, **kwargs)

    client._gapic_publish = counting  # type: ignore[method-assign]
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


def outage_memory(events: int, work: Path) -> tuple[float, int, int]:
    """RSS growth (MB) while recording ``events`` with Pub/Sub unreachable, events on disk, limit."""
    options = PublisherOptions(memory_limit_bytes=1_000_000, publish_deadline_s=0.5, publish_timeout_s=0.5)
    settings = Settings(project_id="bench", pubsub_emulator_host="127.0.0.1:9", topic="outage")
    metrics = MetricsPublisher(settings=settings, spool_dir=work / "spool-outage", options=options)
    gc.collect()
    before, peak = _rss_mb(), 0.0
    for i in range(events):
        metrics.record_stage_metric(STAGES[i % 5], float(i % 300), True, 0, DATA)
        if i % 10_000 == 0:
            peak = max(peak, _rss_mb())
            time.sleep(0.001)  # a pipeline records at its own pace; let the thread spill
    metrics.flush(60)
    peak = max(peak, _rss_mb())
    spooled = metrics.stats.spooled
    metrics.close(5)
    return peak - before, spooled, options.memory_limit_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50_000, help="calls per repeat for the per-call costs")
    parser.add_argument("--events", type=int, default=300_000, help="events for the sustained run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-publisher-"))
    emulator = start_pubsub_emulator(log_dir=work)
    try:
        costs = per_call_costs(emulator.address, args.calls, work)
        ours_rate, plain_rate, ours_bytes, plain_bytes = sustained(emulator.address, args.events, work)
    finally:
        emulator.stop()
    growth, spooled, limit = outage_memory(500_000, work)

    prom = costs["prometheus_client Histogram.labels(...).observe(v)"][0]
    otel = costs["OpenTelemetry SDK Histogram.record(v, attributes)"][0]
    print(f"1. cost per call in the caller's thread (median of 5 x {args.calls} calls, gc on)")
    print(f"   {'call':64} {'wall µs':>8} {'CPU µs':>8} {'vs prom':>8} {'vs OTel':>8}")
    for label, (wall, cpu) in costs.items():
        print(f"   {label:64} {wall:8.2f} {cpu:8.2f} {wall / prom:7.2f}x {wall / otel:7.2f}x")
    print("   target: ours <= prometheus_client (1.00x) and <= 1/3 of OpenTelemetry (0.33x)")
    print(f"2. sustained end to end into the Pub/Sub emulator ({args.events} events)")
    print(
        f"   ours {ours_rate:10,.0f} events/s   plain client, one message per event {plain_rate:10,.0f} events/s"
        f"   ratio {ours_rate / plain_rate:.1f}x   (targets: >= 100,000/s and >= 5x)"
    )
    print("3. Pub/Sub billable bytes per 1,000 events")
    print(f"   ours {ours_bytes:10,.0f} B   plain {plain_bytes:10,.0f} B   ratio {plain_bytes / ours_bytes:.0f}x fewer")
    print("4. memory during an outage (500,000 events recorded, Pub/Sub unreachable)")
    print(f"   RSS growth {growth:.1f} MB with memory_limit_bytes={limit:,}; {spooled:,} events safe in the spool")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
