"""An invalid configuration fails with a message naming the field, before any API call."""

from __future__ import annotations

import pytest

from setup_infra.config import ConfigError, load_config


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
    ],
)
def test_invalid_configuration_names_the_field(tmp_path, text, env, message):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env=env)
    assert message in str(caught.value)


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
