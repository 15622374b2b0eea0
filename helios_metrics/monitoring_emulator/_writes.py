"""CreateTimeSeries: every rule Cloud Monitoring enforces, with its status code and wording.

Works on the raw protobuf request. Valid series are committed even when others fail; the
failures come back as one status whose details carry a ``CreateTimeSeriesSummary``, as Google does.
Checks per series, in order: point count, metric type, resource, labels, duplicate in request,
time window, value, descriptor kind/type, interval shape, distribution, order, spacing, cardinality.
A series of another domain's metric type (Google's built-in metrics) fails the whole request with
PERMISSION_DENIED, as Google refuses a caller writing to a metric it does not own.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
from google.api import metric_pb2

from helios_metrics.contract.units import NS

from . import _descriptors as desc
from ._distributions import validate as distribution_problem
from ._errors import invalid_argument
from ._faults import Faults
from ._partial import Failure, summary_error
from ._raw import Raw
from ._series import Series, SeriesKey
from ._stats import Stats
from ._store import Change, Store
from ._timeutil import ACTIVE_SERIES_WINDOW_NS, timestamp_ns
from ._write_checks import (
    Rejected,
    auto_create_problem,
    identity_problem,
    interval_error,
    order_problem,
    reject,
    time_window_error,
    type_error,
)

__all__ = ["TimeSeriesWriter", "WriteLimits"]

MD = metric_pb2.MetricDescriptor
_VALUE_TYPES = {
    "bool_value": MD.BOOL,
    "int64_value": MD.INT64,
    "double_value": MD.DOUBLE,
    "string_value": MD.STRING,
    "distribution_value": MD.DISTRIBUTION,
}


@dataclass(frozen=True)
class WriteLimits:
    """The service's limits; the sampling period and series cap are configurable for tests."""

    min_sampling_ns: int = 5 * NS
    max_active_series: int = 200_000
    max_series_per_request: int = 200
    max_past_ns: int = (25 * 3600 + 10) * NS
    max_future_ns: int = 5 * 60 * NS
    active_window_ns: int = ACTIVE_SERIES_WINDOW_NS
    max_label_value_bytes: int = 1024


@dataclass
class _Call:
    """What one CreateTimeSeries call has seen so far."""

    project: str
    now: int
    method: str
    oldest: int  # end times before this are more than 25h10s old
    newest: int  # end times after this are more than 5 min ahead
    pending: dict[str, metric_pb2.MetricDescriptor] = field(default_factory=dict)
    seen: set[SeriesKey | int] = field(default_factory=set)  # keys of new series, ids of stored ones
    new_per_resource: Counter[tuple[str, ...]] = field(default_factory=Counter)


@dataclass(slots=True)
class _Accepted:
    wire: tuple[str, bytes, bytes]
    key: SeriesKey
    series: Series | None
    kind: int
    value_type: int
    start: int
    end: int
    value: bytes


class TimeSeriesWriter:
    """Validates and commits CreateTimeSeries requests against a :class:`Store`."""

    def __init__(
        self,
        store: Store,
        limits: WriteLimits,
        faults: Faults,
        stats: Stats,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._store, self._limits, self._faults, self._stats, self._clock = store, limits, faults, stats, clock
        self._aliases: dict[tuple[str, bytes, bytes], Series] = {}  # wire form of (metric, resource) -> series
        self._min_sampling_ns = max(limits.min_sampling_ns, 1)  # >= 1 so an equal end time is caught

    def write(self, project: str, request: Raw, method: str = "CreateTimeSeries") -> None:
        """Apply a raw ``CreateTimeSeriesRequest``; raise :class:`ApiError` if anything failed."""
        series_list = request.time_series
        if len(series_list) > self._limits.max_series_per_request:
            raise invalid_argument(
                "Field timeSeries had an invalid value: A maximum of "
                f"{self._limits.max_series_per_request} TimeSeries can be written in a single request."
            )
        if not series_list:
            raise invalid_argument("Request was missing field timeSeries.")
        now = self._clock()
        call = _Call(project, now, method, now - self._limits.max_past_ns, now + self._limits.max_future_ns)
        failures: list[Failure] = []
        accepted: list[_Accepted] = []
        with self._store.change() as change:
            series_faults = self._faults.has_series_faults(method)
            for index, ts in enumerate(series_list):
                item: _Accepted | None = None
                try:
                    if method == "CreateServiceTimeSeries":
                        raise reject(
                            "CreateServiceTimeSeries rejects writes to user-defined metrics; use CreateTimeSeries.",
                            "service",
                        )
                    item = self._check(index, ts, call)
                    if series_faults:
                        fault = self._faults.take_series_fault(method, item.key.resolver())
                        if fault is not None:
                            raise Rejected(fault.code, fault.message, "injected", fault.grammar)
                    accepted.append(item)
                except Rejected as rejected:
                    key = None if item is None else item.key
                    failure = Failure(index, rejected.code, rejected.reason, rejected.category, rejected.grammar, key)
                    failures.append(failure)
            self._commit(change, project, accepted, call.pending)
        self._stats.wrote(len(series_list), len(accepted), Counter(f.category for f in failures))
        if failures:
            raise summary_error(failures, len(series_list))

    def _identify(self, i: int, ts: Raw, call: _Call) -> tuple[tuple[str, bytes, bytes], SeriesKey, Series | None]:
        """The series a TimeSeries names. Known wire forms skip label parsing: the hot path."""
        metric, resource = ts.metric, ts.resource
        wire = (
            call.project,
            metric.SerializeToString(deterministic=True),
            resource.SerializeToString(deterministic=True),
        )
        known = self._aliases.get(wire)
        if known is not None and known.alive:
            return wire, known.key, known
        metric_labels = dict(metric.labels)
        resource_labels = dict(resource.labels)
        resource_labels["project_id"] = call.project
        key = SeriesKey.of(call.project, metric.type, metric_labels, resource.type, resource_labels)
        existing = self._store.series_named(key)
        if existing is None:
            problem = identity_problem(
                i,
                metric.type,
                metric_labels,
                resource.type,
                dict(resource.labels),
                call.project,
                self._limits.max_label_value_bytes,
            )
            if problem is not None:
                raise problem
        else:
            self._aliases[wire] = existing
        return wire, key, existing

    def _check(self, i: int, ts: Raw, call: _Call) -> _Accepted:
        """Every rule for one series. The common case runs straight through; each failed
        condition calls a helper that raises with Google's wording."""
        points = ts.points
        if len(points) != 1:
            raise reject(
                f"Field timeSeries[{i}].points had an invalid value: Only one point can be written per "
                "TimeSeries per request.",
                "points",
            )
        wire, key, existing = self._identify(i, ts, call)
        marker = key if existing is None else existing.id
        if marker in call.seen:
            raise reject(
                f"Field timeSeries[{i}] had an invalid value: Duplicate TimeSeries encountered. "
                "Only one point can be written per TimeSeries per request.",
                "duplicate",
            )
        call.seen.add(marker)
        point = points[0]
        interval = point.interval
        end_time = interval.end_time
        end = end_time.seconds * NS + end_time.nanos
        has_start = interval.HasField("start_time")
        start = timestamp_ns(interval.start_time) if has_start else end
        if not call.oldest <= end <= call.newest:
            raise time_window_error(i, end, call.newest)
        value = point.value
        which = value.WhichOneof("value")
        value_type = _VALUE_TYPES.get(which)
        if value_type is None:
            raise reject(
                f"Field timeSeries[{i}].points[0].value had an invalid value: The point has no value.", "value"
            )
        if existing is not None:
            kind, stored_type = existing.kind, existing.value_type
        else:
            descriptor = self._descriptor(call, key.metric_type, ts, value_type, dict(key.metric_labels))
            kind, stored_type = descriptor.metric_kind, descriptor.value_type
        declared_kind, declared_type = ts.metric_kind, ts.value_type
        if (
            value_type != stored_type
            or (declared_kind and declared_kind != kind)
            or (declared_type and declared_type != stored_type)
        ):
            raise type_error(key.metric_type, kind, stored_type, declared_kind, (value_type, declared_type))
        if (start != end) if kind == MD.GAUGE else (start >= end):
            raise interval_error(i, key.metric_type, kind, start, end)
        if which == "distribution_value":
            problem = distribution_problem(value.distribution_value)
            if problem:
                raise reject(
                    f"Field timeSeries[{i}].points[0].distributionValue had an invalid value: {problem}",
                    "distribution",
                )
        if existing is not None:
            if end - existing.last_end < self._min_sampling_ns or (
                kind == MD.CUMULATIVE and start != existing.last_start
            ):
                out_of_order = order_problem(key.metric_type, kind, existing, start, end, self._min_sampling_ns)
                if out_of_order is not None:
                    raise out_of_order
        else:
            self._check_cardinality(key, call)
        return _Accepted(wire, key, existing, kind, stored_type, start, end, value.SerializeToString())

    def _descriptor(
        self, call: _Call, metric_type: str, ts: Raw, value_type: MD.ValueType, labels: dict[str, str]
    ) -> metric_pb2.MetricDescriptor:
        """The descriptor a new series uses: stored, created or extended earlier in this call, or auto-created."""
        project, pending = call.project, call.pending
        descriptor = pending.get(metric_type) or self._store.descriptor(project, metric_type)
        if descriptor is None:
            kind = ts.metric_kind or MD.GAUGE
            refused = auto_create_problem(metric_type, kind, value_type)
            if refused is not None:
                raise refused
            descriptor = desc.auto_created(project, metric_type, kind, value_type, list(labels))
            pending[metric_type] = descriptor
            return descriptor
        known = {label.key for label in descriptor.labels}
        extra = [key for key in labels if key not in known]
        if extra:
            if len(known) + len(extra) > desc.MAX_LABELS:
                raise reject(
                    f"The new labels would cause the metric {metric_type} to have over {desc.MAX_LABELS} labels.",
                    "labels",
                )
            extended = metric_pb2.MetricDescriptor()
            extended.CopyFrom(descriptor)
            for key in sorted(extra):
                extended.labels.add(key=key)
            pending[metric_type] = descriptor = extended
        return descriptor

    def _check_cardinality(self, key: SeriesKey, call: _Call) -> None:
        new_per_resource, now = call.new_per_resource, call.now
        counted = key.counted_resource
        known = self._store.series_counted_with(counted)
        cap = self._limits.max_active_series
        if len(known) + new_per_resource[counted] >= cap:
            since = now - self._limits.active_window_ns
            active = sum(1 for s in known if s.last_end >= since)
            if active + new_per_resource[counted] >= cap:
                raise reject(
                    "Monitored resource has too many time series (custom metrics).",
                    "cardinality",
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                )
        new_per_resource[counted] += 1

    def _commit(
        self, change: Change, project: str, accepted: list[_Accepted], pending: dict[str, metric_pb2.MetricDescriptor]
    ) -> None:
        if not accepted:
            return
        used = {item.key.metric_type for item in accepted}
        for metric_type, descriptor in pending.items():
            if metric_type in used:
                change.put_descriptor(project, descriptor)
        rows = []
        for item in accepted:
            series = item.series
            if series is None:
                series = change.new_series(item.key, item.kind, item.value_type)
                self._aliases[item.wire] = series
            rows.append((series, item.start, item.end, item.value))
        change.add_points(rows)
