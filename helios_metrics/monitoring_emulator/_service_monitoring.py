"""``google.monitoring.v3.ServiceMonitoringService``: services and their service-level objectives,
validated as the API validates them (``_slo_validation``) and returned as the server returns them —
with the project number in every name, like the other Monitoring resources.

Ids: a service id given by the caller must match ``[a-z0-9-]+`` (at most 63 characters), an SLO id
``[a-zA-Z0-9-_:.]+``; either is generated when omitted (an SLO's ``name``, when given, is respected
as the API documents). An id already taken is ALREADY_EXISTS. Deleting a service deletes its SLOs.
Update masks follow the API (listed fields set or reset, others kept; an empty mask replaces the
object); the result is validated as a whole.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import grpc
from google.cloud.monitoring_v3.types import service as service_types
from google.cloud.monitoring_v3.types import service_service
from google.protobuf import empty_pb2

from ._alert_service import describer
from ._errors import ApiError, invalid_argument, not_found
from ._filters import api_filter
from ._masks import apply_mask
from ._objects import Projects, page
from ._raw import Raw
from ._slo_validation import validate_service, validate_slo
from ._store import Store

__all__ = ["SERVICE", "SERVICE_KIND", "SLO_KIND", "ServiceMonitoringService", "split_slo_name"]

SERVICE = "google.monitoring.v3.ServiceMonitoringService"
SERVICE_KIND = "service"
SLO_KIND = "service_level_objective"  # id: "<service id>/<slo id>"
_SERVICE = service_types.Service.pb()
_SLO = service_types.ServiceLevelObjective.pb()
_SERVICE_ID = re.compile(r"[a-z0-9-]{1,63}")
_SLO_ID = re.compile(r"[a-zA-Z0-9\-_:.]+")
_SLO_NAME = re.compile(r"projects/([^/]+)/services/([^/]+)/serviceLevelObjectives/([^/]+)")
_DEFAULT_PAGE = 1000


def split_slo_name(name: str, field: str = "name") -> tuple[str, str, str]:
    """``projects/P/services/S/serviceLevelObjectives/O`` → (P as written, S, O)."""
    match = _SLO_NAME.fullmatch(name)
    if not match:
        raise invalid_argument(
            f'Field {field} had an invalid value of "{name}": The name must have the form '
            "projects/[PROJECT_ID_OR_NUMBER]/services/[SERVICE_ID]/serviceLevelObjectives/[SLO_NAME]."
        )
    return match.group(1), match.group(2), match.group(3)


def _generated_id() -> str:
    """A server-assigned id: 22 characters, the length of the ids Google generates."""
    return secrets.token_hex(11)


def _already_exists(what: str, name: str) -> ApiError:
    return ApiError(grpc.StatusCode.ALREADY_EXISTS, f"{what} {name} already exists.")


class ServiceMonitoringService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(self, store: Store, projects: Projects, clock: Callable[[], int] = time.time_ns) -> None:
        self._store, self._projects, self._clock = store, projects, clock

    def handlers(self) -> dict[str, tuple[Callable[[Raw], Raw], Any, Any]]:
        s = service_service
        return {
            "CreateService": (self.create_service, s.CreateServiceRequest.pb(), _SERVICE),
            "GetService": (self.get_service, s.GetServiceRequest.pb(), _SERVICE),
            "ListServices": (self.list_services, s.ListServicesRequest.pb(), s.ListServicesResponse.pb()),
            "UpdateService": (self.update_service, s.UpdateServiceRequest.pb(), _SERVICE),
            "DeleteService": (self.delete_service, s.DeleteServiceRequest.pb(), empty_pb2.Empty),
            "CreateServiceLevelObjective": (self.create_slo, s.CreateServiceLevelObjectiveRequest.pb(), _SLO),
            "GetServiceLevelObjective": (self.get_slo, s.GetServiceLevelObjectiveRequest.pb(), _SLO),
            "ListServiceLevelObjectives": (
                self.list_slos,
                s.ListServiceLevelObjectivesRequest.pb(),
                s.ListServiceLevelObjectivesResponse.pb(),
            ),
            "UpdateServiceLevelObjective": (self.update_slo, s.UpdateServiceLevelObjectiveRequest.pb(), _SLO),
            "DeleteServiceLevelObjective": (
                self.delete_slo,
                s.DeleteServiceLevelObjectiveRequest.pb(),
                empty_pb2.Empty,
            ),
        }

    # --- shared with the SLO selectors -------------------------------------------------------------
    def slo(self, project: str, service_id: str, slo_id: str) -> Raw | None:
        body = self._store.get_object(SLO_KIND, project, f"{service_id}/{slo_id}")
        return None if body is None else _SLO.FromString(body)

    # --- services ----------------------------------------------------------------------------------
    def create_service(self, request: Raw) -> Raw:
        project = self._projects.parent(request.parent, "parent")
        ident = request.service_id or _generated_id()
        if not _SERVICE_ID.fullmatch(ident):
            raise invalid_argument(
                f'Field serviceId had an invalid value of "{ident}": A service id must match [a-z0-9-]+ and be at '
                "most 63 characters long."
            )
        service = _SERVICE()
        service.CopyFrom(request.service)
        validate_service(service)
        service.name = self._projects.name(project, "services", ident)
        with self._store.change() as change:
            if self._store.get_object(SERVICE_KIND, project, ident) is not None:
                raise _already_exists("Service", service.name)
            change.put_object(SERVICE_KIND, project, ident, service.SerializeToString())
        return service

    def get_service(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "services", "SERVICE")
        return _SERVICE.FromString(self._projects.load(SERVICE_KIND, project, ident, "service"))

    def list_services(self, request: Raw) -> Raw:
        match = re.fullmatch(r"(?:projects|workspaces)/([^/]+)", request.parent)
        if not match:
            raise invalid_argument(
                f'Field parent had an invalid value of "{request.parent}": The parent must have the form '
                "projects/[PROJECT_ID_OR_NUMBER] or workspaces/[HOST_PROJECT_ID_OR_NUMBER]."
            )
        project = self._projects.remember(match.group(1))
        found = [_SERVICE.FromString(body) for _, body in self._store.list_objects(SERVICE_KIND, project)]
        if request.filter:
            parsed = api_filter(request.filter)
            found = [s for s in found if parsed.matches(_service_resolver(s))]
        chunk, token = page(found, request.page_size, request.page_token, _DEFAULT_PAGE)
        response = service_service.ListServicesResponse.pb()(next_page_token=token)
        response.services.extend(chunk)
        return response

    def update_service(self, request: Raw) -> Raw:
        supplied = request.service
        project, ident = self._projects.split(supplied.name, "services", "SERVICE")
        with self._store.change() as change:
            stored = _SERVICE.FromString(self._projects.load(SERVICE_KIND, project, ident, "service"))
            updated = _SERVICE()
            if request.update_mask.paths:
                updated.CopyFrom(stored)
                apply_mask(updated, supplied, request.update_mask.paths, "Service")
            else:
                updated.CopyFrom(supplied)
            updated.name = stored.name
            validate_service(updated)
            if _service_type(updated) != _service_type(stored):
                raise invalid_argument(
                    f"Field service had an invalid value: The type of service {stored.name} cannot be changed "
                    f"(from {_service_type(stored)} to {_service_type(updated)})."
                )
            change.put_object(SERVICE_KIND, project, ident, updated.SerializeToString())
            return updated

    def delete_service(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "services", "SERVICE")
        with self._store.change() as change:
            self._projects.load(SERVICE_KIND, project, ident, "service")
            for slo_key, _ in self._store.list_objects(SLO_KIND, project):
                if slo_key.startswith(f"{ident}/"):
                    change.delete_object(SLO_KIND, project, slo_key)
            change.delete_object(SERVICE_KIND, project, ident)
        return empty_pb2.Empty()

    # --- service-level objectives ---------------------------------------------------------------------
    def _service_of(self, name: str, field: str) -> tuple[str, str, Raw]:
        match = re.fullmatch(r"projects/([^/]+)/services/([^/]+)", name)
        if not match:
            raise invalid_argument(
                f'Field {field} had an invalid value of "{name}": The name must have the form '
                "projects/[PROJECT_ID_OR_NUMBER]/services/[SERVICE_ID]."
            )
        project, ident = self._projects.remember(match.group(1)), match.group(2)
        body = self._store.get_object(SERVICE_KIND, project, ident)
        if body is None:
            raise not_found(f"Requested entity was not found: service {ident} does not exist in project {project}.")
        return project, ident, _SERVICE.FromString(body)

    def _slo_name(self, project: str, service_id: str, slo_id: str) -> str:
        return f"{self._projects.name(project, 'services', service_id)}/serviceLevelObjectives/{slo_id}"

    def _validate_slo(self, project: str, service: Raw, slo: Raw) -> None:
        custom = service.WhichOneof("identifier") == "custom"
        validate_slo(slo, custom, describer(self._store, project))

    def create_slo(self, request: Raw) -> Raw:
        with self._store.change() as change:
            project, service_id, service = self._service_of(request.parent, "parent")
            slo = _SLO()
            slo.CopyFrom(request.service_level_objective)
            ident = request.service_level_objective_id
            if not ident and slo.name:
                ident = split_slo_name(slo.name, "serviceLevelObjective.name")[2]  # "respected", says the API
            ident = ident or _generated_id()
            if not _SLO_ID.fullmatch(ident):
                raise invalid_argument(
                    f'Field serviceLevelObjectiveId had an invalid value of "{ident}": An SLO id must match '
                    "[a-zA-Z0-9-_:.]+."
                )
            self._validate_slo(project, service, slo)
            slo.name = self._slo_name(project, service_id, ident)
            key = f"{service_id}/{ident}"
            if self._store.get_object(SLO_KIND, project, key) is not None:
                raise _already_exists("ServiceLevelObjective", slo.name)
            change.put_object(SLO_KIND, project, key, slo.SerializeToString())
            return slo

    def _load_slo(self, name: str, field: str = "name") -> tuple[str, str, Raw]:
        written, service_id, slo_id = split_slo_name(name, field)
        project = self._projects.remember(written)
        key = f"{service_id}/{slo_id}"
        return project, key, _SLO.FromString(self._projects.load(SLO_KIND, project, key, "service level objective"))

    def get_slo(self, request: Raw) -> Raw:
        return self._load_slo(request.name)[2]

    def list_slos(self, request: Raw) -> Raw:
        match = re.fullmatch(r"(projects|workspaces)/([^/]+)/services/([^/]+)", request.parent)
        if not match:
            raise invalid_argument(
                f'Field parent had an invalid value of "{request.parent}": The parent must have the form '
                "projects/[PROJECT_ID_OR_NUMBER]/services/[SERVICE_ID] or "
                "workspaces/[HOST_PROJECT_ID_OR_NUMBER]/services/-."
            )
        with self._store.change():
            if match.group(3) == "-":
                project, prefix = self._projects.remember(match.group(2)), ""
            else:
                project, service_id, _ = self._service_of(
                    f"projects/{match.group(2)}/services/{match.group(3)}", "parent"
                )
                prefix = f"{service_id}/"
            found = [
                _SLO.FromString(body)
                for key, body in self._store.list_objects(SLO_KIND, project)
                if key.startswith(prefix)
            ]
        if request.filter:
            parsed = api_filter(request.filter)
            found = [s for s in found if parsed.matches(_slo_resolver(s))]
        chunk, token = page(found, request.page_size, request.page_token, _DEFAULT_PAGE)
        response = service_service.ListServiceLevelObjectivesResponse.pb()(next_page_token=token)
        response.service_level_objectives.extend(chunk)
        return response

    def update_slo(self, request: Raw) -> Raw:
        supplied = request.service_level_objective
        with self._store.change() as change:
            project, key, stored = self._load_slo(supplied.name, "serviceLevelObjective.name")
            updated = _SLO()
            if request.update_mask.paths:
                updated.CopyFrom(stored)
                apply_mask(updated, supplied, request.update_mask.paths, "ServiceLevelObjective")
            else:
                updated.CopyFrom(supplied)
            updated.name = stored.name
            service = _SERVICE.FromString(self._store.get_object(SERVICE_KIND, project, key.split("/")[0]) or b"")
            self._validate_slo(project, service, updated)
            change.put_object(SLO_KIND, project, key, updated.SerializeToString())
            return updated

    def delete_slo(self, request: Raw) -> Raw:
        with self._store.change() as change:
            project, key, _ = self._load_slo(request.name)
            change.delete_object(SLO_KIND, project, key)
        return empty_pb2.Empty()


def _service_type(service: Raw) -> str:
    return "basic_service" if service.HasField("basic_service") else str(service.WhichOneof("identifier"))


def _service_resolver(service: Raw) -> Callable[[str], str | None]:
    """List-filter selectors: ``identifier_case`` (``CUSTOM``…), ``<type>.<attribute>``, ``display_name``,
    ``user_labels.K``."""

    def resolve(selector: str) -> str | None:
        kind = _service_type(service)
        if selector == "identifier_case":
            return kind.upper()
        if selector == "display_name":
            return str(service.display_name)
        if selector.startswith(("user_labels.", "user_label.")):
            return service.user_labels.get(selector.split(".", 1)[1])
        head, _, attribute = selector.partition(".")
        if head == kind and attribute:
            body = getattr(service, kind)
            if attribute in body.DESCRIPTOR.fields_by_name:
                return str(getattr(body, attribute))
        return None

    return resolve


def _slo_resolver(slo: Raw) -> Callable[[str], str | None]:
    def resolve(selector: str) -> str | None:
        if selector == "display_name":
            return str(slo.display_name)
        if selector.startswith(("user_labels.", "user_label.")):
            return slo.user_labels.get(selector.split(".", 1)[1])
        if selector == "goal":
            return f"{slo.goal:g}"
        return None

    return resolve
