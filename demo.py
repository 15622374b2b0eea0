"""``make demo``: the product end to end on the local emulators, then everything stopped again.

A small pipeline records its runs with the publisher; the collector drains Pub/Sub into the
Monitoring emulator; the demo reads the results back the way a dashboard would.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time

from google.cloud import monitoring_v3

from contract import ClientFactory, Settings
from functions import Collector
from monitoring_emulator.launch import start_monitoring_emulator, start_pubsub_emulator
from publisher import MetricsPublisher

PROJECT = "helios-local"
STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")
A = monitoring_v3.Aggregation.Aligner
R = monitoring_v3.Aggregation.Reducer


def _provision(settings: Settings) -> None:
    """What ``setup_infra`` does in a real project: the topics and the pull subscription."""
    clients = ClientFactory(settings)
    publisher, subscriber = clients.publisher(), clients.subscriber()
    publisher.create_topic(name=settings.topic_path)
    publisher.create_topic(name=settings.dead_letter_topic_path)
    subscriber.create_subscription(name=settings.subscription_path, topic=settings.topic_path, ack_deadline_seconds=60)


def _run_pipeline(metrics: MetricsPublisher, runs: int) -> None:
    rng = random.Random(7)
    for run in range(runs):
        started = time.monotonic()
        failed = run == runs - 1  # the last run fails at publication
        for stage in STAGES:
            try:
                with metrics.stage(stage) as timer:
                    time.sleep(rng.uniform(0.05, 0.4))  # buckets resolve from 0.1 s up
                    timer.add(items=rng.randint(3, 12))
                    if failed and stage == "publication":
                        raise RuntimeError("marketplace rejected the listing")
            except RuntimeError:
                pass
        metrics.record_pipeline_metric(
            execution_time=time.monotonic() - started,
            trend_opportunity_score=rng.uniform(0.6, 0.95),
            audience_confidence=rng.uniform(0.7, 0.99),
            design_generation_success=rng.uniform(0.8, 1.0),
            publication_success=0.0 if failed else rng.uniform(0.85, 1.0),
            success=not failed,
        )


def _read(
    client: monitoring_v3.MetricServiceClient, metric: str, aligner: int, reducer: int, group_by: list[str]
) -> list[monitoring_v3.TimeSeries]:
    now = int(time.time())
    return list(
        client.list_time_series(
            request={
                "name": f"projects/{PROJECT}",
                "filter": f'metric.type = "custom.googleapis.com/helios/{metric}"',
                "interval": {"start_time": {"seconds": now - 600}, "end_time": {"seconds": now + 300}},
                "aggregation": {
                    "alignment_period": {"seconds": 900},
                    "per_series_aligner": aligner,
                    "cross_series_reducer": reducer,
                    "group_by_fields": group_by,
                },
            }
        )
    )


def _report(settings: Settings) -> None:
    client = ClientFactory(settings).metric_service()
    for ts in _read(client, "pipeline_runs", A.ALIGN_SUM, R.REDUCE_SUM, ["metric.labels.status"]):
        print(f"  pipeline runs   status={ts.metric.labels['status']:<8} {ts.points[0].value.int64_value}")
    p50 = _read(client, "stage_duration", A.ALIGN_SUM, R.REDUCE_PERCENTILE_50, ["metric.labels.stage"])
    p95 = _read(client, "stage_duration", A.ALIGN_SUM, R.REDUCE_PERCENTILE_95, ["metric.labels.stage"])
    p95_by_stage = {ts.metric.labels["stage"]: ts.points[0].value.double_value for ts in p95}
    for ts in p50:
        stage = ts.metric.labels["stage"]
        print(
            f"  stage duration  {stage:<18} p50 {ts.points[0].value.double_value:5.3f} s   "
            f"p95 {p95_by_stage[stage]:5.3f} s"
        )
    for ts in _read(client, "stage_runs", A.ALIGN_SUM, R.REDUCE_SUM, ["metric.labels.stage", "metric.labels.status"]):
        if ts.metric.labels["status"] == "failure":
            print(f"  failed stage    {ts.metric.labels['stage']:<18} {ts.points[0].value.int64_value} run(s)")
    score = _read(client, "trend_opportunity_score", A.ALIGN_SUM, R.REDUCE_MEAN, [])
    print(f"  trend opportunity score, mean {score[0].points[0].value.double_value:.3f}")


def main() -> int:
    work = tempfile.mkdtemp(prefix="helios-demo-")
    pubsub = start_pubsub_emulator(log_dir=work)
    try:
        monitoring = start_monitoring_emulator(log_dir=work)
        try:
            print(f"Pub/Sub emulator     {pubsub.address}")
            print(f"Monitoring emulator  {monitoring.address} (admin {monitoring.http_url})")
            settings = Settings(
                project_id=PROJECT,
                pubsub_emulator_host=pubsub.address,
                monitoring_emulator_host=monitoring.address,
                spool_dir=f"{work}/spool",
                collect_budget_seconds=20,
            )
            _provision(settings)
            metrics = MetricsPublisher(settings=settings)
            _run_pipeline(metrics, runs=5)
            metrics.flush(10)
            stats = metrics.stats
            print(f"pipeline recorded {stats.recorded} events; {stats.published} published to Pub/Sub")
            clients = ClientFactory(settings)
            collector = Collector.from_clients(
                settings, clients.subscriber(), clients.publisher_api(), clients.metric_service(), pull_wait_s=1.0
            )
            print(f"collector run: {collector.collect_once().as_dict()}")
            print("read back from Cloud Monitoring (reduced across the collector's task_ids):")
            _report(settings)
            metrics.close()
        finally:
            monitoring.stop()
    finally:
        pubsub.stop()
    print("emulators stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
