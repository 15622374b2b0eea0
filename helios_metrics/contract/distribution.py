"""How a percentile is read off a bucketed distribution — one definition, so the report's figures
are the ones the dashboards' percentile reducers draw.

Linear inside the bucket that holds rank ``p/100 · count``; the open-ended underflow and overflow
buckets closed by the distribution's range when it has one; the result clamped to that range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["bucket_percentile"]


def bucket_percentile(
    bounds: Sequence[float],
    counts: Sequence[int],
    p: float,
    low: float | None = None,
    high: float | None = None,
    fallback: float | None = None,
) -> float | None:
    """The ``p``-th percentile (0–100): ``bounds`` are the N finite boundaries of N+1 buckets,
    ``counts`` their counts, ``low``/``high`` the range when known; ``fallback`` when the counts
    are empty (None), or when the rank falls past them."""
    total = sum(counts)
    if total <= 0:
        return fallback
    rank, seen = p / 100.0 * total, 0
    result = math.nan if fallback is None else fallback
    for index, count in enumerate(counts):
        if count == 0:
            continue
        if seen + count >= rank:
            upper = bounds[index] if index < len(bounds) else math.inf
            lower = bounds[index - 1] if index > 0 else -math.inf
            if math.isinf(lower):
                lower = min(low, upper) if low is not None else upper
            if math.isinf(upper):
                upper = max(high, lower) if high is not None else lower
            result = lower + (upper - lower) * max(0.0, rank - seen) / count
            break
        seen += count
    if low is not None and high is not None:
        result = min(max(result, low), high)
    return result
