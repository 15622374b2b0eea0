"""The arithmetic of aligners and reducers on ``TypedValue`` messages: statistics, percentiles and
the difference of two cumulative values.

Statistics use the population standard deviation; numeric percentiles interpolate linearly between
closest ranks; distribution percentiles come from the buckets (see ``_distributions``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from google.api import distribution_pb2, metric_pb2
from google.cloud.monitoring_v3.types import common

from . import _distributions as dists
from ._raw import Raw

__all__ = ["combine", "number", "subtract", "typed"]

MD = metric_pb2.MetricDescriptor
TypedValue = common.TypedValue.pb()
Distribution = distribution_pb2.Distribution
_PERCENTILES = {"p99": 99.0, "p95": 95.0, "p50": 50.0, "p05": 5.0}


def number(value: Raw) -> float:
    """A numeric value; a distribution's mean."""
    which = value.WhichOneof("value")
    if which == "distribution_value":
        return float(value.distribution_value.mean)
    return float(getattr(value, which))


def typed(value_type: int, amount: float | Distribution) -> Raw:
    """A TypedValue of ``value_type`` (an INT64 is rounded to the nearest whole number)."""
    out = TypedValue()
    if isinstance(amount, Distribution):
        out.distribution_value.CopyFrom(amount)
    elif value_type == MD.INT64:
        out.int64_value = round(amount)
    elif value_type == MD.BOOL:
        out.bool_value = bool(amount)
    else:
        out.double_value = float(amount)
    return out


def _percentile_of(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    position = p / 100.0 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _combine_distributions(operation: str, values: list[Raw]) -> Raw | None:
    merged = dists.merge([v.distribution_value for v in values])
    if operation == "sum":
        return typed(MD.DISTRIBUTION, merged)
    if operation in _PERCENTILES:
        return typed(MD.DOUBLE, dists.percentile(merged, _PERCENTILES[operation]) or 0.0)
    if operation == "mean":
        return typed(MD.DOUBLE, merged.mean)
    if operation == "stddev":
        return typed(MD.DOUBLE, math.sqrt(merged.sum_of_squared_deviation / merged.count) if merged.count else 0.0)
    return None


def combine(operation: str, values: list[Raw], value_type: int, out_type: int) -> Raw:
    """Apply one aligner's or reducer's arithmetic (``min``, ``sum``, ``p99``, ``count_true``…)."""
    if value_type == MD.DISTRIBUTION:
        found = _combine_distributions(operation, values)
        if found is not None:
            return found
    if operation == "count":
        return typed(MD.INT64, len(values))
    if operation in ("count_true", "count_false", "fraction_true"):
        trues = sum(1 for v in values if v.bool_value)
        if operation == "fraction_true":
            return typed(MD.DOUBLE, trues / len(values))
        return typed(MD.INT64, trues if operation == "count_true" else len(values) - trues)
    numbers = [number(v) for v in values]
    if operation == "min":
        return typed(out_type, min(numbers))
    if operation == "max":
        return typed(out_type, max(numbers))
    if operation == "sum":
        return typed(out_type, sum(numbers))
    if operation == "mean":
        return typed(MD.DOUBLE, statistics.fmean(numbers))
    if operation == "stddev":
        return typed(MD.DOUBLE, statistics.pstdev(numbers))
    if operation in _PERCENTILES:
        return typed(MD.DOUBLE, _percentile_of(numbers, _PERCENTILES[operation]))
    raise AssertionError(f"unhandled operation {operation}")


def subtract(newer: Raw, older: Raw, value_type: int) -> Raw:
    """``newer - older`` of two values of one cumulative series (bucket by bucket for distributions)."""
    if value_type != MD.DISTRIBUTION:
        return typed(value_type, number(newer) - number(older))
    new, old = newer.distribution_value, older.distribution_value
    out = Distribution()
    out.count = new.count - old.count
    if out.count > 0:
        out.mean = (new.count * new.mean - old.count * old.mean) / out.count
        out.sum_of_squared_deviation = max(0.0, new.sum_of_squared_deviation - old.sum_of_squared_deviation)
    out.bucket_options.CopyFrom(new.bucket_options)
    width = max(len(new.bucket_counts), len(old.bucket_counts))
    padded_old = list(old.bucket_counts) + [0] * (width - len(old.bucket_counts))
    padded_new = list(new.bucket_counts) + [0] * (width - len(new.bucket_counts))
    out.bucket_counts.extend(max(0, a - b) for a, b in zip(padded_new, padded_old, strict=False))
    return typed(MD.DISTRIBUTION, out)
