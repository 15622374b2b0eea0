"""The success forecast on histories worked out by hand: it follows a drop within a few runs where
the six-hour share does not, learns the hour of day, falls back to the share when little is held,
and states intervals that hold the forecast."""

from __future__ import annotations

import itertools

import pytest

from helios_metrics.reporting.forecast import MIN_RUNS, Bin, forecast, six_hour_share
from helios_metrics.reporting.statistics import wilson

NOW = 10 * 86_400
EVERY_S = 720  # a run every 12 minutes: 5 an hour


STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")


def healthy_then(recent: str, days: float = 2.0, broken: str | None = "design_generation") -> list[Bin]:
    """A run every 12 min for ``days`` at 95 % (every 20th fails, in each stage in turn), then
    ``recent`` (S/F) as the last runs, their failures in ``broken`` (None: in each stage in turn)."""
    times = list(range(NOW - int(days * 86_400) + 360, NOW, EVERY_S))
    healthy = len(times) - len(recent)
    bins = []
    for i, t in enumerate(times):
        ok = i % 20 != 7 if i < healthy else recent[i - healthy] == "S"
        stage = broken if i >= healthy and broken else STAGES[i // 20 % 4]
        bins.append(Bin((t // 300 + 1) * 300, int(ok), 1, {} if ok else {stage: 1}))
    return bins


def moved(bins: list[Bin], rate: float | None) -> float:
    """How far from 95 % towards 50 % ``rate`` went."""
    assert rate is not None
    return (0.95 - rate) / (0.95 - 0.50)


# the four runs of the last 45 minutes, two of them failed, in every order
ORDERS = sorted({"".join(p) for p in itertools.permutations("SSFF")})


def test_after_a_drop_to_half_45_minutes_ago_the_forecast_moves_most_of_the_way_and_the_share_does_not():
    forecasts, shares = [], []
    for order in ORDERS:
        bins = healthy_then(order)
        assert sum(b.runs for b in bins if b.end_s > NOW - 45 * 60) == 4
        forecasts.append(moved(bins, forecast(bins, NOW)["next_hour"].rate))
        ok, runs = six_hour_share(bins, NOW)
        shares.append(moved(bins, ok / runs))
    assert sum(forecasts) / len(forecasts) >= 0.6, forecasts
    assert min(forecasts) >= 0.4, forecasts  # even when the failures came first and two successes since
    assert max(shares) < 0.25, shares


def test_a_single_failure_after_a_healthy_history_barely_moves_the_forecast():
    """A healthy pipeline fails once in a few hours: a regression is followed from its second failure."""
    for recent in ("F", "SSF"):
        bins = healthy_then(recent)
        assert moved(bins, forecast(bins, NOW)["next_hour"].rate) < 0.1, recent


def test_the_same_failures_spread_over_the_stages_are_weaker_evidence_than_in_one_stage():
    one = forecast(healthy_then("SFSF"), NOW)
    spread = forecast(healthy_then("SFSF", broken=None), NOW)
    assert spread["change_probability"] < one["change_probability"]
    assert spread["next_hour"].rate is not None
    assert one["next_hour"].rate is not None
    assert spread["next_hour"].rate > one["next_hour"].rate


def test_a_healthy_history_is_forecast_at_its_rate_with_no_change():
    made = forecast(healthy_then(""), NOW)
    assert made["next_hour"].rate == pytest.approx(0.95, abs=0.02)
    assert made["change_probability"] < 0.1
    assert not made["fallback"]


def test_a_recovery_is_followed_back_up():
    bins = healthy_then("FSFFSFFSFSFF" + "SSSSS")  # ~2.5 h at ~40 %, then an hour of successes
    down = forecast(healthy_then("FSFFSFFSFSFF"), NOW)["next_hour"].rate
    up = forecast(bins, NOW)["next_hour"].rate
    assert down is not None
    assert up is not None
    assert down < 0.6
    assert up > down + 0.15


def test_the_hour_of_day_is_learned_once_three_days_are_held():
    """Five days in which 10:00–12:00 fail half the runs and every other hour none."""
    bins = []
    for t in range(NOW - 5 * 86_400, NOW, EVERY_S):
        bad = 10 <= t // 3600 % 24 < 12
        bins.append(Bin((t // 300 + 1) * 300, int(not bad or t // EVERY_S % 2 == 0), 1))
    before_trough = NOW - NOW % 86_400 - 86_400 + 10 * 3600  # 10:00 yesterday, history up to it
    made = forecast([b for b in bins if b.end_s <= before_trough], before_trough)
    calm = forecast([b for b in bins if b.end_s <= before_trough - 4 * 3600], before_trough - 4 * 3600)
    assert made["hour_of_day"]
    assert made["next_hour"].rate is not None
    assert calm["next_hour"].rate is not None
    assert made["next_hour"].rate < calm["next_hour"].rate - 0.15
    young = forecast([b for b in bins if b.end_s > NOW - 2 * 86_400], NOW)
    assert not young["hour_of_day"]


def test_with_few_runs_held_it_is_the_six_hour_share_with_wilson_intervals():
    bins = [Bin(NOW - 600 * i, int(i != 2), 1) for i in range(MIN_RUNS - 1)]
    made = forecast(bins, NOW)
    assert made["fallback"]
    assert made["next_hour"].rate == pytest.approx((MIN_RUNS - 2) / (MIN_RUNS - 1))
    assert made["next_hour"].interval_95 == pytest.approx(wilson(MIN_RUNS - 2, MIN_RUNS - 1))
    empty = forecast([], NOW)
    assert empty["fallback"]
    assert empty["next_hour"].rate is None


@pytest.mark.parametrize("recent", ["", "SFSF", "FFFFFFFF", "SSFSSFSS"])
def test_the_intervals_nest_around_the_forecast(recent):
    made = forecast(healthy_then(recent), NOW)
    for horizon in (made["next_hour"], made["next_six_hours"]):
        assert horizon.rate is not None
        low95, high95 = horizon.interval_95
        low80, high80 = horizon.interval_80
        assert 0 <= low95 <= low80 <= horizon.rate <= high80 <= high95 <= 1


def test_bins_after_now_are_not_read():
    bins = healthy_then("")
    later = [Bin(NOW + 300 * i, 0, 5) for i in range(1, 10)]
    assert forecast(bins + later, NOW)["next_hour"] == forecast(bins, NOW)["next_hour"]
