"""``test-alerts``: every minute scenario, replayed against every policy (mode "both": the static
rates beside the burn rates), opens and closes each alert at the minutes worked out by hand in the
scenario (and nothing else fires) — among them incidents that close once their condition clears,
after an outage (``outage-then-recovery``) and when a burn rate's window is left with no run at all
(``failing-then-stopped``, where the static rate's missing-data default keeps its incident open).
Every store scenario — the store's real volume, a run every ~12 minutes failing at random from a
seeded generator — meets its acceptance with the default configuration, and shows what
docs/alerting.md measures for the static policies beside it.

The store scenarios take 5 to 60 seconds each here (the healthy week is 10,080 minutes, evaluated
in seven range calls); each is its own test."""

from __future__ import annotations

from dataclasses import replace

import pytest

from helios_metrics.alert_scenarios import run_scenario
from helios_metrics.alert_scenarios.scenarios import SCENARIOS
from helios_metrics.setup_infra.__main__ import main
from helios_metrics.setup_infra.config import AlertSettings, InfraConfig
from helios_metrics.setup_infra.policies import GOOGLE_ONLY_KEYS, POLICY_KEYS, policy_keys

BOTH = InfraConfig(alerts=replace(AlertSettings(), mode="both"))
DEFAULT_KEYS = policy_keys(InfraConfig())
MINUTE = [name for name, s in SCENARIOS.items() if s.traffic is None]


@pytest.mark.parametrize("name", MINUTE)
def test_each_minute_scenario_gives_the_expected_open_and_close_minutes(name, monitoring):
    result = run_scenario(name, BOTH, emulator=monitoring)
    expected = {key: SCENARIOS[name].expected.get(key, ((), ())) for key in POLICY_KEYS}
    assert dict(result.incidents) == expected
    assert result.matches_expected


def test_every_alert_with_local_data_has_a_scenario_that_fires_it():
    fired = {key for scenario in SCENARIOS.values() for key, (opened, _) in scenario.expected.items() if opened}
    assert fired == set(POLICY_KEYS) - set(GOOGLE_ONLY_KEYS)  # Pub/Sub's backlog: Google Cloud only


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


def store(name: str):
    """A store scenario in mode "both"; its acceptance judged on the default mode's policies."""
    result = run_scenario(name, BOTH)
    verdicts = result.verdicts_for(DEFAULT_KEYS)
    assert verdicts == dict.fromkeys(SCENARIOS[name].acceptance, True), "\n".join(result.lines())
    return result, result.measures


def test_a_healthy_week_pages_nothing_where_the_static_success_rate_pages_every_few_hours():
    result, m = store("healthy-week")
    assert [key for key in DEFAULT_KEYS if m[key].episodes and m[key].severity != "info"] == []
    assert len(m["pipeline-success-rate"].episodes) >= 20  # one failed run in an hour is 80 %: below 85 %
    assert not any(m[key].open_at_end for key in DEFAULT_KEYS if m[key].severity != "info")
    assert any("met: no critical incident" in line for line in result.lines())


def test_a_total_outage_pages_once_within_30_minutes_and_closes_when_runs_succeed_again():
    _, m = store("total-outage")
    fast = m["slo-fast-burn"]
    assert len(fast.episodes) == 1
    assert fast.after_first_failure is not None
    assert fast.after_first_failure <= 30
    assert fast.closed_after_fault is not None
    assert 0 <= fast.closed_after_fault <= 15  # at the first successful run's point
    assert not any(m[key].open_at_end for key in DEFAULT_KEYS if m[key].severity != "info")


def test_a_slow_bleed_pages_before_a_quarter_of_the_weeks_budget_is_spent_and_tickets():
    _, m = store("slow-bleed")
    slow = m["slo-slow-burn"]
    assert slow.budget_spent is not None
    assert slow.budget_spent < 0.25
    assert slow.after_fault is not None
    assert slow.after_fault < 24 * 60  # during the bleed
    assert m["slo-ticket"].episodes  # a day over budget: the ticket too
    assert not m["slo-slow-burn"].open_at_end
    assert not m["slo-ticket"].open_at_end


def test_a_short_burst_pages_no_burn_rate_policy_where_the_static_rate_pages():
    _, m = store("short-burst")
    assert not any(m[key].episodes for key in ("slo-fast-burn", "slo-slow-burn"))
    burst = SCENARIOS["short-burst"].fault
    assert burst is not None
    assert any(burst.start <= opened < burst.end + 60 for opened, _ in m["pipeline-success-rate"].episodes)


def test_the_day_of_issue_17_pages_its_outage_within_30_minutes():
    _, m = store("issue-17-day")
    fast = m["slo-fast-burn"]
    assert fast.after_first_failure is not None
    assert fast.after_first_failure <= 30
