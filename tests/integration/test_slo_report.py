"""The report's error budget against Monitoring at the store's real volume: a run every 12 minutes
for 23 hours, collected as the collector collects them (``pipeline_run_count``, CUMULATIVE, through
its aggregation, lanes and writer), the success SLO created through the official
ServiceMonitoringServiceClient as setup_infra creates it, and every figure of the report — budget
left, burn rates over 1 h and 6 h, time to exhaustion — equal to what is worked out here by hand
from the list of runs."""

from __future__ import annotations

import json

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.reporting import PerformanceReporter, report_lines
from tests.integration.slo_store import END, HOUR, create_slo, runs_in, write_runs


@pytest.fixture
def store(monitoring, project_id: str) -> Settings:
    """23 hours of runs written by the collector's code, and the success SLO on them."""
    settings = Settings(project_id=project_id, monitoring_emulator_host=monitoring.address)
    write_runs(settings)
    create_slo(settings)
    return settings


def reporter(settings: Settings, at: int) -> PerformanceReporter:
    factory = ClientFactory(settings)
    return PerformanceReporter(settings, factory.metric_service(), lambda: float(at), factory.service_monitoring())


def test_budget_and_time_to_exhaustion_during_a_burst(store):
    slo = reporter(store, END).summary(3600)["slo"]
    total, failed = runs_in(END - 7 * 86400, END)
    assert (total, failed) == (115, 13)  # every run is inside the 7-day period
    assert (slo["found"], slo["goal"], slo["period"]) == (True, 0.85, "7 d rolling")
    assert slo["compliance"] == pytest.approx(102 / 115)
    budget = slo["budget"]
    assert budget["total_runs"] == pytest.approx(0.15 * 115)  # 17.25 runs may fail
    assert budget["remaining_runs"] == pytest.approx(17.25 - 13)  # 4.25 left
    assert budget["remaining_fraction"] == pytest.approx(1 - 13 / 17.25)
    assert runs_in(END - HOUR, END) == (5, 4)
    hour = slo["burn"]["1h"]
    assert (hour["runs"], hour["burn_rate"]) == (5, pytest.approx(4 / 5 / 0.15))
    # an hour of 5 runs spends 4 and earns 0.75: 4.25 runs of budget last 4.25 / 3.25 hours
    assert hour["exhausted_in_s"] == pytest.approx(4.25 / 3.25 * HOUR)
    assert runs_in(END - 6 * HOUR, END) == (30, 6)
    six = slo["burn"]["6h"]
    assert (six["runs"], six["burn_rate"]) == (30, pytest.approx(6 / 30 / 0.15))
    # six hours of 30 runs spend 6 and earn 4.5: 4.25 runs last 4.25 / 1.5 × 6 h = 17 h
    assert six["exhausted_in_s"] == pytest.approx(17 * HOUR)


def test_before_the_burst_the_budget_is_not_running_out(store):
    at = END - 3 * HOUR
    slo = reporter(store, at).summary(3600)["slo"]
    assert runs_in(at - 7 * 86400, at) == (100, 8)
    assert slo["budget"]["remaining_runs"] == pytest.approx(0.15 * 100 - 8)
    assert slo["budget"]["remaining_fraction"] == pytest.approx(1 - 8 / 15)
    assert (runs_in(at - HOUR, at), runs_in(at - 6 * HOUR, at)) == ((5, 0), (30, 2))
    assert slo["burn"]["1h"]["burn_rate"] == 0
    assert slo["burn"]["6h"]["burn_rate"] == pytest.approx(2 / 30 / 0.15)  # 0.44: under 1
    assert slo["burn"]["1h"]["exhausted_in_s"] is None
    assert slo["burn"]["6h"]["exhausted_in_s"] is None
    text = "\n".join(report_lines(reporter(store, at).analysis(3600)))
    assert "error budget remaining 46.7% (7 of 15 runs that may fail)" in text
    assert "burn rate over the last 6 h: 0.44× (2 of 30 runs failed) — not exhausted at this burn" in text


def test_the_report_command_states_the_budget_in_text_and_json(store, monkeypatch, capsys):
    from helios_metrics.functions.__main__ import main

    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", store.project_id)
    monkeypatch.setenv("MONITORING_EMULATOR_HOST", store.monitoring_emulator_host)
    monkeypatch.setattr(
        "helios_metrics.reporting.cli.build_reporter", lambda settings: reporter(settings, END)
    )  # its clock
    assert main(["report", "--window", "1h"]) == 0
    text = capsys.readouterr().out
    assert "SLO helios-pipeline/run-success, objective 85% over 7 d rolling: compliance 88.7%" in text
    assert "error budget remaining 24.6% (4.25 of 17.25 runs that may fail)" in text
    assert "burn rate over the last 1 h: 5.33× (4 of 5 runs failed) — exhausted in 1 h 18 min at this burn" in text
    assert "burn rate over the last 6 h: 1.33× (6 of 30 runs failed) — exhausted in 17 h at this burn" in text
    assert main(["report", "--window", "1h", "--json"]) == 0
    slo = json.loads(capsys.readouterr().out)["summary"]["slo"]
    assert slo["burn"]["6h"]["exhausted_in_s"] == pytest.approx(17 * HOUR)


def test_a_project_without_the_slo_says_so_and_reports_the_rest(monitoring, project_id):
    settings = Settings(project_id=project_id, monitoring_emulator_host=monitoring.address)
    analysis = reporter(settings, END).analysis(3600)
    assert analysis["summary"]["slo"] == {
        "found": False,
        "reason": f"project {project_id} has no SLO helios-pipeline/run-success "
        "(python -m setup_infra apply creates it)",
    }
    lines = report_lines(analysis)
    assert f"SLO: project {project_id} has no SLO helios-pipeline/run-success" in "\n".join(lines)
    assert lines[0].startswith("last 1 h: 0 runs")
