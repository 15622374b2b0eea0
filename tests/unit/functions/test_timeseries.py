from __future__ import annotations

from helios_metrics.contract.catalog import spec
from helios_metrics.functions.aggregate import AggregatedPoint
from helios_metrics.functions.contribution import Contribution
from helios_metrics.functions.timeseries import (
    LaneBook,
    ResourceIdentity,
    heartbeat,
    schedule_requests,
    to_series_points,
)

S = 1_000_000_000
SERIES = ("custom.googleapis.com/helios/stage_runs", (("stage", "a"), ("status", "success")))


def test_successive_windows_share_lane_zero():
    lanes = LaneBook()
    assert [lanes.reserve(SERIES, end * S) for end in (60, 120, 180)] == [0, 0, 0]


def test_a_window_written_again_or_late_goes_to_the_next_lane_in_order():
    lanes = LaneBook()
    assert lanes.reserve(SERIES, 120 * S) == 0
    assert lanes.reserve(SERIES, 120 * S) == 1  # the rest of a partial window
    assert lanes.reserve(SERIES, 60 * S) == 2  # a late event for an older window
    assert lanes.reserve(SERIES, 180 * S) == 0  # back on lane 0: in order there again
    assert lanes.reserve(SERIES, 124 * S) == 2  # 64 s after lane 2's point, but only 4 s after lane 1's
    assert lanes.reserve(SERIES, 130 * S) == 1
    assert lanes.lanes_in_use() == 3


def test_task_ids_name_the_instance_and_the_lane():
    resource = ResourceIdentity("c-1a2b", location="us-central1")
    assert resource.labels(0) == {
        "location": "us-central1",
        "namespace": "helios",
        "job": "helios-metrics-collector",
        "task_id": "c-1a2b",
    }
    assert resource.labels(2)["task_id"] == "c-1a2b-2"


def _point(stage: str, end_s: int, carried: bool = False) -> AggregatedPoint:
    contribution = Contribution("stage_runs", (stage, "success"), end_s * S) if carried else None
    return AggregatedPoint(spec("stage_runs"), {"stage": stage, "status": "success"}, end_s * S, 1, contribution)


def test_mapping_assigns_lanes_oldest_window_first():
    points = [_point("a", 180, True), _point("a", 60, True), _point("a", 120, True)]
    mapped = to_series_points(points, LaneBook(), ResourceIdentity("c-x"))
    assert [(p.end_ns // S, p.lane) for p in mapped] == [(60, 0), (120, 0), (180, 0)]
    assert [p.contribution for p in mapped] == [points[1].contribution, points[2].contribution, points[0].contribution]
    assert mapped[0].metric_type == "custom.googleapis.com/helios/stage_runs"
    assert mapped[0].value_type == "INT64"


def test_scheduling_reaches_the_minimum_number_of_requests():
    mapped = to_series_points([_point(f"s{i}", 60) for i in range(450)], LaneBook(), ResourceIdentity("c"))
    assert [len(r) for r in schedule_requests(mapped)] == [200, 200, 50]
    chain = [_point("long", end) for end in (60, 120, 180, 240)]
    mapped = to_series_points([*chain, *[_point(f"s{i}", 60) for i in range(250)]], LaneBook(), ResourceIdentity("c"))
    requests = schedule_requests(mapped)
    assert len(requests) == max(-(-254 // 200), 4)  # the longest chain (4 windows) bounds it
    for request in requests:
        assert len({p.series for p in request}) == len(request) <= 200
    long_ends = [p.end_ns for request in requests for p in request if p.metric_labels["stage"] == "long"]
    assert long_ends == sorted(long_ends)


def test_a_heartbeat_is_one_run_at_the_instant_the_run_completed():
    beat = heartbeat(1_000 * S + 123, LaneBook(), ResourceIdentity("c-x"))
    assert (beat.metric_type, beat.metric_labels, beat.value_type, beat.value) == (
        "custom.googleapis.com/helios/collector_runs",
        {},
        "INT64",
        1,
    )
    assert (beat.end_ns, beat.lane, beat.contribution) == (1_000 * S + 123, 0, None)  # nobody's contribution
    assert beat.resource_labels["task_id"] == "c-x"


def test_heartbeats_of_runs_closer_than_5_s_take_the_next_lane_never_too_soon_on_one_series():
    lanes, resource = LaneBook(), ResourceIdentity("c-x")
    ends = [0, 2, 4.9, 5, 9.95, 60, 60, 61]  # seconds: runs that end in quick succession, then a minute later
    beats = [heartbeat(int(t * S), lanes, resource) for t in ends]
    assert [b.lane for b in beats] == [0, 1, 2, 0, 1, 0, 1, 2]
    last: dict[int, int] = {}
    for beat in beats:  # every series: in order and at least 5 s apart, as Monitoring requires
        assert beat.end_ns - last.get(beat.lane, -10 * S) >= 5 * S
        last[beat.lane] = beat.end_ns
    assert {b.resource_labels["task_id"] for b in beats} == {"c-x", "c-x-1", "c-x-2"}


def test_a_clock_that_steps_back_never_writes_a_heartbeat_out_of_order():
    lanes, resource = LaneBook(), ResourceIdentity("c-x")
    assert heartbeat(100 * S, lanes, resource).lane == 0
    assert heartbeat(50 * S, lanes, resource).lane == 1  # older than lane 0's point: a lane of its own
    assert heartbeat(106 * S, lanes, resource).lane == 0
