"""``test-alerts``: every shipped scenario, replayed against the default policies, opens and closes
each alert at the minutes worked out by hand in the scenario (and nothing else fires) — the seed's
alerts and the ones that page on silence: a collector that stops, a pipeline that stops."""

from __future__ import annotations

import pytest

from setup_infra.__main__ import main
from setup_infra.alert_test import run_scenario
from setup_infra.policies import GOOGLE_ONLY_KEYS, POLICY_KEYS
from setup_infra.scenarios import SCENARIOS


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_scenario_gives_the_expected_open_and_close_minutes(name, monitoring):
    result = run_scenario(name, emulator=monitoring)
    expected = {key: SCENARIOS[name].expected.get(key, ((), ())) for key in POLICY_KEYS}
    assert dict(result.incidents) == expected
    assert result.matches_expected


def test_every_alert_with_local_data_has_a_scenario_that_fires_it():
    fired = {key for scenario in SCENARIOS.values() for key, (opened, _) in scenario.expected.items() if opened}
    assert fired == set(POLICY_KEYS) - set(GOOGLE_ONLY_KEYS)  # Pub/Sub's backlog metric exists only on Google Cloud


def test_the_command_shows_what_a_changed_threshold_would_have_done(tmp_path, capsys):
    assert main(["test-alerts", "slow-runs"]) == 0
    assert (
        "pipeline-execution-time: opened at minute [10], closed at minute [16] (as expected)" in capsys.readouterr().out
    )
    config = tmp_path / "infra.toml"
    config.write_text("[alerts]\nexecution_time_s = 500\n")
    assert main(["test-alerts", "slow-runs", "--config", str(config)]) == 2
    assert "pipeline-execution-time: quiet (expected opened [10] closed [16])" in capsys.readouterr().out
    assert main(["test-alerts", "no-such-day"]) == 1
