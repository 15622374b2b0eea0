"""One way for a conformance case to call the Monitoring API, over gRPC or over REST.

A case is written once against :class:`Monitoring` and runs on both transports:

- ``grpc``: the generated (GAPIC) clients on an insecure channel to the emulator's gRPC port, as
  ``contract.ClientFactory`` builds them;
- ``rest``: for the v3 services (metrics, policies, channels, groups, uptime checks) Google's
  discovery-based client, ``googleapiclient.discovery.build("monitoring", "v3")``, which is what
  Google's ``monitoring/api/v3/api-client`` samples use — ``google-cloud-monitoring`` ships no REST
  transport — and for dashboards the GAPIC client with ``transport="rest"``; both pointed at the
  emulator's HTTP port through ``client_options={"api_endpoint": "http://…"}``.

The REST bridge only converts messages: the request is serialised with protobuf's JSON mapping,
split into path, query and body the way the discovery document says, and the JSON answer parsed
back into the type the gRPC client would return, unknown fields refused. An HTTP error must carry
Google's JSON error body (``{"error": {"code", "message", "status"}}``) whose HTTP code is the one
Google maps its status to; it is raised as the same ``google.api_core`` exception gRPC raises.
List methods return every item of every page on both transports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.api import metric_pb2, monitored_resource_pb2
from google.api_core import exceptions
from google.cloud import monitoring_dashboard_v1, monitoring_v3
from google.protobuf import any_pb2, json_format

TRANSPORTS = ("grpc", "rest")

# HTTP status Google answers with for each canonical code (google/rpc/code.proto).
HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}


@dataclass(frozen=True)
class _Route:
    """Where a GAPIC method lives in the discovery document: the method's dotted path, which
    request field fills each path parameter, which field is the body (``*``: the whole request
    but the path fields), and the repeated field a list method's pages carry."""

    method: str
    path: dict[str, str]
    body: str | None = None
    items: str | None = None


def _name(method: str, items: str | None = None) -> _Route:
    return _Route(method, {"name": "name"}, None, items)


_V3_ROUTES: dict[str, _Route] = {
    # MetricService
    "list_monitored_resource_descriptors": _name("projects.monitoredResourceDescriptors.list", "resource_descriptors"),
    "get_monitored_resource_descriptor": _name("projects.monitoredResourceDescriptors.get"),
    "list_metric_descriptors": _name("projects.metricDescriptors.list", "metric_descriptors"),
    "get_metric_descriptor": _name("projects.metricDescriptors.get"),
    "create_metric_descriptor": _Route("projects.metricDescriptors.create", {"name": "name"}, "metric_descriptor"),
    "delete_metric_descriptor": _name("projects.metricDescriptors.delete"),
    "list_time_series": _name("projects.timeSeries.list", "time_series"),
    "create_time_series": _Route("projects.timeSeries.create", {"name": "name"}, "*"),
    "create_service_time_series": _Route("projects.timeSeries.createService", {"name": "name"}, "*"),
    # AlertPolicyService
    "list_alert_policies": _name("projects.alertPolicies.list", "alert_policies"),
    "get_alert_policy": _name("projects.alertPolicies.get"),
    "create_alert_policy": _Route("projects.alertPolicies.create", {"name": "name"}, "alert_policy"),
    "delete_alert_policy": _name("projects.alertPolicies.delete"),
    "update_alert_policy": _Route("projects.alertPolicies.patch", {"name": "alert_policy.name"}, "alert_policy"),
    # NotificationChannelService
    "list_notification_channel_descriptors": _name(
        "projects.notificationChannelDescriptors.list", "channel_descriptors"
    ),
    "get_notification_channel_descriptor": _name("projects.notificationChannelDescriptors.get"),
    "list_notification_channels": _name("projects.notificationChannels.list", "notification_channels"),
    "get_notification_channel": _name("projects.notificationChannels.get"),
    "create_notification_channel": _Route(
        "projects.notificationChannels.create", {"name": "name"}, "notification_channel"
    ),
    "update_notification_channel": _Route(
        "projects.notificationChannels.patch", {"name": "notification_channel.name"}, "notification_channel"
    ),
    "delete_notification_channel": _name("projects.notificationChannels.delete"),
    "send_notification_channel_verification_code": _Route(
        "projects.notificationChannels.sendVerificationCode", {"name": "name"}, "*"
    ),
    "get_notification_channel_verification_code": _Route(
        "projects.notificationChannels.getVerificationCode", {"name": "name"}, "*"
    ),
    "verify_notification_channel": _Route("projects.notificationChannels.verify", {"name": "name"}, "*"),
    # GroupService
    "list_groups": _name("projects.groups.list", "group"),
    "get_group": _name("projects.groups.get"),
    "create_group": _Route("projects.groups.create", {"name": "name"}, "group"),
    "update_group": _Route("projects.groups.update", {"name": "group.name"}, "group"),
    "delete_group": _name("projects.groups.delete"),
    "list_group_members": _name("projects.groups.members.list", "members"),
    # UptimeCheckService
    "list_uptime_check_configs": _Route(
        "projects.uptimeCheckConfigs.list", {"parent": "parent"}, None, "uptime_check_configs"
    ),
    "get_uptime_check_config": _name("projects.uptimeCheckConfigs.get"),
    "create_uptime_check_config": _Route(
        "projects.uptimeCheckConfigs.create", {"parent": "parent"}, "uptime_check_config"
    ),
    "update_uptime_check_config": _Route(
        "projects.uptimeCheckConfigs.patch", {"name": "uptime_check_config.name"}, "uptime_check_config"
    ),
    "delete_uptime_check_config": _name("projects.uptimeCheckConfigs.delete"),
    "list_uptime_check_ips": _Route("uptimeCheckIps.list", {}, None, "uptime_check_ips"),
}

# Types the discovery document names that are not monitoring_v3 messages.
_FOREIGN = {
    "MetricDescriptor": metric_pb2.MetricDescriptor,
    "MonitoredResourceDescriptor": monitored_resource_pb2.MonitoredResourceDescriptor,
}
_REQUEST_TYPES = {"create_service_time_series": monitoring_v3.CreateTimeSeriesRequest}


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.title() for word in rest)


def _request_type(method: str) -> Any:
    if method in _REQUEST_TYPES:
        return _REQUEST_TYPES[method]
    return getattr(monitoring_v3, "".join(word.title() for word in method.split("_")) + "Request")


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """Query parameters of a GET/DELETE: nested messages become ``a.b`` keys (Google's rule for
    fields not bound to the path or body)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, inner, out)
    else:
        out[prefix] = value


def _parse(type_name: str, payload: dict[str, Any]) -> Any:
    """The JSON answer as the type the gRPC client returns; unknown fields are refused."""
    if type_name in _FOREIGN:
        return json_format.ParseDict(payload, _FOREIGN[type_name]())
    cls = getattr(monitoring_v3, type_name)
    return cls.from_json(json.dumps(payload), ignore_unknown_fields=False)


def _details(details: list[Any]) -> list[Any]:
    found = []
    for detail in details:
        any_pb = any_pb2.Any()
        try:
            json_format.ParseDict(detail, any_pb)
        except json_format.ParseError:
            found.append(detail)
        else:
            found.append(any_pb)
    return found


def rest_error(status: int, content: bytes) -> exceptions.GoogleAPICallError:
    """The exception gRPC would raise, from Google's JSON error body; an AssertionError when the
    body is not Google's or its HTTP code is not the one Google uses for the status."""
    try:
        error = json.loads(content)["error"]
        code = grpc.StatusCode[error["status"]]
        message = error["message"]
    except (ValueError, KeyError, TypeError) as err:
        raise AssertionError(f"HTTP {status} without Google's JSON error body: {content[:300]!r}") from err
    assert error.get("code") == status, f"error.code {error.get('code')} differs from the HTTP status {status}"
    assert HTTP_STATUS.get(code) == status, f"{code.name} is HTTP {HTTP_STATUS.get(code)} at Google, not {status}"
    return exceptions.from_grpc_status(code, message, details=_details(error.get("details", [])))


class _DiscoveryCaller:
    """Calls a v3 method through googleapiclient, converting the proto request and the answer."""

    def __init__(self, service: Any) -> None:
        self._service = service
        self._doc = service._rootDesc  # the discovery document the client was built from

    def _method(self, dotted: str) -> tuple[Any, dict[str, Any]]:
        target, desc = self._service, self._doc
        *resources, name = dotted.split(".")
        for resource in resources:
            target = getattr(target, resource)()
            desc = desc["resources"][resource]
        return getattr(target, name), desc["methods"][name]

    def __call__(self, method: str, request: Any) -> Any:
        route = _V3_ROUTES[method]
        request_type = _request_type(method)
        fields = json_format.MessageToDict(request_type.pb(request_type(request)))
        params: dict[str, Any] = {}
        for param, source in route.path.items():
            if "." in source:  # a field of the body message (its name stays in the body too)
                holder: Any = fields
                for part in source.split("."):
                    holder = holder.get(_camel(part), {}) if isinstance(holder, dict) else ""
                params[param] = holder or ""
            else:
                params[param] = fields.pop(_camel(source), "")
        if route.body == "*":
            body, query = fields, {}
        elif route.body:
            body = fields.pop(_camel(route.body), {})
            query = fields
        else:
            body, query = None, fields
        flat: dict[str, Any] = {}
        _flatten("", query, flat)
        call, desc = self._method(route.method)
        for key, value in flat.items():
            params[_param_name(key)] = value
        if body is not None:
            params["body"] = body
        response_type = desc.get("response", {}).get("$ref", "Empty")
        if route.items is None:
            return self._execute(call, params, response_type)
        items: list[Any] = []
        while True:
            page = self._execute(call, params, response_type)
            items.extend(getattr(page, route.items))
            if not page.next_page_token:
                return items
            params["pageToken"] = page.next_page_token

    @staticmethod
    def _execute(call: Callable[..., Any], params: dict[str, Any], response_type: str) -> Any:
        from googleapiclient.errors import HttpError

        try:
            payload = call(**params).execute()
        except HttpError as err:
            raise rest_error(err.resp.status, err.content) from None
        if response_type == "Empty":
            assert payload in ({}, None, ""), f"an Empty answer carries {payload!r}"
            return None
        return _parse(response_type, payload)


def _param_name(key: str) -> str:
    """googleapiclient's name for a query parameter (its ``key2param``): ``interval.startTime`` ->
    ``interval_startTime``."""
    from googleapiclient.discovery import key2param

    return str(key2param(key))


class _GapicCaller:
    """Calls a generated client's method (gRPC, or the dashboards' REST transport)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __call__(self, method: str, request: Any) -> Any:
        result = getattr(self._client, method)(request=request)
        return list(result) if hasattr(result, "pages") else result


class Service:
    """``service.some_method(request)`` or ``service.some_method(field=value, …)``."""

    def __init__(self, caller: Callable[[str, Any], Any]) -> None:
        self._caller = caller

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(request: Any = None, **fields: Any) -> Any:
            assert request is None or not fields, "give a request or fields, not both"
            return self._caller(method, request if request is not None else fields)

        return call


@dataclass
class Monitoring:
    """The Monitoring API over one transport, for one project."""

    transport: str
    project: str
    metric: Service
    alert_policy: Service
    channel: Service
    group: Service
    uptime: Service
    dashboards: Service

    @property
    def project_name(self) -> str:
        return f"projects/{self.project}"


def grpc_services(address: str) -> dict[str, Service]:
    """The services on gRPC clients built by the project's one client factory (the group and
    uptime-check clients on the same kind of channel where the factory has no builder for them)."""
    from google.cloud.monitoring_v3.services.group_service.transports import GroupServiceGrpcTransport
    from google.cloud.monitoring_v3.services.uptime_check_service.transports import UptimeCheckServiceGrpcTransport

    from helios_metrics.contract import ClientFactory, Settings

    factory = ClientFactory(Settings(project_id="unused", monitoring_emulator_host=address))
    channel = grpc.insecure_channel(address)
    group = getattr(factory, "group", None)
    uptime = getattr(factory, "uptime_check", None)
    clients = {
        "metric": factory.metric_service(),
        "alert_policy": factory.alert_policy(),
        "channel": factory.notification_channel(),
        "group": group()
        if group
        else monitoring_v3.GroupServiceClient(transport=GroupServiceGrpcTransport(channel=channel)),
        "uptime": uptime()
        if uptime
        else monitoring_v3.UptimeCheckServiceClient(transport=UptimeCheckServiceGrpcTransport(channel=channel)),
        "dashboards": factory.dashboards(),
    }
    return {name: Service(_GapicCaller(client)) for name, client in clients.items()}


def rest_services(http_url: str) -> dict[str, Service]:
    """The services on Google's REST clients pointed at the emulator's HTTP port."""
    import httplib2
    from google.auth.credentials import AnonymousCredentials
    from googleapiclient import discovery

    v3 = _DiscoveryCaller(
        discovery.build(
            "monitoring",
            "v3",
            http=httplib2.Http(timeout=30),
            client_options={"api_endpoint": http_url},
            static_discovery=True,
        )
    )
    dashboards = monitoring_dashboard_v1.DashboardsServiceClient(
        transport="rest", client_options={"api_endpoint": http_url}, credentials=AnonymousCredentials()
    )
    services = {name: Service(v3) for name in ("metric", "alert_policy", "channel", "group", "uptime")}
    services["dashboards"] = Service(_GapicCaller(dashboards))
    return services


def status_of(error: exceptions.GoogleAPICallError) -> grpc.StatusCode | None:
    """The canonical code of an error from any client: gRPC's, or the JSON body's ``status`` of a
    GAPIC REST error (whose class follows the HTTP code only)."""
    if error.grpc_status_code is not None:
        return error.grpc_status_code
    response = getattr(error, "response", None)
    try:
        return grpc.StatusCode[response.json()["error"]["status"]]  # type: ignore[union-attr]
    except (AttributeError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def raises(code: grpc.StatusCode, match: str | None = None) -> Iterator[pytest.ExceptionInfo[Any]]:
    """Expect a call to fail with ``code`` (and a message matching ``match``) on any transport."""
    with pytest.raises(exceptions.GoogleAPICallError) as info:
        yield info
    error = info.value
    assert status_of(error) == code, f"expected {code.name}, got {status_of(error)}: {error.message}"
    if error.grpc_status_code is None:  # a REST error: its HTTP code too
        assert error.code == HTTP_STATUS[code], f"{code.name} is HTTP {HTTP_STATUS[code]}, got {error.code}"
    if match is not None:
        assert re.search(match, error.message), f"{error.message!r} does not match {match!r}"
