"""The desired state against the Helios monitoring design: every alert with its threshold and severity, every
panel of both dashboards, on valid layouts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from helios_metrics.contract import Settings, spec
from helios_metrics.setup_infra.config import InfraConfig, load_config
from helios_metrics.setup_infra.desired import desired_state, fingerprint
from helios_metrics.setup_infra.model import Resource

ENV = {
    "HELIOS_ALERT_EMAIL": "oncall@example.com",
    "HELIOS_SLACK_CHANNEL": "#helios",
    "HELIOS_SLACK_TOKEN": "xoxb-token",
    "HELIOS_PAGERDUTY_SERVICE_KEY": "pd-key",
}


def config_of(env=ENV, mode="both") -> InfraConfig:
    config = load_config(env=env)
    return replace(config, alerts=replace(config.alerts, mode=mode))


def state(env=ENV, mode="both", **settings):
    resources = desired_state(Settings(project_id="p", **settings), config_of(env, mode))
    return {(r.kind, r.key): r.body for r in resources}


def condition(body):
    return body["conditions"][0]["condition_threshold"]


@pytest.mark.parametrize(
    ("key", "severity", "metric", "comparison", "threshold"),
    [
        ("pipeline-execution-time", "CRITICAL", "pipeline_execution_time", "COMPARISON_GT", 300),
        ("pipeline-success-rate", "CRITICAL", "pipeline_runs", "COMPARISON_LT", 0.85),  # successes < 85 %
        ("stage-error-rate", "WARNING", "stage_runs", "COMPARISON_GT", 0.15),
        ("resource-utilization", "WARNING", "resource_utilization", "COMPARISON_GT", 0.80),
        ("trends-discovered", "SEVERITY_UNSPECIFIED", "stage_value", "COMPARISON_GT", 0),
        ("products-published", "SEVERITY_UNSPECIFIED", "stage_runs", "COMPARISON_GT", 0),
    ],
)
def test_each_seed_alert_has_its_threshold_severity_and_a_filter_naming_metric_and_resource(
    key, severity, metric, comparison, threshold
):
    body = state()[("alert_policy", key)]
    threshold_body = condition(body)
    assert body["severity"] == severity
    assert body["user_labels"]["severity"] == {"CRITICAL": "critical", "WARNING": "warning"}.get(severity, "info")
    assert f'metric.type = "custom.googleapis.com/helios/{metric}"' in threshold_body["filter"]
    assert 'resource.type = "generic_task"' in threshold_body["filter"]
    assert (threshold_body["comparison"], threshold_body["threshold_value"]) == (comparison, pytest.approx(threshold))
    assert int(threshold_body["duration"].rstrip("s")) % 60 == 0
    assert all(a["cross_series_reducer"] != "REDUCE_NONE" for a in threshold_body["aggregations"])  # across task_id
    assert body["documentation"]["content"].startswith("## ")
    assert body["alert_strategy"]["auto_close"].endswith("s")


def test_rates_are_ratios_of_counts_stated_as_operators_read_them():
    for key, status in (("pipeline-success-rate", "success"), ("stage-error-rate", "failure")):
        body = condition(state()[("alert_policy", key)])
        assert f'metric.labels.status = "{status}"' in body["filter"]
        assert "status" not in body["denominator_filter"]
        assert (
            body["aggregations"][0]["per_series_aligner"]
            == body["denominator_aggregations"][0]["per_series_aligner"]
            == "ALIGN_SUM"
        )


def test_channels_are_routed_by_severity_and_only_when_configured():
    policies = {key: body for (kind, key), body in state().items() if kind == "alert_policy"}
    routed = {key: sorted(c.rsplit("/", 1)[1] for c in body["notification_channels"]) for key, body in policies.items()}
    assert routed["pipeline-execution-time"] == ["email", "pagerduty", "slack"]
    assert routed["stage-error-rate"] == ["email", "slack"]
    assert routed["trends-discovered"] == ["slack"]
    assert {kind for kind, _ in state()} >= {"notification_channel"}
    assert [key for kind, key in state() if kind == "notification_channel"] == ["email", "slack", "pagerduty"]
    assert [key for kind, key in state(env={}) if kind == "notification_channel"] == []


def test_secrets_are_fingerprinted_not_stored_in_labels_read_back():
    slack = state()[("notification_channel", "slack")]
    assert slack["labels"] == {"channel_name": "#helios", "auth_token": "xoxb-token"}
    assert slack["user_labels"]["secret_fingerprint"] == fingerprint({"auth_token": "xoxb-token"}, "p")
    assert fingerprint({"auth_token": "a"}, "p") != fingerprint({"auth_token": "b"}, "p")
    assert fingerprint({"auth_token": "a"}, "p") != fingerprint({"auth_token": "a"}, "other-key")


def tiles(board):
    return board["mosaic_layout"]["tiles"]


def test_the_helios_dashboard_has_the_seeds_six_panels():
    board = state()[("dashboard", "helios-main")]
    titles = [t["widget"]["title"] for t in tiles(board)]
    assert titles == [
        "Pipeline execution time (p50 / p95 / p99)",
        "Success rate (last 60 min)",
        "Trend opportunity score",
        "Audience confidence",
        "Design generation success",
        "Publication success",
    ]
    execution = tiles(board)[0]["widget"]["xy_chart"]["data_sets"]
    reducers = [d["time_series_query"]["time_series_filter"]["aggregation"]["cross_series_reducer"] for d in execution]
    assert reducers == ["REDUCE_PERCENTILE_50", "REDUCE_PERCENTILE_95", "REDUCE_PERCENTILE_99"]


def test_the_performance_dashboard_covers_trends_resources_opportunities_predictions_and_collector_health():
    board = state()[("dashboard", "helios-performance")]
    widgets = [t["widget"] for t in tiles(board)]
    text = " ".join(str(w) for w in widgets)
    for metric in (
        "stage_duration",
        "resource_utilization",
        "pipeline_success_forecast_band",
        "collector_lag",
        "collector_events",
        "collector_write_errors",
        "collector_runs",
    ):
        assert f"custom.googleapis.com/helios/{metric}" in text
    assert any("incident_list" in w for w in widgets)
    assert sum("alert_chart" in w for w in widgets) == 2


@pytest.mark.parametrize(("horizon", "title"), [("1h", "next hour"), ("6h", "next 6 hours")])
def test_the_success_predictions_draw_each_horizons_forecast_its_intervals_and_the_realised_rate(horizon, title):
    board = state()[("dashboard", "helios-performance")]
    (chart,) = [w["widget"] for w in tiles(board) if w["widget"]["title"] == f"Success predictions: {title}"]
    queries = [d["time_series_query"]["time_series_filter"] for d in chart["xy_chart"]["data_sets"]]
    band = spec("pipeline_success_forecast_band")
    (lines,) = [label.values for label in band.labels if label.key == "line"]
    assert len(queries) == len(lines) == 6
    for line, query in zip(lines, queries, strict=True):
        assert query["filter"] == (
            f'metric.type = "{band.type}" AND resource.type = "generic_task" '
            f'AND metric.labels.horizon = "{horizon}" AND metric.labels.line = "{line}"'
        )
        assert query["aggregation"]["per_series_aligner"] == "ALIGN_MEAN"
        assert query["aggregation"]["alignment_period"] == "300s"  # the forecast job's period
    legends = [d["legend_template"] for d in chart["xy_chart"]["data_sets"]]
    assert legends[0] == "forecast"
    assert legends[-1] == "realised"
    assert chart["xy_chart"]["thresholds"] == [{"value": config_of().alerts.success_rate}]


@pytest.mark.parametrize("key", ["helios-main", "helios-performance"])
def test_layouts_fit_48_columns_without_overlap(key):
    board = state()[("dashboard", key)]
    assert board["mosaic_layout"]["columns"] == 48
    cells = set()
    for tile in tiles(board):
        assert tile["x_pos"] + tile["width"] <= 48
        cells_of_tile = {
            (x, y)
            for x in range(tile["x_pos"], tile["x_pos"] + tile["width"])
            for y in range(tile["y_pos"], tile["y_pos"] + tile["height"])
        }
        assert not cells & cells_of_tile
        cells |= cells_of_tile


def test_a_kept_channel_is_desired_as_it_is_and_still_routed_and_a_configured_one_wins():
    sms_as_read = {"type_": "sms", "labels": {"number": "+15551234567"}, "name": "projects/p/notificationChannels/7"}
    email_as_read = {"type_": "email", "labels": {"email_address": "old@example.com"}}
    kept = [
        Resource("notification_channel", "sms", sms_as_read, "projects/p/notificationChannels/7"),
        Resource("notification_channel", "email", email_as_read, "projects/p/notificationChannels/8"),
    ]
    resources = {(r.kind, r.key): r.body for r in desired_state(Settings(project_id="p"), config_of(), kept)}
    assert resources[("notification_channel", "sms")] == sms_as_read
    assert resources[("notification_channel", "email")]["labels"] == {"email_address": "oncall@example.com"}
    critical = resources[("alert_policy", "pipeline-success-rate")]["notification_channels"]
    assert sorted(c.rsplit("/", 1)[1] for c in critical) == ["email", "pagerduty", "slack", "sms"]
    warning = resources[("alert_policy", "stage-error-rate")]["notification_channels"]
    assert sorted(c.rsplit("/", 1)[1] for c in warning) == ["email", "slack"]  # sms is routed by severity too


def test_the_backlog_policy_watches_the_configured_subscription():
    default = condition(state()[("alert_policy", "subscription-backlog")])["filter"]
    renamed = condition(state(subscription="store-metrics")[("alert_policy", "subscription-backlog")])["filter"]
    assert 'resource.labels.subscription_id = "helios-metrics-collector"' in default
    assert 'resource.labels.subscription_id = "store-metrics"' in renamed


def test_by_default_run_success_is_the_slos_burn_rates_and_the_static_rates_are_there_on_request():
    default = [key for kind, key in state(mode="slo") if kind == "alert_policy"]
    assert {"slo-fast-burn", "slo-slow-burn", "slo-ticket"} <= set(default)
    assert not {"pipeline-success-rate", "stage-error-rate"} & set(default)
    static = [key for kind, key in state(mode="static") if kind == "alert_policy"]
    assert {"pipeline-success-rate", "stage-error-rate"} <= set(static)
    assert not any(key.startswith("slo-") for key in static)
    assert load_config(env={}).alerts.mode == "slo"


@pytest.mark.parametrize("mode", ["slo", "static", "both"])
def test_the_service_and_its_slo_exist_in_every_mode_after_the_descriptors_and_before_the_policies(mode):
    order = [(kind, key) for kind, key in state(mode=mode)]
    service, slo = order.index(("service", "helios-pipeline")), order.index(("slo", "helios-pipeline/run-success"))
    last_descriptor = max(i for i, (kind, _) in enumerate(order) if kind == "metric_descriptor")
    first_policy = min(i for i, (kind, _) in enumerate(order) if kind == "alert_policy")
    assert last_descriptor < service < slo < first_policy


def test_the_slo_is_the_configured_success_rate_of_pipeline_run_count_over_the_period(tmp_path):
    slo = state(mode="slo")[("slo", "helios-pipeline/run-success")]
    assert (slo["goal"], slo["rolling_period"]) == (0.85, "604800s")
    ratio = slo["service_level_indicator"]["request_based"]["good_total_ratio"]
    run_count = 'metric.type = "custom.googleapis.com/helios/pipeline_run_count" AND resource.type = "generic_task"'
    assert ratio == {
        "good_service_filter": f'{run_count} AND metric.labels.status = "success"',
        "total_service_filter": run_count,
    }
    assert slo["user_labels"] == {"managed_by": "helios-setup-infra", "helios_key": "run-success"}
    assert slo["display_name"] == "85 % of pipeline runs succeed over 7 days"
    service = state(mode="slo")[("service", "helios-pipeline")]
    assert service == {
        "display_name": "Helios pipeline",
        "custom": {},
        "user_labels": {"managed_by": "helios-setup-infra", "helios_key": "helios-pipeline"},
    }
    path = tmp_path / "infra.toml"
    path.write_text("[alerts]\nsuccess_rate = 0.9\nslo_period_days = 28\n")
    resources = desired_state(Settings(project_id="p"), load_config(path, env={}))
    (slo,) = [r.body for r in resources if r.kind == "slo"]
    assert (slo["goal"], slo["rolling_period"]) == (0.9, "2419200s")
