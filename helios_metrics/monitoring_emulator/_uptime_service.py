"""``google.monitoring.v3.UptimeCheckService``: uptime check configurations, validated as the API
documents them (``_uptime_validation``), and the list of checker IP addresses.

- Names: ``projects/P/uptimeCheckConfigs/ID`` under the project id whichever form the caller used
  (as alert policies; a number the emulator cannot map to an id stays a number). The id respells
  the display name ("my uptime check" → ``my-uptime-check``, as Google's guide shows), with a
  random suffix when that id is taken. A name given on create is ignored.
- At most 100 checks per project (Google's limit per metrics scope): the 101st is
  RESOURCE_EXHAUSTED.
- Update: the mask may name ``display_name``, ``http_check``, ``tcp_check``, ``timeout``,
  ``content_matchers``, ``selected_regions`` (the fields the API lists) and ``user_labels`` — or
  sub-fields of them (``http_check.path``); an empty mask replaces those fields and refuses a
  change to any other. The result is validated as a whole.
- Secrets: responses leave out ``auth_info.password`` and show masked headers as ``******``;
  an update that sends them back that way (as a read-modify-write does) keeps the stored values.
- Delete refuses (FAILED_PRECONDITION) while an alert policy's condition names the check's
  ``metric.label.check_id``, as the API reference warns.
- ``ListUptimeCheckIps``: a fixed list in Google's shape (region, location, IPv4 address) for
  the six checker locations; the addresses are from the documentation ranges (RFC 5737), so
  nobody allow-lists them by mistake. Paging is "not yet implemented" there, as at Google.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

import grpc
from google.cloud.monitoring_v3.types import alert, uptime, uptime_service
from google.protobuf import empty_pb2

from ._errors import ApiError, invalid_argument
from ._filters import FilterError, api_filter, parse_filter
from ._masks import apply_mask
from ._objects import Projects, page
from ._raw import Raw
from ._store import Store
from ._uptime_validation import validate_config

__all__ = ["KIND", "SERVICE", "UPTIME_CHECK_IPS", "UptimeCheckService"]

SERVICE = "google.monitoring.v3.UptimeCheckService"
KIND = "uptime_check_config"
POLICY_KIND = "alert_policy"  # as the alert policy service stores them
MAX_CHECKS = 100
_CONFIG = uptime.UptimeCheckConfig.pb()
_POLICY = alert.AlertPolicy.pb()
_NAME = re.compile(r"projects/([^/]+)/uptimeCheckConfigs/([^/]+)")
_UPDATABLE = (
    "display_name",
    "http_check",
    "tcp_check",
    "timeout",
    "content_matchers",
    "selected_regions",
    "user_labels",
)
_FIXED = ("monitored_resource", "resource_group", "synthetic_monitor", "period", "checker_type", "is_internal")
_MASKED = "******"
_R = uptime.UptimeCheckRegion
UPTIME_CHECK_IPS: tuple[tuple[int, str, str], ...] = tuple(
    (region, location, f"{prefix}.{host}")
    for region, location, prefix, first in (
        (_R.USA, "Iowa", "192.0.2", 10),
        (_R.USA, "Oregon", "192.0.2", 40),
        (_R.USA, "Virginia", "192.0.2", 70),
        (_R.EUROPE, "Belgium", "198.51.100", 10),
        (_R.SOUTH_AMERICA, "Sao Paulo", "198.51.100", 40),
        (_R.ASIA_PACIFIC, "Singapore", "203.0.113", 10),
    )
    for host in range(first, first + 3)
)
"""(region, location, ip_address) of every checker, three addresses per location."""


def _slug(display_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", display_name.lower()).strip("-")[:63].strip("-") or "uptime-check"


def _snake(path: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), path)


class UptimeCheckService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(self, store: Store, projects: Projects) -> None:
        self._store, self._projects = store, projects

    def handlers(self) -> dict[str, tuple[Callable[[Raw], Raw], Any, Any]]:
        s = uptime_service
        return {
            "ListUptimeCheckConfigs": (
                self.list,
                s.ListUptimeCheckConfigsRequest.pb(),
                s.ListUptimeCheckConfigsResponse.pb(),
            ),
            "GetUptimeCheckConfig": (self.get, s.GetUptimeCheckConfigRequest.pb(), _CONFIG),
            "CreateUptimeCheckConfig": (self.create, s.CreateUptimeCheckConfigRequest.pb(), _CONFIG),
            "UpdateUptimeCheckConfig": (self.update, s.UpdateUptimeCheckConfigRequest.pb(), _CONFIG),
            "DeleteUptimeCheckConfig": (self.delete, s.DeleteUptimeCheckConfigRequest.pb(), empty_pb2.Empty),
            "ListUptimeCheckIps": (self.list_ips, s.ListUptimeCheckIpsRequest.pb(), s.ListUptimeCheckIpsResponse.pb()),
        }

    # --- names ---------------------------------------------------------------------------------------
    def _split(self, name: str, field: str = "name") -> tuple[str, str]:
        match = _NAME.fullmatch(name)
        if not match:
            raise invalid_argument(
                f'Field {field} had an invalid value of "{name}": The name must have the form '
                "projects/[PROJECT_ID_OR_NUMBER]/uptimeCheckConfigs/[UPTIME_CHECK_ID]."
            )
        return self._projects.remember(match.group(1)), match.group(2)

    def _load(self, project: str, ident: str) -> Raw:
        return _CONFIG.FromString(self._projects.load(KIND, project, ident, "uptime check config"))

    # --- methods -------------------------------------------------------------------------------------
    def create(self, request: Raw) -> Raw:
        project = self._projects.parent(request.parent, "parent")
        config = _CONFIG()
        config.CopyFrom(request.uptime_check_config)
        validate_config(config)
        with self._store.change() as change:
            taken = {ident for ident, _ in self._store.list_objects(KIND, project)}
            if len(taken) >= MAX_CHECKS:
                raise ApiError(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"Project {project} already has {len(taken)} uptime checks, the most a metrics scope can have "
                    f"({MAX_CHECKS}); delete one before creating another.",
                )
            ident = _slug(config.display_name)
            while ident in taken:
                ident = f"{_slug(config.display_name)[:50]}-{secrets.token_hex(5)}"
            config.name = f"projects/{project}/uptimeCheckConfigs/{ident}"
            change.put_object(KIND, project, ident, config.SerializeToString())
        return _public(config)

    def get(self, request: Raw) -> Raw:
        project, ident = self._split(request.name)
        return _public(self._load(project, ident))

    def list(self, request: Raw) -> Raw:
        project = self._projects.parent(request.parent, "parent")
        found = [_CONFIG.FromString(body) for _, body in self._store.list_objects(KIND, project)]
        if request.filter:
            parsed = api_filter(request.filter)
            found = [c for c in found if parsed.matches(_resolver(c))]
        chunk, token = page(found, request.page_size, request.page_token, MAX_CHECKS)
        response = uptime_service.ListUptimeCheckConfigsResponse.pb()(next_page_token=token, total_size=len(found))
        response.uptime_check_configs.extend(_public(config) for config in chunk)
        return response

    def update(self, request: Raw) -> Raw:
        supplied = request.uptime_check_config
        project, ident = self._split(supplied.name, "uptimeCheckConfig.name")
        paths = [_snake(path) for path in request.update_mask.paths]
        for path in paths:
            if path.split(".")[0] not in _UPDATABLE:
                raise invalid_argument(
                    f'Field update_mask had an invalid value of "{path}": Only display_name, http_check, tcp_check, '
                    "timeout, content_matchers, selected_regions and user_labels can be updated."
                )
        with self._store.change() as change:
            stored = self._load(project, ident)
            incoming = _CONFIG()
            incoming.CopyFrom(supplied)
            _restore_secrets(incoming, stored)
            if not paths:
                _check_unchanged(incoming, stored)
                paths = [field for field in _UPDATABLE if field not in ("http_check", "tcp_check")]
                paths.append(incoming.WhichOneof("check_request_type") or "http_check")
            updated = _CONFIG()
            updated.CopyFrom(stored)
            apply_mask(updated, incoming, paths, "UptimeCheckConfig")
            updated.name = stored.name
            validate_config(updated)
            change.put_object(KIND, project, ident, updated.SerializeToString())
        return _public(updated)

    def delete(self, request: Raw) -> Raw:
        project, ident = self._split(request.name)
        with self._store.change() as change:
            stored = self._load(project, ident)
            for _, body in self._store.list_objects(POLICY_KIND, project):
                policy = _POLICY.FromString(body)
                if _names_check(policy, ident):
                    raise ApiError(
                        grpc.StatusCode.FAILED_PRECONDITION,
                        f"Uptime check config {stored.name} is referenced by alert policy {policy.name}; change or "
                        "delete the policy first.",
                    )
            change.delete_object(KIND, project, ident)
        return empty_pb2.Empty()

    def list_ips(self, request: Raw) -> Raw:
        response = uptime_service.ListUptimeCheckIpsResponse.pb()()
        for region, location, address in UPTIME_CHECK_IPS:
            response.uptime_check_ips.add(region=region, location=location, ip_address=address)
        return response


def _public(config: Raw) -> Raw:
    """The config as the API returns it: no password, masked headers shown as ``******``."""
    shown = _CONFIG()
    shown.CopyFrom(config)
    if shown.HasField("http_check"):
        http = shown.http_check
        http.auth_info.ClearField("password")
        if not http.auth_info.username:
            http.ClearField("auth_info")
        if http.mask_headers:
            for key in list(http.headers):
                http.headers[key] = _MASKED
    return shown


def _restore_secrets(incoming: Raw, stored: Raw) -> None:
    """Put back what a read returned hidden: the password of the same user, masked header values."""
    if not (incoming.HasField("http_check") and stored.HasField("http_check")):
        return
    new, old = incoming.http_check, stored.http_check
    if new.HasField("auth_info") and not new.auth_info.password and new.auth_info.username == old.auth_info.username:
        new.auth_info.password = old.auth_info.password
    if old.mask_headers:
        for key, value in list(new.headers.items()):
            if value == _MASKED and key in old.headers:
                new.headers[key] = old.headers[key]


def _check_unchanged(incoming: Raw, stored: Raw) -> None:
    """An update without a mask replaces the updatable fields; the others may only be repeated."""
    for field in _FIXED:
        descriptor = incoming.DESCRIPTOR.fields_by_name[field]
        given = incoming.HasField(field) if descriptor.message_type else bool(getattr(incoming, field))
        if given and getattr(incoming, field) != getattr(stored, field):
            camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field)
            raise invalid_argument(
                f"Field uptimeCheckConfig.{camel} had an invalid value: {camel} of uptime check {stored.name} "
                "cannot be changed; only displayName, httpCheck, tcpCheck, timeout, contentMatchers, "
                "selectedRegions and userLabels can be updated."
            )


def _names_check(policy: Raw, ident: str) -> bool:
    """Whether one of the policy's conditions selects ``metric.label.check_id`` = ``ident``."""
    for condition in policy.conditions:
        kind = condition.WhichOneof("condition")
        text = getattr(getattr(condition, kind), "filter", "") if kind else ""
        if not text:
            continue
        try:
            pinned = parse_filter(text).pinned_values("metric.labels.check_id")
        except FilterError:
            continue
        if pinned is not None and ident in pinned:
            return True
    return False


def _resolver(config: Raw) -> Callable[[str], str | None]:
    """List-filter selectors: ``display_name``, ``name``, ``user_labels.K``, ``resource.type``."""

    def resolve(selector: str) -> str | None:
        if selector == "display_name":
            return str(config.display_name)
        if selector == "name":
            return str(config.name)
        if selector.startswith(("user_labels.", "user_label.")):
            return config.user_labels.get(selector.split(".", 1)[1])
        if selector in ("resource.type", "monitored_resource.type"):
            return str(config.monitored_resource.type) if config.HasField("monitored_resource") else None
        return None

    return resolve
