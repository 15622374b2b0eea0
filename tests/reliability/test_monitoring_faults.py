"""Cloud Monitoring failing under the collector (the emulator's fault injection): whole requests
failing with each transient code, partial failures in each of Google's grammars (also on the
CUMULATIVE pipeline_run_count alone), and a server slower than the client's deadline whose write
lands anyway. Whatever fails, every event is counted exactly once, possibly a run later — never
lost, never twice — in the gauges and in the running totals of pipeline_run_count alike."""

from __future__ import annotations

import time
from typing import Any

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.functions import Collector, RunSummary
from helios_metrics.functions.subscription import Subscription
from helios_metrics.functions.writer import MonitoringWriter
from helios_metrics.monitoring_emulator.launch import MonitoringEmulatorProcess
from helios_metrics.publisher import MetricsPublisher
from tests.helpers import collector_resources, minute_floor, totals

STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication", "ethics_screening")
PER_STAGE = 40
RUNS = 30  # pipeline runs, one in four failed
EXPECTED_RUNS = {("success",): 22, ("failure",): 8}
WRITE_TIMEOUT_S = 1.0
TRANSIENT = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "INTERNAL")


def _stack(pubsub_address: str, monitoring: MonitoringEmulatorProcess, project: str) -> tuple[Settings, ClientFactory]:
    settings = Settings(
        project_id=project,
        pubsub_emulator_host=pubsub_address,
        monitoring_emulator_host=monitoring.address,
        collect_budget_seconds=15,
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings)
    return settings, factory


def _collector(settings: Settings, factory: ClientFactory) -> Collector:
    """As deployed, but with a 1 s write deadline so a slow server trips it quickly."""
    source = Subscription(settings, factory.subscriber(), factory.publisher_api(), pull_wait_s=1.0)
    writer = MonitoringWriter(factory.metric_service(), settings.require_project(), timeout_s=WRITE_TIMEOUT_S)
    return Collector(settings, source, writer)


def _collect_until_acked(collector: Collector, expected_events: int, runs: int = 6) -> list[RunSummary]:
    """Run the collector like the scheduler does until every event is acknowledged."""
    summaries = []
    for _ in range(runs):
        summaries.append(collector.collect_once())
        if sum(s.events for s in summaries) >= expected_events and summaries[-1].not_acked == 0:
            break
    return summaries


FAULTS: dict[str, dict[str, Any]] = {
    **{f"{code} x3 on whole requests": {"code": code, "times": 3} for code in TRANSIENT},
    **{
        f"partial failure, {grammar} grammar": {
            "code": "UNAVAILABLE",
            "times": 2,
            "series_filter": 'metric.labels.stage = "design_generation"',
            "grammar": grammar,
        }
        for grammar in ("trailing", "field", "leading", "resource")
    },
    "partial failure of the cumulative count alone": {
        "code": "UNAVAILABLE",
        "times": 2,
        "series_filter": 'metric.type = "custom.googleapis.com/helios/pipeline_run_count"',
    },
    "slower than the client deadline, landing anyway": {"code": "OK", "delay_s": WRITE_TIMEOUT_S + 1.0},
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_event_is_counted_exactly_once_whatever_monitoring_does(fault, pubsub_emulator, monitoring, project_id):
    settings, factory = _stack(pubsub_emulator.address, monitoring, project_id)
    start = minute_floor(600)
    event_ns = (start + 1) * 1_000_000_000
    metrics = MetricsPublisher(settings=settings, clock=lambda: event_ns)
    for i in range(PER_STAGE * len(STAGES)):
        metrics.record_stage_metric(STAGES[i % len(STAGES)], 1.0 + i % 7, i % 4 != 0, i % 3)
    for i in range(RUNS):
        metrics.record_pipeline_metric(100.0 + i, 0.8, 0.9, 0.9, 0.95, i % 4 != 0)
    assert metrics.flush(30).failed == 0
    metrics.close()
    collector = _collector(settings, factory)
    monitoring.admin.inject("CreateTimeSeries", **FAULTS[fault])

    summaries = _collect_until_acked(collector, PER_STAGE * len(STAGES) + RUNS)

    assert monitoring.admin.faults() == []  # every armed failure hit this collector's writes

    assert sum(s.events for s in summaries) == PER_STAGE * len(STAGES) + RUNS
    assert summaries[-1].not_acked == 0
    assert sum(s.dead_lettered for s in summaries) == 0
    client = factory.metric_service()
    runs = totals(client, project_id, "stage_runs", start - 60, time.time() + 120, ("stage",))
    assert {key[0]: int(value) for key, value in runs.items()} == dict.fromkeys(STAGES, PER_STAGE)
    errors = totals(client, project_id, "stage_errors", start - 60, time.time() + 120, ("stage",))
    assert sum(int(v) for v in errors.values()) == sum(i % 3 for i in range(PER_STAGE * len(STAGES)))
    span = (start - 60, time.time() + 120)
    assert totals(client, project_id, "pipeline_runs", *span, ("status",)) == EXPECTED_RUNS
    assert totals(client, project_id, "pipeline_run_count", *span, ("status",), aligner=1) == EXPECTED_RUNS  # DELTA
