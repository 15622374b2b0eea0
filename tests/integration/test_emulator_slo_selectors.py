"""SLO selectors read back through ListTimeSeries at the store's real volume: a pipeline run every
12 minutes for a day, written as the collector writes ``pipeline_run_count`` (one CUMULATIVE running
total per status, a fixed start time), every value computed by hand from the list of runs."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from google.api import metric_pb2
from google.api_core import exceptions
from google.cloud import monitoring_v3

from helios_metrics.contract import ClientFactory
from tests.helpers import HELIOS, interval

RUNS = f"{HELIOS}/pipeline_run_count"
GOOD = f'metric.type = "{RUNS}" AND metric.labels.status = "success"'
TOTAL = f'metric.type = "{RUNS}"'
STEP = 720  # a run every 12 minutes
GOAL = 0.85
MD = metric_pb2.MetricDescriptor
END = (int(time.time()) // 60 - 1) * 60  # the queries' end: a whole minute in the past
RUN_TIMES = [END - 60 - STEP * i for i in range(119, -1, -1)]  # 120 runs, oldest first, the last at END - 60
FAILED = {i for i in range(120) if i % 12 == 5} | {
    115,
    116,
    117,
}  # ~8 % healthy failures, then a burst in the last hour


def counts(after: float, until: float) -> tuple[int, int]:
    """(good, total) runs with after < time <= until."""
    inside = [i for i, t in enumerate(RUN_TIMES) if after < t <= until]
    return sum(1 for i in inside if i not in FAILED), len(inside)


@pytest.fixture
def slo_names(factory: ClientFactory, project_id: str) -> dict[str, str]:
    """The run-count descriptor, a day of runs, a custom service and three SLOs on it."""
    factory.metric_service().create_metric_descriptor(
        name=f"projects/{project_id}",
        metric_descriptor={"type": RUNS, "metric_kind": MD.CUMULATIVE, "value_type": MD.INT64, "unit": "1"},
    )
    metrics = factory.metric_service()
    start = RUN_TIMES[0] - 30
    totals = {"success": 0, "failure": 0}
    for i, at in enumerate(RUN_TIMES):
        totals["failure" if i in FAILED else "success"] += 1
        metrics.create_time_series(
            name=f"projects/{project_id}",
            time_series=[
                {
                    "metric": {"type": RUNS, "labels": {"status": status}},
                    "resource": {"type": "global", "labels": {"project_id": project_id}},
                    "points": [
                        {
                            "interval": {"start_time": {"seconds": start}, "end_time": {"seconds": at}},
                            "value": {"int64_value": total},
                        }
                    ],
                }
                for status, total in totals.items()
            ],
        )
    slos = factory.service_monitoring()
    service = slos.create_service(
        request={"parent": f"projects/{project_id}", "service_id": "helios-pipeline", "service": {"custom": {}}}
    )
    names = {}
    for ident, period in (
        ("rolling", {"rolling_period": {"seconds": 86400}}),
        ("calendar", {"calendar_period": "DAY"}),
        ("bad-total", {"rolling_period": {"seconds": 86400}}),
    ):
        ratio = {"good_service_filter": GOOD, "total_service_filter": TOTAL}
        if ident == "bad-total":
            ratio = {
                "bad_service_filter": f'metric.type = "{RUNS}" AND metric.labels.status = "failure"',
                **{"total_service_filter": TOTAL},
            }
        created = slos.create_service_level_objective(
            request={
                "parent": service.name,
                "service_level_objective_id": ident,
                "service_level_objective": {
                    "goal": GOAL,
                    "service_level_indicator": {"request_based": {"good_total_ratio": ratio}},
                    **period,
                },
            }
        )
        names[ident] = created.name
    return names


def read(
    factory: ClientFactory, project_id: str, text: str, start: int, end: int, **kwargs
) -> list[monitoring_v3.TimeSeries]:
    client = factory.metric_service()
    request = {"name": f"projects/{project_id}", "filter": text, "interval": interval(start, end), **kwargs}
    return list(client.list_time_series(request=request))


def values(found: list[monitoring_v3.TimeSeries]) -> dict[int, float]:
    (only,) = found
    return {int(p.interval.end_time.timestamp()): p.value.double_value for p in only.points}


def burn(after: float, until: float) -> float:
    good, total = counts(after, until)
    return (total - good) / total / (1 - GOAL) if total else 0.0


def test_the_burn_rate_over_an_hour_minute_by_minute(factory, project_id, slo_names):
    text = f'select_slo_burn_rate("{slo_names["rolling"]}", "3600s")'
    found = read(factory, project_id, text, END - 600, END)
    assert found[0].metric.type == "select_slo_burn_rate"
    assert found[0].metric_kind == MD.GAUGE
    assert found[0].value_type == MD.DOUBLE
    got = values(found)
    assert sorted(got) == [END - 60 * k for k in range(9, -1, -1)]  # one point a minute, ending at END
    assert got == pytest.approx({t: burn(t - 3600, t) for t in got})
    assert got[END] == pytest.approx(3 / 5 / 0.15)  # the burst: 3 of the hour's 5 runs failed → 4×


def test_a_lookback_without_runs_burns_nothing(factory, project_id, slo_names):
    text = f'select_slo_burn_rate("{slo_names["rolling"]}", "10m")'
    got = values(read(factory, project_id, text, END - 300, END))
    assert counts(END - 120 - 600, END - 120) == (0, 0)  # no run in (END-720, END-120]
    assert got[END - 120] == 0.0
    assert got[END] == pytest.approx(burn(END - 600, END))


def test_compliance_over_a_rolling_day_and_since_midnight(factory, project_id, slo_names):
    good, total = counts(END - 86400, END)
    assert total == 120
    rolling = values(read(factory, project_id, f'select_slo_compliance("{slo_names["rolling"]}")', END - 60, END))
    assert rolling == {END: pytest.approx(good / total)}
    midnight = int(datetime.fromtimestamp(END, UTC).replace(hour=0, minute=0, second=0).timestamp())
    day_good, day_total = counts(midnight - 1, END)
    found = read(factory, project_id, f'select_slo_compliance("{slo_names["calendar"]}")', END - 60, END)
    if day_total:
        assert values(found) == {END: pytest.approx(day_good / day_total)}
    else:  # no run yet since midnight: a ratio of nothing has no point
        assert found == []


def test_the_budget_and_its_remaining_fraction(factory, project_id, slo_names):
    good, total = counts(END - 86400, END)
    bad, budget = total - good, (1 - GOAL) * total
    for name in (slo_names["rolling"], slo_names["bad-total"]):  # good+total and bad+total agree
        fraction = values(read(factory, project_id, f'select_slo_budget_fraction("{name}")', END - 60, END))
        assert fraction == {END: pytest.approx(1 - bad / budget)}
        remaining = values(read(factory, project_id, f'select_slo_budget("{name}")', END - 60, END))
        assert remaining == {END: pytest.approx(budget - bad)}
        whole = values(read(factory, project_id, f'select_slo_budget_total("{name}")', END - 60, END))
        assert whole == {END: pytest.approx(budget)}


def test_health_and_counts_per_alignment_period(factory, project_id, slo_names):
    hourly = {"alignment_period": {"seconds": 3600}, "per_series_aligner": "ALIGN_MEAN"}
    text = f'select_slo_health("{slo_names["rolling"]}")'
    got = values(read(factory, project_id, text, END - 3 * 3600, END, aggregation=hourly))
    expected = {t: counts(t - 3600, t) for t in (END, END - 3600, END - 7200)}
    assert got == pytest.approx({t: good / total for t, (good, total) in expected.items()})
    found = read(
        factory, project_id, f'select_slo_counts("{slo_names["rolling"]}")', END - 3600, END, aggregation=hourly
    )
    by_type = {ts.metric.labels["event_type"]: ts.points[0].value.double_value for ts in found}
    good, total = counts(END - 3600, END)
    assert by_type == {"good": good, "bad": total - good}


def test_a_sparse_counters_delta_is_its_growth_not_its_total(factory, project_id, slo_names):
    """ALIGN_DELTA on the CUMULATIVE count, a point every 12 minutes: each run's increment spreads over
    the 12 minutes since the previous point (Google interpolates); a 12-minute period ending a minute
    after a run gets 11/12 of it, which rounds to 1 — the growth, not the series' running total."""
    found = read(
        factory,
        project_id,
        f'metric.type = "{RUNS}"',
        END - 3600,
        END,
        aggregation={
            "alignment_period": {"seconds": 720},
            "per_series_aligner": "ALIGN_DELTA",
            "cross_series_reducer": "REDUCE_SUM",
            "group_by_fields": ["metric.labels.status"],
        },
    )
    got = {ts.metric.labels["status"]: sum(p.value.int64_value for p in ts.points) for ts in found}
    good, total = counts(END - 3600, END)
    assert got == {"success": good, "failure": total - good}


def test_an_unknown_slo_is_not_found(factory, project_id, slo_names):
    name = slo_names["rolling"].replace("/rolling", "/missing")
    with pytest.raises(exceptions.NotFound) as caught:
        read(factory, project_id, f'select_slo_health("{name}")', END - 60, END)
    assert caught.value.message == f"Requested entity was not found: service level objective {name} does not exist."


def test_a_malformed_selector_is_invalid_argument(factory, project_id, slo_names):
    text = f'select_slo_burn_rate("{slo_names["rolling"]}")'
    with pytest.raises(exceptions.InvalidArgument) as caught:
        read(factory, project_id, text, END - 60, END)
    assert caught.value.message == (
        f'Field filter had an invalid value of "{text}": select_slo_burn_rate takes a lookback period as its '
        'second argument, e.g. "3600s"'
    )


def rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def test_a_burn_rate_condition_opens_on_the_burst_and_closes_when_it_leaves_the_lookback(
    factory, project_id, slo_names, monitoring
):
    """The alert evaluator measures the selector through the same path: over 2× opens, and once the
    failures leave the hour — whether or not runs follow — the rate is back to 0 and the incident closes."""
    condition = {
        "display_name": "burn rate over 2x for an hour",
        "condition_threshold": {
            "filter": f'select_slo_burn_rate("{slo_names["rolling"]}", "3600s")',
            "comparison": "COMPARISON_GT",
            "threshold_value": 2,
            "duration": {"seconds": 0},
        },
    }
    factory.alert_policy().create_alert_policy(
        name=f"projects/{project_id}",
        alert_policy={"display_name": "Budget burn", "combiner": "OR", "conditions": [condition]},
    )
    first, last = END - 3600, END + 4200
    result = monitoring.admin.evaluate_range(rfc3339(first), rfc3339(last), "60s", project_id)
    burning = [t for t in range(first, last + 1, 60) if burn(t - 3600, t) > 2]
    assert burning == list(range(burning[0], burning[-1] + 1, 60))  # one stretch, by construction
    assert [i["started_at"] for i in result["opened"]] == [burning[0]]
    assert [i["ended_at"] for i in result["closed"]] == [burning[-1] + 60]
