"""MetricsPublisher against the official Pub/Sub emulator: counts, flush, outages, exit, spool, fork."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.wire import MetricEvent, PipelineEvent, StageEvent
from helios_metrics.monitoring_emulator.launch import start_pubsub_emulator
from helios_metrics.publisher import MetricsPublisher, PerformanceMonitor, PublisherOptions
from tests.helpers import TcpRelay, drain_events, pubsub_topic

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pubsub(pubsub_emulator, project_id):
    settings = Settings(project_id=project_id, pubsub_emulator_host=pubsub_emulator.address)
    factory = ClientFactory(settings)
    return settings, factory, pubsub_topic(factory, settings)


@pytest.fixture
def metrics(pubsub, tmp_path):
    settings, _, _ = pubsub
    publisher = MetricsPublisher(settings=settings, spool_dir=tmp_path / "spool")
    yield publisher
    publisher.close(timeout=5)


def test_events_from_many_threads_arrive_exactly_once(pubsub, metrics):
    _, factory, subscription = pubsub

    def produce(worker: int) -> None:
        for i in range(2500):
            metrics.record_stage_metric(stage=f"stage_{worker}", duration=float(i), additional_data={"i": i})

    threads = [threading.Thread(target=produce, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = metrics.flush(30)
    assert (result.spooled, result.failed) == (0, 0)
    events = drain_events(factory, subscription, 20_000)
    ids = [event_id for event_id, _ in events]
    assert len(ids) == len(set(ids)) == 20_000
    per_stage = {}
    for _, event in events:
        per_stage.setdefault(event.stage, []).append(event.duration)
    assert {stage: sorted(values) for stage, values in per_stage.items()} == {
        f"stage_{w}": [float(i) for i in range(2500)] for w in range(8)
    }
    stats = metrics.stats
    assert (stats.recorded, stats.published, stats.pending, stats.dropped) == (20_000, 20_000, 0, 0)


def test_flush_waits_for_everything_recorded_and_reports_it(pubsub, metrics):
    _, factory, subscription = pubsub
    metrics.record_pipeline_metric(
        execution_time=120.5,
        trend_opportunity_score=0.85,
        audience_confidence=0.92,
        design_generation_success=0.88,
        publication_success=0.95,
    )
    data = {"trends_found": 12, "confidence_avg": 0.87}
    metrics.record_stage_metric(
        stage="trend_discovery", duration=45.2, success=True, error_count=0, additional_data=data
    )
    data["trends_found"] = 99  # the caller reusing its dict must not change what was recorded
    metrics.record("resource_utilization", 0.25, resource="memory")
    result = metrics.flush(10)
    assert (result.published, result.spooled, result.failed) == (3, 0, 0)
    assert metrics.flush(10).published == 0  # nothing new recorded
    events = [event for _, event in drain_events(factory, subscription, 3)]
    pipeline, stage, metric = events
    assert isinstance(pipeline, PipelineEvent)
    assert pipeline.trend_opportunity_score == 0.85
    assert pipeline.success
    assert isinstance(stage, StageEvent)
    assert stage.data == {"trends_found": 12.0, "confidence_avg": 0.87}
    assert isinstance(metric, MetricEvent)
    assert (metric.value, metric.labels) == (0.25, {"resource": "memory"})
    assert abs(stage.t / 1e9 - time.time()) < 60


def test_stage_timers_time_blocks_and_mark_failures(pubsub, metrics):
    _, factory, subscription = pubsub
    with metrics.stage("trend_discovery") as stage:
        stage.add(trends_found=3)
        time.sleep(0.05)
    with pytest.raises(RuntimeError), metrics.stage("design_generation"):
        raise RuntimeError("model unavailable")

    @metrics.stage("publication")
    def publish() -> str:
        return "done"

    @metrics.stage("audience_analysis")
    async def analyse() -> int:
        await asyncio.sleep(0.01)
        return 7

    async def in_loop() -> None:
        async with metrics.stage("trend_discovery"):
            await asyncio.sleep(0)

    assert publish() == "done"
    assert asyncio.run(analyse()) == 7
    asyncio.run(in_loop())
    metrics.flush(10)
    events = [event for _, event in drain_events(factory, subscription, 5)]
    by_stage = [(e.stage, e.success, e.error_count, e.data) for e in events]
    assert by_stage == [
        ("trend_discovery", True, 0, {"trends_found": 3.0}),
        ("design_generation", False, 1, None),
        ("publication", True, 0, None),
        ("audience_analysis", True, 0, None),
        ("trend_discovery", True, 0, None),
    ]
    assert events[0].duration >= 0.05
    assert events[3].duration >= 0.01


def test_an_outage_loses_nothing(tmp_path, project_id):
    """Stop the emulator mid-run, keep recording, start it again: every event arrives exactly once.

    The publisher reaches the emulator through a relay that stays shut until the new emulator has
    its topic and subscription: Pub/Sub keeps nothing published to a topic without subscriptions,
    and a publisher retrying every half second would otherwise race the test's set-up."""
    emulator = start_pubsub_emulator(log_dir=tmp_path)
    relay = TcpRelay(emulator.address)
    settings = Settings(project_id=project_id, pubsub_emulator_host=relay.address)
    factory = ClientFactory(settings)
    subscription = pubsub_topic(factory, settings)
    options = PublisherOptions(
        publish_deadline_s=1.0, publish_timeout_s=1.0, max_backoff_s=0.5, memory_limit_bytes=2_000
    )
    metrics = MetricsPublisher(settings=settings, spool_dir=tmp_path / "spool", options=options)
    try:
        for i in range(1000):
            metrics.record_stage_metric(stage="before", duration=float(i))
        assert metrics.flush(10).published == 1000
        assert len(drain_events(factory, subscription, 1000)) == 1000
        relay.close_door()
        emulator.stop()
        for i in range(3000):
            metrics.record_stage_metric(stage="during", duration=float(i))
        outage = metrics.flush(5)
        assert outage.published == 0
        assert outage.spooled + outage.failed == 3000
        assert metrics.stats.publish_errors >= 1
        emulator = start_pubsub_emulator(log_dir=tmp_path)
        direct = ClientFactory(Settings(project_id=project_id, pubsub_emulator_host=emulator.address))
        subscription = pubsub_topic(direct, settings)  # the emulator keeps nothing across restarts
        relay.open_door(emulator.address)
        for i in range(500):
            metrics.record_stage_metric(stage="after", duration=float(i))
        events = drain_events(direct, subscription, 3500, timeout=60)
        ids = [event_id for event_id, _ in events]
        assert len(ids) == len(set(ids)) == 3500
        assert sorted({e.stage for _, e in events}) == ["after", "during"]
        assert metrics.stats.spooled == 0
    finally:
        metrics.close(timeout=2)
        relay.stop()
        emulator.stop()


def _environment(settings: Settings, spool: Path, pubsub_host: str | None = None) -> dict[str, str]:
    """What a pipeline process started from a shell would have set."""
    return {
        "GOOGLE_CLOUD_PROJECT": settings.project_id or "",
        "PUBSUB_EMULATOR_HOST": pubsub_host or settings.pubsub_emulator_host or "",
        "HELIOS_METRICS_SPOOL_DIR": str(spool),
    }


def _run_script(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_process_that_exits_without_flushing_still_delivers(pubsub, tmp_path):
    settings, factory, subscription = pubsub
    done = _run_script(
        """
        from helios_metrics.publisher import MetricsPublisher
        metrics = MetricsPublisher()
        for i in range(777):
            metrics.record_stage_metric(stage="exiting", duration=1.0)
        """,
        _environment(settings, tmp_path / "spool"),
    )
    assert done.returncode == 0, done.stderr
    assert len(drain_events(factory, subscription, 777)) == 777


def test_a_new_process_replays_what_an_earlier_one_spooled(pubsub, tmp_path):
    settings, factory, subscription = pubsub
    offline = _run_script(
        """
        from helios_metrics.publisher import MetricsPublisher, PublisherOptions
        metrics = MetricsPublisher(options=PublisherOptions(publish_deadline_s=0.5, publish_timeout_s=0.5))
        for i in range(1234):
            metrics.record_stage_metric(stage="offline", duration=float(i))
        result = metrics.close(timeout=3)
        print(result.published, result.spooled, result.failed)
        """,
        _environment(settings, tmp_path / "spool", pubsub_host="127.0.0.1:9"),  # nothing listens there
    )
    assert offline.returncode == 0, offline.stderr
    assert offline.stdout.split() == ["0", "1234", "0"]
    online = MetricsPublisher(settings=settings, spool_dir=tmp_path / "spool")
    try:
        events = drain_events(factory, subscription, 1234)
        assert len({event_id for event_id, _ in events}) == 1234
        assert online.stats.spooled == 0
    finally:
        online.close(timeout=2)


def test_forked_children_publish_their_own_events_once(pubsub, tmp_path):
    settings, factory, subscription = pubsub
    done = _run_script(
        """
        import os, sys
        from helios_metrics.publisher import MetricsPublisher
        metrics = MetricsPublisher()
        for i in range(100):
            metrics.record_stage_metric(stage="parent", duration=1.0)
        metrics.flush(10)
        for i in range(40):
            metrics.record_stage_metric(stage="unflushed", duration=1.0)  # buffered when the fork happens
        child = os.fork()
        if child == 0:
            for i in range(50):
                metrics.record_stage_metric(stage="child", duration=1.0)
            sys.exit(0)  # the child's own exit flush delivers its events
        os.waitpid(child, 0)
        for i in range(60):
            metrics.record_stage_metric(stage="parent", duration=1.0)
        """,
        _environment(settings, tmp_path / "spool"),
    )
    assert done.returncode == 0, done.stderr
    events = drain_events(factory, subscription, 250)
    ids = [event_id for event_id, _ in events]
    assert len(ids) == len(set(ids)) == 250
    counts = {}
    for _, event in events:
        counts[event.stage] = counts.get(event.stage, 0) + 1
    assert counts == {"parent": 160, "unflushed": 40, "child": 50}
    assert len({event_id.split("-")[0] for event_id in ids}) == 2  # two producers


def test_resource_sampling_records_cpu_and_memory(pubsub, tmp_path):
    settings, factory, subscription = pubsub
    metrics = MetricsPublisher(
        settings=settings, spool_dir=tmp_path / "spool", options=PublisherOptions(resource_interval_s=0.1)
    )
    time.sleep(0.35)
    metrics.close(timeout=5)
    events = [event for _, event in drain_events(factory, subscription, 4)]
    resources = {event.labels["resource"] for event in events}
    assert resources == {"cpu", "memory"}
    assert all(0.0 <= event.value <= 1.0 for event in events)


def test_performance_monitor_keeps_the_seed_call_sites(pubsub, monitoring, tmp_path):
    settings, factory, subscription = pubsub
    settings = settings.with_overrides(monitoring_emulator_host=monitoring.address)

    class SeedConfig:
        google_cloud_project = settings.project_id

    async def seed_usage() -> dict:
        monitor = PerformanceMonitor(SeedConfig(), settings=settings, spool_dir=tmp_path / "spool")
        await monitor.record_pipeline_metric(
            execution_time=120.5,
            trend_opportunity_score=0.85,
            audience_confidence=0.92,
            design_generation_success=0.88,
            publication_success=0.95,
        )
        await monitor.record_stage_metric(
            stage="trend_discovery",
            duration=45.2,
            success=True,
            error_count=0,
            additional_data={"trends_found": 12, "confidence_avg": 0.87},
        )
        flushed = await monitor.flush_metrics()
        health = await monitor.check_health()
        summary = await monitor.get_performance_summary("1h")
        analysis = await monitor.analyze_performance()
        await monitor.close()
        return {"flushed": flushed.published, "summary": summary, "analysis": analysis, **health}

    outcome = asyncio.run(seed_usage())
    assert outcome["flushed"] == 2
    assert (outcome["pubsub_reachable"], outcome["monitoring_reachable"], outcome["published"]) == (True, True, 2)
    # no collector has run here: nothing written yet, so the stack is degraded and the summary empty
    assert (outcome["status"], outcome["collector_last_write_age_s"]) == ("degraded", None)
    assert (outcome["summary"]["runs"], outcome["analysis"]["forecast"]["next_hour_success_rate"]) == (0, None)
    assert len(drain_events(factory, subscription, 2)) == 2


def test_health_reports_an_unreachable_topic(tmp_path):
    async def probe() -> dict:
        monitor = PerformanceMonitor(
            settings=Settings(
                project_id="nowhere", pubsub_emulator_host="127.0.0.1:9", monitoring_emulator_host="127.0.0.1:9"
            ),
            spool_dir=tmp_path,
        )
        try:
            return await monitor.check_health(timeout=1)
        finally:
            await monitor.close(0.1)

    health = asyncio.run(probe())
    assert (health["status"], health["pubsub_reachable"]) == ("unhealthy", False)
    assert "ServiceUnavailable" in health["pubsub_error"]


def test_building_and_closing_five_publishers_leaves_no_thread_of_theirs(pubsub, tmp_path):
    settings, factory, subscription = pubsub
    for n in range(5):
        publisher = MetricsPublisher(settings=settings, spool_dir=tmp_path / "spool")
        publisher.record_stage_metric(stage="lifecycle", duration=float(n))
        assert publisher.flush(10).published == 1
        assert publisher.close(5).failed == 0
    assert [t.name for t in threading.enumerate() if t.name.startswith("helios-metrics")] == []
    assert len(drain_events(factory, subscription, 5)) == 5


def test_flush_reports_every_one_of_6000_messages(pubsub, tmp_path):
    settings, factory, subscription = pubsub
    publisher = MetricsPublisher(
        settings=settings, spool_dir=tmp_path / "spool", options=PublisherOptions(max_events_per_message=1)
    )
    for i in range(6000):
        publisher.record_stage_metric(stage="one_per_message", duration=float(i))
    result = publisher.flush(60)
    assert (result.published, result.spooled, result.failed) == (6000, 0, 0)
    publisher.close(5)
    assert len(drain_events(factory, subscription, 6000, timeout=60)) == 6000
