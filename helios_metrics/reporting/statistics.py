"""The statistics behind the performance report, pure: intervals, tests and percentiles that an
operator can check by hand.

- Success rates come with a 95 % **Wilson score interval** (better than ``p ± 1.96·√(p(1−p)/n)`` for
  small n and for rates near 0 or 1).
- A change of success rate between two windows is tested with the **two-proportion z-test**; a
  change of mean duration with **Welch's t-test** on the windows' counts, means and sums of
  squared deviations (read off the merged distributions), its p-value from the normal
  approximation (windows hold tens of runs or more).
- Whether a window's rate is significantly beyond a threshold (the optimization triggers) is the
  **exact one-sided binomial test**: at a run every 12 minutes an hour holds five runs, too few for
  a normal approximation.
- Percentiles of a distribution interpolate linearly inside the bucket that holds rank ``p·count``,
  the open-ended buckets closed by the distribution's range — as Cloud Monitoring computes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from helios_metrics.contract.distribution import bucket_percentile

__all__ = ["Moments", "binomial_cdf", "merge", "percentile", "proportion_change", "welch", "wilson"]

percentile = bucket_percentile  # the one definition, shared with the emulator's percentile reducers

Z95 = 1.959963984540054


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion; (0, 1) when there is no data."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p), summed in log space (exact for any n a window holds)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0 or p >= 1.0:
        return 1.0 if p <= 0.0 else 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    head = math.lgamma(n + 1)
    total = sum(
        math.exp(head - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q) for i in range(k + 1)
    )
    return min(total, 1.0)


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def proportion_change(s1: float, n1: float, s2: float, n2: float) -> tuple[float, float]:
    """(p2 − p1, two-sided p-value) of the two-proportion z-test; p-value 1 when it cannot be tested."""
    if n1 <= 0 or n2 <= 0:
        return 0.0, 1.0
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return p2 - p1, 1.0 if p1 == p2 else 0.0
    return p2 - p1, _two_sided_p((p2 - p1) / spread)


@dataclass(frozen=True)
class Moments:
    """What a distribution value says about its samples: count, mean, sum of squared deviations."""

    count: int
    mean: float
    ssd: float

    @property
    def variance(self) -> float:
        return self.ssd / (self.count - 1) if self.count > 1 else 0.0


def welch(before: Moments, after: Moments) -> tuple[float, float]:
    """(mean after − mean before, two-sided p-value) of Welch's t-test (normal approximation)."""
    if before.count < 2 or after.count < 2:
        return after.mean - before.mean, 1.0
    spread = math.sqrt(before.variance / before.count + after.variance / after.count)
    difference = after.mean - before.mean
    if spread == 0:
        return difference, 1.0 if difference == 0 else 0.0
    return difference, _two_sided_p(difference / spread)


def merge(parts: Sequence[Moments]) -> Moments:
    """The moments of all samples of ``parts`` together."""
    count = sum(p.count for p in parts)
    if count == 0:
        return Moments(0, 0.0, 0.0)
    mean = sum(p.count * p.mean for p in parts) / count
    ssd = sum(p.ssd + p.count * (p.mean - mean) ** 2 for p in parts)
    return Moments(count, mean, ssd)
