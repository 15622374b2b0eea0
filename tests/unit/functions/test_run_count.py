"""``pipeline_run_count``, the CUMULATIVE count of pipeline runs: its catalog entry, its per-window
increases, the lanes' counters (fixed start, running total, baselines), and exact accounting through
the writer and the collector when Monitoring refuses, fails or leaves a write's fate unknown."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest

from helios_metrics.contract.catalog import MetricSpec, spec
from helios_metrics.contract.wire import PipelineEvent
from helios_metrics.functions.aggregate import AggregatedPoint, AggregationLimits, WindowAggregator
from helios_metrics.functions.collector import Collector
from helios_metrics.functions.contribution import Contribution
from helios_metrics.functions.journal import Journal
from helios_metrics.functions.timeseries import (
    MAX_START_AGE_NS,
    LaneBook,
    ResourceIdentity,
    SeriesPoint,
    to_series_points,
)
from helios_metrics.functions.writer import MonitoringWriter
from tests.unit.functions.fakes import FakeMetricService, FakeSource

S = 1_000_000_000
W = 60 * S
NOW = 1_764_000_000 * S - (1_764_000_000 * S) % W + 30 * S  # mid-window
COUNT = spec("pipeline_run_count")
RESOURCE = ResourceIdentity("c-test", location="us-central1")


class FakeClock:
    def __init__(self, step: float = 0.0) -> None:
        self.t, self.step = 0.0, step

    def monotonic(self) -> float:
        self.t += self.step
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def run_event(minutes_ago: float, success: bool = True) -> tuple:
    return ("p", int(NOW - minutes_ago * W), 120.0, 0.8, 0.9, 0.9, 0.95, success)


def collector(
    source: FakeSource, client: FakeMetricService, clock: FakeClock | None = None, **kwargs: Any
) -> Collector:
    from helios_metrics.contract.settings import Settings

    clock = clock or FakeClock()
    writer = MonitoringWriter(client, "p", clock=clock.monotonic, sleep=clock.sleep)
    settings = Settings(project_id="p", collect_budget_seconds=30)
    return Collector(settings, source, writer, kwargs.pop("instance", "c-test"), lambda: NOW, clock.monotonic, **kwargs)


def stored(client: FakeMetricService) -> dict[tuple, list[tuple[int, int, int]]]:
    """The accepted points of pipeline_run_count per series (status, task_id): (start, end, value)."""
    out: dict[tuple, list[tuple[int, int, int]]] = {}
    for ts in client.written("pipeline_run_count"):
        interval = ts.points[0].interval
        key = (ts.metric.labels["status"], ts.resource.labels["task_id"])
        point = (interval.start_time.ToNanoseconds(), interval.end_time.ToNanoseconds(), ts.points[0].value.int64_value)
        out.setdefault(key, []).append(point)
    return out


def increases(client: FakeMetricService) -> dict[tuple[str, int], int]:
    """What ALIGN_DELTA per window reads from the stored series, summed over task_ids: each point's
    value minus its series' previous one (the first: its value, counted from the start time).
    Asserts what Monitoring requires of a CUMULATIVE series: one start time, increasing ends."""
    out: dict[tuple[str, int], int] = {}
    for (status, _), points in stored(client).items():
        assert len({start for start, _, _ in points}) == 1, points
        assert [end for _, end, _ in points] == sorted({end for _, end, _ in points}), points
        assert all(start < end for start, end, _ in points)
        previous = 0
        for _, end, value in points:
            assert value >= previous, points  # a running total never goes down
            if value != previous:
                out[(status, end)] = out.get((status, end), 0) + value - previous
            previous = value
    return out


def by_status(counts: dict[tuple[str, int], int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for (status, _), value in counts.items():
        out[status] = out.get(status, 0) + value
    return out


def gauge_runs(client: FakeMetricService) -> dict[str, int]:
    out: dict[str, int] = {}
    for ts in client.written("pipeline_runs"):
        out[ts.metric.labels["status"]] = out.get(ts.metric.labels["status"], 0) + ts.points[0].value.int64_value
    return {status: runs for status, runs in out.items() if runs}


# --- the catalog ----------------------------------------------------------------------------------
def test_the_catalog_entry_is_a_cumulative_int64_count_by_status():
    descriptor = COUNT.descriptor("p")
    assert (descriptor["metric_kind"], descriptor["value_type"], descriptor["unit"]) == ("CUMULATIVE", "INT64", "1")
    assert [label["key"] for label in descriptor["labels"]] == ["status"]
    assert COUNT.labels[0].values == ("success", "failure")
    assert (COUNT.reduction.aligner, COUNT.reduction.reducer) == ("ALIGN_DELTA", "REDUCE_SUM")
    assert spec("pipeline_runs").descriptor("p")["metric_kind"] == "GAUGE"  # the dashboards' count stays


def test_only_an_int64_count_can_be_cumulative():
    with pytest.raises(ValueError, match=r"^kind: a CUMULATIVE metric must be an INT64 count"):
        MetricSpec("x", "DOUBLE", "1", "d", "X", "mean", kind="CUMULATIVE")


# --- the aggregator: one increase per window, in pairs -------------------------------------------
def test_each_window_counts_its_runs_as_the_gauge_does_with_the_other_status_a_zero():
    agg = WindowAggregator(AggregationLimits(), NOW)
    base = NOW - NOW % W - 10 * W
    agg.add_message(
        [PipelineEvent(base + i * S, 100.0, 0.5, 0.5, 0.5, 0.5, i != 3) for i in range(5)]
        + [PipelineEvent(base + W + 1, 100.0, 0.5, 0.5, 0.5, 0.5, True)]
    )
    points = {(p.metric.name, p.labels["status"], p.window_end_ns - base): p.value for p in agg.points() if p.labels}
    for metric in ("pipeline_runs", "pipeline_run_count"):
        assert {k[1:]: v for k, v in points.items() if k[0] == metric} == {
            ("success", W): 4,
            ("failure", W): 1,
            ("success", 2 * W): 1,
            ("failure", 2 * W): 0,  # the pair's zero
        }


def test_a_redelivery_adds_only_the_count_that_was_not_written():
    agg = WindowAggregator(AggregationLimits(), NOW)
    end = NOW - NOW % W
    event = PipelineEvent(end - 30 * S, 100.0, 0.5, 0.5, 0.5, 0.5, True)
    written = {("pipeline_runs", ("success",), end)}  # the gauge landed, the count did not
    outcome = agg.add_message([event, event], skip=written)
    values = {
        (p.metric.name, p.labels.get("status")): p.value
        for p in agg.points()
        if p.contribution in outcome.contributions
    }
    assert values[("pipeline_run_count", "success")] == 2
    assert ("pipeline_runs", "success") not in values


# --- lanes, start times, baselines ---------------------------------------------------------------
def point(end: int, value: int, status: str = "success") -> AggregatedPoint:
    return AggregatedPoint(COUNT, {"status": status}, end, value, Contribution(COUNT.name, (status,), end))


def mapped(points: list[AggregatedPoint], lanes: LaneBook) -> list[tuple[int, int, int, int]]:
    """(lane, start, end, increase) of each mapped point, times in windows."""
    return [
        (p.lane, p.counter.start_ns // W if p.counter else -1, p.end_ns // W, p.increase)
        for p in to_series_points(points, lanes, RESOURCE)
    ]


def test_a_series_keeps_one_start_per_lane_and_an_increase_after_a_gap_gets_its_baseline():
    lanes = LaneBook()
    assert mapped([point(10 * W, 2)], lanes) == [(0, 9, 10, 2)]  # a new lane starts at its window's start
    assert mapped([point(11 * W, 1)], lanes) == [(0, 9, 11, 1)]  # the next window: no baseline needed
    assert mapped([point(23 * W, 1)], lanes) == [(0, 9, 22, 0), (0, 9, 23, 1)]  # 12 minutes later: a baseline
    assert mapped([point(30 * W, 0)], lanes) == [(0, 9, 30, 0)]  # a zero raises nothing: no baseline


def test_a_late_or_repeated_window_opens_a_lane_of_its_own_with_its_own_start():
    lanes = LaneBook()
    assert mapped([point(20 * W, 1)], lanes) == [(0, 19, 20, 1)]
    assert mapped([point(20 * W, 1)], lanes) == [(1, 19, 20, 1)]  # the rest of window 20
    assert mapped([point(15 * W, 1)], lanes) == [(2, 14, 15, 1)]  # a late event
    assert mapped([point(25 * W, 1)], lanes) == [(0, 19, 24, 0), (0, 19, 25, 1)]  # lane 0 goes on


def test_a_lane_whose_start_is_a_day_old_takes_no_more_points():
    lanes = LaneBook()
    first = 10 * W
    assert mapped([point(first, 1)], lanes) == [(0, 9, 10, 1)]
    later = first + MAX_START_AGE_NS + 2 * W
    lanes.advance(later)
    assert mapped([point(later, 1)], lanes) == [(1, later // W - 1, later // W, 1)]
    assert mapped([point(later + W, 1)], lanes) == [(1, later // W - 1, later // W + 1, 1)]


# --- the writer: values are totals, fixed at first send ------------------------------------------
def write(client: FakeMetricService, points: list[SeriesPoint], deadline: float = 60.0) -> Any:
    clock = FakeClock()
    return MonitoringWriter(client, "p", clock=clock.monotonic, sleep=clock.sleep).write(points, deadline)


def values_sent(client: FakeMetricService) -> list[tuple[int, int]]:
    return [
        (ts.points[0].interval.end_time.ToNanoseconds() // W, ts.points[0].value.int64_value)
        for request in client.requests
        for ts in request
        if ts.metric.type.endswith("/pipeline_run_count")
    ]


def test_each_point_carries_the_total_so_far_from_the_series_start():
    client, lanes = FakeMetricService(), LaneBook()
    write(client, to_series_points([point(10 * W, 2), point(11 * W, 3), point(14 * W, 1)], lanes, RESOURCE))
    ((key, points),) = stored(client).items()
    assert key == ("success", "c-test")
    assert [(start // W, end // W, value) for start, end, value in points] == [
        (9, 10, 2),
        (9, 11, 5),
        (9, 13, 5),  # the baseline: the total unchanged, at the start of window 14
        (9, 14, 6),
    ]
    assert [ts.metric_kind for ts in client.accepted] == [3] * 4  # CUMULATIVE


def test_a_refused_point_adds_nothing_and_never_stops_the_next_points_of_its_series():
    reason = "Field timeSeries[0].points[0].value had an invalid value: refused for the test."
    refuse_window_11 = lambda i, ts: (  # noqa: E731
        (grpc.StatusCode.INVALID_ARGUMENT, reason) if ts.points[0].interval.end_time.ToNanoseconds() == 11 * W else None
    )
    client, lanes = FakeMetricService(rules=[refuse_window_11]), LaneBook()
    report = write(client, to_series_points([point(10 * W, 2), point(11 * W, 3), point(12 * W, 1)], lanes, RESOURCE))
    assert [(p.end_ns // W, why) for p, why in report.permanent] == [(11, reason)]
    assert [(end // W, value) for _, end, value in stored(client)[("success", "c-test")]] == [(10, 2), (12, 3)]


def test_a_point_retried_after_a_transient_failure_is_sent_with_the_same_value():
    unavailable_once = [(grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")]
    rule = lambda i, ts: unavailable_once.pop() if unavailable_once else None  # noqa: E731
    client, lanes = FakeMetricService(rules=[rule]), LaneBook()
    write(client, to_series_points([point(10 * W, 2)], lanes, RESOURCE))
    write(client, to_series_points([point(11 * W, 3)], lanes, RESOURCE))
    assert values_sent(client) == [(10, 2), (10, 2), (11, 5)]


def test_an_attempt_that_landed_and_timed_out_is_recognised_by_its_identical_retry():
    client = FakeMetricService(call_failures=[grpc.StatusCode.DEADLINE_EXCEEDED], apply_failed_calls=True)
    lanes = LaneBook()
    report = write(client, to_series_points([point(10 * W, 2)], lanes, RESOURCE))
    assert values_sent(client) == [(10, 2), (10, 2)]  # refused as written in order the second time
    assert (len(report.written), report.transient, report.doubtful) == (1, [], [])
    write(client, to_series_points([point(11 * W, 1)], lanes, RESOURCE))
    assert [value for _, _, value in stored(client)[("success", "c-test")]] == [2, 3]


def test_a_point_whose_fate_stays_unknown_holds_its_lane_until_it_is_read_back():
    client = FakeMetricService(call_failures=[grpc.StatusCode.DEADLINE_EXCEEDED] * 100, apply_failed_calls=True)
    lanes = LaneBook()
    report = write(client, to_series_points([point(10 * W, 2)], lanes, RESOURCE), deadline=1.0)
    [doubtful] = report.doubtful
    assert doubtful.counter is not None
    assert doubtful.counter.doubt == (10 * W, 2)
    client.call_failures.clear()
    held = write(client, to_series_points([point(12 * W, 1)], lanes, RESOURCE))
    assert [why for _, why in held.transient] == [
        "held back: an earlier point of its series may have been written; it is read back first"
    ] * 2  # the baseline and the point: neither may claim a total
    doubtful.counter.resolve(landed=True)
    write(client, to_series_points([point(13 * W, 1)], lanes, RESOURCE))
    assert [value for _, _, value in stored(client)[("success", "c-test")]] == [2, 3]


# --- the collector: exact accounting ----------------------------------------------------------------
def test_runs_over_many_collections_read_back_per_window_as_the_gauge_counts_them():
    source, client = FakeSource(), FakeMetricService()
    c = collector(source, client)
    summaries = []
    for batch, minutes_ago in enumerate((60, 48, 36, 24, 12, 0.5)):  # one run every 12 minutes
        source.publish("pipeline", batch, [run_event(minutes_ago, success=batch != 2)])
        summaries.append(c.collect_once())
    assert [s.acked for s in summaries] == [1] * 6
    assert by_status(increases(client)) == gauge_runs(client) == {"success": 5, "failure": 1}
    windows = {end for (_, end) in increases(client)}
    assert len(windows) == 6  # each run read back in its own window
    # the cost: a run that raises a total whose series' previous point is 12 minutes old writes its
    # baseline first, in a request of its own (the first run opens both series, the failure one
    # with its pair's zero)
    assert [s.requests for s in summaries] == [1, 2, 2, 2, 2, 2]
    counts = [len([ts for ts in r if ts.metric.type.endswith("/pipeline_run_count")]) for r in client.requests]
    assert sum(counts) == 2 + 5 * 3  # a total per status, and the baseline of the one that grew


def test_a_partial_failure_on_the_count_retries_only_it_and_redelivery_counts_it_once():
    down = {"on": True}
    unavailable = lambda i, ts: (  # noqa: E731
        (grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")
        if down["on"] and ts.metric.type.endswith("/pipeline_run_count")
        else None
    )
    source, client = FakeSource(), FakeMetricService(rules=[unavailable])
    c = collector(source, client, FakeClock(step=0.5))
    source.publish("pipeline", 0, [run_event(30), run_event(30, success=False)])
    first = c.collect_once(budget_s=5)
    assert (first.acked, first.not_acked) == (0, 1)
    assert stored(client) == {}
    down["on"] = False
    source.publish("pipeline", 1, [run_event(20)])
    second = c.collect_once()
    assert (second.acked, second.not_acked, second.duplicates) == (2, 0, 0)
    assert gauge_runs(client) == {"success": 2, "failure": 1}  # the gauge was written once, in the first run
    assert by_status(increases(client)) == {"success": 2, "failure": 1}
    lanes = {task for (_, task) in stored(client)}
    assert lanes == {"c-test", "c-test-1"}  # the retried window on a lane of its own


def test_a_doubtful_count_is_read_back_before_the_next_pull_and_never_written_twice():
    client = FakeMetricService()
    source = FakeSource()
    c = collector(source, client, FakeClock(step=0.5))
    source.publish("pipeline", 0, [run_event(30)])
    client.call_failures = [grpc.StatusCode.DEADLINE_EXCEEDED] * 100
    client.apply_failed_calls = True  # every timed-out attempt landed
    first = c.collect_once(budget_s=3)
    assert (first.acked, first.not_acked) == (0, 1)
    client.call_failures.clear()
    client.read_failures = [grpc.StatusCode.UNAVAILABLE]
    blocked = c.collect_once()  # Monitoring cannot answer: nothing is pulled
    assert (blocked.transient_failure, blocked.pulled) == (True, 0)
    second = c.collect_once()
    assert (second.events, second.acked, second.not_acked) == (1, 1, 0)
    assert by_status(increases(client)) == gauge_runs(client) == {"success": 1}


def test_a_successor_reads_back_the_doubts_its_predecessor_journaled(tmp_path):
    source, client = FakeSource(), FakeMetricService()
    journal = Journal(tmp_path / "ledger.journal")
    dead = collector(source, client, FakeClock(step=0.5), journal=journal)
    source.publish("pipeline", 0, [run_event(30), ("s", int(NOW - 30 * W), "publication", 1.0, True, 0, None)])
    client.call_failures = [grpc.StatusCode.DEADLINE_EXCEEDED] * 100
    client.apply_failed_calls = True
    assert dead.collect_once(budget_s=3).not_acked == 1
    journal.close()  # the instance is gone; its doubts are in the journal
    records = [json.loads(line) for line in (tmp_path / "ledger.journal").read_text().splitlines()]
    assert [r.get("question") for r in records if "intent" in r] == [None, True]
    client.call_failures.clear()
    journal = Journal(tmp_path / "ledger.journal")
    successor = collector(source, client, instance="c-next", journal=journal)
    summary = successor.collect_once()
    journal.close()
    assert (summary.events, summary.acked, summary.not_acked) == (2, 1, 0)  # its points all had landed
    assert by_status(increases(client)) == gauge_runs(client) == {"success": 1}
    assert {task for (_, task) in stored(client)} == {"c-test"}  # nothing to write again


def test_a_new_instance_starts_its_own_series_at_zero():
    source, client = FakeSource(), FakeMetricService()
    first, second = collector(source, client, instance="c-one"), collector(source, client, instance="c-two")
    source.publish("pipeline", 0, [run_event(30)] * 3)
    first.collect_once()
    source.publish("pipeline", 1, [run_event(29)] * 2)
    second.collect_once()
    series = stored(client)
    assert [value for _, _, value in series[("success", "c-one")]] == [3]
    assert [value for _, _, value in series[("success", "c-two")]] == [2]
    starts = {key: points[0][0] for key, points in series.items()}
    assert starts[("success", "c-two")] == NOW - NOW % W - 29 * W  # its first window's start
    assert by_status(increases(client)) == {"success": 5}


def test_the_journal_records_a_read_back_question_only_when_there_is_one(tmp_path):
    source, client = FakeSource(), FakeMetricService()
    journal = Journal(tmp_path / "ledger.journal")
    c = collector(source, client, journal=journal)
    source.publish("pipeline", 0, [run_event(5)])
    c.collect_once()
    journal.close()
    records = [json.loads(line) for line in (tmp_path / "ledger.journal").read_text().splitlines()]
    assert [("intent" in r, r.get("question")) for r in records] == [(True, None), (False, None)]
    [intent] = [r for r in records if "intent" in r]
    names = {p[0].rsplit("/", 1)[1] for p in intent["points"]}
    assert "pipeline_run_count" in names  # its points carry the messages' runs, like every count
