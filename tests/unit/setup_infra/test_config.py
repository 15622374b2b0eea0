"""An invalid configuration fails with a message naming the field, before any API call."""

from __future__ import annotations

import pytest

from helios_metrics.setup_infra.config import ConfigError, load_config


def write(tmp_path, text):
    path = tmp_path / "infra.toml"
    path.write_text(text)
    return path


def test_defaults_are_the_seeds_numbers():
    alerts = load_config(env={}).alerts
    assert (alerts.execution_time_s, alerts.success_rate, alerts.error_rate, alerts.resource_utilization) == (
        300,
        0.85,
        0.15,
        0.80,
    )


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[alerts]\nsuccess_rate = 1.5\n", {}, "alerts.success_rate must be a number from 0 to 1"),
        ("[alerts]\nwarning_duration_s = 90\n", {}, "alerts.warning_duration_s must be a whole number of minutes"),
        ("[alerts]\nlatency = 3\n", {}, "alerts.latency is not a setting"),
        ("[channels]\nslack_token = 'x'\n", {}, "secrets come only from the environment"),
        ("[channels]\ncarrier_pigeon = 'x'\n", {}, "channels.carrier_pigeon is not allowed"),
        ("[routing]\ncritical = ['fax']\n", {}, "routing.critical must be a list of"),
        ("[routing]\nurgent = ['email']\n", {}, "routing.urgent is not a severity"),
        ("[nope]\n", {}, "[nope] is not a section"),
        ("", {"HELIOS_ALERT_SMS": "555-1234"}, "HELIOS_ALERT_SMS"),
        ("", {"HELIOS_SLACK_CHANNEL": "#ops"}, "HELIOS_SLACK_TOKEN is unset"),
        ("", {"HELIOS_ALERT_EMAIL": "not-an-address"}, "HELIOS_ALERT_EMAIL"),
        ("", {"HELIOS_ALERT_WEBHOOK_URL": "ftp://x"}, "HELIOS_ALERT_WEBHOOK_URL"),
        (
            "",
            {"HELIOS_ALERT_WEBHOOK_URL": "https://x.example", "HELIOS_ALERT_WEBHOOK_USER": "u"},
            "basic auth needs both",
        ),
        ("not toml = = =", {}, "is not valid TOML"),
        ("[alerts]\nmode = 'burn'\n", {}, "alerts.mode must be one of slo, static, both, got 'burn'"),
        ("[alerts]\nmode = 1\n", {}, "alerts.mode must be a string"),
        ("[alerts]\nslo_period_days = 31\n", {}, "alerts.slo_period_days must be a number from 1 to 30"),
        ("[alerts]\nslo_period_days = 7.5\n", {}, "alerts.slo_period_days must be a whole number of days"),
        ("[alerts]\nruns_per_hour = 0\n", {}, "alerts.runs_per_hour must be a number from 0.1 to 3600"),
        ("[alerts]\nruns_per_hour = true\n", {}, "alerts.runs_per_hour must be a number"),
        ("[alerts]\nhealthy_success_rate = 0.8\n", {}, "alerts.healthy_success_rate must be above alerts.success_rate"),
        ("[alerts]\nsuccess_rate = 1.0\n", {}, "alerts.success_rate is the SLO's goal: more than 0 and at most 0.9999"),
        ("[alerts]\npage_within_s = 900\n", {}, "alerts.page_within_s must leave room for two runs at 5 runs an hour"),
        ("[alerts]\npage_within_s = 1830\n", {}, "alerts.page_within_s must be a multiple of 60"),
        ("[alerts]\nslow_burn_window_s = 86400\n", {}, "alerts.slow_burn_window_s must be a number from 3600 to 82800"),
        ("[alerts]\nticket_window_s = 90000\n", {}, "alerts.ticket_window_s must be a number from 3600 to 86400"),
        (
            "[alerts]\nslo_period_days = 1\nticket_window_s = 86400\nslow_burn_window_s = 82800\n",
            {},
            "",
        ),
        (
            "[alerts]\nruns_per_hour = 1\npage_within_s = 7200\nslow_burn_window_s = 7200\n",
            {},
            "alerts.slow_burn_window_s must hold at least 3 runs at 1 runs an hour (10800 s)",
        ),
        ("[alerts]\nrenotify_s = 600\n", {}, "alerts.renotify_s must be a number from 1800 to 86400"),
        ("[alerts]\nrenotify_s = 1830\n", {}, "alerts.renotify_s must be a whole number of minutes"),
        ("[alerts]\nforecast_horizon_s = 1800\n", {}, "alerts.forecast_horizon_s must be a number from 3600 to 216000"),
        ("[alerts]\nrunbook_url = 'wiki/runbooks'\n", {}, "alerts.runbook_url must be an http(s) URL"),
        ("[alerts]\nrunbook_url = 'https://wiki.example/r#top'\n", {}, "alerts.runbook_url must not have a #fragment"),
    ],
)
def test_invalid_configuration_names_the_field(tmp_path, text, env, message):
    if not message:  # the bounds' edges are accepted
        load_config(write(tmp_path, text), env=env)
        return
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env=env)
    assert message in str(caught.value)


def test_the_slo_settings_default_to_the_stores_volume_and_a_week():
    alerts = load_config(env={}).alerts
    assert (alerts.mode, alerts.slo_period_days, alerts.runs_per_hour, alerts.healthy_success_rate) == (
        "slo",
        7,
        5.0,
        0.92,
    )
    assert (alerts.page_within_s, alerts.slow_burn_window_s, alerts.ticket_window_s) == (1800, 43200, 86400)
    assert (alerts.renotify_s, alerts.forecast_horizon_s, alerts.runbook_url) == (3600, 3600, "")


def test_the_slo_settings_are_read_with_their_types_and_zero_turns_the_optional_ones_off(tmp_path):
    alerts = load_config(
        write(
            tmp_path,
            "[alerts]\nmode = 'both'\nslo_period_days = 28\nruns_per_hour = 12\nrenotify_s = 0\n"
            "forecast_horizon_s = 0\nrunbook_url = 'https://wiki.example/helios'\n",
        ),
        env={},
    ).alerts
    assert (alerts.mode, alerts.slo_period_days, alerts.runs_per_hour) == ("both", 28, 12.0)
    assert isinstance(alerts.slo_period_days, int)
    assert isinstance(alerts.runs_per_hour, float)
    assert (alerts.renotify_s, alerts.forecast_horizon_s, alerts.runbook_url) == (0, 0, "https://wiki.example/helios")


def test_the_environment_configures_channels_and_wins_over_the_file(tmp_path):
    config = load_config(
        write(tmp_path, "[channels]\nemail = 'file@example.com'\n"),
        env={
            "HELIOS_ALERT_EMAIL": "env@example.com",
            "HELIOS_ALERT_WEBHOOK_URL": "https://hooks.example/h",
            "HELIOS_ALERT_WEBHOOK_USER": "u",
            "HELIOS_ALERT_WEBHOOK_PASSWORD": "p",
        },
    )
    assert config.channel("email").labels == {"email_address": "env@example.com"}
    webhook = config.channel("webhook")
    assert (dict(webhook.labels), dict(webhook.secrets)) == (
        {"url": "https://hooks.example/h", "username": "u"},
        {"password": "p"},
    )
