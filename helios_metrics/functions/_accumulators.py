"""Accumulators of the aggregation core: distributions in the making, means, and the cells that
let one event reach every accumulator it feeds with a single dict lookup.

A distribution takes values into a short list and folds them in batches with C-level builtins
(``sum``, ``min``, ``map(bisect_right, …)``, ``Counter``): five times cheaper per value than
updating the moments and buckets one value at a time. At most ``FOLD_AT`` values wait per
distribution (plus one message's worth), so memory still grows with series, not events.
"""

from __future__ import annotations

import bisect
import functools
import operator
from collections import Counter
from dataclasses import dataclass, field

from helios_metrics.contract.catalog import Buckets

__all__ = ["FOLD_AT", "DistributionValue", "Mean", "MetricCell", "PipelineCell", "StageCell"]

FOLD_AT = 512


@dataclass(slots=True)
class DistributionValue:
    """A distribution in the making: moments, range and bucket counts on the metric's buckets."""

    buckets: Buckets
    bounds: list[float]
    count: int = 0
    total: float = 0.0
    squares: float = 0.0
    low: float = float("inf")
    high: float = float("-inf")
    counts: list[int] = field(default_factory=list)
    pending: list[float] = field(default_factory=list)
    """Values not folded in yet; readers call :meth:`fold` first (``points()`` does)."""

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)

    def add(self, value: float) -> None:
        self.pending.append(value)
        if len(self.pending) >= FOLD_AT:
            self.fold()

    def fold(self) -> None:
        """Fold the waiting values into the moments, range and bucket counts."""
        values = self.pending
        if not values:
            return
        self.count += len(values)
        self.total += sum(values)
        self.squares += sum(map(operator.mul, values, values))
        self.low = min(self.low, min(values))
        self.high = max(self.high, max(values))
        counts = self.counts
        for index, times in Counter(map(functools.partial(bisect.bisect_right, self.bounds), values)).items():
            counts[index] += times
        self.pending = []

    def add_many(self, value: float, times: int) -> None:
        """``value`` observed ``times`` times."""
        self.fold()
        self.count += times
        self.total += value * times
        self.squares += value * value * times
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        self.counts[bisect.bisect_right(self.bounds, value)] += times

    @property
    def mean(self) -> float:
        self.fold()
        return self.total / self.count if self.count else 0.0

    @property
    def sum_of_squared_deviation(self) -> float:
        self.fold()
        return max(0.0, self.squares - self.total * self.total / self.count) if self.count else 0.0


class Mean:
    __slots__ = ("count", "ident", "stamp", "total")

    def __init__(self, ident: int) -> None:
        self.total, self.count, self.ident, self.stamp = 0.0, 0, ident, 0


class StageCell:
    """Stage events of one (stage, success, window): their duration, run and error accumulators."""

    __slots__ = ("duration", "errors", "ids", "means", "runs", "stamp")

    def __init__(self, duration: DistributionValue, ids: tuple[int, int, int], means: dict[str, Mean]) -> None:
        self.duration, self.ids, self.runs, self.errors, self.stamp = duration, ids, 0, 0, 0
        self.means = means  # additional_data key -> its mean in this (stage, window), shared by both statuses


class PipelineCell:
    """Pipeline events of one (success, window): the execution-time distribution, the four score
    distributions and the run count, which feeds both ``pipeline_runs`` and ``pipeline_run_count``.
    ``ids``: execution, pipeline_runs, pipeline_run_count, then the four scores."""

    __slots__ = ("execution", "ids", "runs", "scores", "stamp")

    def __init__(
        self, execution: DistributionValue, scores: tuple[DistributionValue, ...], ids: tuple[int, ...]
    ) -> None:
        self.execution, self.scores, self.ids, self.runs, self.stamp = execution, scores, ids, 0, 0


class MetricCell:
    """Metric events of one (metric, labels, window) on the fast path: a distribution, a mean, or
    a running sum moved into the values when the points are read."""

    __slots__ = ("accumulator", "ident", "stamp", "sum")

    def __init__(self, accumulator: DistributionValue | Mean | None, ident: int) -> None:
        self.accumulator, self.ident, self.stamp = accumulator, ident, 0
        self.sum: float = 0

    def add(self, value: float) -> None:
        accumulator = self.accumulator
        if accumulator is None:
            self.sum += value
        elif isinstance(accumulator, Mean):
            accumulator.total += value
            accumulator.count += 1
        else:
            accumulator.add(value)
