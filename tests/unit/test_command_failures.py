"""Misconfigurations become one line naming the variable: host formats, and the CLI's last line."""

from __future__ import annotations

import sys

import pytest

from helios_metrics.contract import Settings, SettingsError, cli
from helios_metrics.contract.cli import command, command_name, failure_line, run_command
from helios_metrics.contract.preflight import PreflightError


@pytest.mark.parametrize("value", ["127.0.0.1:8085", "localhost:1", "[::1]:8086", "emulator.internal:65535"])
def test_emulator_addresses_in_host_port_form_are_taken(value):
    settings = Settings.from_env({"PUBSUB_EMULATOR_HOST": value, "MONITORING_EMULATOR_HOST": value})
    assert (settings.pubsub_emulator_host, settings.monitoring_emulator_host) == (value, value)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("http://127.0.0.1:42537", "drop the http://"),
        ("localhost", "host:port"),
        ("127.0.0.1:99999", "host:port"),
        ("127.0.0.1:", "host:port"),
        ("127.0.0.1:8086/", "host:port"),
    ],
)
@pytest.mark.parametrize("variable", ["PUBSUB_EMULATOR_HOST", "MONITORING_EMULATOR_HOST"])
def test_a_malformed_emulator_address_names_the_variable_and_the_value(variable, value, hint):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    message = str(raised.value)
    assert message.startswith(f"{variable} must be host:port")
    assert hint in message
    assert repr(value) in message
    assert "\n" not in message


def test_expected_failures_are_one_line_and_bugs_keep_their_traceback(capsys):
    def missing_project() -> int:
        Settings.from_env({}).require_project()
        return 0

    assert run_command(missing_project) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("configuration error: no Google Cloud project")

    def unreachable() -> int:
        raise PreflightError("PUBSUB_EMULATOR_HOST=127.0.0.1:9: nothing listens there")

    assert run_command(unreachable) == 1
    assert capsys.readouterr().err == "error: PUBSUB_EMULATOR_HOST=127.0.0.1:9: nothing listens there\n"

    def bug() -> int:
        raise ZeroDivisionError("a bug")

    with pytest.raises(ZeroDivisionError):
        run_command(bug)


def test_google_refusals_are_one_line_with_what_to_do():
    from google.api_core import exceptions

    line = failure_line(exceptions.NotFound("Resource not found (resource=helios-metrics-collector).\nmore"))
    assert line is not None
    assert "\n" not in line
    assert line.startswith("error: 404 Resource not found (resource=helios-metrics-collector). more")
    assert "setup_infra apply" in line
    retry = failure_line(exceptions.RetryError("Timeout of 600.0s exceeded", exceptions.ServiceUnavailable("down")))
    assert retry == "error: gave up retrying: 503 down"
    assert failure_line(ValueError("not ours")) is None
    assert failure_line(ValueError("ours"), (ValueError,)) == "configuration error: ours"


@pytest.mark.parametrize(
    ("argv0", "checkout", "expected"),
    [
        ("/venv/bin/helios-setup-infra", False, "helios-setup-infra"),  # the console script
        ("/repo/helios_metrics/setup_infra/__main__.py", True, "python -m setup_infra"),  # a checkout's python -m
        ("/site/helios_metrics/setup_infra/__main__.py", False, "helios-setup-infra"),  # installed: its script
        ("/venv/bin/helios-something-else", False, "helios-setup-infra"),
        ("", True, "python -m setup_infra"),
    ],
)
def test_help_and_messages_name_a_command_this_environment_has(monkeypatch, argv0, checkout, expected):
    monkeypatch.setattr(sys, "argv", [argv0, "--help"])
    monkeypatch.setattr(cli, "_in_checkout", lambda: checkout)
    assert command_name("setup_infra") == expected


def test_installed_messages_name_the_console_scripts(monkeypatch):
    monkeypatch.setattr(cli, "_in_checkout", lambda: False)
    assert (command("setup_infra"), command("functions")) == ("helios-setup-infra", "helios-collector")
    assert command("alert_scenarios") == "python -m helios_metrics.alert_scenarios"
    monkeypatch.setattr(cli, "_in_checkout", lambda: True)
    assert (command("setup_infra"), command("reporting")) == (
        "python -m setup_infra",
        "python -m helios_metrics.reporting",
    )


def test_this_checkout_is_one():
    assert cli._in_checkout()  # the suite runs from the repository's root
