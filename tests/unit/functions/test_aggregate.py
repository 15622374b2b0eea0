"""Golden tests of the pure core: literal events in, expected aggregates out."""

from __future__ import annotations

import bisect

import pytest

from helios_metrics.contract.catalog import DURATION_BUCKETS, SCORE_BUCKETS
from helios_metrics.contract.wire import MetricEvent, PipelineEvent, StageEvent
from helios_metrics.functions.aggregate import AggregationLimits, DistributionValue, WindowAggregator

S = 1_000_000_000
BASE = 1_764_000_000 * S - (1_764_000_000 * S) % (60 * S)  # a window boundary
NOW = BASE + 600 * S


def stage(
    t_s: float,
    name: str = "trend_discovery",
    duration: float = 1.0,
    success: bool = True,
    errors: int = 0,
    data: dict | None = None,
) -> StageEvent:
    return StageEvent(int(BASE + t_s * S), name, duration, success, errors, data)


def values(aggregator: WindowAggregator) -> dict:
    out = {}
    for point in aggregator.points():
        key = (point.metric.name, tuple(point.labels.values()), (point.window_end_ns - BASE) // S)
        value = point.value
        if isinstance(value, DistributionValue):
            value = (value.count, round(value.mean, 9), value.low, value.high)
        out[key] = value
    return out


def test_stage_events_by_window_status_and_key():
    agg = WindowAggregator(AggregationLimits(), NOW)
    agg.add_message(
        [
            stage(5, duration=1.5, errors=1, data={"k": 10}),
            stage(30, duration=2.5, success=False, data={"k": 20}),
            stage(59.999, duration=0.5, data={"k": 30}),
            stage(60, duration=4.0, errors=2, data={"k": 30}),  # the next window: [60, 120)
        ]
    )
    assert values(agg) == {
        ("stage_duration", ("trend_discovery", "success"), 60): (2, 1.0, 0.5, 1.5),
        ("stage_runs", ("trend_discovery", "success"), 60): 2,
        ("stage_errors", ("trend_discovery",), 60): 1,
        ("stage_value", ("trend_discovery", "k"), 60): 20.0,  # mean of 10, 20, 30
        ("stage_duration", ("trend_discovery", "failure"), 60): (1, 2.5, 2.5, 2.5),
        ("stage_runs", ("trend_discovery", "failure"), 60): 1,
        ("stage_duration", ("trend_discovery", "success"), 120): (1, 4.0, 4.0, 4.0),
        ("stage_runs", ("trend_discovery", "success"), 120): 1,
        ("stage_runs", ("trend_discovery", "failure"), 120): 0,  # the pair's zero: no failed run in [60, 120)
        ("stage_errors", ("trend_discovery",), 120): 2,
        ("stage_value", ("trend_discovery", "k"), 120): 30.0,
    }


def test_pipeline_events_feed_duration_runs_and_the_four_scores():
    agg = WindowAggregator(AggregationLimits(), NOW)
    agg.add_message(
        [
            PipelineEvent(BASE + 1 * S, 120.5, 0.85, 0.92, 0.88, 0.95, True),
            PipelineEvent(BASE + 2 * S, 400.0, 0.45, 0.50, 0.00, 1.00, False),
            PipelineEvent(BASE + 3 * S, 99.5, 0.65, 0.70, 0.62, 0.50, True),
        ]
    )
    got = values(agg)
    assert got[("pipeline_execution_time", ("success",), 60)] == (2, 110.0, 99.5, 120.5)
    assert got[("pipeline_execution_time", ("failure",), 60)] == (1, 400.0, 400.0, 400.0)
    assert got[("pipeline_runs", ("success",), 60)] == 2
    assert got[("pipeline_runs", ("failure",), 60)] == 1
    assert got[("trend_opportunity_score", (), 60)] == (3, pytest.approx(0.65), 0.45, 0.85)
    assert got[("design_generation_success", (), 60)] == (3, pytest.approx(0.5), 0.0, 0.88)
    assert got[("publication_success", (), 60)] == (3, pytest.approx(0.8166666667), 0.5, 1.0)


def test_distribution_buckets_are_lower_inclusive():
    agg = WindowAggregator(AggregationLimits(), NOW)
    durations = [0.05, 0.1, 0.149, 0.1501, 300.0, 1e9]  # (the bound 0.1·1.5 is 0.15000000000000002)
    agg.add_message([stage(1, duration=d) for d in durations])
    (point,) = [p for p in agg.points() if p.metric.name == "stage_duration"]
    counts = point.value.counts
    bounds = DURATION_BUCKETS.bounds()
    assert counts[0] == 1  # 0.05 < 0.1: underflow
    assert counts[1] == 2  # [0.1, 0.15)
    assert counts[2] == 1  # just past 0.15: the next bucket
    assert counts[bisect.bisect_right(bounds, 300.0)] == 1
    assert counts[-1] == 1  # overflow
    assert sum(counts) == 6
    assert point.value.sum_of_squared_deviation == pytest.approx(
        sum((d - sum(durations) / 6) ** 2 for d in durations), rel=1e-9
    )


def test_scores_use_their_linear_buckets():
    agg = WindowAggregator(AggregationLimits(), NOW)
    agg.add_message([PipelineEvent(BASE + S, 1.0, score, 0.5, 0.5, 0.5, True) for score in (0.0, 0.049, 0.05, 1.0)])
    (point,) = [p for p in agg.points() if p.metric.name == "trend_opportunity_score"]
    assert point.value.buckets == SCORE_BUCKETS
    assert point.value.counts[:3] == [0, 2, 1]  # [0, 0.05) holds 0.0 and 0.049
    assert point.value.counts[-1] == 1  # 1.0 is at the last bound: the overflow bucket


def test_metric_events_use_their_catalog_aggregation():
    agg = WindowAggregator(AggregationLimits(), NOW)
    agg.add_message(
        [
            MetricEvent(BASE + S, "resource_utilization", 0.2, {"resource": "cpu"}),
            MetricEvent(BASE + 2 * S, "resource_utilization", 0.4, {"resource": "cpu"}),
            MetricEvent(BASE + 3 * S, "resource_utilization", 0.9, {"resource": "memory"}),
        ]
    )
    assert values(agg) == {
        ("resource_utilization", ("cpu",), 60): pytest.approx(0.3),
        ("resource_utilization", ("memory",), 60): 0.9,
    }


def test_late_events_land_in_their_own_window_and_very_old_or_future_ones_are_set_aside():
    now = BASE + 25 * 3600 * S
    agg = WindowAggregator(AggregationLimits(), now)
    outcome = agg.add_message(
        [
            stage(25 * 3600 - 3600),  # an hour before now: late, written in its own window
            stage(3600),  # 24 h before now: still writable
            stage(-60),  # a window ending 25 h before now: older than Monitoring accepts
            StageEvent(now + 600 * S, "trend_discovery", 1.0, True, 0, None),  # 10 minutes ahead
        ]
    )
    assert (outcome.processed, outcome.expired, outcome.future) == (2, 1, 1)
    windows = sorted({(p.window_end_ns - BASE) // S for p in agg.points()})
    assert windows == [3660, 25 * 3600 - 3600 + 60]


def test_contributions_already_written_are_skipped():
    agg = WindowAggregator(AggregationLimits(), NOW)
    skip = {("stage_runs", ("trend_discovery", "success"), BASE + 60 * S)}
    outcome = agg.add_message([stage(1, duration=2.0)], skip=skip)
    names = {p.metric.name for p in agg.points()}
    assert names == {"stage_duration", "stage_errors"}
    assert len(outcome.contributions) == 2


def test_cardinality_caps_refuse_new_stages_and_keys():
    agg = WindowAggregator(AggregationLimits(max_stages=1, max_data_keys=1), NOW)
    outcome = agg.add_message(
        [
            stage(1, name="first", data={"a": 1, "b": 2}),
            stage(2, name="second"),
        ]
    )
    assert outcome.refused == 2  # key b, and stage "second"
    assert {p.labels.get("stage") for p in agg.points()} == {"first"}
    assert [p.labels["key"] for p in agg.points() if p.metric.name == "stage_value"] == ["a"]


def test_message_outcomes_list_every_point_they_touch():
    agg = WindowAggregator(AggregationLimits(), NOW)
    first = agg.add_message([stage(1)])
    second = agg.add_message([stage(2), stage(61)])
    assert len(first.contributions) == 3
    assert first.contributions < second.contributions
    assert len(second.contributions) == 6
    assert len(agg.points()) == 6 + 2  # and the zero count of failed runs beside each window's successes


def test_lag_is_measured_from_event_time_to_now():
    agg = WindowAggregator(AggregationLimits(), BASE + 100 * S)
    agg.add_message([stage(40), stage(90)])
    assert (agg.lag.count, agg.lag.mean) == (2, 35.0)


def test_the_run_reports_how_late_its_events_arrived():
    agg = WindowAggregator(AggregationLimits(), NOW)
    assert agg.lag_point() is None  # nothing folded yet
    agg.add_message([stage(5), stage(15)])  # 595 s and 585 s before NOW: one message, lag at its mean time
    lag = agg.lag_point()
    assert lag is not None
    assert (lag.metric.name, lag.value.count, lag.value.mean) == ("collector_lag", 2, pytest.approx(590.0))
    assert lag.window_end_ns == agg.window_end(NOW)


def test_runs_are_written_in_pairs_a_zero_beside_each_count_whose_other_status_had_none():
    agg = WindowAggregator(AggregationLimits(), NOW)
    agg.add_message(
        [
            PipelineEvent(BASE + 1 * S, 100.0, 0.5, 0.5, 0.5, 0.5, True),
            PipelineEvent(BASE + 61 * S, 100.0, 0.5, 0.5, 0.5, 0.5, False),
            PipelineEvent(BASE + 62 * S, 100.0, 0.5, 0.5, 0.5, 0.5, True),
            stage(5, name="a"),
            stage(6, name="b", success=False),
        ]
    )
    got = values(agg)
    runs = {key: value for key, value in got.items() if key[0] in ("pipeline_runs", "stage_runs")}
    assert runs == {
        ("pipeline_runs", ("success",), 60): 1,
        ("pipeline_runs", ("failure",), 60): 0,
        ("pipeline_runs", ("success",), 120): 1,
        ("pipeline_runs", ("failure",), 120): 1,  # both had runs: no zero
        ("stage_runs", ("a", "success"), 60): 1,
        ("stage_runs", ("a", "failure"), 60): 0,
        ("stage_runs", ("b", "failure"), 60): 1,
        ("stage_runs", ("b", "success"), 60): 0,
    }
    # only counts of runs are paired: no zero duration, error count or execution time is made up
    assert ("pipeline_execution_time", ("failure",), 60) not in got
    assert ("stage_duration", ("a", "failure"), 60) not in got


def test_a_zero_belongs_to_no_message_so_it_never_holds_an_acknowledgement():
    agg = WindowAggregator(AggregationLimits(), NOW)
    outcome = agg.add_message([stage(1)])
    zeros = [p for p in agg.points() if p.value == 0 and p.metric.name == "stage_runs"]
    assert [(p.labels, p.contribution) for p in zeros] == [({"stage": "trend_discovery", "status": "failure"}, None)]
    carried = {p.contribution for p in agg.points() if p.contribution is not None}
    assert outcome.contributions == carried  # what the message waits on: its own points


def test_a_count_already_written_gets_no_new_zero():
    """A redelivered message whose runs count landed before: that earlier run wrote its pair."""
    agg = WindowAggregator(AggregationLimits(), NOW)
    skip = {("stage_runs", ("trend_discovery", "success"), BASE + 60 * S)}
    agg.add_message([stage(1)], skip=skip)
    assert [p for p in agg.points() if p.metric.name == "stage_runs"] == []
