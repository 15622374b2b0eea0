"""The schedule model with passes, the designs' offsets and bills, and the production window they
assume (pure: no emulator)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchmarks.cost_model import (
    CHOSEN,
    FRESHNESS_DESIGNS,
    GIB_SECOND,
    MINUTES_PER_MONTH,
    VCPU_SECOND,
    Load,
    Measured,
    freshness_bills,
)
from benchmarks.freshness import PRODUCTION_WINDOW_S, p95_under_schedule, readable_latencies

MEASURED = Measured(
    idle_invocation_s=1.0,
    collector_events_per_s=100_000,
    ours_pubsub_bytes_per_event=9.3,
    plain_pubsub_bytes_per_event=194.4,
    point_write_s=0.002,
)
DESIGNS = {d.key: d for d in FRESHNESS_DESIGNS}


@pytest.mark.parametrize(("window", "p95"), [(60, 57.0), (30, 28.5), (20, 19.0), (15, 14.25)])
def test_a_pass_at_each_window_end_waits_at_most_a_window(window, p95):
    # nothing takes time: an event waits for its window's end, where a pass writes it
    assert p95_under_schedule([0.0], [0.0], draws=20_000, window_s=window) == pytest.approx(p95, abs=0.5)


def test_the_pass_time_adds_to_the_wait():
    assert p95_under_schedule([0.05], [2.0], draws=20_000, window_s=30) == pytest.approx(30.55, abs=0.5)


def test_short_windows_without_more_passes_are_no_fresher():
    one_pass = readable_latencies([0.0], [0.0], window_s=20, draws=20_000, offsets=[0.0])
    assert one_pass[int(0.95 * len(one_pass))] == pytest.approx(57.0, abs=0.5)


def test_a_publish_later_than_its_pass_waits_for_the_next_pass():
    assert p95_under_schedule([31.0], [0.0], draws=20_000, window_s=30) > 40


def test_the_designs_pass_where_their_schedules_say():
    assert DESIGNS["60s_schedule"].offsets == [0.0]
    assert DESIGNS["passes_30s"].offsets == [0.0, 30.0]
    assert DESIGNS["passes_20s"].offsets == [0.0, 20.0, 40.0]
    assert DESIGNS["second_schedule_30s"].offsets == [0.0, 30.0]
    assert DESIGNS["vm_30s"].offsets == [0.0, 30.0]


def test_the_chosen_design_is_what_production_deploys():
    build = yaml.safe_load((Path(__file__).resolve().parents[3] / "cloudbuild.yaml").read_text())
    assert int(build["substitutions"]["_WINDOW_SECONDS"]) == PRODUCTION_WINDOW_S == DESIGNS[CHOSEN].window_s
    assert "HELIOS_WINDOW_SECONDS=${_WINDOW_SECONDS}" in " ".join(
        str(a) for s in build["steps"] if s["id"] == "deploy" for a in s["args"]
    )


def test_passes_cost_function_time_and_shorter_windows_cost_points():
    bill = freshness_bills(Load(1), MEASURED)
    today, two, three = bill["60s_schedule"], bill["passes_30s"], bill["passes_20s"]
    # an invocation is billed until its last pass ends: 30 s more a minute at 1/3 vCPU and 0.5 GiB
    per_second = Load(1).function_vcpu * VCPU_SECOND + Load(1).function_memory_gib * GIB_SECOND
    assert two.functions - today.functions == pytest.approx(MINUTES_PER_MONTH * 30 * per_second, rel=0.01)
    assert three.functions > two.functions
    assert today.points_per_month < two.points_per_month < three.points_per_month
    hundred = freshness_bills(Load(100), MEASURED)
    assert hundred["passes_20s"].monitoring > 1.3 * hundred["passes_30s"].monitoring


def test_a_second_schedule_costs_more_than_a_second_pass():
    for scale in (1, 100):
        bill = freshness_bills(Load(scale), MEASURED)
        assert bill["passes_30s"].total < bill["second_schedule_30s"].total


def test_push_writes_every_message_alone_so_its_points_grow_with_the_events():
    one, hundred = freshness_bills(Load(1), MEASURED)["push"], freshness_bills(Load(100), MEASURED)["push"]
    assert hundred.points_per_month == 100 * one.points_per_month
    assert hundred.total > freshness_bills(Load(100), MEASURED)[CHOSEN].total
