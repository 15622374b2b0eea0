"""The plain values aggregation works on: a series with its points, and what an ``Aggregation`` asks."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._raw import Raw

__all__ = ["AggregationSpec", "SeriesData"]


@dataclass
class SeriesData:
    """A time series as plain values; points are ``(end_ns, start_ns, TypedValue)``, newest first."""

    metric_type: str
    metric_labels: dict[str, str]
    resource_type: str
    resource_labels: dict[str, str]
    kind: int
    value_type: int
    points: list[tuple[int, int, Raw]] = field(default_factory=list)

    def emptied(self, kind: int, value_type: int) -> SeriesData:
        """The same series' identity, with another kind and value type and no points."""
        return SeriesData(
            self.metric_type, dict(self.metric_labels), self.resource_type, dict(self.resource_labels), kind, value_type
        )


@dataclass(frozen=True)
class AggregationSpec:
    period_ns: int
    aligner: int
    reducer: int
    group_by: tuple[str, ...]
