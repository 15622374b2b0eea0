"""Accumulators of the aggregation core: distributions in the making, means, and the cells that
let one event reach every accumulator it feeds with a single dict lookup."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from publisher.catalog import Buckets

__all__ = ["DistributionValue", "Mean", "PipelineCell", "StageCell"]


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

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.squares += value * value
        if value < self.low:
            self.low = value
        if value > self.high:
            self.high = value
        self.counts[bisect.bisect_right(self.bounds, value)] += 1

    def add_many(self, value: float, times: int) -> None:
        """``value`` observed ``times`` times."""
        self.count += times
        self.total += value * times
        self.squares += value * value * times
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        self.counts[bisect.bisect_right(self.bounds, value)] += times

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    @property
    def sum_of_squared_deviation(self) -> float:
        return max(0.0, self.squares - self.total * self.total / self.count) if self.count else 0.0


class Mean:
    __slots__ = ("count", "ident", "stamp", "total")

    def __init__(self, ident: int) -> None:
        self.total, self.count, self.ident, self.stamp = 0.0, 0, ident, 0


class StageCell:
    """Stage events of one (stage, success, window): their duration, run and error accumulators."""

    __slots__ = ("duration", "errors", "ids", "runs", "stamp")

    def __init__(self, duration: DistributionValue, ids: tuple[int, int, int]) -> None:
        self.duration, self.ids, self.runs, self.errors, self.stamp = duration, ids, 0, 0, 0


class PipelineCell:
    __slots__ = ("execution", "ids", "runs", "scores", "stamp")

    def __init__(
        self, execution: DistributionValue, scores: tuple[DistributionValue, ...], ids: tuple[int, ...]
    ) -> None:
        self.execution, self.scores, self.ids, self.runs, self.stamp = execution, scores, ids, 0, 0
