"""The policies that page on silence, and the rates stated as operators read them: their bodies,
and the ``[alerts]`` settings that shape them (validated before any API call)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from helios_metrics.setup_infra.config import AlertSettings, ConfigError, InfraConfig, load_config
from helios_metrics.setup_infra.policies import BACKLOG_METRIC, GOOGLE_ONLY_KEYS, POLICY_KEYS, policies

ENV = {"HELIOS_PAGERDUTY_SERVICE_KEY": "pd-key", "HELIOS_ALERT_EMAIL": "oncall@example.com"}


def both(config: InfraConfig) -> InfraConfig:
    """``config`` with every policy: the static rates beside the burn rates."""
    return replace(config, alerts=replace(config.alerts, mode="both"))


def bodies(config: InfraConfig | None = None, subscription: str | None = None) -> dict[str, dict[str, Any]]:
    config = config or both(load_config(env=ENV))
    configured = {c.kind for c in config.channels}
    found = policies(config, configured) if subscription is None else policies(config, configured, subscription)
    return {r.key: r.body for r in found}


def configured(tmp_path, text: str) -> InfraConfig:
    path = tmp_path / "infra.toml"
    path.write_text(text)
    return load_config(path, env=ENV)


def test_every_policy_key_is_made_and_the_google_only_one_is_among_them():
    assert list(bodies()) == list(POLICY_KEYS)  # mode "both": every policy there is
    assert set(GOOGLE_ONLY_KEYS) <= set(POLICY_KEYS)
    default = policies(load_config(env=ENV), {"email", "pagerduty"})
    assert {"collector-dead", "pipeline-stopped", "subscription-backlog"} <= {r.key for r in default}


def test_the_silence_defaults_and_why_they_are_what_they_are():
    a = AlertSettings()
    assert (a.collector_silence_s, a.pipeline_silence_s, a.backlog_age_s) == (600, 3600, 600)
    # the collector runs every minute (ten runs missed), the store about every 12 minutes (five missed)
    assert a.collector_silence_s // 60 == 10
    assert a.pipeline_silence_s // 720 == 5


def test_collector_dead_is_the_absence_of_the_heartbeat_across_every_collector_instance():
    body = bodies()["collector-dead"]
    (condition,) = body["conditions"]
    absent = condition["condition_absent"]
    assert absent["filter"] == (
        'metric.type = "custom.googleapis.com/helios/collector_runs" AND resource.type = "generic_task"'
    )
    (aggregation,) = absent["aggregations"]
    assert (aggregation["cross_series_reducer"], aggregation["group_by_fields"]) == ("REDUCE_SUM", [])
    assert absent["duration"] == "600s"
    assert body["severity"] == "CRITICAL"
    assert body["display_name"] == "Helios: collector has not completed a run for 10 min"
    assert sorted(c.rsplit("/", 1)[1] for c in body["notification_channels"]) == ["email", "pagerduty"]
    assert body["documentation"]["content"].startswith("## The metrics collector has stopped")


def test_pipeline_stopped_is_reduced_to_one_series_so_quiet_failures_alone_never_fire():
    absent = bodies()["pipeline-stopped"]["conditions"][0]["condition_absent"]
    assert "status" not in absent["filter"]  # successes and failures together
    assert absent["filter"].startswith('metric.type = "custom.googleapis.com/helios/pipeline_runs"')
    (aggregation,) = absent["aggregations"]
    assert (aggregation["cross_series_reducer"], aggregation["group_by_fields"]) == ("REDUCE_SUM", [])
    assert absent["duration"] == "3600s"
    assert bodies()["pipeline-stopped"]["display_name"] == "Helios: no pipeline run recorded for 1 h"


def test_the_backlog_watches_pubsubs_own_metric_of_the_collectors_subscription():
    body = bodies(subscription="metrics-collector-eu")["subscription-backlog"]
    threshold = body["conditions"][0]["condition_threshold"]
    assert threshold["filter"] == (
        f'metric.type = "{BACKLOG_METRIC}" AND resource.type = "pubsub_subscription" '
        'AND resource.labels.subscription_id = "metrics-collector-eu"'
    )
    assert (threshold["comparison"], threshold["threshold_value"]) == ("COMPARISON_GT", 600)
    assert body["severity"] == "CRITICAL"
    assert "metrics-collector-eu" in body["display_name"]
    assert "Google Cloud only" in body["documentation"]["content"]


def test_without_a_subscription_the_backlog_names_the_default_one():
    threshold = bodies()["subscription-backlog"]["conditions"][0]["condition_threshold"]
    assert threshold["filter"].endswith('resource.labels.subscription_id = "helios-metrics-collector"')


def test_the_success_rate_is_the_success_share_below_its_threshold():
    body = bodies()["pipeline-success-rate"]
    threshold = body["conditions"][0]["condition_threshold"]
    assert 'metric.labels.status = "success"' in threshold["filter"]
    assert "status" not in threshold["denominator_filter"]
    assert (threshold["comparison"], threshold["threshold_value"]) == ("COMPARISON_LT", 0.85)
    assert body["display_name"] == "Helios: pipeline success rate < 85%"


def test_the_stage_error_rate_stays_the_failure_share_above_its_threshold():
    threshold = bodies()["stage-error-rate"]["conditions"][0]["condition_threshold"]
    assert 'metric.labels.status = "failure"' in threshold["filter"]
    assert (threshold["comparison"], threshold["threshold_value"]) == ("COMPARISON_GT", 0.15)


def test_configured_silences_and_backlog_age_shape_the_policies(tmp_path):
    config = configured(
        tmp_path,
        "[alerts]\ncollector_silence_s = 300\npipeline_silence_s = 7200\nbacklog_age_s = 900\nsuccess_rate = 0.9\n",
    )
    found = bodies(both(config))
    assert found["collector-dead"]["conditions"][0]["condition_absent"]["duration"] == "300s"
    assert found["collector-dead"]["display_name"].endswith("for 5 min")
    assert found["pipeline-stopped"]["conditions"][0]["condition_absent"]["duration"] == "7200s"
    assert found["pipeline-stopped"]["display_name"].endswith("for 2 h")
    assert found["subscription-backlog"]["conditions"][0]["condition_threshold"]["threshold_value"] == 900
    assert found["pipeline-success-rate"]["conditions"][0]["condition_threshold"]["threshold_value"] == 0.9


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("collector_silence_s = 150", "alerts.collector_silence_s must be a whole number of minutes"),
        ("collector_silence_s = 60", "alerts.collector_silence_s must be a number from 120 to 84600, got 60"),
        ("pipeline_silence_s = 86400", "alerts.pipeline_silence_s must be a number from 120 to 84600, got 86400"),
        ('pipeline_silence_s = "1h"', "alerts.pipeline_silence_s must be a number from 120 to 84600"),
        ("backlog_age_s = 30", "alerts.backlog_age_s must be a number from 60 to 604800, got 30"),
        ("backlog_age_s = true", "alerts.backlog_age_s must be a number"),
    ],
)
def test_silence_settings_outside_what_monitoring_accepts_stop_before_any_api_call(tmp_path, line, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        configured(tmp_path, f"[alerts]\n{line}\n")


def test_the_longest_absence_google_accepts_is_accepted(tmp_path):
    config = configured(tmp_path, "[alerts]\npipeline_silence_s = 84600\n")
    assert bodies(config)["pipeline-stopped"]["display_name"].endswith("for 23 h 30 min")
