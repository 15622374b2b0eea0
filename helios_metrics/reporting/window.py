"""One window of the store's metrics as the report reads it back: plain data, no Google types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .statistics import Moments, percentile

__all__ = ["SCORES", "DistributionData", "StageData", "WindowData"]

SCORES = ("trend_opportunity_score", "audience_confidence", "design_generation_success", "publication_success")


@dataclass(frozen=True)
class DistributionData:
    """A merged distribution as read back: buckets and moments."""

    bounds: Sequence[float]
    counts: Sequence[int]
    count: int
    mean: float
    ssd: float
    low: float | None = None
    high: float | None = None

    def percentile(self, p: float) -> float | None:
        return percentile(self.bounds, self.counts, p, self.low, self.high)

    @property
    def moments(self) -> Moments:
        return Moments(self.count, self.mean, self.ssd)


@dataclass(frozen=True)
class StageData:
    duration: DistributionData | None
    runs: Mapping[str, int]  # status -> runs

    @property
    def total(self) -> int:
        return sum(self.runs.values())

    @property
    def failed(self) -> int:
        return self.runs.get("failure", 0)


@dataclass(frozen=True)
class WindowData:
    start_s: int
    end_s: int
    runs: Mapping[str, int] = field(default_factory=dict)  # status -> pipeline runs
    execution: DistributionData | None = None
    stages: Mapping[str, StageData] = field(default_factory=dict)
    scores: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return (self.end_s - self.start_s) / 3600

    @property
    def total(self) -> int:
        return sum(self.runs.values())

    @property
    def succeeded(self) -> int:
        return self.runs.get("success", 0)
