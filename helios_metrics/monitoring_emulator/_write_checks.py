"""CreateTimeSeries' per-series refusals, in Google's words: each check returns the rejection (or
None) for ``_writes`` to place in the request's partial-failure summary."""

from __future__ import annotations

import grpc
from google.api import metric_pb2

from . import _descriptors as desc
from ._resources import check_resource
from ._series import Series
from ._timeutil import format_rfc3339, format_sampling

__all__ = [
    "INVALID",
    "Rejected",
    "auto_create_problem",
    "identity_problem",
    "interval_error",
    "order_problem",
    "reject",
    "time_window_error",
    "type_error",
]

MD = metric_pb2.MetricDescriptor
INVALID = grpc.StatusCode.INVALID_ARGUMENT
_AUTO_VALUE_TYPES = (MD.BOOL, MD.INT64, MD.DOUBLE, MD.DISTRIBUTION)
_ORDER_END = (
    "Points must be written in order. One or more of the points specified had an older end time "
    "than the most recent point."
)
_ORDER_START = (
    "Points must be written in order. One or more of the points specified had an older start time "
    "than the most recent point."
)


class Rejected(Exception):
    """A series refused inside an otherwise accepted request, with its code, reason and category."""

    def __init__(self, code: grpc.StatusCode, reason: str, category: str, grammar: str = "trailing") -> None:
        super().__init__(reason)
        self.code, self.reason, self.category, self.grammar = code, reason, category, grammar


def reject(reason: str, category: str, code: grpc.StatusCode = INVALID) -> Rejected:
    return Rejected(code, reason, category)


def time_window_error(i: int, end: int, newest: int) -> Rejected:
    field = f'Field timeSeries[{i}].points[0].interval.end_time had an invalid value of "{format_rfc3339(end)}"'
    if end > newest:
        return reject(f"{field}: Data points cannot be written more than 5m in the future.", "future")
    return reject(f"{field}: Data points cannot be written more than 25h10s in the past.", "too_old")


def type_error(
    metric_type: str, kind: int, stored_type: int, declared_kind: int, value_types: tuple[int, int]
) -> Rejected:
    if declared_kind not in (MD.METRIC_KIND_UNSPECIFIED, kind):
        return reject(
            f"Metric kind for metric {metric_type} must be {desc.kind_name(kind)}, "
            f"but is {desc.kind_name(declared_kind)}.",
            "kind",
        )
    actual = next(v for v in value_types if v not in (MD.VALUE_TYPE_UNSPECIFIED, stored_type))
    return reject(
        f"Value type for metric {metric_type} must be {desc.value_type_name(stored_type)}, "
        f"but is {desc.value_type_name(actual)}.",
        "value_type",
    )


def identity_problem(
    i: int,
    metric_type: str,
    metric_labels: dict[str, str],
    resource_type: str,
    resource_labels: dict[str, str],
    project: str,
    limit: int,
) -> Rejected | None:
    """Why a new series' identity is refused (its metric type, resource, labels), or None; raises the
    whole request's PERMISSION_DENIED for another domain's metric type."""
    denied = desc.permission_error(metric_type)
    if denied is not None:
        raise denied  # the whole request fails: Google's own metrics are not the caller's to write
    problem = desc.metric_type_problem(metric_type)
    if problem:
        return reject(
            f'Field timeSeries[{i}].metric.type had an invalid value of "{metric_type}": {problem}', "metric_type"
        )
    problem = check_resource(resource_type, resource_labels, project)
    if problem:
        return reject(problem, "resource")
    for source, labels in (("metric", metric_labels), ("resource", resource_labels)):
        for label_key, value in labels.items():
            if source == "metric":
                problem = desc.label_key_problem(label_key)
                if problem:
                    return reject(
                        f'Field timeSeries[{i}].metric.labels had an invalid value of "{label_key}": {problem}',
                        "labels",
                    )
            if len(value.encode()) > limit:
                return reject(
                    f"Field timeSeries[{i}].{source}.labels[{label_key}] had an invalid value: "
                    f"Label values can be at most {limit} bytes long.",
                    "labels",
                )
    return None


def interval_error(i: int, metric_type: str, kind: int, start: int, end: int) -> Rejected:
    field = f'Field timeSeries[{i}].points[0].interval.start_time had an invalid value of "{format_rfc3339(start)}"'
    if kind == MD.GAUGE:
        return reject(
            f"{field}: The start time must be equal to the end time ({format_rfc3339(end)}) for the gauge metric "
            f"'{metric_type}'.",
            "interval",
        )
    return reject(
        f"{field}: The start time must be before the end time ({format_rfc3339(end)}) for the non-gauge metric "
        f"'{metric_type}'.",
        "interval",
    )


def order_problem(
    metric_type: str, kind: int, series: Series, start: int, end: int, min_sampling_ns: int
) -> Rejected | None:
    if end <= series.last_end:
        return reject(_ORDER_END, "order")
    if end - series.last_end < min_sampling_ns:
        return reject(
            "One or more points were written more frequently than the maximum sampling period configured "
            f"for the metric. {{Metric: {metric_type}, Timestamps: {{Youngest Existing: "
            f"'{format_sampling(series.last_end)}', New: '{format_sampling(end)}'}}}}",
            "spacing",
        )
    if kind == MD.CUMULATIVE and start != series.last_start and start <= series.last_end:
        return reject(_ORDER_START, "order")
    return None


def auto_create_problem(metric_type: str, kind: int, value_type: int) -> Rejected | None:
    """Why a write cannot create the metric's descriptor itself: only GAUGE or CUMULATIVE, of BOOL
    (GAUGE only), INT64, DOUBLE or DISTRIBUTION values."""
    if kind not in (MD.GAUGE, MD.CUMULATIVE):
        return reject(
            f"Metric kind for metric {metric_type} must be GAUGE or CUMULATIVE to be created automatically, "
            f"but is {desc.kind_name(kind)}.",
            "auto_create",
        )
    if value_type not in _AUTO_VALUE_TYPES or (kind == MD.CUMULATIVE and value_type == MD.BOOL):
        return reject(
            f"Value type for metric {metric_type} must be BOOL, INT64, DOUBLE or DISTRIBUTION (BOOL only for "
            f"GAUGE) to be created automatically, but is {desc.value_type_name(value_type)}.",
            "auto_create",
        )
    return None
