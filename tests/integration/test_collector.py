"""The collector end to end: the project's publisher → official Pub/Sub emulator → collector →
Monitoring emulator, read back with ListTimeSeries."""

from __future__ import annotations

import bisect
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.catalog import DURATION_BUCKETS
from helios_metrics.contract.wire import encode_message
from helios_metrics.functions import Collector
from helios_metrics.monitoring_emulator.launch import MonitoringEmulatorProcess, start_monitoring_emulator
from helios_metrics.publisher import MetricsPublisher, PublisherOptions
from tests.helpers import HELIOS, collector_resources, drain_events, minute_floor, read, totals

HAPPY_REJECTIONS = ("order", "spacing", "duplicate")


@pytest.fixture(scope="module")
def monitoring_for_collector(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A Monitoring emulator for this module alone: at the end, its counters must show that the
    collector never provoked an ordering, spacing or duplicate rejection."""
    process = start_monitoring_emulator(log_dir=tmp_path_factory.mktemp("collector-monitoring"))
    yield process
    rejections = process.admin.stats()["rejections"]
    process.stop()
    assert {k: v for k, v in rejections.items() if k in HAPPY_REJECTIONS} == {}, rejections


@dataclass
class Stack:
    settings: Settings
    factory: ClientFactory
    monitoring: MonitoringEmulatorProcess

    def collector(self, **kwargs: Any) -> Collector:
        f = self.factory
        return Collector.from_clients(
            self.settings, f.subscriber(), f.publisher_api(), f.metric_service(), pull_wait_s=1.0, **kwargs
        )

    def publish_raw(self, data: bytes, attributes: dict[str, str]) -> None:
        self.factory.publisher_api().publish(
            topic=self.settings.topic_path, messages=[{"data": data, "attributes": attributes}]
        )

    def totals(self, metric: str, since: float, group_by: tuple[str, ...] = ("stage",), **kwargs: Any) -> dict:
        """``metric`` summed over everything written since ``since``, per ``group_by``."""
        client, project = self.factory.metric_service(), self.settings.project_id
        return totals(client, project, metric, since - 120, time.time() + 120, group_by, **kwargs)

    def dead_letters(self, expected: int) -> list[Any]:
        subscriber = self.factory.subscriber()
        path = f"projects/{self.settings.project_id}/subscriptions/dead-letters"
        found: list[Any] = []
        deadline = time.monotonic() + 20
        while len(found) < expected and time.monotonic() < deadline:
            response = subscriber.pull(subscription=path, max_messages=100, timeout=5)
            found += [m.message for m in response.received_messages]
            if response.received_messages:
                subscriber.acknowledge(subscription=path, ack_ids=[m.ack_id for m in response.received_messages])
        return found


@pytest.fixture
def stack(pubsub_emulator, monitoring_for_collector, project_id, tmp_path) -> Stack:
    settings = Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring_for_collector.address,
        collect_budget_seconds=20,
        spool_dir=str(tmp_path / "spool"),
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings)
    yield Stack(settings, factory, monitoring_for_collector)
    monitoring_for_collector.admin.clear_faults()


def window_start(seconds_ago: int = 600) -> tuple[float, int]:
    """An instant inside one 60 s window in the past, in seconds and as an event clock (ns): events
    stamped by it share one window, so no test waits for the wall clock to reach a fresh one."""
    start = minute_floor(seconds_ago)
    return float(start), (start + 1) * 1_000_000_000


def fixed_clock(ns: int) -> Callable[[], int]:
    return lambda: ns


def record_known_set(metrics: MetricsPublisher) -> dict[str, Any]:
    expected: dict[str, Any] = {"runs": {}, "errors": {}, "durations": {}, "values": {}, "pipeline": {}}
    for i in range(100):
        stage = "trend_discovery" if i % 2 else "design_generation"
        status = "success" if i % 4 else "failure"
        metrics.record_stage_metric(stage, 0.5 * i, i % 4 != 0, i % 3, {"trends_found": i})
        expected["runs"][(stage, status)] = expected["runs"].get((stage, status), 0) + 1
        expected["errors"][(stage,)] = expected["errors"].get((stage,), 0) + i % 3
        expected["durations"].setdefault((stage, status), []).append(0.5 * i)
        expected["values"].setdefault((stage, "trends_found"), []).append(i)
    for i in range(10):
        status = "success" if i % 5 else "failure"
        metrics.record_pipeline_metric(100.0 + 10 * i, i / 10, 0.5, 0.25 * (i % 5), 1.0, i % 5 != 0)
        expected["pipeline"].setdefault((status,), []).append(100.0 + 10 * i)
    for value in (0.1, 0.2, 0.3, 0.6):
        metrics.record("resource_utilization", value, resource="cpu")
    return expected


def bucket_counts(values: list[float]) -> list[int]:
    bounds = DURATION_BUCKETS.bounds()
    counts = [0] * (len(bounds) + 1)
    for value in values:
        counts[bisect.bisect_right(bounds, value)] += 1
    while counts and counts[-1] == 0:
        counts.pop()
    return counts


def test_a_known_event_set_is_written_exactly(stack):
    started, event_ns = window_start()
    metrics = MetricsPublisher(settings=stack.settings, clock=fixed_clock(event_ns))
    expected = record_known_set(metrics)
    assert metrics.flush(10).failed == 0
    summary = stack.collector().collect_once()
    assert (summary.events, summary.duplicates, summary.dead_lettered, summary.not_acked) == (114, 0, 0, 0)
    assert summary.acked == summary.pulled
    assert summary.requests == 1  # every series fits one request: the minimum
    client, project = stack.factory.metric_service(), stack.settings.project_id
    span = (started - 120, time.time() + 120)
    # runs come in pairs: a stage with no failure in the window gets a zero failure point
    assert totals(client, project, "stage_runs", *span, ("stage", "status")) == {
        **expected["runs"],
        ("trend_discovery", "failure"): 0,
    }
    assert totals(client, project, "stage_errors", *span, ("stage",)) == expected["errors"]
    durations = totals(client, project, "stage_duration", *span, ("stage", "status"))
    for key, values in expected["durations"].items():
        got = durations[key]
        assert got.count == len(values)
        assert got.mean == pytest.approx(sum(values) / len(values))
        assert list(got.bucket_counts) == bucket_counts(values)
        assert (got.range.min, got.range.max) == (min(values), max(values))
    means = totals(client, project, "stage_value", *span, ("stage", "key"), aligner=12, reducer=1)  # MEAN, MEAN
    assert means == {k: pytest.approx(sum(v) / len(v)) for k, v in expected["values"].items()}
    runs = totals(client, project, "pipeline_runs", *span, ("status",))
    assert runs == {("success",): 8, ("failure",): 2}
    execution = totals(client, project, "pipeline_execution_time", *span, ("status",))
    assert execution[("failure",)].mean == pytest.approx(125.0)
    score = totals(client, project, "trend_opportunity_score", *span)[()]
    assert (score.count, score.mean) == (10, pytest.approx(0.45))
    cpu = totals(client, project, "resource_utilization", *span, ("resource",), aligner=12, reducer=1)
    assert cpu == {("cpu",): pytest.approx(0.3)}
    own = totals(client, project, "collector_events", *span, ("outcome",))
    assert own == {("processed",): 114}
    metrics.close()


def _bad_messages() -> list[tuple[str, bytes, dict[str, str]]]:
    good_attrs = {"schema": "helios.metrics.v1", "encoding": "identity"}
    t = time.time_ns()

    def envelope(events: list[Any], producer: str) -> bytes:
        return json.dumps({"v": 1, "producer": producer, "batch": 0, "events": events}).encode()

    return [
        ("not_decodable", b"\x89PNG not json at all", good_attrs),
        ("schema", envelope([["s", t, "ok", 1.0, True, 0, None]], "p1"), {"schema": "someone.else.v3"}),
        ("types", envelope([["s", t, "ok", "slow", True, 0, None]], "p2"), good_attrs),
        ("not_decodable", envelope([["s", t, "ok", 1.0, True, 0, None]], "p3").replace(b"1.0", b"NaN"), good_attrs),
        ("range", envelope([["p", t, 10.0, 1.5, 0.5, 0.5, 0.5, True]], "p4"), good_attrs),
        ("oversized", envelope([["s", t, "ok", 1.0, True, 0, None]] * 10_001, "p5"), good_attrs),
        ("unknown_metric", envelope([["m", t, "made_up_metric", 1.0, {}]], "p6"), good_attrs),
    ]


def test_malformed_messages_are_dead_lettered_with_their_reason_and_the_rest_is_written(stack):
    started, event_ns = window_start()
    metrics = MetricsPublisher(settings=stack.settings, clock=fixed_clock(event_ns))
    metrics.record_stage_metric("before", 1.0)
    metrics.flush(10)
    bad = _bad_messages()
    for _, data, attributes in bad:
        stack.publish_raw(data, attributes)
    metrics.record_stage_metric("after", 2.0)
    metrics.flush(10)
    summary = stack.collector().collect_once()
    assert summary.dead_lettered == len(bad)
    assert (summary.events, summary.not_acked, summary.acked) == (2, 0, summary.pulled)
    letters = stack.dead_letters(len(bad))
    assert sorted(m.attributes["dead_letter_reason"] for m in letters) == sorted(kind for kind, _, _ in bad)
    by_reason = {m.attributes["dead_letter_reason"]: m for m in letters}
    assert "events[0].trend_opportunity_score" in by_reason["range"].attributes["dead_letter_detail"]
    assert "events[0].duration" in by_reason["types"].attributes["dead_letter_detail"]
    assert all(m.attributes["original_message_id"] for m in letters)
    assert by_reason["not_decodable"].data in {data for _, data, _ in bad}  # the original bytes, untouched
    runs = stack.totals("stage_runs", started, ("stage",))
    assert runs == {("before",): 1, ("after",): 1}
    metrics.close()


def test_the_same_message_delivered_twice_is_counted_once(stack):
    started, event_ns = window_start()
    events = [("s", event_ns, "twice", 1.0, True, 0, None)] * 5
    message = encode_message("dup-producer", 42, events)
    stack.publish_raw(message.data, message.attributes)
    stack.publish_raw(message.data, message.attributes)  # the same batch again, as a retrying publisher would
    collector = stack.collector()
    first = collector.collect_once()
    assert (first.events, first.duplicates) == (5, 5)
    stack.publish_raw(message.data, message.attributes)  # and once more, after it was written
    second = collector.collect_once()
    assert (second.events, second.duplicates, second.points) == (0, 5, 1)  # only the collector's own count
    runs = stack.totals("stage_runs", started, ("stage",))
    assert runs == {("twice",): 5}


def test_an_unavailable_monitoring_leaves_messages_unacked_and_the_next_run_writes_once(stack):
    started, event_ns = window_start()
    metrics = MetricsPublisher(settings=stack.settings, clock=fixed_clock(event_ns))
    for i in range(50):
        metrics.record_stage_metric(f"stage_{i % 5}", 1.0)
    metrics.flush(10)
    stack.monitoring.admin.inject("CreateTimeSeries", "UNAVAILABLE", times=1000)
    collector = stack.collector()
    failed = collector.collect_once(budget_s=2)
    assert failed.transient_failure
    assert (failed.acked, failed.not_acked, failed.points) == (0, failed.pulled, 0)
    stack.monitoring.admin.clear_faults()
    again = collector.collect_once()
    assert (again.events, again.duplicates, again.not_acked) == (50, 0, 0)
    assert not again.transient_failure
    runs = stack.totals("stage_runs", started, ("stage",))
    assert runs == {(f"stage_{i}",): 10 for i in range(5)}
    metrics.close()


def test_a_partial_failure_retries_only_the_failed_series(stack):
    started, event_ns = window_start()
    metrics = MetricsPublisher(settings=stack.settings, clock=fixed_clock(event_ns))
    for stage in ("a_stage", "b_stage", "c_stage"):
        metrics.record_stage_metric(stage, 1.0)
    metrics.flush(10)
    admin = stack.monitoring.admin
    admin.inject("CreateTimeSeries", "INTERNAL", series_filter='metric.labels.stage = "b_stage"')
    before = admin.stats()
    summary = stack.collector().collect_once()
    after = admin.stats()
    calls = after["calls"]["CreateTimeSeries"] - before["calls"]["CreateTimeSeries"]
    received = after["series_received"] - before["series_received"]
    # the data request, its retry, and the run's own points afterwards (write-error count and heartbeat)
    assert calls == 3
    assert received == summary.points + 1 + 2  # all series, then only the failed one, then the run's own two
    assert (summary.acked, summary.not_acked, summary.transient_failure) == (summary.pulled, 0, False)
    runs = stack.totals("stage_runs", started, ("stage",))
    assert runs == {("a_stage",): 1, ("b_stage",): 1, ("c_stage",): 1}
    errors = stack.totals("collector_write_errors", started, ("kind",))
    assert errors == {("transient",): 1}
    metrics.close()


def test_two_collectors_on_one_subscription_write_exact_totals(stack):
    started = time.time()
    # two events per message: each burst is 250 messages, more than one pull (at most 100) takes
    metrics = MetricsPublisher(settings=stack.settings, options=PublisherOptions(max_events_per_message=2))
    collectors = [stack.collector(), stack.collector()]
    processed = {c.instance: 0 for c in collectors}
    stop = threading.Event()
    errors: list[Exception] = []

    def run(collector: Collector) -> None:
        while not stop.is_set():
            try:
                processed[collector.instance] += collector.collect_once(budget_s=3).events
            except Exception as err:  # asserted below
                errors.append(err)

    workers = [threading.Thread(target=run, args=(c,)) for c in collectors]
    for worker in workers:
        worker.start()
    for burst in range(6):
        for i in range(500):
            metrics.record_stage_metric(f"stage_{i % 4}", 0.1 * burst, True, 1)
        metrics.flush(10)
        time.sleep(0.7)
    stop.set()
    for worker in workers:
        worker.join()
    for collector in collectors:
        processed[collector.instance] += collector.collect_once(budget_s=3).events
    assert errors == []
    assert sum(processed.values()) == 3000
    assert all(count > 0 for count in processed.values()), processed  # both really worked
    client, project = stack.factory.metric_service(), stack.settings.project_id
    span = (started - 120, time.time() + 120)
    assert totals(client, project, "stage_runs", *span, ("stage",)) == {(f"stage_{i}",): 750 for i in range(4)}
    assert totals(client, project, "stage_errors", *span, ("stage",)) == {(f"stage_{i}",): 750 for i in range(4)}
    metrics.close()


def test_a_day_of_back_dated_events_is_written_in_window_order(stack):
    now = time.time_ns()
    start = now - 24 * 3600 * 1_000_000_000
    events = [("s", start + i * 600 * 1_000_000_000, "backfill", float(i), True, 0, None) for i in range(144)]
    message = encode_message("spool-of-yesterday", 0, events)
    stack.publish_raw(message.data, message.attributes)
    before = stack.monitoring.admin.stats()["rejections"]
    summary = stack.collector().collect_once()
    assert (summary.events, summary.expired, summary.not_acked) == (144, 0, 0)
    assert stack.monitoring.admin.stats()["rejections"] == before
    client = stack.factory.metric_service()
    (series,) = read(
        client,
        stack.settings.project_id,
        f"{HELIOS}/stage_runs",
        start / 1e9 - 60,
        now / 1e9 + 120,
        'metric.labels.stage = "backfill" AND metric.labels.status = "success"',
    )
    assert len(series.points) == 144
    ends = [p.interval.end_time.timestamp() for p in series.points]
    assert ends == sorted(ends, reverse=True)  # newest first, one point per 10-minute window


def test_main_collect_metrics_through_the_functions_framework(stack, monkeypatch):
    from functions_framework import create_app

    for variable, value in {
        "GOOGLE_CLOUD_PROJECT": stack.settings.project_id,
        "PUBSUB_EMULATOR_HOST": stack.settings.pubsub_emulator_host,
        "MONITORING_EMULATOR_HOST": stack.settings.monitoring_emulator_host,
        "HELIOS_COLLECT_BUDGET_SECONDS": "2",
    }.items():
        monkeypatch.setenv(variable, value)
    metrics = MetricsPublisher(settings=stack.settings)
    for _ in range(3):
        metrics.record_stage_metric("via_http", 1.0)
    metrics.flush(10)
    client = create_app("collect_metrics", "main.py").test_client()
    response = client.post("/")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["events"], body["not_acked"]) == (3, 0)
    metrics.record_stage_metric("via_http", 1.0)
    metrics.flush(10)
    stack.monitoring.admin.inject("CreateTimeSeries", "UNAVAILABLE", times=1000)
    failing = client.post("/")
    assert failing.status_code == 500
    assert failing.get_json()["not_acked"] == 1
    metrics.close()


def test_dead_letters_do_not_touch_good_messages_in_the_same_pull(stack):
    """A bad message between good ones is dead-lettered while all the good ones are acked."""
    metrics = MetricsPublisher(settings=stack.settings)
    for i in range(3):
        metrics.record_stage_metric("good", float(i))
        metrics.flush(10)
        stack.publish_raw(b"garbage", {"schema": "helios.metrics.v1"})
    summary = stack.collector().collect_once()
    assert (summary.pulled, summary.acked, summary.dead_lettered, summary.events) == (6, 6, 3, 3)
    assert len(drain_events(stack.factory, stack.settings.subscription_path, 1, timeout=2)) == 0
    metrics.close()


# --- pipeline_run_count at the store's volume ---------------------------------------------------
RUN_EVERY_S = 12 * 60
FAILED_RUNS = frozenset({6, 17})  # 2 of 21: about the store's 92 % success


def per_window(
    stack: Stack, metric: str, start: int, end: int, aligner: int, reducer: int = 4
) -> dict[tuple[str, int], float]:
    """(status, window end) → the aligned value, per 60 s period over (start, end], summed across
    task_ids; periods whose value is 0 are left out."""
    found = read(
        stack.factory.metric_service(),
        stack.settings.project_id,
        f"{HELIOS}/{metric}",
        start,
        end,
        aggregation={
            "alignment_period": {"seconds": 60},
            "per_series_aligner": aligner,
            "cross_series_reducer": reducer,
            "group_by_fields": ["metric.labels.status"],
        },
    )
    out: dict[tuple[str, int], float] = {}
    for ts in found:
        for point in ts.points:
            value = point.value.double_value if aligner == 2 else point.value.int64_value
            if value:
                out[(ts.metric.labels["status"], int(point.interval.end_time.timestamp()))] = value
    return out


def test_runs_at_the_stores_volume_read_back_per_window_from_the_cumulative_count(stack):
    """A run every 12 minutes for four hours, back-dated, each collected by the next scheduled run
    as deployed — one run's message arriving late, and the instance recycled halfway. ALIGN_DELTA
    per 60 s window over pipeline_run_count gives back exactly what pipeline_runs counts."""
    first = minute_floor(4 * 3600 + 900)
    runs = [(first + i * RUN_EVERY_S + 30, i not in FAILED_RUNS) for i in range(21)]
    collector = stack.collector()

    def record(i: int) -> None:
        at, success = runs[i]
        metrics = MetricsPublisher(settings=stack.settings, clock=fixed_clock(at * 1_000_000_000))
        metrics.record_pipeline_metric(100.0 + i, 0.8, 0.9, 0.9, 0.95, success)
        assert metrics.flush(10).failed == 0
        metrics.close()

    for i in range(len(runs)):
        if i == 11:
            collector = stack.collector()  # the function instance was recycled: a new task_id
        if i != 8:  # run 8's message arrives late, after run 9 was collected
            record(i)
        assert collector.collect_once().not_acked == 0
        if i == 9:
            record(8)
            assert collector.collect_once().events == 1
    start, end = first - 120, minute_floor(0) + 120
    counted = per_window(stack, "pipeline_run_count", start, end, aligner=1)  # ALIGN_DELTA
    gauge = per_window(stack, "pipeline_runs", start, end, aligner=14)  # ALIGN_SUM
    expected = {("success" if ok else "failure", (at // 60 + 1) * 60): 1 for at, ok in runs}
    assert counted == gauge == expected
    rates = per_window(stack, "pipeline_run_count", start, end, aligner=2)  # ALIGN_RATE
    assert {key: round(rate * 60, 9) for key, rate in rates.items()} == expected
    summed = totals(
        stack.factory.metric_service(),
        stack.settings.project_id,
        "pipeline_run_count",
        start,
        end,
        ("status",),
        aligner=1,
    )
    assert summed == {("success",): 19, ("failure",): 2}

    series = read(stack.factory.metric_service(), stack.settings.project_id, f"{HELIOS}/pipeline_run_count", start, end)
    tasks = {ts.resource.labels["task_id"] for ts in series}
    assert len({task.split("-")[1] for task in tasks}) == 2  # two instances
    assert any(task.count("-") == 2 for task in tasks)  # the late run on a lane of its own
    for ts in series:  # what Monitoring requires of a CUMULATIVE series, and a total that only grows
        points = list(reversed(ts.points))  # oldest first
        assert len({p.interval.start_time.timestamp() for p in points}) == 1
        assert all(p.interval.start_time.timestamp() < p.interval.end_time.timestamp() for p in points)
        values = [p.value.int64_value for p in points]
        assert values == sorted(values)
        for previous, current in itertools.pairwise(points):  # each increase inside its window
            if current.value.int64_value > previous.value.int64_value:
                gap = current.interval.end_time.timestamp() - previous.interval.end_time.timestamp()
                assert gap == 60, (previous, current)


def test_an_invocation_writes_what_each_of_its_passes_pulled(stack):
    """Production's two passes a minute (30 s windows), the schedule on fake wall time: what arrives
    between the passes is written and acknowledged by the second, within the write rules (the
    module's emulator counts no order, spacing or duplicate rejection)."""
    from helios_metrics.functions.passes import run_passes

    started = time.time()
    settings = stack.settings.with_overrides(window_seconds=30)
    f = stack.factory
    collector = Collector.from_clients(settings, f.subscriber(), f.publisher_api(), f.metric_service(), pull_wait_s=1.0)
    metrics = MetricsPublisher(settings=stack.settings)
    metrics.record_stage_metric("first_pass", 1.0)
    metrics.flush(10)
    wall = [minute_floor(0) + 0.5]
    passes: list[float] = []

    def collect(budget: float) -> Any:
        passes.append(wall[0] % 60)
        summary = collector.collect_once(budget)
        wall[0] += 1.0
        return summary

    def sleep(seconds: float) -> None:  # the 28 s between the passes: another event is recorded
        wall[0] += seconds
        metrics.record_stage_metric("second_pass", 1.0)
        metrics.flush(10)

    summary = run_passes(collect, settings.window_seconds, settings.collect_budget_seconds, lambda: wall[0], sleep)
    assert passes == [0.5, 30.0]
    assert (summary.events, summary.acked, summary.not_acked, summary.transient_failure) == (2, 2, 0, False)
    assert stack.totals("stage_runs", started) == {("first_pass",): 1, ("second_pass",): 1}
    metrics.close()
