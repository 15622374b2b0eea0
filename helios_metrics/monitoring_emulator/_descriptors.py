"""Metric descriptor rules: valid types and labels, merge on re-create, auto-creation on write, and
which metric types a caller may write: user-defined ones only (``custom.googleapis.com/``,
``external.googleapis.com/``, ``workload.googleapis.com/``); another domain's — Google's built-in
metrics among them — is PERMISSION_DENIED, as Google answers ``User … does not have permission to write
to metric example.com/utilization.``; a type that is no URL with a domain and a path is
INVALID_ARGUMENT in Google's words."""

from __future__ import annotations

import re

import grpc
from google.api import label_pb2, metric_pb2

from ._builtin_metrics import BUILTIN
from ._errors import ApiError, invalid_argument

__all__ = [
    "BUILTIN_METRICS",
    "LABEL_KEY",
    "MAX_LABELS",
    "USER_PREFIXES",
    "auto_created",
    "descriptor_name",
    "kind_name",
    "merge_descriptor",
    "metric_type_problem",
    "permission_error",
    "validate_new",
    "value_type_name",
]

MD = metric_pb2.MetricDescriptor
USER_PREFIXES = ("custom.googleapis.com/", "external.googleapis.com/", "workload.googleapis.com/")
LABEL_KEY = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,99}")
"""The API reference's rule for a LabelDescriptor key: ``[a-zA-Z][a-zA-Z0-9_]*``, at most 100
characters (Google's own snippet writes ``TestLabel``; the OpenTelemetry exporter ``statusCode``)."""
MAX_LABELS = 30
_TYPE_PATH = re.compile(r"[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*")  # OpenCensus writes …/grpc.io/client/…


BUILTIN_METRICS: dict[str, tuple[int, int, str]] = {t: (m.kind, m.value_type, m.unit) for t, m in BUILTIN.items()}
"""Google's own metrics the emulator knows (``_builtin_metrics``): type -> (kind, value type, unit), so
a policy's or chart's aggregations on them are checked as Google checks them."""
_URL_TYPE = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/[^/].*")


def kind_name(kind: int) -> str:
    return MD.MetricKind.Name(kind)


def value_type_name(value_type: int) -> str:
    return MD.ValueType.Name(value_type)


def descriptor_name(project: str, metric_type: str) -> str:
    return f"projects/{project}/metricDescriptors/{metric_type}"


def metric_type_problem(metric_type: str) -> str | None:
    """Why a metric type cannot hold user-written data, or None."""
    prefix = next((p for p in USER_PREFIXES if metric_type.startswith(p)), None)
    if prefix is None or not _URL_TYPE.fullmatch(metric_type):
        return "The metric type must be a URL-formatted string with a domain and non-empty path."
    if len(metric_type) > 200:
        return "The metric type must be at most 200 characters long."
    if not _TYPE_PATH.fullmatch(metric_type[len(prefix) :]):
        return (
            "The metric type may contain only letters, digits, underscores, periods and hyphens, "
            "with '/' between path elements."
        )
    return None


def permission_error(metric_type: str) -> ApiError | None:
    """PERMISSION_DENIED for a well-formed metric type of a domain the caller may not write to: Google's
    own metrics and any domain but the user-defined prefixes. The emulator has no caller identity, so
    the message names "the caller" where Google names the user."""
    if metric_type.startswith(USER_PREFIXES) or not _URL_TYPE.fullmatch(metric_type):
        return None
    return ApiError(
        grpc.StatusCode.PERMISSION_DENIED, f"The caller does not have permission to write to metric {metric_type}."
    )


def label_key_problem(key: str) -> str | None:
    if LABEL_KEY.fullmatch(key):
        return None
    return (
        "Label keys must start with a letter and contain only letters, digits and underscores, at most 100 characters."
    )


def validate_new(descriptor: metric_pb2.MetricDescriptor) -> None:
    """Raise the API's INVALID_ARGUMENT (PERMISSION_DENIED for another domain's metric type) for a
    descriptor Google would refuse to create."""
    denied = permission_error(descriptor.type)
    if denied is not None:
        raise denied
    problem = metric_type_problem(descriptor.type)
    if problem:
        raise invalid_argument(f'Field metricDescriptor.type had an invalid value of "{descriptor.type}": {problem}')
    if descriptor.value_type == MD.VALUE_TYPE_UNSPECIFIED:
        raise invalid_argument(
            "Request was missing field metricDescriptor.valueType: The descriptor does not have the value type set."
        )
    if descriptor.metric_kind == MD.METRIC_KIND_UNSPECIFIED:
        raise invalid_argument(
            "Request was missing field metricDescriptor.metricKind: The descriptor does not have the metric kind set."
        )
    if descriptor.metric_kind == MD.DELTA:
        raise invalid_argument(
            'Field metricDescriptor.metricKind had an invalid value of "DELTA": '
            "User-defined metrics can only be GAUGE or CUMULATIVE."
        )
    if descriptor.value_type == MD.MONEY:
        raise invalid_argument(
            'Field metricDescriptor.valueType had an invalid value of "MONEY": '
            "MONEY is not a valid value type for user-defined metrics."
        )
    if descriptor.value_type in (MD.BOOL, MD.STRING) and descriptor.metric_kind != MD.GAUGE:
        raise invalid_argument(
            f'Field metricDescriptor.valueType had an invalid value of "{value_type_name(descriptor.value_type)}": '
            "BOOL and STRING values are valid only for GAUGE metrics."
        )
    if len(descriptor.labels) > MAX_LABELS:
        raise invalid_argument(
            f"The new labels would cause the metric {descriptor.type} to have over {MAX_LABELS} labels."
        )
    seen: set[str] = set()
    for index, label in enumerate(descriptor.labels):
        problem = label_key_problem(label.key)
        if problem or label.key in seen:
            raise invalid_argument(
                f'Field metricDescriptor.labels[{index}].key had an invalid value of "{label.key}": '
                f"{problem or 'Label keys must be unique.'}"
            )
        seen.add(label.key)


def merge_descriptor(
    existing: metric_pb2.MetricDescriptor, incoming: metric_pb2.MetricDescriptor
) -> metric_pb2.MetricDescriptor:
    """Google's re-create: compatible fields update (label descriptions too), labels are added and
    never removed."""
    conflict = existing.metric_kind != incoming.metric_kind or existing.value_type != incoming.value_type
    old_labels = {label.key: label for label in existing.labels}
    for label in incoming.labels:
        if label.key in old_labels and old_labels[label.key].value_type != label.value_type:
            conflict = True
    if conflict:
        raise ApiError(
            grpc.StatusCode.ALREADY_EXISTS,
            "Errors during metric descriptor creation: "
            f"{{(metric: {incoming.type}, error: The metric already exists.)}}",
        )
    merged = metric_pb2.MetricDescriptor()
    merged.CopyFrom(existing)
    for field in ("description", "display_name", "unit"):
        if getattr(incoming, field):
            setattr(merged, field, getattr(incoming, field))
    if incoming.launch_stage:
        merged.launch_stage = incoming.launch_stage
    if incoming.HasField("metadata"):
        merged.metadata.CopyFrom(incoming.metadata)
    for label in incoming.labels:
        if label.key not in old_labels:
            merged.labels.append(label)
        elif label.description:  # a compatible label's description is updated, never its type
            next(m for m in merged.labels if m.key == label.key).description = label.description
    if len(merged.labels) > MAX_LABELS:
        raise invalid_argument(
            f"The new labels would cause the metric {incoming.type} to have over {MAX_LABELS} labels."
        )
    return merged


def auto_created(
    project: str,
    metric_type: str,
    kind: metric_pb2.MetricDescriptor.MetricKind,
    value_type: metric_pb2.MetricDescriptor.ValueType,
    label_keys: list[str],
) -> metric_pb2.MetricDescriptor:
    descriptor = metric_pb2.MetricDescriptor(
        name=descriptor_name(project, metric_type),
        type=metric_type,
        metric_kind=kind,
        value_type=value_type,
        description="Auto-created custom metric.",
    )
    for key in sorted(label_keys):
        descriptor.labels.append(label_pb2.LabelDescriptor(key=key, value_type=label_pb2.LabelDescriptor.STRING))
    return descriptor
