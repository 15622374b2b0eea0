"""The report's statistics against textbook values and simulation."""

from __future__ import annotations

import math
import random

import pytest
from google.api import distribution_pb2

from helios_metrics.contract.catalog import DURATION_BUCKETS
from helios_metrics.monitoring_emulator._distributions import percentile as server_percentile
from helios_metrics.reporting.statistics import Moments, merge, percentile, proportion_change, welch, wilson


def test_wilson_matches_the_textbook_interval():
    low, high = wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)  # Newcombe (1998), 8/10
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(0, 20)[0] == 0.0
    assert wilson(20, 20)[1] == 1.0


def test_the_forecast_interval_covers_the_true_rate_at_its_stated_rate():
    rng = random.Random(20261201)
    trials, covered = 0, 0
    for true_rate in (0.5, 0.8, 0.9, 0.97):
        for runs in (20, 60, 200):
            for _ in range(500):
                successes = sum(rng.random() < true_rate for _ in range(runs))
                low, high = wilson(successes, runs)
                covered += low <= true_rate <= high
                trials += 1
    assert 0.93 <= covered / trials <= 0.97, covered / trials


def test_the_two_proportion_test():
    change, p_value = proportion_change(90, 100, 70, 100)
    pooled = 160 / 200
    z = (0.7 - 0.9) / math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert change == pytest.approx(-0.2)
    assert p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert p_value < 0.001
    assert proportion_change(9, 10, 9, 10) == (0.0, 1.0)
    assert proportion_change(0, 0, 1, 2) == (0.0, 1.0)


def test_welch_on_moments():
    a, b = [10.0, 12.0, 11.0, 13.0], [20.0, 22.0, 21.0, 25.0]

    def moments(values):
        mean = sum(values) / len(values)
        return Moments(len(values), mean, sum((v - mean) ** 2 for v in values))

    change, p_value = welch(moments(a), moments(b))
    var_a, var_b = moments(a).variance, moments(b).variance
    z = (sum(b) / 4 - sum(a) / 4) / math.sqrt(var_a / 4 + var_b / 4)
    assert change == pytest.approx(22.0 - 11.5)
    assert p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    merged = merge([moments(a), moments(b)])
    assert (merged.count, merged.mean, merged.ssd) == (
        8,
        pytest.approx(sum(a + b) / 8),
        pytest.approx(moments(a + b).ssd),
    )


@pytest.mark.parametrize("p", [5, 50, 95, 99])
def test_percentiles_are_the_ones_a_chart_shows(p):
    rng = random.Random(p)
    values = [rng.lognormvariate(3, 0.8) for _ in range(500)]
    bounds = DURATION_BUCKETS.bounds()
    counts = [0] * (len(bounds) + 1)
    for value in values:
        counts[sum(1 for b in bounds if value >= b)] += 1
    dist = distribution_pb2.Distribution(count=len(values), mean=sum(values) / len(values), bucket_counts=counts)
    dist.bucket_options.exponential_buckets.num_finite_buckets = DURATION_BUCKETS.num_finite_buckets
    dist.bucket_options.exponential_buckets.scale = DURATION_BUCKETS.a
    dist.bucket_options.exponential_buckets.growth_factor = DURATION_BUCKETS.b
    dist.range.min, dist.range.max = min(values), max(values)
    ours = percentile(bounds, counts, p, min(values), max(values))
    assert ours == pytest.approx(server_percentile(dist, p))
    exact = sorted(values)[min(len(values) - 1, math.ceil(p / 100 * len(values)) - 1)]
    bucket = sum(1 for b in bounds if exact >= b)
    assert bounds[bucket - 1] <= ours <= bounds[bucket] or ours == pytest.approx(exact, rel=0.5)
