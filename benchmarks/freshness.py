"""How stale the dashboard is: from a ``record_*`` call to its point being readable with
ListTimeSeries, under the production schedule (the collector every 60 s, at the minute, as
Cloud Scheduler's ``* * * * *`` fires it).

A minute-long schedule cannot be sampled often enough in a benchmark, so the parts that do not
depend on it are measured for real and the schedule is applied to them:

- ``publish``: record → Pub/Sub acknowledged the message (the publisher's batching, measured);
- ``write``: a collector run starting → its point answered by ListTimeSeries (pull, aggregate,
  CreateTimeSeries, the final pull that waits to be sure the subscription is drained, measured
  against both emulators with the production ``pull_wait_s``).

An event recorded at ``r`` lands in the window ending at the next minute ``E``; the run at ``E``
writes it if it was published by then (else the next run does), and a query ending now sees it
once it is written and ``E`` has passed. p95 over 200,000 draws of uniform ``r`` and measured
``publish``/``write`` samples. The anchor is OpenTelemetry's exporter writing directly every 60 s
(its default interval): a point readable one CreateTimeSeries after its export tick.

    python -m benchmarks.freshness [--samples 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from google.cloud.monitoring_v3 import MetricServiceClient
from google.cloud.monitoring_v3 import types as mtypes

from benchmarks._stack import emulator_stack
from contract import Settings
from contract.catalog import METRIC_PREFIX
from functions import Collector
from publisher import MetricsPublisher, PublisherOptions

__all__ = ["freshness", "p95_under_schedule"]

PERIOD_S = 60.0


def p95_under_schedule(publish: list[float], write: list[float], seed: int = 3, draws: int = 200_000) -> float:
    """The 95th percentile of record → readable under a 60 s schedule aligned to the minute."""
    rng = random.Random(seed)
    latencies = []
    for _ in range(draws):
        r = rng.uniform(0, PERIOD_S)  # seconds into the minute; the window ends at PERIOD_S
        published = r + rng.choice(publish)
        tick = PERIOD_S * max(1, -(-published // PERIOD_S))  # the first run at or after publication
        latencies.append(max(tick + rng.choice(write), PERIOD_S) - r)
    latencies.sort()
    return latencies[int(0.95 * len(latencies))]


def _readable(client: MetricServiceClient, settings: Settings, stage: str, deadline_s: float = 30) -> None:
    now = int(time.time())
    request = mtypes.ListTimeSeriesRequest(
        name=f"projects/{settings.project_id}",
        filter=f'metric.type = "{METRIC_PREFIX}stage_runs" AND metric.labels.stage = "{stage}"',
        interval=mtypes.TimeInterval(start_time={"seconds": now - 120}, end_time={"seconds": now + 120}),
    )
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if list(client.list_time_series(request=request)):
            return
        time.sleep(0.002)
    raise RuntimeError(f"the point of {stage} never became readable")


def freshness(samples: int, work: Path) -> dict[str, float]:
    with emulator_stack(work, "bench-fresh") as (settings, factory):
        metric_service = factory.metric_service()
        collector = Collector.from_clients(  # the production pull_wait_s
            settings, factory.subscriber(), factory.publisher_api(), metric_service
        )
        metrics = MetricsPublisher(settings=settings, options=PublisherOptions(max_stages=samples + 8))
        publish, write = [], []
        for i in range(samples):
            stage = f"fresh_{i}"
            before = metrics.stats.published
            began = time.perf_counter()
            metrics.record_stage_metric(stage, 1.5, True, 0)
            while metrics.stats.published == before:
                time.sleep(0.0005)
            publish.append(time.perf_counter() - began)
            began = time.perf_counter()
            collector.collect_once()
            _readable(metric_service, settings, stage)
            write.append(time.perf_counter() - began)
        metrics.close()
        # the anchor's own write: one CreateTimeSeries of one point, as its exporter sends each tick
        direct = []
        for i in range(samples):
            series = mtypes.TimeSeries(
                metric={"type": f"{METRIC_PREFIX}pipeline_success_forecast"},
                resource={"type": "global", "labels": {"project_id": settings.project_id}},
                points=[
                    {
                        "interval": {"end_time": {"seconds": int(time.time()) - 3600 + 10 * i}},
                        "value": {"double_value": 0.5},
                    }
                ],
            )
            began = time.perf_counter()
            metric_service.create_time_series(name=f"projects/{settings.project_id}", time_series=[series])
            direct.append(time.perf_counter() - began)
        return {
            "ours_p95_s": p95_under_schedule(publish, write),
            "otel_p95_s": p95_under_schedule([0.0], direct),
            "publish_median_s": statistics.median(publish),
            "write_median_s": statistics.median(write),
            "direct_median_s": statistics.median(direct),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    figures = freshness(args.samples, Path(tempfile.mkdtemp(prefix="bench-fresh-")))
    print(
        f"freshness p95 under a 60 s schedule: ours {figures['ours_p95_s']:.1f} s, OpenTelemetry exporter every "
        f"60 s {figures['otel_p95_s']:.1f} s (publish median {figures['publish_median_s'] * 1000:.0f} ms, "
        f"collector run to readable median {figures['write_median_s']:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
