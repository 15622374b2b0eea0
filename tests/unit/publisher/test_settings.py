from __future__ import annotations

import pytest

from helios_metrics.contract import Settings, SettingsError


def test_argument_beats_environment_beats_default():
    env = {"GOOGLE_CLOUD_PROJECT": "from-env", "HELIOS_METRICS_TOPIC": "env-topic"}
    settings = Settings.from_env(env, project_id="from-arg")
    assert settings.project_id == "from-arg"
    assert settings.topic == "env-topic"
    assert settings.subscription == "helios-metrics-collector"
    assert settings.dead_letter_topic == "helios-metrics-dead-letter"


def test_every_documented_variable_is_read():
    env = {
        "GOOGLE_CLOUD_PROJECT": "p",
        "PUBSUB_EMULATOR_HOST": "127.0.0.1:1",
        "MONITORING_EMULATOR_HOST": "127.0.0.1:2",
        "HELIOS_METRICS_TOPIC": "t",
        "HELIOS_METRICS_SUBSCRIPTION": "s",
        "HELIOS_DEAD_LETTER_TOPIC": "d",
        "HELIOS_LEDGER_DIR": "/var/lib/helios",
    }
    settings = Settings.from_env(env)
    assert str(settings.journal_path) == "/var/lib/helios/p--s.journal"
    assert Settings(project_id="p").journal_path is None
    assert (settings.project_id, settings.pubsub_emulator_host, settings.monitoring_emulator_host) == (
        "p",
        "127.0.0.1:1",
        "127.0.0.1:2",
    )
    assert (settings.topic_path, settings.subscription_path, settings.dead_letter_topic_path) == (
        "projects/p/topics/t",
        "projects/p/subscriptions/s",
        "projects/p/topics/d",
    )


def test_none_arguments_mean_not_given():
    assert Settings.from_env({"GOOGLE_CLOUD_PROJECT": "env"}, project_id=None).project_id == "env"


def test_unknown_settings_and_missing_project_are_reported():
    with pytest.raises(TypeError, match="unknown settings"):
        Settings.from_env({}, projectid="x")
    with pytest.raises(SettingsError, match="GOOGLE_CLOUD_PROJECT"):
        _ = Settings.from_env({}).topic_path


def test_collector_settings_are_numbers_within_bounds():
    settings = Settings.from_env({"HELIOS_WINDOW_SECONDS": "30", "HELIOS_COLLECT_BUDGET_SECONDS": "12.5"})
    assert (settings.window_seconds, settings.collect_budget_seconds) == (30, 12.5)
    with pytest.raises(SettingsError, match="between 10 and 240"):
        Settings.from_env({"HELIOS_WINDOW_SECONDS": "300"})
    with pytest.raises(SettingsError, match="HELIOS_COLLECT_BUDGET_SECONDS must be a number"):
        Settings.from_env({"HELIOS_COLLECT_BUDGET_SECONDS": "soon"})
