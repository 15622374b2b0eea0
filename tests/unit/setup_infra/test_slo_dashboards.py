"""The success SLO on the Performance Intelligence dashboard: its budget left, compliance and budget
over the period, and each burn-rate policy's windows charted beside that policy's thresholds — the
same lookbacks and thresholds as the policies, whatever the configuration — on a valid layout."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from helios_metrics.contract import Settings
from helios_metrics.setup_infra.config import InfraConfig, load_config
from helios_metrics.setup_infra.desired import desired_state

SLO_REF = "ref:slo/helios-pipeline/run-success"
SLO_TITLES = 6


def config_of(mode: str = "slo", **alerts) -> InfraConfig:
    config = load_config(env={})
    return replace(config, alerts=replace(config.alerts, mode=mode, **alerts))


def state(config: InfraConfig) -> dict[tuple[str, str], dict]:
    return {(r.kind, r.key): r.body for r in desired_state(Settings(project_id="p"), config)}


def slo_widgets(config: InfraConfig) -> list[dict]:
    tiles = state(config)[("dashboard", "helios-performance")]["mosaic_layout"]["tiles"]
    return [t["widget"] for t in tiles if "select_slo_" in str(t["widget"])]


def filters(widget: dict) -> list[str]:
    sets = widget["xy_chart"]["data_sets"] if "xy_chart" in widget else [widget["scorecard"]]
    return [d["time_series_query"]["time_series_filter"]["filter"] for d in sets]


def burn_lines(widget: dict) -> list[int]:
    """The lookbacks (s) of the chart's burn-rate lines."""
    return [
        int(match.group(1))
        for text in filters(widget)
        for match in [re.fullmatch(rf'select_slo_burn_rate\("{SLO_REF}", "(\d+)s"\)', text)]
        if match
    ]


def policy_burns(config: InfraConfig) -> dict[str, set[tuple[int, float]]]:
    """Each burn-rate policy's (lookback s, threshold) pairs, as its conditions state them."""
    found: dict[str, set[tuple[int, float]]] = {}
    for (kind, key), body in state(config).items():
        if kind != "alert_policy":
            continue
        for condition in body["conditions"]:
            threshold = condition.get("condition_threshold", {})
            match = re.fullmatch(rf'select_slo_burn_rate\("{SLO_REF}", "(\d+)s"\)', threshold.get("filter", ""))
            if match:
                found.setdefault(key, set()).add((int(match.group(1)), threshold["threshold_value"]))
    return found


def test_the_slo_row_shows_budget_left_compliance_and_the_burn_rates():
    widgets = slo_widgets(config_of())
    assert len(widgets) == SLO_TITLES
    card = widgets[0]
    assert filters(card) == [f'select_slo_budget_fraction("{SLO_REF}")']
    assert [(t["value"], t["color"], t["direction"]) for t in card["scorecard"]["thresholds"]] == [
        (0.0, "RED", "BELOW"),
        (0.25, "YELLOW", "BELOW"),
    ]
    compliance, budget = widgets[1], widgets[2]
    assert filters(compliance) == [f'select_slo_compliance("{SLO_REF}")']
    assert compliance["xy_chart"]["thresholds"] == [{"value": 0.85}]
    assert "7-day period (objective 85%)" in compliance["title"]
    assert filters(budget) == [f'select_slo_budget_fraction("{SLO_REF}")']
    assert budget["xy_chart"]["thresholds"] == [{"value": 0.0}]


@pytest.mark.parametrize(
    "alerts",
    [{}, {"success_rate": 0.9, "healthy_success_rate": 0.95}, {"runs_per_hour": 20.0, "slo_period_days": 28}],
    ids=["default", "stricter", "busier"],
)
def test_each_burn_rate_policy_is_charted_over_its_windows_beside_its_thresholds(alerts):
    config = config_of(**alerts)
    policies = policy_burns(config)
    assert set(policies) == {"slo-fast-burn", "slo-slow-burn", "slo-ticket"}
    charts = {w["title"]: w for w in slo_widgets(config) if burn_lines(w)}
    assert len(charts) == 3
    for key, pairs in policies.items():
        role = {"slo-fast-burn": "fast page", "slo-slow-burn": "slow page", "slo-ticket": "ticket"}[key]
        (chart,) = [c for title, c in charts.items() if title.startswith(f"Burn rate: {role}")]
        assert sorted(burn_lines(chart)) == sorted(lookback for lookback, _ in pairs)
        assert {t["value"] for t in chart["xy_chart"]["thresholds"]} == {threshold for _, threshold in pairs}
        for data_set in chart["xy_chart"]["data_sets"]:
            aggregation = data_set["time_series_query"]["time_series_filter"]["aggregation"]
            assert aggregation == {"alignment_period": "60s", "per_series_aligner": "ALIGN_NEXT_OLDER"}


def test_the_default_windows_read_in_the_titles():
    titles = [w["title"] for w in slo_widgets(config_of())]
    assert titles[3:] == [
        "Burn rate: fast page over 36 min (above 5.83)",
        "Burn rate: slow page over 12 h (above 1.39) and 4 h (above 1)",
        "Burn rate: ticket over 24 h (above 1)",
    ]


@pytest.mark.parametrize("mode", ["slo", "static", "both"])
def test_the_slo_is_charted_in_every_mode_as_it_exists_in_every_mode(mode):
    assert len(slo_widgets(config_of(mode))) == SLO_TITLES


def test_the_slo_row_starts_on_a_row_of_its_own_within_48_columns_without_overlap():
    board = state(config_of())[("dashboard", "helios-performance")]
    assert board["mosaic_layout"]["columns"] == 48
    tiles = board["mosaic_layout"]["tiles"]
    cells: set[tuple[int, int]] = set()
    for tile in tiles:
        assert tile["x_pos"] + tile["width"] <= 48
        own = {
            (x, y)
            for x in range(tile["x_pos"], tile["x_pos"] + tile["width"])
            for y in range(tile["y_pos"], tile["y_pos"] + tile["height"])
        }
        assert not cells & own
        cells |= own
    slo = [t for t in tiles if "select_slo_" in str(t["widget"])]
    rest = [t for t in tiles if t not in slo]
    assert min(t["y_pos"] for t in slo) >= max(t["y_pos"] + t["height"] for t in rest)
    assert slo[0]["x_pos"] == 0


@pytest.mark.parametrize("mode", ["slo", "static", "both"])
def test_the_dashboards_refer_only_to_policies_the_mode_creates(mode):
    resources = state(config_of(mode))
    made = {key for kind, key in resources if kind == "alert_policy"}
    for key in ("helios-main", "helios-performance"):
        named = set(re.findall(r"ref:alert_policy/([a-z-]+)", str(resources[("dashboard", key)])))
        assert named <= made, (mode, named - made)
    performance = str(resources[("dashboard", "helios-performance")])
    assert "ref:alert_policy/pipeline-execution-time" in performance
    success = "pipeline-success-rate" if mode == "static" else "slo-fast-burn"
    assert f"ref:alert_policy/{success}" in performance


def test_without_the_stage_error_policy_the_failed_stage_runs_are_charted_by_stage():
    """A burn-rate page's runbook sends the operator to the failing stage: in slo mode, where the
    stage error-rate warning is not created, the failed stage runs are charted instead."""
    tiles = state(config_of("slo"))[("dashboard", "helios-performance")]["mosaic_layout"]["tiles"]
    (chart,) = [t["widget"] for t in tiles if t["widget"]["title"].startswith("Stage errors")]
    (data_set,) = chart["xy_chart"]["data_sets"]
    query = data_set["time_series_query"]["time_series_filter"]
    assert 'metric.labels.status = "failure"' in query["filter"]
    assert "custom.googleapis.com/helios/stage_runs" in query["filter"]
    assert query["aggregation"]["group_by_fields"] == ["metric.labels.stage"]
