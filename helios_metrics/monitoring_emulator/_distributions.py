"""Distribution values: the server's validation, merging, and percentiles from buckets.

Percentiles interpolate linearly inside the bucket holding the rank ``p/100 * count``; the
open-ended underflow/overflow buckets are closed by the distribution's range when it has one
(otherwise the finite bound is used), and results are clamped to the range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from google.api import distribution_pb2

from helios_metrics.contract.distribution import bucket_percentile

__all__ = ["MAX_BUCKETS", "bounds", "merge", "percentile", "validate"]

Distribution = distribution_pb2.Distribution

MAX_BUCKETS = 200


def bounds(options: distribution_pb2.Distribution.BucketOptions) -> list[float]:
    """The finite bucket boundaries; N bounds make N+1 buckets (underflow … overflow)."""
    which = options.WhichOneof("options")
    if which == "linear_buckets":
        lin = options.linear_buckets
        return [lin.offset + lin.width * i for i in range(lin.num_finite_buckets + 1)]
    if which == "exponential_buckets":
        exp = options.exponential_buckets
        return [exp.scale * exp.growth_factor**i for i in range(exp.num_finite_buckets + 1)]
    if which == "explicit_buckets":
        return list(options.explicit_buckets.bounds)
    return []


def _options_problem(options: distribution_pb2.Distribution.BucketOptions) -> str | None:
    which = options.WhichOneof("options")
    if which == "explicit_buckets":
        values = options.explicit_buckets.bounds
        if not values:
            return "Distribution |explicit_buckets.bounds| does not have at least one entry"
        if any(b >= a for a, b in zip(values[1:], values[:-1], strict=False)):
            return "Distribution |explicit_buckets.bounds| must be strictly increasing."
    elif which == "linear_buckets":
        lin = options.linear_buckets
        if lin.num_finite_buckets <= 0 or not lin.width > 0:
            return "Distribution |linear_buckets| must have num_finite_buckets > 0 and width > 0."
    elif which == "exponential_buckets":
        exp = options.exponential_buckets
        if exp.num_finite_buckets <= 0 or not exp.growth_factor > 1 or not exp.scale > 0:
            return (
                "Distribution |exponential_buckets| must have num_finite_buckets > 0, growth_factor > 1 and scale > 0."
            )
    return None


def validate(dist: Distribution) -> str | None:
    """Why Cloud Monitoring would refuse this value, or None when it is valid."""
    if dist.count < 0:
        return f"Distribution |count| field value {dist.count} is negative."
    for name, value in (
        ("mean", dist.mean),
        ("sum_of_squared_deviation", dist.sum_of_squared_deviation),
        ("range.min", dist.range.min),
        ("range.max", dist.range.max),
    ):
        if not math.isfinite(value):
            return f"Distribution value with a non-finite |{name}| of {value}."
    has_options = dist.HasField("bucket_options") and dist.bucket_options.WhichOneof("options")
    if dist.bucket_counts and not has_options:
        return "Distribution has |bucket_counts| fields but no |bucket_options|."
    if has_options:
        problem = _options_problem(dist.bucket_options)
        if problem:
            return problem
        allowed = len(bounds(dist.bucket_options)) + 1
        if allowed > MAX_BUCKETS:
            return f"Distribution has {allowed} buckets, which is more than the {MAX_BUCKETS} allowed."
        if len(dist.bucket_counts) > allowed:
            return (
                f"Distribution value has {len(dist.bucket_counts)} |bucket_counts| fields, which is "
                f"more than the {allowed} buckets allowed by the bucketing options."
            )
    for index, value in enumerate(dist.bucket_counts):
        if value < 0:
            return f"Distribution bucket_counts({index}) has a negative count."
    if dist.bucket_counts:
        total = sum(dist.bucket_counts)
        if total != dist.count:
            return (
                f"Distribution value has |bucket_counts| fields that sum to {total} which does not "
                f"equal the |count| field value of {dist.count}."
            )
    if dist.HasField("range"):
        if dist.count == 0:
            return "Distribution with a zero |count| must not have a |range|."
        if dist.range.min > dist.range.max:
            return "Distribution |range.min| is greater than |range.max|."
    return None


def _representative(edges: Sequence[float], index: int) -> float:
    """A value standing for bucket ``index`` when re-bucketing: its midpoint, or its finite edge."""
    if index == 0:
        return edges[0] - 1e-9 if edges else 0.0
    if index >= len(edges):
        return edges[-1]
    return (edges[index - 1] + edges[index]) / 2


def _bucket_of(edges: Sequence[float], value: float) -> int:
    lo, hi = 0, len(edges)
    while lo < hi:  # first edge strictly greater than value: buckets are [lower, upper)
        mid = (lo + hi) // 2
        if edges[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def merge(parts: Sequence[Distribution]) -> Distribution:
    """Combine distributions as if all their samples had been recorded in one.

    Buckets add up when the bucket options agree; otherwise the later parts are re-bucketed
    into the first part's options, each bucket's count placed at its midpoint.
    """
    out = Distribution()
    filled = [p for p in parts if p.count > 0]
    if not filled:
        if parts and parts[0].HasField("bucket_options"):
            out.bucket_options.CopyFrom(parts[0].bucket_options)
        return out
    total = sum(p.count for p in filled)
    mean = sum(p.count * p.mean for p in filled) / total
    out.count = total
    out.mean = mean
    out.sum_of_squared_deviation = sum(p.sum_of_squared_deviation + p.count * (p.mean - mean) ** 2 for p in filled)
    ranged = [p for p in filled if p.HasField("range")]
    if len(ranged) == len(filled):
        out.range.min = min(p.range.min for p in ranged)
        out.range.max = max(p.range.max for p in ranged)
    first = next((p for p in filled if p.bucket_counts), None)
    if first is None:
        return out
    out.bucket_options.CopyFrom(first.bucket_options)
    target = bounds(first.bucket_options)
    counts = [0] * (len(target) + 1)
    for part in filled:
        if not part.bucket_counts:
            counts[_bucket_of(target, part.mean)] += part.count
        elif part.bucket_options == first.bucket_options:
            for index, value in enumerate(part.bucket_counts):
                counts[index] += value
        else:
            edges = bounds(part.bucket_options)
            for index, value in enumerate(part.bucket_counts):
                if value:
                    counts[_bucket_of(target, _representative(edges, index))] += value
    while counts and counts[-1] == 0:
        counts.pop()
    out.bucket_counts.extend(counts)
    return out


def percentile(dist: Distribution, p: float) -> float | None:
    """The p-th percentile (0–100) estimated from the buckets (``helios_metrics.contract.distribution``); None for
    an empty distribution, the mean when it has no buckets."""
    if dist.count <= 0:
        return None
    if not dist.bucket_counts:
        return dist.mean
    has_range = dist.HasField("range")
    low, high = (dist.range.min, dist.range.max) if has_range else (None, None)
    return bucket_percentile(bounds(dist.bucket_options), dist.bucket_counts, p, low, high, dist.mean)
