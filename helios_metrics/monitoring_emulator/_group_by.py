"""Cross-series reduction: ``group_by_fields`` partition the aligned series, a reducer combines each
partition's values period by period.

A group-by field names ``metric.type``, ``resource.type``, ``project``, a metric or resource label —
``metric.labels.K``, ``metric.label."K"``, ``resource.labels.K``, or shortly ``resource.K`` as Google's
reduce sample writes ``resource.zone`` — or a metadata label (``metadata.system_labels."K"``,
``metadata.user_labels."K"``). A series that lacks the label groups with the others that lack it (as
Google groups a missing label as empty) and the output series carries only the labels it was grouped
by, with the project's ``project_id``. The resource type always partitions. The emulator's series
carry no metadata, so metadata fields group every series together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from google.api import metric_pb2

from ._agg_types import SeriesData
from ._agg_values import combine
from ._filters import selector_path
from ._raw import Raw

__all__ = ["GroupField", "group_field", "reduce"]

MD = metric_pb2.MetricDescriptor
_METADATA = ("metadata.system_labels.", "metadata.user_labels.")


@dataclass(frozen=True)
class GroupField:
    """Where a group-by field reads its value: ``source`` is ``metric``, ``resource`` (a label
    ``key``), ``metric.type``, ``resource.type`` or ``metadata``."""

    source: str
    key: str = ""

    def value(self, series: SeriesData) -> str | None:
        if self.source == "metric":
            return series.metric_labels.get(self.key)
        if self.source == "resource":
            return series.resource_labels.get(self.key)
        if self.source == "metric.type":
            return series.metric_type
        if self.source == "resource.type":
            return series.resource_type
        return None  # metadata: none is kept here


def group_field(name: str) -> GroupField | None:
    """The field ``name`` reads, or None when it names nothing a series has."""
    path = selector_path(name)
    if path in ("metric.type", "resource.type"):
        return GroupField(path)
    if path == "project":
        return GroupField("resource", "project_id")
    if path.startswith(_METADATA) and path not in _METADATA:
        return GroupField("metadata", path.split(".", 2)[2])
    source, _, rest = path.partition(".")
    if source not in ("metric", "resource") or not rest:
        return None
    key = rest[len("labels.") :] if rest.startswith("labels.") else rest
    return None if not key or key == "labels" else GroupField(source, key)


def reduce(
    aligned: list[SeriesData],
    group_by: tuple[str, ...],
    operation: str,
    out_kind: Callable[[int], int],
    out_type: Callable[[int], int],
) -> list[SeriesData]:
    """Combine ``aligned`` series per group, period by period, with ``operation`` (``sum``, ``p99``…)."""
    fields = [f for f in (group_field(name) for name in group_by) if f is not None]
    groups: dict[tuple[str | None, ...], list[SeriesData]] = {}
    for series in aligned:
        key = (series.resource_type, *(f.value(series) for f in fields))
        groups.setdefault(key, []).append(series)
    out: list[SeriesData] = []
    for members in groups.values():
        first = members[0]
        reduced = _grouped(first, fields)
        reduced.kind, reduced.value_type = out_kind(first.kind), out_type(first.value_type)
        by_end: dict[int, list[tuple[int, Raw]]] = {}
        for series in members:
            for end, start, value in series.points:
                by_end.setdefault(end, []).append((start, value))
        for end in sorted(by_end, reverse=True):
            entries = by_end[end]
            value = combine(operation, [v for _, v in entries], first.value_type, reduced.value_type)
            reduced.points.append((end, entries[0][0] if reduced.kind == MD.DELTA else end, value))
        out.append(reduced)
    return out


def _grouped(first: SeriesData, fields: list[GroupField]) -> SeriesData:
    """The output series' identity: the labels it was grouped by, and the project."""
    kept = SeriesData(first.metric_type, {}, first.resource_type, {}, first.kind, first.value_type)
    if "project_id" in first.resource_labels:
        kept.resource_labels["project_id"] = first.resource_labels["project_id"]
    for f in fields:
        value = f.value(first)
        if value is not None and f.source in ("metric", "resource"):
            (kept.metric_labels if f.source == "metric" else kept.resource_labels)[f.key] = value
    return kept
