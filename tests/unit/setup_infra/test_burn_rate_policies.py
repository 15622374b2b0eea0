"""The success SLO's burn-rate policies, the forecast warning and what every policy now carries
(subject with variables, links, renotify for pages): their bodies as apply sends them, from the
arithmetic's defaults and from the settings that change them."""

from __future__ import annotations

from typing import Any

import pytest

from helios_metrics.setup_infra.config import InfraConfig, load_config
from helios_metrics.setup_infra.policies import POLICY_KEYS, SLO_KEYS, STATIC_KEYS, policies, policy_keys

ENV = {"HELIOS_PAGERDUTY_SERVICE_KEY": "pd-key", "HELIOS_ALERT_EMAIL": "oncall@example.com"}
SLO = "ref:slo/helios-pipeline/run-success"
FAILED_RUNS = (
    'metric.type = "custom.googleapis.com/helios/pipeline_run_count" AND resource.type = "generic_task" '
    'AND metric.labels.status = "failure"'
)


def configured(tmp_path: Any = None, text: str = "", env: dict[str, str] = ENV) -> InfraConfig:
    if not text:
        return load_config(env=env)
    path = tmp_path / "infra.toml"
    path.write_text(text)
    return load_config(path, env=env)


def bodies(config: InfraConfig | None = None) -> dict[str, dict[str, Any]]:
    config = config or configured()
    return {r.key: r.body for r in policies(config, {c.kind for c in config.channels})}


def thresholds(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(c["display_name"], c["condition_threshold"]) for c in body["conditions"]]


def test_the_fast_page_is_every_run_of_36_minutes_failed_and_three_failed_runs_in_48():
    body = bodies()["slo-fast-burn"]
    (burn_name, burn), (count_name, count) = thresholds(body)
    assert body["combiner"] == "AND"
    assert (body["severity"], body["user_labels"]["severity"]) == ("CRITICAL", "critical")
    assert burn["filter"] == f'select_slo_burn_rate("{SLO}", "2160s")'
    assert "aggregations" not in burn  # an SLO selector takes none
    assert (burn["comparison"], burn["threshold_value"]) == ("COMPARISON_GT", 5.83)
    assert burn_name == "burn rate over 36 min > 5.83"
    assert count["filter"] == FAILED_RUNS
    (aggregation,) = count["aggregations"]
    assert aggregation == {
        "alignment_period": "2880s",
        "per_series_aligner": "ALIGN_DELTA",
        "cross_series_reducer": "REDUCE_SUM",
        "group_by_fields": [],
    }
    assert (count["comparison"], count["threshold_value"]) == ("COMPARISON_GT", 2)  # at least 3
    assert count_name == "at least 3 failed runs in 48 min"
    for condition in (burn, count):
        assert condition["duration"] == "60s"  # the missing-data rule needs a retest window
        assert condition["evaluation_missing_data"] == "EVALUATION_MISSING_DATA_INACTIVE"


def test_the_slow_page_pairs_12_hours_with_4_and_holds_for_2_hours():
    body = bodies()["slo-slow-burn"]
    (_, long), (_, count), (short_name, short) = thresholds(body)
    assert (long["filter"], long["threshold_value"]) == (f'select_slo_burn_rate("{SLO}", "43200s")', 1.39)
    assert (count["aggregations"][0]["alignment_period"], count["threshold_value"]) == ("43200s", 12)
    assert (short["filter"], short["threshold_value"]) == (f'select_slo_burn_rate("{SLO}", "14400s")', 1.0)
    assert short_name == "burn rate over 4 h > 1"
    assert {c["duration"] for c in (long, count, short)} == {"7200s"}
    assert body["severity"] == "CRITICAL"


def test_the_ticket_is_a_day_over_budget_routed_as_a_warning():
    body = bodies()["slo-ticket"]
    (_, burn), (_, count) = thresholds(body)
    assert (burn["filter"], burn["threshold_value"]) == (f'select_slo_burn_rate("{SLO}", "86400s")', 1.0)
    assert count["threshold_value"] == 18  # at least 19 of 120: above 15 %
    assert {burn["duration"], count["duration"]} == {"3600s"}
    assert (body["severity"], body["user_labels"]["severity"]) == ("WARNING", "warning")
    assert [c.rsplit("/", 1)[1] for c in body["notification_channels"]] == ["email"]
    assert "notification_channel_strategy" not in body["alert_strategy"]  # only pages renotify


def test_every_count_window_and_its_retest_window_fit_the_25_hours_monitoring_accepts():
    for body in bodies().values():
        for _, condition in thresholds(body) if "condition_threshold" in body["conditions"][0] else []:
            for aggregation in condition.get("aggregations", []):
                period = int(aggregation["alignment_period"].rstrip("s"))
                assert period + int(condition["duration"].rstrip("s")) <= 25 * 3600


def test_pages_renotify_their_channels_while_open_and_zero_turns_it_off(tmp_path):
    strategy = bodies()["slo-fast-burn"]["alert_strategy"]
    (each,) = strategy["notification_channel_strategy"]
    assert each["renotify_interval"] == "3600s"
    assert sorted(c.rsplit("/", 1)[1] for c in each["notification_channel_names"]) == ["email", "pagerduty"]
    assert each["notification_channel_names"] == bodies()["slo-fast-burn"]["notification_channels"]
    assert strategy["auto_close"] == "604800s"
    for key in ("collector-dead", "pipeline-execution-time"):
        assert "notification_channel_strategy" in bodies()[key]["alert_strategy"]
    off = bodies(configured(tmp_path, "[alerts]\nrenotify_s = 0\n"))
    assert all("notification_channel_strategy" not in b["alert_strategy"] for b in off.values())
    unrouted = bodies(configured(env={}))
    assert "notification_channel_strategy" not in unrouted["slo-fast-burn"]["alert_strategy"]


def test_every_subject_is_written_with_variables_and_names_the_condition_that_tripped():
    found = bodies()
    subject = found["slo-fast-burn"]["documentation"]["subject"]
    assert subject == "[critical] ${policy.display_name}: ${condition.display_name}"
    assert found["pipeline-stopped"]["documentation"]["subject"] == "[critical] ${policy.display_name}"
    assert found["slo-ticket"]["documentation"]["subject"].startswith("[warning] ${policy.display_name}")
    # an AND policy's incident carries its first condition, so the runbook states every window itself
    assert (
        "over 12 h (and over the last 4 h), with at least 13 failed runs"
        in found["slo-slow-burn"]["documentation"]["content"]
    )


def test_links_are_the_runbook_when_configured_the_dashboard_and_for_burn_rates_googles_guide(tmp_path):
    default = bodies()
    dashboard = "https://console.cloud.google.com/monitoring/dashboards/custom/helios-main?project=${project}"
    assert default["pipeline-stopped"]["documentation"]["links"] == [{"display_name": "Dashboard", "url": dashboard}]
    fast = default["slo-fast-burn"]["documentation"]["links"]
    assert [link["display_name"] for link in fast] == ["Dashboard", "Burn-rate alerting"]
    assert fast[0]["url"] == dashboard.replace("helios-main", "helios-performance")  # where the SLO's row is
    with_runbook = bodies(configured(tmp_path, "[alerts]\nrunbook_url = 'https://wiki.example/helios/runbooks'\n"))
    for key, body in with_runbook.items():
        links = body["documentation"]["links"]
        assert links[0] == {"display_name": "Runbook", "url": f"https://wiki.example/helios/runbooks#{key}"}
        assert len(links) <= 3  # Google's limit
        assert all(0 < len(link["display_name"]) <= 63 for link in links)


def test_the_forecast_warns_before_the_utilization_threshold_and_zero_leaves_it_out(tmp_path):
    body = bodies()["resource-forecast"]
    ((name, threshold),) = thresholds(body)
    assert threshold["forecast_options"] == {"forecast_horizon": "3600s"}
    assert (threshold["comparison"], threshold["threshold_value"]) == ("COMPARISON_GT", 0.8)
    assert threshold["filter"].startswith('metric.type = "custom.googleapis.com/helios/resource_utilization"')
    assert threshold["aggregations"][0]["group_by_fields"] == ["metric.labels.resource"]
    assert name == "resource utilization forecast > 80% within 1 h"
    assert body["severity"] == "WARNING"
    longer = bodies(configured(tmp_path, "[alerts]\nforecast_horizon_s = 21600\n"))["resource-forecast"]
    assert longer["conditions"][0]["condition_threshold"]["forecast_options"] == {"forecast_horizon": "21600s"}
    assert longer["display_name"].endswith("within 6 h")
    assert "resource-forecast" not in bodies(configured(tmp_path, "[alerts]\nforecast_horizon_s = 0\n"))


@pytest.mark.parametrize(
    ("mode", "present", "absent"),
    [("slo", SLO_KEYS, STATIC_KEYS), ("static", STATIC_KEYS, SLO_KEYS), ("both", SLO_KEYS + STATIC_KEYS, ())],
)
def test_the_mode_chooses_the_run_success_policies_and_nothing_else(tmp_path, mode, present, absent):
    config = configured(tmp_path, f"[alerts]\nmode = '{mode}'\n")
    keys = list(bodies(config))
    assert keys == list(policy_keys(config))
    assert set(present) <= set(keys)
    assert not set(absent) & set(keys)
    assert set(POLICY_KEYS) - set(SLO_KEYS) - set(STATIC_KEYS) <= set(keys)  # the others in every mode
    assert keys == [key for key in POLICY_KEYS if key in keys]  # in one order


def test_the_windows_follow_the_configured_volume_and_objective(tmp_path):
    config = configured(tmp_path, "[alerts]\nruns_per_hour = 20\nsuccess_rate = 0.9\nhealthy_success_rate = 0.97\n")
    fast = bodies(config)["slo-fast-burn"]
    (_, burn), (count_name, count) = thresholds(fast)
    assert count["aggregations"][0]["alignment_period"] == "1980s"
    assert burn["filter"].endswith('"1800s")')  # ten runs, one every 3 minutes: the last 27 minutes' evidence
    assert count_name == "at least 10 failed runs in 33 min"
    assert "90%" in fast["display_name"]
