"""A run's outcome from its stages: code written from the design document (no ``success`` on the
pipeline metric) records failed runs, and concurrent runs never mix.

The publisher is real; only Google's Publish call is replaced (one seam), and every assertion reads
the pipeline events as they would reach Pub/Sub.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from helios_metrics.contract import Settings, decode_message
from helios_metrics.contract.wire import PipelineEvent
from helios_metrics.publisher import MetricsPublisher, PerformanceMonitor, PublisherOptions

SCORES = (0.85, 0.92, 0.88, 0.95)


class FakePublisherApi:
    """Google's PublisherClient at its one seam: keeps what Publish was given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.lock = threading.Lock()
        self.transport = SimpleNamespace(close=lambda: None)

    def publish(self, topic: str, messages: list[Any], retry: Any = None, timeout: Any = None) -> None:
        with self.lock:
            self.messages.extend(messages)


class FakeFactory:
    def __init__(self) -> None:
        self.api = FakePublisherApi()

    def publisher_api(self) -> FakePublisherApi:
        return self.api


@pytest.fixture
def api() -> FakePublisherApi:
    return FakePublisherApi()


def make_publisher(tmp_path, factory: FakeFactory, **options: Any) -> MetricsPublisher:
    return MetricsPublisher(
        settings=Settings(project_id="unit"),
        spool_dir=tmp_path / f"spool-{id(factory)}",
        factory=factory,  # type: ignore[arg-type]
        options=PublisherOptions(**options),
    )


@pytest.fixture
def factory() -> FakeFactory:
    return FakeFactory()


@pytest.fixture
def metrics(tmp_path, factory):
    publisher = make_publisher(tmp_path, factory)
    yield publisher
    publisher.close(timeout=2)


def outcomes(metrics: MetricsPublisher, factory: FakeFactory) -> dict[int, bool]:
    """Run number (recorded as its execution_time) → the success the pipeline event carries."""
    assert metrics.flush(10).failed == 0
    found: dict[int, bool] = {}
    for message in factory.api.messages:
        for event in decode_message(message.data, dict(message.attributes)).events:
            if isinstance(event, PipelineEvent):
                assert int(event.execution_time) not in found, "one pipeline event per run"
                found[int(event.execution_time)] = event.success
    return found


def pipeline(metrics: MetricsPublisher, run: int, **kwargs: Any) -> None:
    """The document's five arguments (plus ``success`` only where a test says so)."""
    metrics.record_pipeline_metric(float(run), *SCORES, **kwargs)


def stages(metrics: MetricsPublisher, fail: str | None = None) -> None:
    for stage in ("trend_discovery", "audience_analysis", "design_generation", "publication"):
        metrics.record_stage_metric(stage=stage, duration=1.0, success=stage != fail, error_count=int(stage == fail))


# --- sequential --------------------------------------------------------------------------------
def test_a_failed_stage_fails_its_run_and_only_its_run(metrics, factory):
    stages(metrics)
    pipeline(metrics, 0)
    stages(metrics, fail="design_generation")
    pipeline(metrics, 1)
    stages(metrics)
    pipeline(metrics, 2)
    pipeline(metrics, 3)  # no stages at all: nothing failed
    stages(metrics, fail="trend_discovery")
    stages(metrics, fail="publication")  # two failures, still one failed run
    pipeline(metrics, 4)
    assert outcomes(metrics, factory) == {0: True, 1: False, 2: True, 3: True, 4: False}


def test_handled_errors_do_not_fail_a_successful_stage_or_its_run(metrics, factory):
    metrics.record_stage_metric(stage="trend_discovery", duration=1.0, success=True, error_count=3)
    pipeline(metrics, 0)
    assert outcomes(metrics, factory) == {0: True}


def test_an_explicit_success_wins_and_still_ends_the_run(metrics, factory):
    stages(metrics, fail="publication")
    pipeline(metrics, 0, success=True)  # the caller knows better (e.g. a retried stage recovered)
    pipeline(metrics, 1)  # the failure above belonged to run 0: run 1 starts clean
    stages(metrics)
    pipeline(metrics, 2, success=False)
    pipeline(metrics, 3)
    assert outcomes(metrics, factory) == {0: True, 1: True, 2: False, 3: True}


@pytest.mark.parametrize("bad", [1, 0, "false", 0.0, [False]])
def test_success_if_given_must_be_a_bool_and_a_refused_call_changes_nothing(metrics, factory, bad):
    stages(metrics, fail="audience_analysis")
    with pytest.raises(ValueError, match=r"success must be True or False") as caught:
        pipeline(metrics, 0, success=bad)
    assert repr(bad) in str(caught.value)
    with pytest.raises(ValueError, match="trend_opportunity_score"):
        metrics.record_pipeline_metric(9.0, 1.5, 0.5, 0.5, 0.5)
    pipeline(metrics, 1)  # the run is still open, and still failed
    assert outcomes(metrics, factory) == {1: False}


def test_a_stage_refused_by_the_cardinality_cap_still_fails_its_run(tmp_path, factory):
    metrics = make_publisher(tmp_path, factory, max_stages=1)
    metrics.record_stage_metric(stage="trend_discovery", duration=1.0)
    metrics.record_stage_metric(stage="publication", duration=1.0, success=False)  # over the cap
    pipeline(metrics, 0)
    assert metrics.stats.refused == 1
    assert outcomes(metrics, factory) == {0: False}
    metrics.close(2)


def test_a_stage_that_raises_valueerror_records_nothing_and_fails_nothing(metrics, factory):
    with pytest.raises(ValueError, match="duration"):
        metrics.record_stage_metric(stage="publication", duration=-1.0, success=False)
    pipeline(metrics, 0)
    assert outcomes(metrics, factory) == {0: True}


def test_two_publishers_keep_their_runs_apart(tmp_path, factory):
    other_factory = FakeFactory()
    first, second = make_publisher(tmp_path, factory), make_publisher(tmp_path, other_factory)
    stages(first, fail="publication")
    pipeline(second, 0)
    pipeline(first, 1)
    assert outcomes(second, other_factory) == {0: True}
    assert outcomes(first, factory) == {1: False}
    first.close(2)
    second.close(2)


# --- the stage timer -------------------------------------------------------------------------------
def test_a_failing_stage_block_fails_the_run(metrics, factory):
    with metrics.stage("trend_discovery") as stage:
        stage.error_count = 2  # handled: the stage, and the run, still succeed
    pipeline(metrics, 0)
    with pytest.raises(RuntimeError), metrics.stage("design_generation"):
        raise RuntimeError("model unavailable")
    pipeline(metrics, 1)

    @metrics.stage("publication")
    def publish() -> None:
        raise ConnectionError("store down")

    with pytest.raises(ConnectionError):
        publish()
    pipeline(metrics, 2)
    with metrics.stage("publication"):
        pass
    pipeline(metrics, 3)
    assert outcomes(metrics, factory) == {0: True, 1: False, 2: False, 3: True}


def test_a_failing_block_with_invalid_metrics_still_fails_the_run(metrics, factory, caplog):
    def generate() -> None:
        with metrics.stage("design_generation") as stage:
            stage.add(score=float("nan"))
            raise KeyError("designs")

    with pytest.raises(KeyError):
        generate()
    assert "its metrics were invalid" in caplog.text
    pipeline(metrics, 0)
    assert outcomes(metrics, factory) == {0: False}


def test_failing_async_stage_blocks_fail_the_run_of_their_task(metrics, factory):
    @metrics.stage("audience_analysis")
    async def analyse() -> None:
        raise TimeoutError("model slow")

    async def one_run(run: int, fail: bool) -> None:
        async with metrics.stage("trend_discovery"):
            await asyncio.sleep(0)
        if fail:
            with pytest.raises(TimeoutError):
                await analyse()
        pipeline(metrics, run)

    async def main() -> None:
        await asyncio.gather(*(one_run(i, i % 2 == 1) for i in range(6)))

    asyncio.run(main())
    assert outcomes(metrics, factory) == {i: i % 2 == 0 for i in range(6)}


# --- concurrent runs ---------------------------------------------------------------------------------
FAILING = {1, 4, 8}  # three of ten runs have a failed stage


async def design_run(monitor: PerformanceMonitor, run: int) -> None:
    """One run through the document's signatures only, yielding to the other runs between calls."""
    for stage in ("trend_discovery", "audience_analysis", "design_generation", "publication"):
        failed = run in FAILING and stage == "design_generation"
        await monitor.record_stage_metric(
            stage=stage, duration=2.0, success=not failed, error_count=int(failed), additional_data={"run": run}
        )
        await asyncio.sleep(0)
    await monitor.record_pipeline_metric(
        execution_time=float(run),
        trend_opportunity_score=0.85,
        audience_confidence=0.92,
        design_generation_success=0.88,
        publication_success=0.95,
    )


def test_concurrent_asyncio_tasks_keep_their_outcomes_apart(metrics, factory):
    monitor = PerformanceMonitor(publisher=metrics)

    async def main() -> None:
        await asyncio.gather(*(design_run(monitor, run) for run in range(10)))

    asyncio.run(main())
    assert outcomes(metrics, factory) == {run: run not in FAILING for run in range(10)}


def test_tasks_do_not_inherit_a_failure_their_parent_recorded(metrics, factory):
    monitor = PerformanceMonitor(publisher=metrics)

    async def main() -> None:
        await monitor.record_stage_metric(stage="trend_discovery", duration=1.0, success=False)
        await asyncio.gather(*(design_run(monitor, run) for run in range(10)))
        await monitor.record_pipeline_metric(99.0, *SCORES)  # the parent's own run failed

    asyncio.run(main())
    assert outcomes(metrics, factory) == {**{run: run not in FAILING for run in range(10)}, 99: False}


def thread_run(metrics: MetricsPublisher, run: int, barrier: threading.Barrier | None = None) -> None:
    """One run in plain synchronous code; with a barrier, every stage waits for all threads."""
    for stage in ("trend_discovery", "design_generation", "publication"):
        if barrier is not None:
            barrier.wait(10)
        failed = run in FAILING and stage == "publication"
        metrics.record_stage_metric(stage=stage, duration=1.0, success=not failed, error_count=int(failed))
    if barrier is not None:
        barrier.wait(10)
    pipeline(metrics, run)


def test_concurrent_threads_keep_their_outcomes_apart(metrics, factory):
    barrier = threading.Barrier(10)
    threads = [threading.Thread(target=thread_run, args=(metrics, run, barrier)) for run in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes(metrics, factory) == {run: run not in FAILING for run in range(10)}


def test_pool_threads_reused_across_runs_start_each_run_clean(metrics, factory):
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda run: thread_run(metrics, run), range(30)))
    assert outcomes(metrics, factory) == {run: run not in FAILING for run in range(30)}


def test_each_thread_running_an_event_loop_keeps_its_runs_apart(metrics, factory):
    monitor = PerformanceMonitor(publisher=metrics)

    def in_thread(first: int) -> None:
        async def loop_runs() -> None:
            await asyncio.gather(design_run(monitor, first), design_run(monitor, first + 1))

        asyncio.run(loop_runs())

    threads = [threading.Thread(target=in_thread, args=(first,)) for first in range(0, 10, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes(metrics, factory) == {run: run not in FAILING for run in range(10)}


# --- the explicit scope -------------------------------------------------------------------------------
def test_without_a_scope_stages_recorded_in_other_tasks_belong_to_those_tasks(metrics, factory):
    async def stage_task() -> None:
        metrics.record_stage_metric(stage="design_generation", duration=1.0, success=False)

    async def main() -> None:
        await asyncio.gather(stage_task())
        pipeline(metrics, 0)

    asyncio.run(main())
    assert outcomes(metrics, factory) == {0: True}


def test_a_scope_collects_failures_from_tasks_and_worker_threads_it_starts(metrics, factory):
    def sync_stage(ok: bool) -> None:
        metrics.record_stage_metric(stage="publication", duration=1.0, success=ok)

    async def async_stage(ok: bool) -> None:
        await asyncio.sleep(0)
        metrics.record_stage_metric(stage="design_generation", duration=1.0, success=ok)

    async def main() -> None:
        async with metrics.run() as run:
            await asyncio.gather(async_stage(True), async_stage(False))
            assert run.failed
            pipeline(metrics, 0)
            assert not run.failed  # the next stage starts a new run
            await asyncio.to_thread(sync_stage, True)
            pipeline(metrics, 1)
            await asyncio.to_thread(sync_stage, False)
            pipeline(metrics, 2)

    asyncio.run(main())
    assert outcomes(metrics, factory) == {0: False, 1: True, 2: False}


def test_a_scope_reaches_a_pool_thread_through_a_copied_context(metrics, factory):
    with metrics.run(), ThreadPoolExecutor(max_workers=1) as pool:
        context = contextvars.copy_context()
        pool.submit(context.run, metrics.record_stage_metric, "publication", 1.0, False).result()
        pipeline(metrics, 0)
    assert outcomes(metrics, factory) == {0: False}


def test_decorated_runs_each_get_a_scope_of_their_own(metrics, factory):
    @metrics.run()
    async def one_run(run: int) -> None:
        async def stage() -> None:
            await asyncio.sleep(0)
            metrics.record_stage_metric(stage="publication", duration=1.0, success=run not in FAILING)

        await asyncio.gather(stage())  # recorded in a child task: the scope carries it back
        pipeline(metrics, run)

    @metrics.run()
    def sync_run(run: int) -> None:
        stages(metrics, fail="publication" if run % 10 in FAILING else None)
        pipeline(metrics, run)

    async def main() -> None:
        await asyncio.gather(*(one_run(run) for run in range(10)))

    asyncio.run(main())
    for run in range(10, 20):
        sync_run(run)
    assert outcomes(metrics, factory) == {run: run % 10 not in FAILING for run in range(20)}


def test_a_scope_left_without_a_pipeline_metric_drops_its_run_and_says_so(metrics, factory, caplog):
    caplog.set_level(logging.WARNING, logger="publisher")
    stages(metrics, fail="trend_discovery")  # the implicit run outside: failed, still open
    with pytest.raises(RuntimeError), metrics.run(), metrics.stage("design_generation"):
        raise RuntimeError("crashed mid-run")
    assert "ended without record_pipeline_metric" in caplog.text
    with metrics.run():
        pipeline(metrics, 0)  # a new scope: nothing failed in it
    pipeline(metrics, 1)  # the run outside the scopes is current again
    pipeline(metrics, 2)
    assert outcomes(metrics, factory) == {0: True, 1: False, 2: True}


def test_a_completed_scope_logs_nothing(metrics, caplog):
    caplog.set_level(logging.WARNING, logger="publisher")
    with metrics.run():
        stages(metrics, fail="publication")
        pipeline(metrics, 0)
        stages(metrics)  # a successful stage left over is nothing to warn about
    assert caplog.text == ""


def test_without_a_scope_an_unfinished_failed_run_fails_the_next_run_of_its_task(metrics, factory):
    """The documented carry-over: without a pipeline metric nothing marks the run's end."""
    stages(metrics, fail="audience_analysis")  # crashed: its pipeline metric never recorded
    stages(metrics)
    pipeline(metrics, 0)
    assert outcomes(metrics, factory) == {0: False}


def test_a_scope_is_opened_once_at_a_time(metrics):
    scope = metrics.run()
    with scope, pytest.raises(RuntimeError, match="already open"), scope:
        pass
    with scope:  # closed again: usable
        pass


def test_the_facade_scope_and_override(metrics, factory):
    monitor = PerformanceMonitor(publisher=metrics)

    async def main() -> None:
        async with monitor.run():
            await monitor.record_stage_metric(stage="publication", duration=1.0, success=False)
            await monitor.record_pipeline_metric(0.0, *SCORES, success=True)
        await monitor.record_stage_metric(stage="publication", duration=1.0, success=True)
        await monitor.record_pipeline_metric(1.0, *SCORES, success=False)
        with pytest.raises(ValueError, match="success"):
            await monitor.record_pipeline_metric(2.0, *SCORES, success="yes")  # type: ignore[arg-type]

    asyncio.run(main())
    assert outcomes(metrics, factory) == {0: True, 1: False}
