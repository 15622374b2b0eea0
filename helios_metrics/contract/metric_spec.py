"""What a catalog entry is, as plain data: a metric's spec (:class:`MetricSpec` — its value type,
unit, labels, how the collector aggregates a window, its kind, how charts and alerts reduce it
across collector instances, and the ``MetricDescriptor`` it maps to), its labels and its
distribution buckets. Pure: no Google library is needed to read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "METRIC_KIND",
    "METRIC_PREFIX",
    "Aggregation",
    "Buckets",
    "LabelSpec",
    "MetricKind",
    "MetricSpec",
    "Reduction",
    "ValueType",
]

METRIC_PREFIX = "custom.googleapis.com/helios/"
MetricKind = Literal["GAUGE", "CUMULATIVE"]  # what user-defined metrics can be (DELTA is refused)
METRIC_KIND: MetricKind = "GAUGE"
"""The default kind: a metric written as one point per series per window, nothing carried over."""

ValueType = Literal["DOUBLE", "INT64", "DISTRIBUTION"]
Aggregation = Literal["distribution", "count", "sum", "mean"]


@dataclass(frozen=True)
class Buckets:
    """Cloud Monitoring bucket options: exponential (scale·growth^i) or linear (offset + width·i)."""

    kind: Literal["exponential", "linear"]
    num_finite_buckets: int
    a: float  # exponential: scale; linear: offset
    b: float  # exponential: growth factor; linear: width

    def as_dict(self) -> dict[str, dict[str, float | int]]:
        """The API's ``BucketOptions`` as plain data."""
        if self.kind == "exponential":
            options = {"num_finite_buckets": self.num_finite_buckets, "scale": self.a, "growth_factor": self.b}
            return {"exponential_buckets": options}
        return {"linear_buckets": {"num_finite_buckets": self.num_finite_buckets, "offset": self.a, "width": self.b}}

    def bounds(self) -> list[float]:
        """The finite bucket boundaries (N of them make N+1 buckets)."""
        if self.kind == "exponential":
            return [self.a * self.b**i for i in range(self.num_finite_buckets + 1)]
        return [self.a + self.b * i for i in range(self.num_finite_buckets + 1)]


@dataclass(frozen=True)
class LabelSpec:
    key: str
    description: str
    values: tuple[str, ...] = ()  # a closed set, or empty for free values (bounded elsewhere)


@dataclass(frozen=True)
class Reduction:
    """How charts and alerts combine a metric's series across collector instances (``task_id``):
    the per-series aligner, then the cross-series reducer, both as the API's enum names."""

    aligner: str
    reducer: str


_REDUCTIONS: Mapping[str, Reduction] = {
    # counts and sums add up; distributions merge (ALIGN_SUM/REDUCE_SUM on a distribution keeps
    # every sample, so percentiles and means stay exact across instances)
    "count": Reduction("ALIGN_SUM", "REDUCE_SUM"),
    "sum": Reduction("ALIGN_SUM", "REDUCE_SUM"),
    "distribution": Reduction("ALIGN_SUM", "REDUCE_SUM"),
    # a mean of the instances' means: unweighted, which is why scores are distributions instead
    "mean": Reduction("ALIGN_MEAN", "REDUCE_MEAN"),
}
_CUMULATIVE_REDUCTION = Reduction("ALIGN_DELTA", "REDUCE_SUM")
"""A running total: each series' increase per period, added up across series (ALIGN_SUM and
ALIGN_MEAN do not apply to CUMULATIVE series)."""


@dataclass(frozen=True)
class MetricSpec:
    name: str
    value_type: ValueType
    unit: str
    description: str
    display_name: str
    aggregation: Aggregation
    """How the collector turns one window's values into the point: all values as a
    distribution, their count, their sum, or their mean."""
    labels: tuple[LabelSpec, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    buckets: Buckets | None = None
    recordable: bool = field(default=False)
    """True when pipeline code may record it directly with ``record(name, value, **labels)``."""
    kind: MetricKind = METRIC_KIND
    """GAUGE: each window's point stands alone. CUMULATIVE: each series (metric labels and
    ``task_id`` lane) keeps one start time and every point carries the total since it, so a window's
    count is the increase from the series' previous point (only ``count`` metrics can be)."""

    def __post_init__(self) -> None:
        if self.kind == "CUMULATIVE" and (self.aggregation != "count" or self.value_type != "INT64"):
            raise ValueError(f"kind: a CUMULATIVE metric must be an INT64 count, {self.name} is not")

    @property
    def type(self) -> str:
        return METRIC_PREFIX + self.name

    @property
    def label_keys(self) -> tuple[str, ...]:
        return tuple(label.key for label in self.labels)

    @property
    def reduction(self) -> Reduction:
        """How to reduce this metric across collector instances (see :class:`Reduction`)."""
        return _CUMULATIVE_REDUCTION if self.kind == "CUMULATIVE" else _REDUCTIONS[self.aggregation]

    def descriptor(self, project: str) -> dict[str, Any]:
        """The ``MetricDescriptor`` this entry maps to, as the API's plain data (field names and
        enum names as in the proto; ``json_format.ParseDict`` or proto-plus take it as is)."""
        return {
            "name": f"projects/{project}/metricDescriptors/{self.type}",
            "type": self.type,
            "metric_kind": self.kind,
            "value_type": self.value_type,
            "unit": self.unit,
            "description": self.description,
            "display_name": self.display_name,
            "labels": [
                {"key": label.key, "value_type": "STRING", "description": label.description} for label in self.labels
            ],
        }
