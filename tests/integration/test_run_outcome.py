"""Runs recorded only through the design document's signatures — ``record_stage_metric`` per stage,
then ``record_pipeline_metric`` with its five arguments, no ``success`` — reach Monitoring with the
right outcome: through the official Pub/Sub emulator and the collector into our Monitoring
emulator, read back as ``pipeline_runs`` per status summed across every task_id."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.units import NS
from helios_metrics.functions import Collector
from helios_metrics.publisher import MetricsPublisher, PerformanceMonitor
from tests.helpers import collector_resources, minute_floor, totals

STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")
FAILING = frozenset({2, 5, 9})  # three of the ten runs have a failed stage
EXPECTED = {("success",): 7, ("failure",): 3}


@dataclass
class Stack:
    settings: Settings
    factory: ClientFactory
    clock: list[int]  # what the publisher stamps events with, in ns; tests move it
    monitor: PerformanceMonitor

    def collect(self) -> Any:
        f = self.factory
        collector = Collector.from_clients(
            self.settings, f.subscriber(), f.publisher_api(), f.metric_service(), pull_wait_s=1.0
        )
        return collector.collect_once()

    def totals(self, metric: str, group_by: tuple[str, ...]) -> dict[tuple[str, ...], Any]:
        """``metric`` summed over every window from four hours ago to now, across task_ids."""
        client = self.factory.metric_service()
        return totals(client, self.settings.project_id, metric, time.time() - 4 * 3600, time.time() + 120, group_by)


@pytest.fixture
def stack(pubsub_emulator, monitoring, project_id, tmp_path) -> Any:
    settings = Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring.address,
        collect_budget_seconds=20,
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings)
    clock = [(minute_floor(600) + 1) * NS]  # inside one past minute: no test waits for a window to close
    metrics = MetricsPublisher(settings=settings, spool_dir=tmp_path / "spool", clock=lambda: clock[0])
    yield Stack(settings, factory, clock, PerformanceMonitor(publisher=metrics))
    metrics.close(timeout=5)


async def seed_run(monitor: PerformanceMonitor, run: int, between: Callable[[], None] = lambda: None) -> None:
    """One run exactly as the document writes it; ``between`` lets concurrent runs interleave."""
    for stage in STAGES:
        failed = run in FAILING and stage == "design_generation"
        await monitor.record_stage_metric(
            stage=stage,
            duration=30.0,
            success=not failed,
            error_count=1 if failed else 0,
            additional_data={"items": 3},
        )
        between()
        await asyncio.sleep(0)  # other tasks' runs go on in between
    await monitor.record_pipeline_metric(
        execution_time=120.5,
        trend_opportunity_score=0.85,
        audience_confidence=0.92,
        design_generation_success=0.0 if run in FAILING else 0.88,
        publication_success=0.95,
    )


def assert_monitoring_counts(stack: Stack) -> None:
    flushed = asyncio.run(stack.monitor.flush_metrics(30))
    assert (flushed.published, flushed.failed) == (50, 0)  # ten runs of four stages and one pipeline metric
    summary = stack.collect()
    assert (summary.events, summary.dead_lettered, summary.not_acked) == (50, 0, 0)
    assert stack.totals("pipeline_runs", ("status",)) == EXPECTED
    stage_runs = stack.totals("stage_runs", ("stage", "status"))
    assert {key: count for key, count in stage_runs.items() if count} == {  # the collector writes zeros too
        **{(stage, "success"): 10 for stage in STAGES if stage != "design_generation"},
        ("design_generation", "success"): 7,
        ("design_generation", "failure"): 3,
    }


def test_ten_sequential_runs_at_the_stores_pace_read_back_as_7_successes_and_3_failures(stack):
    """One run every 12 minutes, as the store runs, each in its own collection window."""
    first = (minute_floor(3 * 3600) + 1) * NS

    async def pipeline() -> None:
        for run in range(10):
            stack.clock[0] = first + run * 12 * 60 * NS
            await seed_run(stack.monitor, run)

    asyncio.run(pipeline())
    assert_monitoring_counts(stack)


def test_ten_concurrent_asyncio_tasks_read_back_as_7_successes_and_3_failures(stack):
    async def pipeline() -> None:
        await asyncio.gather(*(seed_run(stack.monitor, run) for run in range(10)))

    asyncio.run(pipeline())
    assert_monitoring_counts(stack)


def test_ten_runs_in_concurrent_threads_read_back_as_7_successes_and_3_failures(stack):
    """Five threads, each with its own event loop running two runs one after the other; every
    record call waits for the other threads, so the runs' stages interleave."""
    barrier = threading.Barrier(5)

    def worker(first: int) -> None:
        async def two_runs() -> None:
            await seed_run(stack.monitor, first, lambda: barrier.wait(30))
            await seed_run(stack.monitor, first + 1, lambda: barrier.wait(30))

        asyncio.run(two_runs())

    threads = [threading.Thread(target=worker, args=(first,)) for first in range(0, 10, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert_monitoring_counts(stack)


def test_ten_runs_of_plain_synchronous_code_in_pool_threads_read_back_as_7_and_3(stack):
    """The same signatures on MetricsPublisher, from a thread pool whose threads are reused."""
    metrics = stack.monitor.publisher

    def one_run(run: int) -> None:
        for stage in STAGES:
            failed = run in FAILING and stage == "design_generation"
            metrics.record_stage_metric(
                stage=stage, duration=30.0, success=not failed, error_count=1 if failed else 0, additional_data={}
            )
        metrics.record_pipeline_metric(
            execution_time=120.5,
            trend_opportunity_score=0.85,
            audience_confidence=0.92,
            design_generation_success=0.88,
            publication_success=0.95,
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(one_run, range(10)))
    assert_monitoring_counts(stack)
