"""The benchmark's models: the bill, the schedule's freshness and the result rows."""

from __future__ import annotations

import json

import pytest

from benchmarks.cost_model import BYTES, Load, Measured, bills, count_points
from benchmarks.freshness import p95_under_schedule
from benchmarks.results import Row, table, write_json

MEASURED = Measured(
    idle_invocation_s=1.0,
    collector_events_per_s=100_000,
    ours_pubsub_bytes_per_event=9.3,
    plain_pubsub_bytes_per_event=194.4,
    point_write_s=0.002,
)


def test_points_are_counted_by_the_collectors_own_aggregation():
    day = count_points(Load(runs_per_slot=1))
    # 120 runs x (4 stages + 1 pipeline event + 6 resource samples)
    assert day.events == 120 * 11
    # each run: 4 x (stage_duration, stage_runs, stage_errors, stage_value) + 5 distributions +
    # pipeline_runs + pipeline_run_count = 23 points; runs come in pairs: a zero for each of the 6
    # run counts' other status -> 6; resource_utilization: 2 resources in 3 minutes per run -> 6;
    # and pipeline_run_count's success series, whose previous point is 12 minutes old at every run
    # but the first (which opens the series at its window's start), a baseline -> 119
    assert day.points == 120 * (23 + 6 + 6) + 119
    assert day.run_count_points == 120 * 2 + 119  # 3 INT64 points a run: 24 bytes
    assert day.point_bytes == 120 * (4 * (80 + 8 + 8 + 8) + 5 * 80 + 2 * 8 + 6 * 8 + 6 * 8) + 119 * 8


def test_aggregation_makes_points_grow_slower_than_events():
    one, hundred = count_points(Load(1)), count_points(Load(100))
    assert hundred.events == 100 * one.events
    assert hundred.points < 20 * one.points  # series per window are bounded by the label sets
    assert hundred.series == one.series


def test_the_exporter_rewrites_every_series_every_minute_from_every_process():
    otel = bills(Load(runs_per_slot=3), MEASURED)["otel_exporter"]
    day = count_points(Load(3))
    assert otel.points_per_month == 3 * day.series * 30 * 24 * 60
    assert otel.pubsub == otel.functions == 0


def test_distribution_points_are_billed_ten_times_a_scalar():
    assert BYTES["DISTRIBUTION"] == 10 * BYTES["DOUBLE"] == 80


def test_at_a_hundred_times_the_load_ours_is_the_cheapest():
    result = bills(Load(100), MEASURED)
    assert result["ours"].total < result["point_per_event"].total < result["otel_exporter"].total


def test_function_time_is_billed_per_100_ms():
    short = bills(Load(1), Measured(**{**MEASURED.__dict__, "point_write_s": 0.001}))["point_per_event"]
    longer = bills(Load(1), Measured(**{**MEASURED.__dict__, "point_write_s": 0.1}))["point_per_event"]
    assert short.functions == longer.functions


def test_freshness_is_the_rest_of_the_minute_when_nothing_takes_time():
    assert p95_under_schedule([0.0], [0.0], draws=20_000) == pytest.approx(57.0, abs=0.5)


def test_a_publish_that_misses_the_run_waits_for_the_next_one():
    # published 61 s after recording: always past the run at the minute, so caught a minute later
    assert p95_under_schedule([61.0], [0.0], draws=20_000) > 100


def test_rows_compute_their_ratio_and_serialise_as_a_list(tmp_path):
    row = Row("x_per_s", 30.0, 10.0, "anchor", "1/s", ">= 3x", True, "detail")
    assert row.ratio == 3.0
    path = tmp_path / "out.json"
    write_json([row], path, "2026-12-01 00:00 UTC")
    data = json.loads(path.read_text())
    assert isinstance(data, list)
    assert {"id", "ours", "anchor", "anchor_name", "ratio", "unit", "target", "met"} <= data[0].keys()
    assert data[0]["ratio"] == 3.0
    assert data[0]["date"] == "2026-12-01 00:00 UTC"
    assert "| `x_per_s` | 30.0 | 10.0 (anchor) | 3.00x |" in table([row])
