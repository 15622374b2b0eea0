"""The rate triggers fire on evidence, not on one failed run in a handful, and the plain thresholds
are still there when asked for."""

from __future__ import annotations

import math

import pytest

from helios_metrics.reporting.statistics import binomial_cdf
from helios_metrics.reporting.triggers import AnalysisThresholds, triggers
from helios_metrics.reporting.window import StageData, WindowData

PLAIN = AnalysisThresholds(success_alpha=None, error_alpha=None)


def window(succeeded: int, runs: int, stage_failed: int = 0) -> WindowData:
    stages = {"publication": StageData(None, {"success": runs - stage_failed, "failure": stage_failed})}
    return WindowData(0, 3600, {"success": succeeded, "failure": runs - succeeded}, None, stages)


def kinds(data: WindowData, limits: AnalysisThresholds) -> set[str]:
    return {t["kind"] for t in triggers(data, {"stages": {}}, limits)}


def test_binomial_cdf_matches_sums_by_hand():
    assert binomial_cdf(2, 5, 0.85) == pytest.approx(sum(math.comb(5, i) * 0.85**i * 0.15 ** (5 - i) for i in range(3)))
    assert binomial_cdf(-1, 5, 0.5) == 0.0
    assert binomial_cdf(5, 5, 0.5) == 1.0
    assert binomial_cdf(500, 1000, 0.5) == pytest.approx(0.5126, abs=1e-4)


def test_one_failed_run_in_five_is_not_a_problem_and_four_are():
    assert kinds(window(4, 5, 1), AnalysisThresholds()) == set()
    assert kinds(window(1, 5, 4), AnalysisThresholds()) == {"success_rate", "stage_errors"}
    assert kinds(window(4, 5, 1), PLAIN) == {"success_rate", "stage_errors"}  # the plain threshold fires on it


def test_with_many_runs_a_share_clearly_below_the_threshold_fires():
    assert kinds(window(150, 200, 45), AnalysisThresholds()) == {"success_rate", "stage_errors"}
    assert kinds(window(168, 200, 32), AnalysisThresholds()) == set()  # 84 %: below 85 %, not significantly


def test_the_reason_states_the_test():
    (found,) = triggers(window(1, 5), {"stages": {}}, AnalysisThresholds())
    assert "below 85% (one-sided p < 0.02)" in found["reason"]
