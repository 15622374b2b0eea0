"""What names a time series: :class:`SeriesKey` for a stored series, :class:`SeriesLabels` for a
series an alert condition measures, and :class:`Series`, the stored series with its latest point.

A stored series is one (project, metric, monitored resource) with their labels, as CreateTimeSeries
writes it. A measured series is what aggregation leaves of it — the resource and metric labels a
condition's group-by kept, without project or metric type — so that a ratio pairs the numerator's
series with the denominator's and an incident is opened per series that breaches.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Labels", "Resolver", "Series", "SeriesKey", "SeriesLabels"]

Labels = tuple[tuple[str, str], ...]
"""Label pairs sorted by key: hashable, and equal whenever the labels are."""
Resolver = Callable[[str], "str | None"]
"""A filter selector (``metric.type``, ``resource.labels.zone``…) → its value, None when absent."""


def _labels(values: Mapping[str, str]) -> Labels:
    return tuple(sorted(values.items()))


class SeriesKey(NamedTuple):
    """A stored series' identity: equal keys name the same series (``resource_labels`` include
    ``project_id``, which the writer adds)."""

    project: str
    metric_type: str
    metric_labels: Labels
    resource_type: str
    resource_labels: Labels

    @classmethod
    def of(
        cls,
        project: str,
        metric_type: str,
        metric_labels: Mapping[str, str],
        resource_type: str,
        resource_labels: Mapping[str, str],
    ) -> SeriesKey:
        return cls(project, metric_type, _labels(metric_labels), resource_type, _labels(resource_labels))

    @property
    def counted_resource(self) -> tuple[str, ...]:
        """What the active-series cap counts against: the resource (and the type, for ``global``)."""
        if self.resource_type == "global":
            return (self.project, "global", self.metric_type)
        return (self.project, self.resource_type, *(f"{k}={v}" for k, v in self.resource_labels))

    def resolver(self) -> Resolver:
        """Answer filter selectors (``metric.type``, ``resource.labels.zone``, ``project``…) for this series."""
        metric_labels, resource_labels = dict(self.metric_labels), dict(self.resource_labels)

        def resolve(selector: str) -> str | None:
            if selector == "metric.type":
                return self.metric_type
            if selector == "resource.type":
                return self.resource_type
            if selector == "project":
                return self.project
            if selector.startswith("metric.labels."):
                return metric_labels.get(selector[14:])
            if selector.startswith("resource.labels."):
                return resource_labels.get(selector[16:])
            return None

        return resolve


class SeriesLabels(NamedTuple):
    """A measured series: what tells apart the series one alert condition measures. Its JSON text
    (``[type, [[k, v]…], [[k, v]…]]``) is the ``series`` an incident records."""

    resource_type: str
    resource_labels: Labels
    metric_labels: Labels

    @classmethod
    def of(
        cls, resource_type: str, resource_labels: Mapping[str, str], metric_labels: Mapping[str, str]
    ) -> SeriesLabels:
        return cls(resource_type, _labels(resource_labels), _labels(metric_labels))

    def text(self) -> str:
        return json.dumps(self)

    @classmethod
    def parse(cls, text: str) -> SeriesLabels:
        resource_type, resource_labels, metric_labels = json.loads(text)
        return cls(resource_type, tuple((k, v) for k, v in resource_labels), tuple((k, v) for k, v in metric_labels))

    def label_resolver(self) -> Resolver:
        """Answer a snooze filter's selectors (``resource.labels.K``, ``metric.labels.K``, singular
        ``label`` too) for this series; anything else has no value."""
        resource, metric = dict(self.resource_labels), dict(self.metric_labels)

        def resolve(selector: str) -> str | None:
            kind, _, key = selector.partition(".")
            group, _, name = key.partition(".")
            if group not in ("labels", "label") or not name:
                return None
            return resource.get(name) if kind == "resource" else metric.get(name) if kind == "metric" else None

        return resolve


@dataclass(slots=True)
class Series:
    """One stored time series and the latest point written to it. Only the store changes it: the
    latest point as points are committed, ``alive`` once the series is deleted or replaced by a
    reload (caches of series check it)."""

    id: int
    key: SeriesKey
    kind: int
    value_type: int
    last_start: int = -1
    last_end: int = -1
    metric_labels: dict[str, str] = field(default_factory=dict)
    resource_labels: dict[str, str] = field(default_factory=dict)
    alive: bool = True

    @property
    def project(self) -> str:
        return self.key.project

    @property
    def metric_type(self) -> str:
        return self.key.metric_type

    @property
    def resource_type(self) -> str:
        return self.key.resource_type
