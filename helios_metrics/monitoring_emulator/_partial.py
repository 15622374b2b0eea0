"""How a partial CreateTimeSeries failure is worded: one status for the whole call, whose message
lists each reason with the series it applies to, in one of the grammars Google's servers use.

- ``trailing`` (the default): ``<reason>: timeSeries[0-2,5]``; a reason that names its own field
  (``Field timeSeries[3]… had an invalid value: …``) stands alone.
- ``field``: ``Field timeSeries[3] had an invalid value: <reason>: timeSeries[3]``.
- ``leading`` (newer servers): ``timeSeries[0-2]: write for resource=generic_task{k:v,…} failed with: <reason>``.
- ``resource`` (older servers): ``<reason>: generic_task{k:v,…} timeSeries[3]: custom.googleapis.com/x{k:v}``.

Each piece is joined by ``; `` after ``One or more TimeSeries could not be written: ``; the
details carry a ``CreateTimeSeriesSummary`` (total, success, errors by code).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from google.cloud.monitoring_v3.types import metric_service

from ._errors import ApiError
from ._series import Labels, SeriesKey

__all__ = ["GRAMMARS", "Failure", "summary_error"]

GRAMMARS = ("trailing", "field", "leading", "resource")
_SUMMARY_PB = metric_service.CreateTimeSeriesSummary.pb()
_PREFIX = "One or more TimeSeries could not be written: "


@dataclass
class Failure:
    """One series the call could not write."""

    index: int
    code: grpc.StatusCode
    reason: str
    category: str
    grammar: str = "trailing"
    key: SeriesKey | None = None  # the series, when known (the resource and metric grammars name it)


def _ranges(indexes: Sequence[int]) -> str:
    """``[0, 1, 2, 5]`` → ``0-2,5``."""
    parts: list[str] = []
    start = prev = indexes[0]
    for index in indexes[1:]:
        if index == prev + 1:
            prev = index
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = index
    parts.append(str(start) if start == prev else f"{start}-{prev}")
    return ",".join(parts)


def _braces(name: str, labels: Labels) -> str:
    return name + "{" + ",".join(f"{k}:{v}" for k, v in labels if k != "project_id") + "}"


def _pieces(failures: Sequence[Failure]) -> list[str]:
    grouped: dict[tuple[str, str, str], list[int]] = {}
    singles: list[str] = []
    for failure in failures:
        reason, key, index = failure.reason, failure.key, failure.index
        if failure.grammar == "field":
            singles.append(f"Field timeSeries[{index}] had an invalid value: {reason}: timeSeries[{index}]")
        elif failure.grammar == "resource" and key is not None:
            resource, metric = (
                _braces(key.resource_type, key.resource_labels),
                _braces(key.metric_type, key.metric_labels),
            )
            singles.append(f"{reason}: {resource} timeSeries[{index}]: {metric}")
        elif failure.grammar == "leading" and key is not None:
            grouped.setdefault(("leading", reason, _braces(key.resource_type, key.resource_labels)), []).append(index)
        else:
            grouped.setdefault(("trailing", reason, ""), []).append(index)
    pieces: list[str] = []
    for (grammar, reason, resource), indexes in grouped.items():
        if grammar == "leading":
            pieces.append(f"timeSeries[{_ranges(indexes)}]: write for resource={resource} failed with: {reason}")
        elif reason.startswith("Field timeSeries["):
            pieces.append(reason)
        else:
            pieces.append(f"{reason}: timeSeries[{_ranges(indexes)}]")
    return pieces + singles


def summary_error(failures: Sequence[Failure], total: int) -> ApiError:
    """The status a call with these failures ends in: the most frequent code, every reason, a summary."""
    codes = Counter(failure.code for failure in failures)
    summary = _SUMMARY_PB(total_point_count=total, success_point_count=total - len(failures))
    for code, count in codes.items():
        error = summary.errors.add(point_count=count)
        error.status.code = code.value[0]
    return ApiError(codes.most_common(1)[0][0], _PREFIX + "; ".join(_pieces(failures)), [summary])
