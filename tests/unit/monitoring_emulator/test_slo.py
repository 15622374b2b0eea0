"""SLO selectors over a real in-memory store at fixed instants: calendar periods, counter resets,
DELTA series, distribution cuts and windows without service, each value computed by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from google.api import distribution_pb2, metric_pb2
from google.cloud.monitoring_v3.types import common, service
from google.type import calendar_period_pb2

from helios_metrics.contract.units import NS
from helios_metrics.monitoring_emulator._aggregation import AggregationSpec
from helios_metrics.monitoring_emulator._filters import SloSelector
from helios_metrics.monitoring_emulator._objects import Projects
from helios_metrics.monitoring_emulator._series import SeriesKey
from helios_metrics.monitoring_emulator._service_monitoring import SLO_KIND
from helios_metrics.monitoring_emulator._slo import _calendar_start_s, selector_series
from helios_metrics.monitoring_emulator._store import Store

MD = metric_pb2.MetricDescriptor
CAL = calendar_period_pb2.CalendarPeriod
PROJECT = "p-slo"
RUNS = "custom.googleapis.com/helios/pipeline_run_count"
NAME = f"projects/{Projects.number_of(PROJECT)}/services/svc/serviceLevelObjectives/o"


def ts(text: str) -> int:
    """An RFC 3339 UTC instant in ns."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * NS


@pytest.fixture
def store() -> Iterator[Store]:
    db = Store()
    yield db
    db.close()


def write(store: Store, status: str, kind: int, points: list[tuple[int, int, object]], metric: str = RUNS) -> None:
    """Points ``(start_ns, end_ns, value)`` of one series, oldest first."""
    key = SeriesKey.of(PROJECT, metric, {"status": status}, "global", {"project_id": PROJECT})
    value_type = MD.DISTRIBUTION if isinstance(points[0][2], distribution_pb2.Distribution) else MD.INT64
    with store.change() as change:
        series = store.series_named(key) or change.new_series(key, kind, value_type)
        rows = []
        for start, end, value in points:
            typed = common.TypedValue.pb()()
            if isinstance(value, distribution_pb2.Distribution):
                typed.distribution_value.CopyFrom(value)
            else:
                typed.int64_value = int(value)  # type: ignore[call-overload]
            rows.append((series, start, end, typed.SerializeToString()))
        change.add_points(rows)


def runs(store: Store, outcomes: list[tuple[str, bool]], start: int) -> None:
    """A run at each instant, as running totals per status from ``start`` (the collector's counters)."""
    totals = {"success": 0, "failure": 0}
    for at, ok in outcomes:
        totals["success" if ok else "failure"] += 1
        for status, total in totals.items():
            write(store, status, MD.CUMULATIVE, [(start, ts(at), total)])


def objective(store: Store, goal: float = 0.85, **period: object) -> None:
    body = {
        "name": NAME,
        "goal": goal,
        "service_level_indicator": {
            "request_based": {
                "good_total_ratio": {
                    "good_service_filter": f'metric.type = "{RUNS}" AND metric.labels.status = "success"',
                    "total_service_filter": f'metric.type = "{RUNS}"',
                }
            }
        },
        **(period or {"rolling_period": {"seconds": 86400}}),
    }
    store.put_object(
        SLO_KIND,
        PROJECT,
        "svc/o",
        service.ServiceLevelObjective.pb(service.ServiceLevelObjective(body)).SerializeToString(),
    )


def value_at(store: Store, function: str, at: int, lookback: int | None = None) -> float | None:
    found = selector_series(store, PROJECT, SloSelector(function, NAME, lookback), [], at - 60 * NS, at)
    if not found:
        return None
    (only,) = found
    ((end, _, value),) = only.points
    assert end == at
    return value.double_value


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (CAL.DAY, "2024-03-14T00:00:00"),
        (CAL.WEEK, "2024-03-11T00:00:00"),  # the Monday
        (CAL.MONTH, "2024-03-01T00:00:00"),
    ],
)
def test_calendar_periods_start_at_utc_boundaries(period, expected):
    assert _calendar_start_s(ts("2024-03-14T15:00:00") // NS, period) == ts(expected) // NS


def test_fortnights_are_pairs_of_weeks_from_monday_1970_01_05():
    weeks = (date(2024, 3, 11) - date(1970, 1, 5)).days // 7
    expected = "2024-03-11T00:00:00" if weeks % 2 == 0 else "2024-03-04T00:00:00"
    assert _calendar_start_s(ts("2024-03-14T15:00:00") // NS, CAL.FORTNIGHT) == ts(expected) // NS
    assert _calendar_start_s(ts("1970-01-18T23:59:59") // NS, CAL.FORTNIGHT) == ts("1970-01-05T00:00:00") // NS


DAY_OF_RUNS = [
    ("2024-03-13T20:00:00", False),
    ("2024-03-13T22:00:00", True),
    ("2024-03-14T00:00:00", True),  # exactly midnight: today's
    ("2024-03-14T01:00:00", False),
    ("2024-03-14T02:00:00", True),
]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ({"rolling_period": {"seconds": 86400}}, 3 / 5),
        ({"calendar_period": CAL.DAY}, 2 / 3),  # since midnight
        ({"calendar_period": CAL.WEEK}, 3 / 5),  # since Monday 03-11
    ],
)
def test_compliance_over_rolling_and_calendar_periods(store, period, expected):
    runs(store, DAY_OF_RUNS, ts("2024-03-13T19:00:00"))
    objective(store, **period)
    assert value_at(store, "select_slo_compliance", ts("2024-03-14T03:00:00")) == pytest.approx(expected)


def test_budget_and_burn_rate_by_hand(store):
    runs(store, DAY_OF_RUNS, ts("2024-03-13T19:00:00"))
    objective(store, goal=0.8)
    at = ts("2024-03-14T03:00:00")
    assert value_at(store, "select_slo_budget_total", at) == pytest.approx(0.2 * 5)
    assert value_at(store, "select_slo_budget", at) == pytest.approx(1.0 - 2)
    assert value_at(store, "select_slo_budget_fraction", at) == pytest.approx(1 - 2 / 1.0)
    # (01:00, 03:00] holds 01:00? no: 02:00 only → 0 bad; (00:30, 03:00] holds 01:00 (bad) and 02:00
    assert value_at(store, "select_slo_burn_rate", at, 2 * 3600 * NS) == 0.0
    assert value_at(store, "select_slo_burn_rate", at, 9000 * NS) == pytest.approx((1 / 2) / 0.2)


def test_no_service_in_a_window(store):
    runs(store, DAY_OF_RUNS, ts("2024-03-13T19:00:00"))
    objective(store)
    quiet = ts("2024-03-14T02:40:00")  # the last run was 40 minutes before
    assert value_at(store, "select_slo_burn_rate", quiet, 1800 * NS) == 0.0
    assert value_at(store, "select_slo_health", quiet) is None
    store.delete_object(SLO_KIND, PROJECT, "svc/o")
    objective(store, calendar_period=CAL.DAY)
    early = ts("2024-03-15T00:10:00")  # no run yet today
    assert value_at(store, "select_slo_compliance", early) is None
    assert value_at(store, "select_slo_budget_fraction", early) == 1.0
    assert value_at(store, "select_slo_budget", early) == 0.0


def test_a_counter_that_restarts_counts_from_zero(store):
    first, second = ts("2024-03-14T00:00:00"), ts("2024-03-14T05:00:00")
    write(
        store, "success", MD.CUMULATIVE, [(first, ts("2024-03-14T01:00:00"), 3), (first, ts("2024-03-14T02:00:00"), 4)]
    )
    write(
        store,
        "success",
        MD.CUMULATIVE,
        [(second, ts("2024-03-14T06:00:00"), 2), (second, ts("2024-03-14T07:00:00"), 5)],
    )
    write(
        store, "failure", MD.CUMULATIVE, [(first, ts("2024-03-14T02:00:00"), 1), (second, ts("2024-03-14T07:00:00"), 1)]
    )
    objective(store)
    at = ts("2024-03-14T07:00:00")
    # (01:00, 07:00]: +1 at 02:00 (base 3 at 01:00), restart at 06:00 counts 2, +3 at 07:00 → 6 good;
    # failures: 1 at 02:00 (no earlier point), 1 at 07:00 (a new start) → 2 bad
    one_period = AggregationSpec(at - ts("2024-03-14T01:00:00"), 0, 0, ())
    found = selector_series(store, PROJECT, SloSelector("select_slo_counts", NAME), [one_period], at - 1, at)
    by_type = {s.metric_labels["event_type"]: [v.double_value for _, _, v in s.points] for s in found}
    assert by_type == {"good": [6.0], "bad": [2.0]}


def test_delta_series_and_bad_plus_total(store):
    write(
        store,
        "failure",
        MD.DELTA,
        [(ts("2024-03-14T00:00:00"), ts("2024-03-14T01:00:00"), 2)],
        "custom.googleapis.com/bad",
    )
    write(
        store,
        "all",
        MD.DELTA,
        [(ts("2024-03-14T00:00:00"), ts("2024-03-14T01:00:00"), 10)],
        "custom.googleapis.com/all",
    )
    body = service.ServiceLevelObjective(
        name=NAME,
        goal=0.9,
        rolling_period={"seconds": 86400},
        service_level_indicator={
            "request_based": {
                "good_total_ratio": {
                    "bad_service_filter": 'metric.type = "custom.googleapis.com/bad"',
                    "total_service_filter": 'metric.type = "custom.googleapis.com/all"',
                }
            }
        },
    )
    store.put_object(SLO_KIND, PROJECT, "svc/o", service.ServiceLevelObjective.pb(body).SerializeToString())
    assert value_at(store, "select_slo_compliance", ts("2024-03-14T02:00:00")) == pytest.approx(0.8)
    assert value_at(store, "select_slo_burn_rate", ts("2024-03-14T02:00:00"), 7200 * NS) == pytest.approx(2.0)


def test_a_distribution_cut_counts_the_values_in_range(store):
    dist = distribution_pb2.Distribution(count=12, bucket_counts=[0, 4, 6, 2])
    dist.bucket_options.explicit_buckets.bounds.extend([0, 10, 20])
    write(
        store,
        "all",
        MD.DELTA,
        [(ts("2024-03-14T00:00:00"), ts("2024-03-14T01:00:00"), dist)],
        "custom.googleapis.com/latency",
    )
    body = service.ServiceLevelObjective(
        name=NAME,
        goal=0.5,
        rolling_period={"seconds": 86400},
        service_level_indicator={
            "request_based": {
                "distribution_cut": {
                    "distribution_filter": 'metric.type = "custom.googleapis.com/latency"',
                    "range": {"min_": 0, "max_": 15},
                }
            }
        },
    )
    store.put_object(SLO_KIND, PROJECT, "svc/o", service.ServiceLevelObjective.pb(body).SerializeToString())
    # [0, 10): 4 whole; [10, 20) cut at 15: half of 6; overflow: none
    assert value_at(store, "select_slo_compliance", ts("2024-03-14T02:00:00")) == pytest.approx(7 / 12)


def test_windows_based_slis_and_unknown_slos_have_no_series(store):
    body = service.ServiceLevelObjective(
        name=NAME,
        goal=0.9,
        rolling_period={"seconds": 86400},
        service_level_indicator={"windows_based": {"window_period": {"seconds": 300}, "good_bad_metric_filter": "x"}},
    )
    store.put_object(SLO_KIND, PROJECT, "svc/o", service.ServiceLevelObjective.pb(body).SerializeToString())
    assert value_at(store, "select_slo_compliance", ts("2024-03-14T02:00:00")) is None
    missing = SloSelector("select_slo_health", NAME.replace("/o", "/gone"))
    assert selector_series(store, PROJECT, missing, [], 0, ts("2024-03-14T02:00:00")) == []
