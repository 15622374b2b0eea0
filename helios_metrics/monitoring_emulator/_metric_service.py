"""``google.monitoring.v3.MetricService``: the 9 methods, on raw protobuf messages."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable

import grpc
from google.api import metric_pb2, monitored_resource_pb2
from google.cloud.monitoring_v3.types import metric_service
from google.protobuf import empty_pb2

from . import _descriptors as desc
from ._builtin_metrics import BUILTIN, builtin_descriptor
from ._errors import ApiError, invalid_argument, not_found
from ._filters import Filter, api_filter
from ._objects import Projects
from ._raw import Raw
from ._reads import list_time_series, page_bounds, parse_page_token
from ._resources import RESOURCE_TYPES, descriptor_pb
from ._store import Store
from ._timeutil import ACTIVE_ONLY_WINDOW_NS
from ._writes import TimeSeriesWriter

__all__ = ["MetricService", "project_of"]

SERVICE = "google.monitoring.v3.MetricService"
_PROJECT = re.compile(r"projects/([^/]+)")
Handler = tuple[Callable[[Raw], Raw], Raw, Raw]  # (handler, raw request class, raw response class)


def _only(selector: str, value: str, asked: str) -> str | None:
    """A filter resolver that knows one selector's value (bound with ``functools.partial``)."""
    return value if asked == selector else None


def _descriptor_field(descriptor: Raw, resource_type: str | None, asked: str) -> str | None:
    if asked == "metric.type":
        return str(descriptor.type)
    return resource_type if asked == "resource.type" else None


def _listed(parsed: Filter, descriptor: Raw) -> bool:
    """Whether a ListMetricDescriptors filter keeps ``descriptor``: a built-in metric is written
    against several resource types, and matches when one of them does."""
    resource_types = list(descriptor.monitored_resource_types) or [None]
    return any(parsed.matches(functools.partial(_descriptor_field, descriptor, r)) for r in resource_types)


def project_of(name: str, field: str = "name") -> str:
    match = _PROJECT.fullmatch(name)
    if not match:
        raise invalid_argument(
            f'Field {field} had an invalid value of "{name}": The name must have the form projects/[PROJECT_ID].'
        )
    return match.group(1)


def _split(name: str, collection: str) -> tuple[str, str]:
    """``projects/P/<collection>/<rest>`` → (P, rest); rest may contain slashes (metric types do)."""
    match = re.fullmatch(rf"projects/([^/]+)/{collection}/(.+)", name)
    if not match:
        raise invalid_argument(
            f'Field name had an invalid value of "{name}": The name must have the form '
            f"projects/[PROJECT_ID]/{collection}/[ID]."
        )
    return match.group(1), match.group(2)


class MetricService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(
        self, store: Store, writer: TimeSeriesWriter, projects: Projects, clock: Callable[[], int] = time.time_ns
    ) -> None:
        self._store, self._writer, self._projects, self._clock = store, writer, projects, clock

    def _project(self, name: str) -> str:
        """The project id of ``projects/P``: Google accepts the project's id or its number."""
        return self._projects.remember(project_of(name))

    def _split(self, name: str, collection: str) -> tuple[str, str]:
        """``projects/P/<collection>/<rest>`` → (the project id, rest), P an id or a number."""
        project, rest = _split(name, collection)
        return self._projects.remember(project), rest

    def handlers(self) -> dict[str, Handler]:
        ms = metric_service
        return {
            "ListMonitoredResourceDescriptors": (
                self.list_resource_descriptors,
                ms.ListMonitoredResourceDescriptorsRequest.pb(),
                ms.ListMonitoredResourceDescriptorsResponse.pb(),
            ),
            "GetMonitoredResourceDescriptor": (
                self.get_resource_descriptor,
                ms.GetMonitoredResourceDescriptorRequest.pb(),
                monitored_resource_pb2.MonitoredResourceDescriptor,
            ),
            "ListMetricDescriptors": (
                self.list_metric_descriptors,
                ms.ListMetricDescriptorsRequest.pb(),
                ms.ListMetricDescriptorsResponse.pb(),
            ),
            "GetMetricDescriptor": (
                self.get_metric_descriptor,
                ms.GetMetricDescriptorRequest.pb(),
                metric_pb2.MetricDescriptor,
            ),
            "CreateMetricDescriptor": (
                self.create_metric_descriptor,
                ms.CreateMetricDescriptorRequest.pb(),
                metric_pb2.MetricDescriptor,
            ),
            "DeleteMetricDescriptor": (
                self.delete_metric_descriptor,
                ms.DeleteMetricDescriptorRequest.pb(),
                empty_pb2.Empty,
            ),
            "ListTimeSeries": (self.list_time_series, ms.ListTimeSeriesRequest.pb(), ms.ListTimeSeriesResponse.pb()),
            "CreateTimeSeries": (self.create_time_series, ms.CreateTimeSeriesRequest.pb(), empty_pb2.Empty),
            "CreateServiceTimeSeries": (
                self.create_service_time_series,
                ms.CreateTimeSeriesRequest.pb(),
                empty_pb2.Empty,
            ),
        }

    # --- monitored resource descriptors -----------------------------------------------
    def list_resource_descriptors(self, request: Raw) -> Raw:
        project = self._project(request.name)
        parsed = api_filter(request.filter)
        matching = [
            t for t in RESOURCE_TYPES.values() if parsed.matches(functools.partial(_only, "resource.type", t.type))
        ]
        offset = parse_page_token(request.page_token)
        size = page_bounds(request.page_size, 1000)
        response = metric_service.ListMonitoredResourceDescriptorsResponse.pb()()
        response.resource_descriptors.extend(descriptor_pb(t, project) for t in matching[offset : offset + size])
        if offset + size < len(matching):
            response.next_page_token = str(offset + size)
        return response

    def get_resource_descriptor(self, request: Raw) -> Raw:
        project, type_ = self._split(request.name, "monitoredResourceDescriptors")
        known = RESOURCE_TYPES.get(type_)
        if known is None:
            raise not_found(f"The monitored resource descriptor {type_} does not exist.")
        return descriptor_pb(known, project)

    # --- metric descriptors -----------------------------------------------------------
    def list_metric_descriptors(self, request: Raw) -> Raw:
        """The project's descriptors and Google's built-in ones, by type; the filter may name the
        metric type and, for built-in metrics, the monitored resource types they are written against."""
        project = self._project(request.name)
        parsed = api_filter(request.filter)
        since = self._clock() - ACTIVE_ONLY_WINDOW_NS
        known = self._store.descriptors(project)
        for type_, metric in BUILTIN.items():
            known.setdefault(type_, builtin_descriptor(metric, project))
        found = []
        for type_, descriptor in sorted(known.items()):
            if not _listed(parsed, descriptor):
                continue
            if request.active_only and not self._store.written_since(project, type_, since):
                continue
            found.append(descriptor)
        offset = parse_page_token(request.page_token)
        size = page_bounds(request.page_size, 10_000)
        response = metric_service.ListMetricDescriptorsResponse.pb()()
        response.metric_descriptors.extend(found[offset : offset + size])
        if offset + size < len(found):
            response.next_page_token = str(offset + size)
        return response

    def get_metric_descriptor(self, request: Raw) -> Raw:
        project, type_ = self._split(request.name, "metricDescriptors")
        descriptor = self._store.descriptor(project, type_)
        if descriptor is None and type_ in BUILTIN:
            return builtin_descriptor(BUILTIN[type_], project)
        if descriptor is None:
            raise not_found(f"Could not find descriptor for metric '{type_}'.")
        return descriptor

    def create_metric_descriptor(self, request: Raw) -> Raw:
        project = self._project(request.name)
        incoming = metric_pb2.MetricDescriptor()
        incoming.CopyFrom(request.metric_descriptor)
        desc.validate_new(incoming)
        incoming.name = desc.descriptor_name(project, incoming.type)
        with self._store.change() as change:
            existing = self._store.descriptor(project, incoming.type)
            stored = incoming if existing is None else desc.merge_descriptor(existing, incoming)
            change.put_descriptor(project, stored)
        return stored

    def delete_metric_descriptor(self, request: Raw) -> Raw:
        project, type_ = self._split(request.name, "metricDescriptors")
        if desc.metric_type_problem(type_):
            raise ApiError(grpc.StatusCode.INVALID_ARGUMENT, "Only user-created custom metrics can be deleted.")
        with self._store.change() as change:
            if self._store.descriptor(project, type_) is None:
                raise not_found(f"Could not find descriptor for metric '{type_}'.")
            change.delete_descriptor(project, type_)
        return empty_pb2.Empty()

    # --- time series ------------------------------------------------------------------
    def list_time_series(self, request: Raw) -> Raw:
        return list_time_series(self._store, self._project(request.name), request)

    def create_time_series(self, request: Raw) -> Raw:
        self._writer.write(self._project(request.name), request)
        return empty_pb2.Empty()

    def create_service_time_series(self, request: Raw) -> Raw:
        self._writer.write(self._project(request.name), request, "CreateServiceTimeSeries")
        return empty_pb2.Empty()
