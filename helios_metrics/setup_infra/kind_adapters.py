"""One adapter per kind of managed resource: how to read the managed ones that exist, and create,
update or delete one — each through its own client, built once and shared by kind. Bodies travel
as the API's dict form (:func:`to_dict`); :meth:`KindAdapter.canonical` is a body as the server
returns it, what the planner compares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from google.api import metric_pb2
from google.api_core import exceptions
from google.cloud import monitoring_dashboard_v1 as dashboards_v1
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2, json_format

from helios_metrics.contract.catalog import CATALOG, METRIC_PREFIX
from helios_metrics.contract.settings import Settings

from .client_cache import Clients
from .model import MANAGED_BY, Resource

__all__ = ["MONITORING_ADAPTERS", "KindAdapter", "to_dict"]

_MANAGED = MANAGED_BY["managed_by"]
_MANAGED_FILTER = f'user_labels.managed_by = "{_MANAGED}"'


def to_dict(message: Any) -> dict[str, Any]:
    """A message (proto-plus or raw) as the API's dict form (snake_case, enum names)."""
    raw = type(message).pb(message) if hasattr(type(message), "pb") else message
    return json_format.MessageToDict(raw, preserving_proto_field_name=True)


def _id(name: str) -> str:
    """A resource's id: the last part of its name (whatever project form the name has)."""
    return name.rsplit("/", 1)[-1]


class KindAdapter:
    """Reading and writing one kind. ``cannot_update``: the fields the server at hand keeps but
    refuses to update (the planner leaves them out of every change, with a note)."""

    kind: ClassVar[str]
    message: ClassVar[Any]
    """The kind's proto-plus message type."""
    cannot_update: tuple[str, ...] = ()
    cannot_update_reason = ""

    def __init__(self, clients: Clients, settings: Settings) -> None:
        self.clients, self.settings = clients, settings
        self.parent = f"projects/{settings.require_project()}"

    @classmethod
    def raw(cls) -> Any:
        """An empty raw message of the kind's API type."""
        return cls.message.pb(cls.message())

    @classmethod
    def canonical(cls, resource: Resource) -> Resource:
        """``resource`` with its body through the API's message type and back: the server's form."""
        raw = json_format.ParseDict(dict(resource.body), cls.raw())
        return Resource(resource.kind, resource.key, to_dict(raw), resource.name, resource.etag)

    def read(self, names: Sequence[str]) -> list[Resource]:
        """The managed resources of the kind that exist now (``names``: the ones to look for,
        where the API cannot list by label)."""
        raise NotImplementedError

    def create(self, key: str, body: dict[str, Any]) -> str:
        """Create one; returns its name."""
        raise NotImplementedError

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        """Update ``current`` in place (same name) to ``body``; ``fields``: the top-level fields that differ."""
        raise NotImplementedError

    def delete(self, current: Resource) -> None:
        raise NotImplementedError


def _mask(fields: Sequence[str]) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(fields))


class _Descriptors(KindAdapter):
    kind = "metric_descriptor"

    @classmethod
    def raw(cls) -> Any:
        return metric_pb2.MetricDescriptor()

    def read(self, names: Sequence[str]) -> list[Resource]:
        managed = {spec.type for spec in CATALOG}
        listed = self.clients.metric_service.list_metric_descriptors(
            request={"name": self.parent, "filter": f'metric.type = starts_with("{METRIC_PREFIX}")'}
        )
        return [Resource(self.kind, d.type, to_dict(d), d.name) for d in listed if d.type in managed]

    def create(self, key: str, body: dict[str, Any]) -> str:
        created = self.clients.metric_service.create_metric_descriptor(
            request={"name": self.parent, "metric_descriptor": body}
        )
        return str(created.name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        self.create(current.key, body)  # Create merges into a compatible descriptor

    def delete(self, current: Resource) -> None:
        self.clients.metric_service.delete_metric_descriptor(name=current.name)


class _Services(KindAdapter):
    kind, message = "service", monitoring_v3.Service

    def managed(self) -> list[Any]:
        """The managed services (ListServices filters on identifiers only, so the label is checked here)."""
        listed = self.clients.service_monitoring.list_services(request={"parent": self.parent})
        return [s for s in listed if s.user_labels.get("managed_by") == _MANAGED]

    def read(self, names: Sequence[str]) -> list[Resource]:
        return [Resource(self.kind, _id(s.name), to_dict(s), s.name) for s in self.managed()]

    def create(self, key: str, body: dict[str, Any]) -> str:
        created = self.clients.service_monitoring.create_service(
            request={"parent": self.parent, "service_id": key, "service": body}
        )
        return str(created.name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        named = {**body, "name": current.name}
        self.clients.service_monitoring.update_service(request={"service": named, "update_mask": _mask(fields)})

    def delete(self, current: Resource) -> None:
        self.clients.service_monitoring.delete_service(name=current.name)


class _Slos(KindAdapter):
    """SLOs, keyed ``<service id>/<slo id>``: the managed ones of the managed services."""

    kind, message = "slo", monitoring_v3.ServiceLevelObjective

    def read(self, names: Sequence[str]) -> list[Resource]:
        client, found = self.clients.service_monitoring, []
        for service in _Services(self.clients, self.settings).managed():
            for slo in client.list_service_level_objectives(request={"parent": service.name}):
                if slo.user_labels.get("managed_by") == _MANAGED:
                    found.append(Resource(self.kind, f"{_id(service.name)}/{_id(slo.name)}", to_dict(slo), slo.name))
        return found

    def create(self, key: str, body: dict[str, Any]) -> str:
        service_id, _, slo_id = key.partition("/")
        created = self.clients.service_monitoring.create_service_level_objective(
            request={
                "parent": f"{self.parent}/services/{service_id}",
                "service_level_objective_id": slo_id,
                "service_level_objective": body,
            }
        )
        return str(created.name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        named = {**body, "name": current.name}
        self.clients.service_monitoring.update_service_level_objective(
            request={"service_level_objective": named, "update_mask": _mask(fields)}
        )

    def delete(self, current: Resource) -> None:
        self.clients.service_monitoring.delete_service_level_objective(name=current.name)


def _labelled(kind: str, listed: Any) -> list[Resource]:
    """The listed messages labelled managed, keyed by their ``helios_key`` label (else their name)."""
    found = []
    for message in listed:
        body = to_dict(message)
        labels = body.get("user_labels", {})
        if labels.get("managed_by") == _MANAGED:
            found.append(Resource(kind, str(labels.get("helios_key", "")) or message.name, body, message.name))
    return found


class _Channels(KindAdapter):
    kind, message = "notification_channel", monitoring_v3.NotificationChannel

    def read(self, names: Sequence[str]) -> list[Resource]:
        request = {"name": self.parent, "filter": _MANAGED_FILTER}
        return _labelled(self.kind, self.clients.notification_channel.list_notification_channels(request=request))

    def create(self, key: str, body: dict[str, Any]) -> str:
        client = self.clients.notification_channel
        return str(client.create_notification_channel(request={"name": self.parent, "notification_channel": body}).name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        named = {**body, "name": current.name}
        self.clients.notification_channel.update_notification_channel(
            request={"notification_channel": named, "update_mask": _mask(fields)}
        )

    def delete(self, current: Resource) -> None:
        self.clients.notification_channel.delete_notification_channel(name=current.name)


class _Policies(KindAdapter):
    kind, message = "alert_policy", monitoring_v3.AlertPolicy

    def read(self, names: Sequence[str]) -> list[Resource]:
        request = {"name": self.parent, "filter": _MANAGED_FILTER}
        return _labelled(self.kind, self.clients.alert_policy.list_alert_policies(request=request))

    def create(self, key: str, body: dict[str, Any]) -> str:
        request = {"name": self.parent, "alert_policy": body}
        return str(self.clients.alert_policy.create_alert_policy(request=request).name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        named = {**body, "name": current.name}
        if "conditions" in fields:  # keep each condition's id: the i-th condition stays the i-th
            ids = [c.get("name", "") for c in current.body.get("conditions", [])]
            named["conditions"] = [
                {**c, "name": ids[i] if i < len(ids) else ""} for i, c in enumerate(body["conditions"])
            ]
        self.clients.alert_policy.update_alert_policy(request={"alert_policy": named, "update_mask": _mask(fields)})

    def delete(self, current: Resource) -> None:
        self.clients.alert_policy.delete_alert_policy(name=current.name)


class _Dashboards(KindAdapter):
    """Dashboards: every write validated first (``validate_only``), updates guarded by the etag."""

    kind, message = "dashboard", dashboards_v1.Dashboard

    def read(self, names: Sequence[str]) -> list[Resource]:
        found = []
        for board in self.clients.dashboards.list_dashboards(request={"parent": self.parent}):
            body = to_dict(board)
            if body.get("labels", {}).get("managed_by") == _MANAGED:
                found.append(Resource(self.kind, _id(board.name), body, board.name, board.etag))
        return found

    def create(self, key: str, body: dict[str, Any]) -> str:
        client = self.clients.dashboards
        board = {**body, "name": f"{self.parent}/dashboards/{key}"}
        client.create_dashboard(request={"parent": self.parent, "dashboard": board, "validate_only": True})
        return str(client.create_dashboard(request={"parent": self.parent, "dashboard": board}).name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        client, board, etag = self.clients.dashboards, {**body, "name": current.name}, current.etag
        for attempt in (1, 2):
            request = {"dashboard": {**board, "etag": etag}}
            try:
                client.update_dashboard(request={**request, "validate_only": True})
                client.update_dashboard(request=request)
                return
            except exceptions.Aborted:  # edited concurrently: read the new etag and try once more
                if attempt == 2:
                    raise
                etag = client.get_dashboard(name=current.name).etag

    def delete(self, current: Resource) -> None:
        self.clients.dashboards.delete_dashboard(request={"name": current.name})


MONITORING_ADAPTERS: Mapping[str, type[KindAdapter]] = {
    a.kind: a for a in (_Descriptors, _Services, _Slos, _Channels, _Policies, _Dashboards)
}
"""The Cloud Monitoring kinds' adapters, by kind."""
