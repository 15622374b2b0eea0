"""The forecast's scorecard: its histories are reproducible, a stationary history is forecast no
worse than the naive shares, the stated intervals cover at their rate, and the triggers' false
alarms are counted as the docs say."""

from __future__ import annotations

import pytest

from benchmarks import forecast_scorecard
from benchmarks._forecast_histories import DAY_S, History, Run, generate
from benchmarks._trigger_scoring import trigger_rates
from benchmarks.forecast_scorecard import score_history, scorecard

TOLERANCE = 0.03  # of the baseline's Brier score: what following changes may cost when there are none


def brier(scored, key: str) -> float:
    total, runs = scored.brier[key]
    return total / runs


def test_a_history_is_the_same_for_the_same_seed_and_differs_for_another():
    assert generate("regression", 3).runs == generate("regression", 3).runs
    assert generate("regression", 3).runs != generate("regression", 4).runs
    low = generate("stationary", 3, low_volume=True)
    assert 4.5 * 24 * 7 < len(low.runs) < 5.5 * 24 * 7  # a run every ~12 min


@pytest.mark.parametrize("low_volume", [False, True])
@pytest.mark.parametrize("seed", [200, 201])
def test_on_a_stationary_history_the_forecast_is_no_worse_than_either_share(seed, low_volume):
    scored = score_history(generate("stationary", seed, low_volume=low_volume))
    for baseline in ("six_hour", "all_history"):
        assert brier(scored, "1h:forecast") <= (1 + TOLERANCE) * brier(scored, f"1h:{baseline}"), baseline


def test_after_a_regression_the_forecast_beats_the_six_hour_share():
    scored = score_history(generate("regression", 202))
    assert brier(scored, "1h:forecast") < brier(scored, "1h:six_hour")


@pytest.fixture(scope="module")
def quick() -> dict[str, float]:
    return scorecard(quick=True)


def test_the_quick_scorecard_has_every_row(quick):
    for horizon in ("1h", "6h"):
        for baseline in ("six_hour", "all_history"):
            skill = quick[f"forecast_skill_{horizon}_vs_{baseline}"]
            assert quick[f"forecast_skill_{horizon}_vs_{baseline}_low95"] <= skill
            assert skill <= quick[f"forecast_skill_{horizon}_vs_{baseline}_high95"]
    for row in ("trigger_false_alarms_per_day", "trigger_miss_rate", "trigger_false_alarms_per_day_plain"):
        assert row in quick


@pytest.mark.parametrize(("horizon", "level"), [("1h", 80), ("1h", 95), ("6h", 80), ("6h", 95)])
def test_the_intervals_cover_within_five_points_of_their_level(quick, horizon, level):
    assert quick[f"forecast_coverage_{level}_{horizon}"] == pytest.approx(level / 100, abs=0.05)


def test_the_tested_triggers_raise_fewer_false_alarms_than_the_plain_thresholds(quick):
    assert quick["trigger_false_alarms_per_day"] <= 0.15  # under about one a week
    assert quick["trigger_false_alarms_per_day"] < quick["trigger_false_alarms_per_day_plain"]


def test_an_outage_is_flagged_and_a_clean_week_raises_no_alarm():
    clean = [Run(t, True, None) for t in range(0, 2 * DAY_S, 720)]
    outage = [
        Run(t, not 86_400 <= t < 90_000, None if not 86_400 <= t < 90_000 else "publication")
        for t in range(0, 2 * DAY_S, 720)
    ]
    rates = trigger_rates([History("clean", clean, lambda t: 1.0, 2)])
    assert rates["trigger_false_alarms_per_day"] == 0
    flagged = trigger_rates(
        [History("outage", outage, lambda t: 0.0 if 86_400 <= t < 90_000 else 1.0, 2, [(86_400, 90_000)])]
    )
    assert flagged["trigger_miss_rate"] == 0
    assert flagged["trigger_false_alarms_per_day"] == 0


def test_the_command_prints_a_row_a_line(capsys, monkeypatch):
    monkeypatch.setattr(
        forecast_scorecard, "scorecard", lambda quick: {"forecast_brier_1h": 0.09, "trigger_miss_rate": 0.1}
    )
    assert forecast_scorecard.main(["--quick"]) == 0
    assert capsys.readouterr().out.split("\n")[:2] == ["forecast_brier_1h  0.0900", "trigger_miss_rate  0.1000"]


def card_with(**overrides: float) -> dict[str, float]:
    card = {"trigger_false_alarms_per_day": 0.03, "trigger_false_alarms_per_day_plain": 7.6}
    card |= {"trigger_miss_rate": 0.12, "trigger_miss_rate_plain": 0.0}
    for horizon in ("1h", "6h"):
        card[f"forecast_brier_{horizon}"] = 0.09
        for baseline in ("six_hour", "all_history"):
            card[f"forecast_brier_{horizon}_{baseline}_share"] = 0.092
            skill = f"forecast_skill_{horizon}_vs_{baseline}"
            card |= {skill: 0.02, skill + "_low95": 0.01, skill + "_high95": 0.03}
        card |= {f"forecast_coverage_80_{horizon}": 0.82, f"forecast_coverage_95_{horizon}": 0.96}
    return card | overrides


def test_make_bench_prints_each_scorecard_figure_beside_its_anchor():
    from benchmarks.__main__ import scorecard_rows
    from benchmarks.results import table

    rows = {row.id: row for row in scorecard_rows(card_with())}
    brier = rows["forecast_brier_1h_vs_six_hour"]
    assert (brier.anchor, brier.met) == (0.092, True)
    assert brier.detail == "Brier skill +2.0% (95 % interval +1.0% to +3.0%)"
    assert rows["forecast_coverage_80_6h"].anchor == 0.8
    assert rows["trigger_false_alarms_per_day"].anchor == 7.6
    assert rows["trigger_miss_rate"].ratio is None  # the plain thresholds miss nothing: no ratio
    assert "| — |" in table([rows["trigger_miss_rate"]])
    worse = scorecard_rows(
        card_with(forecast_skill_6h_vs_all_history_high95=-0.001, forecast_coverage_95_1h=0.89)
        | {"forecast_skill_1h_vs_six_hour_low_volume": 0.015}
    )
    rows = {row.id: row for row in worse}
    assert not rows["forecast_brier_6h_vs_all_history"].met  # worse beyond its interval
    assert rows["forecast_brier_6h_vs_six_hour"].met
    assert not rows["forecast_coverage_95_1h"].met
    assert rows["forecast_skill_1h_vs_six_hour_low_volume"].ours == 0.015
