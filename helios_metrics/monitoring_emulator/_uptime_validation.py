"""What ``UptimeCheckService`` accepts in an ``UptimeCheckConfig``, as the API reference documents it
(the field comments of ``google/monitoring/v3/uptime.proto``), and the defaults the server fills in.

- A display name; exactly one of ``monitored_resource`` (types ``uptime_url`` — with its ``host``
  label —, ``gce_instance``, ``gae_app``, ``aws_ec2_instance``, ``aws_elb_load_balancer``,
  ``k8s_service``, ``servicedirectory_service``, ``cloud_run_revision``), ``resource_group`` (a
  bare group id and ``INSTANCE`` or ``AWS_ELB_LOAD_BALANCER``) or ``synthetic_monitor`` (a Cloud
  Functions v2 name); an ``http_check`` or ``tcp_check`` unless it is a synthetic monitor.
- ``period`` 60 s, 300 s, 600 s or 900 s (unset: 60 s); ``timeout`` required, 1 to 60 s.
- ``selected_regions``, when set, must reach at least 3 checker locations (``USA`` is three —
  Oregon, Iowa, Virginia —; every other region one); not with ``is_internal``, and
  ``internal_checkers`` only with it. ``VPC_CHECKERS`` exactly for ``servicedirectory_service``;
  an unspecified checker type becomes ``STATIC_IP_CHECKERS``.
- HTTP: the content-type rules of ``HttpCheck.content_type`` / ``custom_content_type``, no body
  with GET, a body of at most 1 MB, at most 100 headers, not both ``auth_info`` and a service
  agent; the path gets its leading ``/`` and the port its default (80, or 443 with SSL).
- Content matchers: content of at most 1024 bytes; regular expressions and JSONPath only for HTTP
  checks; a JSONPath matcher needs its path and option. Pings: at most 3.
"""

from __future__ import annotations

from typing import Any

from google.cloud.monitoring_v3.types import uptime

from helios_metrics.contract.units import NS

from ._errors import invalid_argument
from ._objects import check_user_labels
from ._raw import Raw
from ._timeutil import duration_ns

__all__ = ["PERIODS_S", "REGION_LOCATIONS", "validate_config"]

PERIODS_S = (60, 300, 600, 900)
_Region = uptime.UptimeCheckRegion
REGION_LOCATIONS: dict[int, frozenset[str]] = {
    _Region.USA: frozenset({"usa-oregon", "usa-iowa", "usa-virginia"}),
    _Region.USA_OREGON: frozenset({"usa-oregon"}),
    _Region.USA_IOWA: frozenset({"usa-iowa"}),
    _Region.USA_VIRGINIA: frozenset({"usa-virginia"}),
    _Region.EUROPE: frozenset({"eur-belgium"}),
    _Region.SOUTH_AMERICA: frozenset({"sa-brazil-sao_paulo"}),
    _Region.ASIA_PACIFIC: frozenset({"apac-singapore"}),
}
"""Each selectable region → the checker locations it runs from (the ``checker_location`` label)."""

_RESOURCE_TYPES = (
    "uptime_url",
    "gce_instance",
    "gae_app",
    "aws_ec2_instance",
    "aws_elb_load_balancer",
    "k8s_service",
    "servicedirectory_service",
    "cloud_run_revision",
)
_Config = uptime.UptimeCheckConfig
_Http = _Config.HttpCheck
_Matcher = _Config.ContentMatcher.ContentMatcherOption
_HTTP_ONLY = (
    _Matcher.MATCHES_REGEX,
    _Matcher.NOT_MATCHES_REGEX,
    _Matcher.MATCHES_JSON_PATH,
    _Matcher.NOT_MATCHES_JSON_PATH,
)
_JSON_PATH = (_Matcher.MATCHES_JSON_PATH, _Matcher.NOT_MATCHES_JSON_PATH)
_MAX_BODY = 1024 * 1024
_MAX_HEADERS = 100
_MAX_CONTENT = 1024
_MAX_PINGS = 3


def _bad(field: str, why: str, value: object = None) -> Exception:
    shown = "" if value is None else f' of "{value}"'
    return invalid_argument(f"Field {field} had an invalid value{shown}: {why}")


def _name(enum: Any, value: int) -> str:
    """An enum value's name, or its number when this client library does not know it."""
    try:
        return str(enum(value).name)
    except ValueError:
        return str(value)


def _seconds(ns: int) -> str:
    return f"{ns / NS:g}s"


def validate_config(config: Raw, field: str = "uptimeCheckConfig") -> None:
    """Refuse what the API refuses (INVALID_ARGUMENT naming the field) and fill in the server's
    defaults, in place."""
    if not config.display_name:
        raise _bad(f"{field}.displayName", "A display name is required.")
    check_user_labels(config.user_labels, f"{field}.userLabels")
    resource = config.WhichOneof("resource")
    if resource is None:
        raise _bad(field, "One of monitoredResource, resourceGroup or syntheticMonitor is required.")
    if resource == "monitored_resource":
        _check_monitored_resource(config.monitored_resource, f"{field}.monitoredResource")
    elif resource == "resource_group":
        _check_resource_group(config.resource_group, f"{field}.resourceGroup")
    else:
        _check_synthetic(config.synthetic_monitor, f"{field}.syntheticMonitor")
    kind = config.WhichOneof("check_request_type")
    if kind is None and resource != "synthetic_monitor":
        raise _bad(field, "One of httpCheck or tcpCheck is required.")
    if kind == "http_check":
        _check_http(config.http_check, f"{field}.httpCheck")
    elif kind == "tcp_check":
        _check_tcp(config.tcp_check, f"{field}.tcpCheck")
    _check_timing(config, field)
    _check_matchers(config, field, kind == "http_check")
    _check_checkers(config, field, resource)


def _check_monitored_resource(resource: Raw, field: str) -> None:
    if resource.type not in _RESOURCE_TYPES:
        raise _bad(
            f"{field}.type",
            f"Uptime checks can monitor resources of types {', '.join(_RESOURCE_TYPES)}.",
            resource.type,
        )
    if resource.type == "uptime_url" and not resource.labels.get("host"):
        raise _bad(f"{field}.labels", "An uptime_url resource needs its host label.")


def _check_resource_group(group: Raw, field: str) -> None:
    if not group.group_id or "/" in group.group_id:
        raise _bad(
            f"{field}.groupId",
            "The group id is required, as the [GROUP_ID] alone, not projects/[PROJECT_ID_OR_NUMBER]/groups/[GROUP_ID].",
            group.group_id,
        )
    if group.resource_type == uptime.GroupResourceType.RESOURCE_TYPE_UNSPECIFIED:
        raise _bad(f"{field}.resourceType", "The resource type of the group's members is required.")


def _check_synthetic(synthetic: Raw, field: str) -> None:
    name = synthetic.cloud_function_v2.name
    parts = name.split("/")
    if len(parts) != 6 or parts[0::2] != ["projects", "locations", "functions"] or not all(parts[1::2]):
        raise _bad(
            f"{field}.cloudFunctionV2.name",
            "The name must have the form projects/{project}/locations/{location}/functions/{function}.",
            name,
        )


def _check_port(port: int, field: str) -> None:
    if not 1 <= port <= 65535:
        raise _bad(field, "The port must be between 1 and 65535.", port)


def _check_pings(ping: Raw, field: str) -> None:
    if not 0 <= ping.pings_count <= _MAX_PINGS:
        raise _bad(f"{field}.pingConfig.pingsCount", f"At most {_MAX_PINGS} pings are supported.", ping.pings_count)


def _check_http(http: Raw, field: str) -> None:
    post = http.request_method == _Http.RequestMethod.POST
    header_type = any(key.lower() == "content-type" for key in http.headers)
    if http.content_type != _Http.ContentType.TYPE_UNSPECIFIED and header_type:
        raise _bad(f"{field}.headers", "A content type is given in both headers and contentType.")
    if not post and http.content_type != _Http.ContentType.TYPE_UNSPECIFIED:
        raise _bad(f"{field}.contentType", "A GET request cannot have a content type.")
    if not post and http.body:
        raise _bad(f"{field}.body", "A GET request cannot have a body.")
    if post and http.content_type == _Http.ContentType.TYPE_UNSPECIFIED:
        raise _bad(f"{field}.contentType", "A POST request needs a content type.")
    if http.content_type == _Http.ContentType.URL_ENCODED and http.custom_content_type:
        raise _bad(f"{field}.customContentType", "A URL_ENCODED check cannot have a custom content type.")
    if http.content_type == _Http.ContentType.USER_PROVIDED and not http.custom_content_type:
        raise _bad(f"{field}.customContentType", "A USER_PROVIDED content type needs customContentType.")
    if len(http.body) > _MAX_BODY:
        raise _bad(f"{field}.body", "The body can be at most 1 MB.")
    if len(http.headers) > _MAX_HEADERS:
        raise _bad(f"{field}.headers", f"At most {_MAX_HEADERS} headers are allowed.")
    if http.HasField("auth_info") and http.HasField("service_agent_authentication"):
        raise _bad(field, "Set authInfo or serviceAgentAuthentication, not both.")
    if http.port:
        _check_port(http.port, f"{field}.port")
    else:
        http.port = 443 if http.use_ssl else 80
    if not http.path.startswith("/"):
        http.path = f"/{http.path}"
    _check_pings(http.ping_config, field)


def _check_tcp(tcp: Raw, field: str) -> None:
    _check_port(tcp.port, f"{field}.port")
    _check_pings(tcp.ping_config, field)


def _check_timing(config: Raw, field: str) -> None:
    if not config.HasField("period"):
        config.period.seconds = PERIODS_S[0]
    period = duration_ns(config.period)
    if period not in tuple(s * NS for s in PERIODS_S):
        raise _bad(f"{field}.period", "The period must be 60s, 300s, 600s or 900s.", _seconds(period))
    if not config.HasField("timeout"):
        raise _bad(f"{field}.timeout", "A timeout is required.")
    timeout = duration_ns(config.timeout)
    if not NS <= timeout <= 60 * NS:
        raise _bad(f"{field}.timeout", "The timeout must be between 1 and 60 seconds.", _seconds(timeout))


def _check_matchers(config: Raw, field: str, http: bool) -> None:
    for index, matcher in enumerate(config.content_matchers):
        where = f"{field}.contentMatchers[{index}]"
        if len(matcher.content.encode()) > _MAX_CONTENT:
            raise _bad(f"{where}.content", f"The content can be at most {_MAX_CONTENT} bytes.")
        option = matcher.matcher
        if option in _HTTP_ONLY and not http:
            raise _bad(
                f"{where}.matcher",
                "Regular expression and JSONPath matching need an HTTP check.",
                _name(_Matcher, option),
            )
        if option in _JSON_PATH:
            json = matcher.json_path_matcher
            if not matcher.HasField("json_path_matcher") or not json.json_path:
                raise _bad(
                    f"{where}.jsonPathMatcher.jsonPath", f"A JSONPath is required with {_name(_Matcher, option)}."
                )
            if json.json_matcher == 0:
                raise _bad(f"{where}.jsonPathMatcher.jsonMatcher", "EXACT_MATCH or REGEX_MATCH is required.")
        elif matcher.HasField("json_path_matcher"):
            raise _bad(
                f"{where}.jsonPathMatcher", "A JSONPath matcher goes with MATCHES_JSON_PATH or NOT_MATCHES_JSON_PATH."
            )


def _check_checkers(config: Raw, field: str, resource: str) -> None:
    regions = list(config.selected_regions)
    if regions and config.is_internal:
        raise _bad(f"{field}.selectedRegions", "An internal check cannot have selected regions.")
    if config.internal_checkers and not config.is_internal:
        raise _bad(f"{field}.internalCheckers", "Internal checkers need isInternal.")
    if regions:
        if any(region not in REGION_LOCATIONS for region in regions):
            raise _bad(f"{field}.selectedRegions", "REGION_UNSPECIFIED cannot be selected.")
        locations = frozenset().union(*(REGION_LOCATIONS[region] for region in regions))
        if len(locations) < 3:
            names = ", ".join(_name(_Region, region) for region in regions)
            raise _bad(
                f"{field}.selectedRegions",
                f"The selected regions ({names}) have {len(locations)} checker location(s); at least 3 are required.",
            )
    checker = _Config.CheckerType
    directory = resource == "monitored_resource" and config.monitored_resource.type == "servicedirectory_service"
    if config.checker_type == checker.CHECKER_TYPE_UNSPECIFIED:
        config.checker_type = checker.STATIC_IP_CHECKERS  # "currently converted to STATIC_IP_CHECKERS"
    if (config.checker_type == checker.VPC_CHECKERS) != directory:
        raise _bad(
            f"{field}.checkerType",
            "VPC_CHECKERS are required for a servicedirectory_service resource and allowed only for it.",
            _name(_Config.CheckerType, config.checker_type),
        )
