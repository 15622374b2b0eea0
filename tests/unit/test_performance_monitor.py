"""``PerformanceMonitor`` under the Helios monitoring design's own names (``helios.config``,
``helios.services.google_cloud.performance_monitor``): the document's calls record what they say,
a bad value is refused naming its field, and ``load_config()``'s settings are taken whole.

The publisher is real; only Google's Publish call is replaced, at its one seam."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from typing import Any

import pytest

from helios.config import load_config
from helios.services.google_cloud.performance_monitor import PerformanceMonitor
from helios_metrics import publisher
from helios_metrics.contract import Settings, decode_message
from helios_metrics.contract.wire import PipelineEvent, StageEvent


class FakeFactory:
    """A ClientFactory whose Publisher API keeps what Publish was given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.lock = threading.Lock()
        self.topics: list[str] = []

    def publisher_api(self) -> Any:
        def publish(topic: str, messages: list[Any], retry: Any = None, timeout: Any = None) -> None:
            with self.lock:
                self.topics.append(topic)
                self.messages.extend(messages)

        return SimpleNamespace(publish=publish, transport=SimpleNamespace(close=lambda: None))

    def events(self) -> list[Any]:
        return [event for m in self.messages for event in decode_message(m.data, dict(m.attributes)).events]


def monitor(tmp_path, factory: FakeFactory, config: Any = None) -> PerformanceMonitor:
    config = config if config is not None else Settings(project_id="store", topic="helios-metrics")
    return PerformanceMonitor(config, spool_dir=tmp_path / "spool", factory=factory)


def test_the_design_name_is_the_publisher_facade_itself():
    assert PerformanceMonitor is publisher.PerformanceMonitor


def test_load_config_reads_the_environment_and_the_monitor_takes_it_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "store-prod")
    monkeypatch.setenv("HELIOS_METRICS_TOPIC", "store-metrics")
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:8085")
    config = load_config()
    assert (config.project_id, config.topic, config.pubsub_emulator_host) == (
        "store-prod",
        "store-metrics",
        "127.0.0.1:8085",
    )
    assert load_config(project_id="other").project_id == "other"
    made = monitor(tmp_path, FakeFactory(), config)
    try:
        assert made.publisher.settings.pubsub_emulator_host == "127.0.0.1:8085"
        assert made.publisher.topic_path == "projects/store-prod/topics/store-metrics"
    finally:
        asyncio.run(made.close(1))


def test_the_document_calls_record_a_run_whose_outcome_follows_its_stages(tmp_path):
    factory = FakeFactory()
    made = monitor(tmp_path, factory)

    async def run() -> None:
        await made.record_stage_metric(
            stage="trend_discovery",
            duration=45.2,
            success=True,
            error_count=0,
            additional_data={"trends_found": 12, "confidence_avg": 0.87},
        )
        await made.record_stage_metric(stage="publication", duration=3.0, success=False, error_count=2)
        await made.record_pipeline_metric(
            execution_time=120.5,
            trend_opportunity_score=0.85,
            audience_confidence=0.92,
            design_generation_success=0.88,
            publication_success=0.95,
        )
        assert (await made.flush_metrics()).complete
        await made.close(1)

    asyncio.run(run())
    assert set(factory.topics) == {"projects/store/topics/helios-metrics"}
    stages = [e for e in factory.events() if isinstance(e, StageEvent)]
    runs = [e for e in factory.events() if isinstance(e, PipelineEvent)]
    assert [(s.stage, s.success, s.error_count) for s in stages] == [
        ("trend_discovery", True, 0),
        ("publication", False, 2),
    ]
    assert stages[0].data == {"trends_found": 12, "confidence_avg": 0.87}
    assert len(runs) == 1
    assert runs[0].execution_time == 120.5
    assert runs[0].success is False  # a failed stage fails the run


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda m: m.record_pipeline_metric(-1.0, 0.85, 0.92, 0.88, 0.95), "execution_time"),
        (lambda m: m.record_pipeline_metric(120.5, 1.5, 0.92, 0.88, 0.95), "trend_opportunity_score"),
        (lambda m: m.record_stage_metric(stage="trend_discovery", duration=float("nan")), "duration"),
        (lambda m: m.record_stage_metric(stage="trend_discovery", duration=1.0, error_count=-1), "error_count"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_sent(tmp_path, call, field):
    factory = FakeFactory()
    made = monitor(tmp_path, factory)
    with pytest.raises(ValueError, match=field):
        asyncio.run(call(made))
    asyncio.run(made.close(1))
    assert factory.events() == []
