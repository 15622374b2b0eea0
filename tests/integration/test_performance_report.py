"""The performance summary and analysis against Monitoring: every figure compared with a value
computed here from the same events."""

from __future__ import annotations

import bisect
import math
import random
import time

import pytest

from helios_metrics.contract import ClientFactory, Settings, spec
from helios_metrics.contract.catalog import DURATION_BUCKETS
from helios_metrics.contract.wire import PipelineEvent, StageEvent
from helios_metrics.functions.aggregate import AggregationLimits, WindowAggregator
from helios_metrics.functions.timeseries import LaneBook, ResourceIdentity, to_series_points
from helios_metrics.functions.writer import MonitoringWriter
from helios_metrics.reporting import PerformanceReporter
from helios_metrics.reporting.report import BAND_METRIC, band_values
from tests.helpers import minute_floor

S = 1_000_000_000
END = minute_floor(600)
BOUNDS = DURATION_BUCKETS.bounds()


def wilson(k: int, n: int) -> tuple[float, float]:
    z, p = 1.959963984540054, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def bucket_of(value: float) -> tuple[float, float]:
    """The bucket a value falls in: where a percentile estimated from buckets must lie."""
    index = bisect.bisect_right(BOUNDS, value)
    return (BOUNDS[index - 1] if index else 0.0), (BOUNDS[index] if index < len(BOUNDS) else math.inf)


def exact_percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def in_bucket_of_exact(estimate: float, values: list[float], p: float) -> bool:
    low, high = bucket_of(exact_percentile(values, p))
    return min(low, min(values)) <= estimate <= max(high, max(values)) and (
        low <= estimate <= high or estimate in (min(values), max(values))
    )


@pytest.fixture
def data(monitoring, project_id):
    """Two hours of runs: the previous hour healthy, the current one with failures and slow stages."""
    rng = random.Random(7)
    events, truth = [], {"current": {}, "previous": {}}
    for hour, window in ((1, "previous"), (0, "current")):
        start = END - (hour + 1) * 3600
        failing = 1 if window == "previous" else 6
        runs = [(i >= failing, rng.uniform(80, 200)) for i in range(40)]
        trend = [rng.uniform(20, 40) if window == "previous" else rng.uniform(50, 70) for _ in range(40)]
        publication_failed = 1 if window == "previous" else 14  # 35 %: significantly over 15 %
        scores = [rng.uniform(0.7, 0.9) for _ in range(40)]
        publication_scores = [rng.uniform(0.3, 0.7) if window == "current" else 0.9 for _ in range(40)]
        for i, (success, execution) in enumerate(runs):
            t = (start + 60 + i * 80) * S
            events.append(PipelineEvent(t, execution, scores[i], 0.9, 0.8, publication_scores[i], success))
            events.append(StageEvent(t, "trend_discovery", trend[i], True, 0, None))
            events.append(StageEvent(t, "publication", 5.0, i >= publication_failed, 0, None))
        truth[window] = {
            "succeeded": sum(s for s, _ in runs),
            "executions": [e for _, e in runs],
            "trend": trend,
            "publication_failed": publication_failed,
            "scores": scores,
            "publication_scores": publication_scores,
        }
    settings = Settings(project_id=project_id, monitoring_emulator_host=monitoring.address)
    aggregator = WindowAggregator(AggregationLimits(), time.time_ns())
    aggregator.add_message(events)
    client = ClientFactory(settings).metric_service()
    points = to_series_points(aggregator.points(), LaneBook(), ResourceIdentity("c-report"))
    assert not MonitoringWriter(client, project_id).write(points, time.monotonic() + 30).transient
    reporter = PerformanceReporter(settings, client, clock=lambda: float(END))
    return reporter, truth, client, settings


def test_the_summary_matches_figures_computed_from_the_events(data):
    reporter, truth, _, _ = data
    now = truth["current"]
    summary = reporter.summary(3600)
    assert (summary["runs"], summary["succeeded"], summary["failed"]) == (40, now["succeeded"], 40 - now["succeeded"])
    rate = summary["success_rate"]
    assert rate["rate"] == pytest.approx(now["succeeded"] / 40)
    assert rate["interval_95"] == pytest.approx(list(wilson(now["succeeded"], 40)))
    execution = summary["execution_time_s"]
    assert execution["mean"] == pytest.approx(sum(now["executions"]) / 40)
    for p in (50, 95, 99):
        assert in_bucket_of_exact(execution[f"p{p}"], now["executions"], p), (p, execution)
    assert summary["throughput_per_hour"] == pytest.approx(40.0)
    stages = summary["stages"]
    assert stages["publication"]["error_rate"] == pytest.approx(now["publication_failed"] / 40)
    assert stages["trend_discovery"]["error_rate"] == 0
    assert in_bucket_of_exact(stages["trend_discovery"]["p95_duration_s"], now["trend"], 95)
    assert summary["scores"]["trend_opportunity_score"] == pytest.approx(sum(now["scores"]) / 40)
    assert summary["scores"]["publication_success"] == pytest.approx(sum(now["publication_scores"]) / 40)
    assert summary["scores"]["audience_confidence"] == pytest.approx(0.9)


def test_the_analysis_finds_the_trends_triggers_and_forecast(data):
    reporter, truth, client, settings = data
    analysis = reporter.analysis(3600)
    now, before = truth["current"], truth["previous"]
    trend = analysis["trends"]["success_rate"]
    p1, p2 = before["succeeded"] / 40, now["succeeded"] / 40
    pooled = (before["succeeded"] + now["succeeded"]) / 80
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (2 / 40))
    assert trend["change"] == pytest.approx(p2 - p1)
    assert trend["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    duration = analysis["trends"]["stages"]["trend_discovery"]["duration_mean_s"]
    assert duration["change"] == pytest.approx(sum(now["trend"]) / 40 - sum(before["trend"]) / 40)
    assert duration["significant"]
    kinds = {(t["kind"], t["subject"]) for t in analysis["optimization_triggers"]}
    assert kinds == {
        ("stage_errors", "publication"),
        ("stage_regression", "trend_discovery"),
        ("low_score", "publication_success"),
    }
    forecast = analysis["forecast"]
    succeeded = before["succeeded"] + now["succeeded"]
    assert forecast["six_hour_share"]["rate"] == pytest.approx(succeeded / 80)
    assert forecast["six_hour_share"]["interval_95"] == pytest.approx(list(wilson(succeeded, 80)))
    assert forecast["realised_last_hour"] == {"rate": pytest.approx(now["succeeded"] / 40), "runs": 40}
    assert forecast["based_on_runs"] == 80
    assert not forecast["fallback"]
    # each hour's failures came first, and every run of the last 50 minutes succeeded: the forecast
    # leans to the recent runs, not to the two hours' share
    assert forecast["next_hour_success_rate"] > succeeded / 80
    low, high = forecast["interval_95"]
    assert low <= forecast["interval_80"][0] <= forecast["next_hour_success_rate"] <= forecast["interval_80"][1] <= high
    assert not forecast["written"]  # an analysis reads; writing is asked for
    assert forecast_points(client, settings.project_id) == []
    assert band_points(client, settings.project_id) == {}
    written = reporter.analysis(3600, write=True)["forecast"]
    assert written["written"]
    assert forecast_points(client, settings.project_id) == [pytest.approx(written["next_hour_success_rate"])]
    # the band beside it: each horizon's forecast, its 80 % and 95 % bounds and the realised rate,
    # one series per (horizon, line), readable back as the dashboard's forecast panel reads it
    band = band_points(client, settings.project_id)
    assert band == {(labels["horizon"], labels["line"]): pytest.approx(v) for labels, v in band_values(written)}
    assert len(band) == 12
    assert band[("1h", "forecast")] == pytest.approx(written["next_hour_success_rate"])
    assert band[("1h", "low_80")] == pytest.approx(written["interval_80"][0])
    assert band[("1h", "high_95")] == pytest.approx(written["interval_95"][1])
    assert band[("1h", "realised")] == pytest.approx(now["succeeded"] / 40)
    assert band[("6h", "forecast")] == pytest.approx(written["next_six_hours"]["success_rate"])
    assert band[("6h", "realised")] == pytest.approx(succeeded / 80)


def test_the_history_is_every_run_in_five_minute_bins(data):
    reporter, truth, _, _ = data
    bins = reporter.history(END - 7 * 86_400, END)
    assert sum(b.runs for b in bins) == 80
    assert sum(b.succeeded for b in bins) == truth["previous"]["succeeded"] + truth["current"]["succeeded"]
    assert all(b.end_s % 300 == END % 300 and END - 7200 < b.end_s <= END for b in bins)
    failed = {}
    for b in bins:
        for stage, n in b.failed_by_stage.items():
            failed[stage] = failed.get(stage, 0) + n
    assert failed == {"publication": sum(truth[w]["publication_failed"] for w in ("previous", "current"))}


def forecast_points(client, project: str) -> list[float]:
    """Every forecast value written in the last day, whoever wrote it."""
    found = client.list_time_series(
        request={
            "name": f"projects/{project}",
            "filter": f'metric.type = "{spec("pipeline_success_forecast").type}"',
            "interval": {
                "start_time": {"seconds": int(time.time()) - 86400},
                "end_time": {"seconds": int(time.time())},
            },
        }
    )
    return [p.value.double_value for ts in found for p in ts.points]


def band_points(client, project: str, **labels: str) -> dict[tuple[str, str], float]:
    """The newest value of each line of the forecast's band, by (horizon, line), as a chart reads
    them: one series per line, filtered by its labels."""
    terms = "".join(f' AND metric.labels.{key} = "{value}"' for key, value in labels.items())
    found = client.list_time_series(
        request={
            "name": f"projects/{project}",
            "filter": f'metric.type = "{spec(BAND_METRIC).type}"{terms}',
            "interval": {
                "start_time": {"seconds": int(time.time()) - 86400},
                "end_time": {"seconds": int(time.time())},
            },
        }
    )
    return {(ts.metric.labels["horizon"], ts.metric.labels["line"]): ts.points[0].value.double_value for ts in found}


def test_a_forecast_write_monitoring_refuses_says_why_and_fails_the_scheduled_call(data):
    reporter, _, client, settings = data
    from helios_metrics.reporting import http_report

    assert http_report(reporter, {"window": "1h", "write_forecast": "true"})[1] == 200
    body, status = http_report(reporter, {"window": "1h", "write_forecast": "true"})  # the same instant again
    assert status == 500
    assert not body["forecast"]["written"]
    assert "Points must be written in order" in body["forecast"]["write_error"]
    assert len(forecast_points(client, settings.project_id)) == 1
    assert len(band_points(client, settings.project_id)) == 12  # the refused write added no band point either


def test_the_report_command_and_the_http_function(data, monkeypatch, capsys):
    from functions_framework import create_app

    from helios_metrics.functions.__main__ import main

    _, _, client, settings = data
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", settings.project_id)
    monkeypatch.setenv("MONITORING_EMULATOR_HOST", settings.monitoring_emulator_host)
    assert main(["report", "--window", "3h"]) == 0
    text = capsys.readouterr().out
    assert "80 runs" in text
    assert "success rate" in text
    assert "forecast, next hour" in text
    assert "written" not in text
    assert main(["report", "--window", "soon"]) == 1
    app = create_app("performance_report", "main.py").test_client()
    response = app.get("/?window=3h")
    assert response.status_code == 200
    assert response.get_json()["summary"]["runs"] == 80
    assert response.get_json()["forecast"]["written"] is False
    assert app.get("/?window=10s").status_code == 400
    refused = app.get("/?write_forecast=maybe")
    assert (refused.status_code, refused.get_json()) == (400, {"error": "write_forecast is true or false, got 'maybe'"})
    assert forecast_points(client, settings.project_id) == []  # every report so far only read
    written = app.get("/?window=3h&write_forecast=true")
    assert (written.status_code, written.get_json()["forecast"]["written"]) == (200, True)
    assert len(forecast_points(client, settings.project_id)) == 1


def test_two_reports_in_a_row_both_succeed_and_write_nothing_until_asked(data, monkeypatch, capsys):
    from helios_metrics.functions.__main__ import main

    _, _, client, settings = data
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", settings.project_id)
    monkeypatch.setenv("MONITORING_EMULATOR_HOST", settings.monitoring_emulator_host)
    assert main(["report", "--window", "1h"]) == 0
    assert main(["report", "--window", "1h", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert forecast_points(client, settings.project_id) == []
    assert main(["report", "--window", "1h", "--write-forecast"]) == 0
    assert "written to Cloud Monitoring" in capsys.readouterr().out
    assert len(forecast_points(client, settings.project_id)) == 1
    # --write-forecast wrote the band too; the next hour's interval reads back as a chart filters it
    hour = band_points(client, settings.project_id, horizon="1h")
    assert set(hour) == {("1h", line) for line in ("forecast", "low_80", "high_80", "low_95", "high_95", "realised")}
    assert hour[("1h", "low_95")] <= hour[("1h", "low_80")] <= hour[("1h", "forecast")] <= hour[("1h", "high_80")]
    assert band_points(client, settings.project_id, horizon="6h", line="high_95").keys() == {("6h", "high_95")}
