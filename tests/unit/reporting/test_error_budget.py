"""The error budget's arithmetic, checked against figures worked out by hand at the store's volume
(five runs an hour, an 85 % objective: a budget of 15 % of the runs)."""

from __future__ import annotations

import pytest

from helios_metrics.reporting.error_budget import (
    BurnWindow,
    SloReading,
    duration_text,
    exhaustion_s,
    slo_figures,
    slo_lines,
)

HOUR = 3600


def test_a_total_outage_spends_what_the_hour_would_have_earned_and_every_failed_run():
    # 5 runs, all failed: burn 1/0.15; the hour spends 5 runs and earns 0.75 → 4.25 a hour;
    # 17 runs of budget left last 4 h.
    burn = BurnWindow(HOUR, 1 / 0.15, 5)
    assert exhaustion_s(17.0, 0.85, burn) == pytest.approx(17 / 4.25 * HOUR)
    assert exhaustion_s(17.0, 0.85, burn) == pytest.approx(4 * HOUR)


def test_a_slow_bleed_over_six_hours():
    # 30 runs, 6 failed (20 %): burn 4/3; spends 6, earns 4.5 → 1.5 runs per 6 h; 4.25 runs last 17 h.
    burn = BurnWindow(6 * HOUR, 0.2 / 0.15, 30)
    assert exhaustion_s(4.25, 0.85, burn) == pytest.approx(17 * HOUR)


@pytest.mark.parametrize("rate", [0.0, 0.5, 1.0])
def test_at_a_burn_of_one_or_less_the_budget_does_not_run_out(rate):
    assert exhaustion_s(10.0, 0.85, BurnWindow(HOUR, rate, 5)) is None


def test_an_overspent_budget_is_exhausted_now_whatever_the_burn():
    assert exhaustion_s(-2.0, 0.85, BurnWindow(HOUR, 0.0, 5)) == 0.0
    assert exhaustion_s(-2.0, 0.85, BurnWindow(HOUR, 6.0, 5)) == 0.0


def test_an_empty_budget_goes_at_once_when_burning_and_holds_when_not():
    assert exhaustion_s(0.0, 0.85, BurnWindow(HOUR, 2.0, 5)) == 0.0
    assert exhaustion_s(0.0, 0.85, BurnWindow(HOUR, 1.0, 5)) is None


@pytest.mark.parametrize(("goal", "window", "field"), [(1.0, HOUR, "goal"), (0.0, HOUR, "goal"), (0.85, 0, "window_s")])
def test_bad_input_names_the_field(goal, window, field):
    with pytest.raises(ValueError, match=field):
        exhaustion_s(1.0, goal, BurnWindow(window, 2.0, 5))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 min"),
        (20, "1 min"),
        (45 * 60, "45 min"),
        (4707.7, "1 h 18 min"),
        (17 * HOUR, "17 h"),
        (76 * HOUR, "3 d 4 h"),
    ],
)
def test_durations_read_in_days_hours_and_minutes(seconds, text):
    assert duration_text(seconds) == text


def reading(**changes) -> SloReading:
    base = {
        "name": "projects/p/services/helios-pipeline/serviceLevelObjectives/run-success",
        "display_name": "85 % of pipeline runs succeed over 7 days",
        "goal": 0.85,
        "period": "7 d rolling",
        "compliance": 102 / 115,
        "remaining_fraction": 1 - 13 / 17.25,
        "remaining_runs": 4.25,
        "total_runs": 17.25,
        "burns": (BurnWindow(HOUR, 0.8 / 0.15, 5), BurnWindow(6 * HOUR, 0.2 / 0.15, 30)),
    }
    return SloReading(**{**base, **changes})


def test_the_figures_state_the_budget_left_and_each_windows_time_to_exhaustion():
    figures = slo_figures(reading())
    assert figures["budget"] == pytest.approx(
        {"remaining_fraction": 1 - 13 / 17.25, "remaining_runs": 4.25, "total_runs": 17.25, "spent_runs": 13.0}
    )
    assert list(figures["burn"]) == ["1h", "6h"]
    hour, six = figures["burn"]["1h"], figures["burn"]["6h"]
    assert (hour["runs"], hour["failed_runs"]) == (5, pytest.approx(4.0))
    assert hour["exhausted_in_s"] == pytest.approx(4.25 / 3.25 * HOUR)  # spends 4, earns 0.75 an hour
    assert (six["failed_runs"], six["exhausted_in_s"]) == (pytest.approx(6.0), pytest.approx(17 * HOUR))


def test_the_lines_say_budget_runs_and_when_it_is_gone():
    lines = slo_lines(slo_figures(reading()))
    assert lines == [
        "SLO helios-pipeline/run-success, objective 85% over 7 d rolling: compliance 88.7%",
        "  error budget remaining 24.6% (4.25 of 17.25 runs that may fail)",
        "  burn rate over the last 1 h: 5.33× (4 of 5 runs failed) — exhausted in 1 h 18 min at this burn",
        "  burn rate over the last 6 h: 1.33× (6 of 30 runs failed) — exhausted in 17 h at this burn",
    ]


def test_a_healthy_burn_reads_as_not_at_this_burn_and_an_overspent_budget_as_exhausted():
    healthy = slo_lines(slo_figures(reading(burns=(BurnWindow(HOUR, 0.0, 5),))))
    assert healthy[-1].endswith("(0 of 5 runs failed) — not exhausted at this burn")
    spent = slo_lines(
        slo_figures(reading(remaining_runs=-1.75, remaining_fraction=-0.1, burns=(BurnWindow(HOUR, 0.0, 5),)))
    )
    assert spent[1] == "  error budget remaining -10.0% (-1.75 of 17.25 runs that may fail) — exhausted"
    assert spent[-1].endswith("— already exhausted")


def test_a_period_without_runs_has_no_compliance_and_its_whole_budget():
    empty = reading(compliance=None, remaining_fraction=1.0, remaining_runs=0.0, total_runs=0.0, burns=())
    figures = slo_figures(empty)
    assert slo_lines(figures) == [
        "SLO helios-pipeline/run-success, objective 85% over 7 d rolling: no runs in the period yet",
        "  error budget remaining 100.0% (0 of 0 runs that may fail)",
    ]


def test_a_project_without_the_slo_is_one_line_saying_so():
    assert slo_lines({"found": False, "reason": "project p has no SLO helios-pipeline/run-success"}) == [
        "SLO: project p has no SLO helios-pipeline/run-success — skipped"
    ]
