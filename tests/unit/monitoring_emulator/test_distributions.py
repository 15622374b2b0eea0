from __future__ import annotations

import math

import pytest
from google.api import distribution_pb2

from helios_metrics.monitoring_emulator._distributions import bounds, merge, percentile, validate

Distribution = distribution_pb2.Distribution


def explicit(edges: list[float], counts: list[int], **fields: object) -> Distribution:
    fields.setdefault("count", sum(counts))
    d = Distribution(bucket_counts=counts, **fields)
    d.bucket_options.explicit_buckets.bounds.extend(edges)
    return d


def test_bounds_of_each_bucket_kind():
    linear = Distribution.BucketOptions()
    linear.linear_buckets.num_finite_buckets, linear.linear_buckets.width, linear.linear_buckets.offset = 3, 2.0, 1.0
    assert bounds(linear) == [1.0, 3.0, 5.0, 7.0]  # N = 3 + 2 buckets
    exponential = Distribution.BucketOptions()
    exponential.exponential_buckets.num_finite_buckets = 3
    exponential.exponential_buckets.growth_factor = 2.0
    exponential.exponential_buckets.scale = 0.5
    assert bounds(exponential) == [0.5, 1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    ("dist", "problem"),
    [
        (explicit([1.0], [1, 1]), None),
        (explicit([1.0], [1, 1], count=3), "sum to 2 which does not equal the |count| field value of 3"),
        (explicit([1.0], [1, 1, 0]), "3 |bucket_counts| fields, which is more than the 2 buckets allowed"),
        (explicit([1.0], [2, -1]), "Distribution bucket_counts(1) has a negative count."),
        (explicit([], [1]), "Distribution |explicit_buckets.bounds| does not have at least one entry"),
        (explicit([2.0, 1.0], [1]), "must be strictly increasing"),
        (explicit([float(i) for i in range(200)], [1]), "201 buckets, which is more than the 200 allowed"),
        (Distribution(count=0, range=Distribution.Range(min=1, max=2)), "zero |count| must not have a |range|"),
        (Distribution(count=-1), "is negative"),
    ],
)
def test_validation_reasons(dist, problem):
    found = validate(dist)
    assert (found is None) if problem is None else (problem in found)


def test_merge_adds_buckets_and_combines_moments():
    a_values, b_values = [1.0, 2.0], [3.0, 10.0, 11.0]
    a = explicit([0.0, 5.0], [0, 2], mean=1.5, sum_of_squared_deviation=0.5, range=Distribution.Range(min=1, max=2))
    b = explicit(
        [0.0, 5.0], [0, 1, 2], mean=8.0, sum_of_squared_deviation=38.0, range=Distribution.Range(min=3, max=11)
    )
    merged = merge([a, b])
    values = a_values + b_values
    mean = sum(values) / 5
    assert merged.count == 5
    assert merged.mean == pytest.approx(mean)
    assert merged.sum_of_squared_deviation == pytest.approx(sum((v - mean) ** 2 for v in values))
    assert list(merged.bucket_counts) == [0, 3, 2]
    assert (merged.range.min, merged.range.max) == (1, 11)


def test_merge_rebuckets_different_options_at_midpoints():
    a = explicit([0.0, 10.0], [0, 1, 0], mean=5.0)
    b = explicit([0.0, 4.0, 8.0], [0, 1, 1, 0], mean=5.0)  # midpoints 2 and 6 both land in [0,10)
    assert list(merge([a, b]).bucket_counts) == [0, 3]


@pytest.mark.parametrize(
    ("p", "expected"),
    [(50, 15.0), (95, 36.0), (99, 39.2), (5, 2.0), (0, 0.0), (100, 40.0)],
)
def test_percentile_interpolates_inside_the_bucket(p, expected):
    d = explicit([0.0, 10.0, 20.0, 40.0], [0, 5, 10, 5, 0])
    assert percentile(d, p) == pytest.approx(expected)


def test_percentile_uses_the_range_for_open_buckets_and_clamps():
    d = explicit([0.0, 10.0], [2, 0, 2], range=Distribution.Range(min=-4.0, max=30.0))
    assert percentile(d, 25) == pytest.approx(-2.0)  # rank 1 of 2 in [-4, 0)
    assert percentile(d, 100) == pytest.approx(30.0)
    assert percentile(Distribution(), 50) is None
    assert percentile(Distribution(count=3, mean=2.5), 50) == 2.5  # no buckets: the mean
    assert math.isfinite(percentile(explicit([1.0], [0, 4]), 99))
