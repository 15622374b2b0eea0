"""Thin I/O: read the managed resources of each kind, and create, update or delete one — through
the clients the factory builds; and the snooze calls. Bodies travel as the API's dict form;
references to other managed resources (whole strings, or quoted inside a filter) are resolved to
their real names just before a call."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from google.api import metric_pb2
from google.api_core import exceptions
from google.cloud import monitoring_dashboard_v1 as dashboards_v1
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2, json_format
from google.pubsub_v1 import types as pubsub_types

from contract.catalog import CATALOG, METRIC_PREFIX
from contract.clients import ClientFactory
from contract.settings import Settings

from .model import MANAGED_BY, Resource, ref_target, replace_embedded_refs

__all__ = ["Adapters", "canonical", "resolve", "to_dict"]

_PROTO_PLUS: Mapping[str, Any] = {
    "topic": pubsub_types.Topic,
    "subscription": pubsub_types.Subscription,
    "service": monitoring_v3.Service,
    "slo": monitoring_v3.ServiceLevelObjective,
    "notification_channel": monitoring_v3.NotificationChannel,
    "alert_policy": monitoring_v3.AlertPolicy,
    "dashboard": dashboards_v1.Dashboard,
}
_MANAGED_FILTER = 'user_labels.managed_by = "{}"'.format(MANAGED_BY["managed_by"])


def _raw(kind: str) -> Any:
    """An empty raw message of the kind's API type."""
    if kind == "metric_descriptor":
        return metric_pb2.MetricDescriptor()
    wrapper = _PROTO_PLUS[kind]
    return wrapper.pb(wrapper())


def to_dict(message: Any) -> dict[str, Any]:
    """A message (proto-plus or raw) as the API's dict form (snake_case, enum names)."""
    raw = type(message).pb(message) if hasattr(type(message), "pb") else message
    return json_format.MessageToDict(raw, preserving_proto_field_name=True)


def canonical(resource: Resource) -> Resource:
    """``resource`` with its body through the API's message type and back: the server's form."""
    raw = json_format.ParseDict(dict(resource.body), _raw(resource.kind))
    return Resource(resource.kind, resource.key, to_dict(raw), resource.name, resource.etag)


def resolve(value: Any, names: Mapping[tuple[str, str], str]) -> Any:
    """Replace every reference in ``value`` with the real name (KeyError naming what is missing):
    a string that is a reference, and a reference quoted inside a string (an SLO in a filter)."""
    if isinstance(value, dict):
        return {k: resolve(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if isinstance(value, str):
        target = ref_target(value)
        if target is not None:
            return _name(names, *target)
        return replace_embedded_refs(value, lambda kind, key: _name(names, kind, key))
    return value


def _name(names: Mapping[tuple[str, str], str], kind: str, key: str) -> str:
    if (kind, key) not in names:
        raise KeyError(f"{kind} {key} is referenced but does not exist")
    return names[(kind, key)]


def _id(name: str) -> str:
    """A resource's id: the last part of its name (whatever project form the name has)."""
    return name.rsplit("/", 1)[-1]


def _key_label(body: Mapping[str, Any]) -> str:
    return str(body.get("user_labels", {}).get("helios_key", ""))


class Adapters:
    """One adapter per kind, over clients built by one factory."""

    def __init__(self, settings: Settings, factory: ClientFactory | None = None) -> None:
        self.settings = settings
        self.project = settings.require_project()
        self._factory = factory or ClientFactory(settings)
        self._clients: dict[str, Any] = {}

    def _client(self, which: str) -> Any:
        if which not in self._clients:
            self._clients[which] = getattr(self._factory, which)()
        return self._clients[which]

    @property
    def parent(self) -> str:
        return f"projects/{self.project}"

    def metric_client(self) -> monitoring_v3.MetricServiceClient:
        client: monitoring_v3.MetricServiceClient = self._client("metric_service")
        return client

    def count_series(self, metric_type: str, start_s: int, end_s: int) -> int:
        """How many time series of ``metric_type`` have points in (start_s, end_s]: ListTimeSeries,
        HEADERS view (identities only, up to 100,000 a page), every page."""
        listed = self.metric_client().list_time_series(
            request={
                "name": self.parent,
                "filter": f'metric.type = "{metric_type}"',
                "interval": {"start_time": {"seconds": start_s}, "end_time": {"seconds": end_s}},
                "view": monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.HEADERS,
            }
        )
        return sum(1 for _ in listed)

    def test_permissions(self, resource: str, permissions: list[str]) -> list[str]:
        """The ``permissions`` the caller holds on a topic or subscription (Pub/Sub's testIamPermissions)."""
        client = self._client("publisher_api" if "/topics/" in resource else "subscriber")
        response = client.test_iam_permissions(request={"resource": resource, "permissions": permissions})
        return list(response.permissions)

    # --- reading --------------------------------------------------------------------------------
    def read(self, pubsub_names: Mapping[str, Sequence[str]], kinds: Collection[str]) -> list[Resource]:
        """Everything of ``kinds`` setup_infra manages that exists now (Pub/Sub by the names it would use)."""
        readers = {
            "topic": lambda: self._read_pubsub("topic", pubsub_names.get("topic", ())),
            "subscription": lambda: self._read_pubsub("subscription", pubsub_names.get("subscription", ())),
            "metric_descriptor": self._read_descriptors,
            "service": lambda: [Resource("service", _id(s.name), to_dict(s), s.name) for s in self._services()],
            "slo": self._read_slos,
            "notification_channel": lambda: self._read_labelled("notification_channel"),
            "alert_policy": lambda: self._read_labelled("alert_policy"),
            "dashboard": self._read_dashboards,
        }
        return [resource for kind, read in readers.items() if kind in kinds for resource in read()]

    def _read_pubsub(self, kind: str, paths: Sequence[str]) -> list[Resource]:
        found = []
        for path in paths:
            try:
                if kind == "topic":
                    message = self._client("publisher_api").get_topic(topic=path)
                else:
                    message = self._client("subscriber").get_subscription(subscription=path)
            except exceptions.NotFound:
                continue
            found.append(Resource(kind, path.rsplit("/", 1)[1], to_dict(message), path))
        return found

    def _read_descriptors(self) -> list[Resource]:
        managed = {spec.type for spec in CATALOG}
        listed = self._client("metric_service").list_metric_descriptors(
            request={"name": self.parent, "filter": f'metric.type = starts_with("{METRIC_PREFIX}")'}
        )
        return [Resource("metric_descriptor", d.type, to_dict(d), d.name) for d in listed if d.type in managed]

    def _services(self) -> list[Any]:
        """The managed services (ListServices filters on identifiers only, so the label is checked here)."""
        listed = self._client("service_monitoring").list_services(request={"parent": self.parent})
        return [s for s in listed if s.user_labels.get("managed_by") == MANAGED_BY["managed_by"]]

    def _read_slos(self) -> list[Resource]:
        """The managed SLOs of the managed services, keyed ``<service id>/<slo id>``."""
        client, found = self._client("service_monitoring"), []
        for service in self._services():
            for slo in client.list_service_level_objectives(request={"parent": service.name}):
                if slo.user_labels.get("managed_by") == MANAGED_BY["managed_by"]:
                    found.append(Resource("slo", f"{_id(service.name)}/{_id(slo.name)}", to_dict(slo), slo.name))
        return found

    def _read_labelled(self, kind: str) -> list[Resource]:
        if kind == "alert_policy":
            listed = self._client("alert_policy").list_alert_policies(
                request={"name": self.parent, "filter": _MANAGED_FILTER}
            )
        else:
            listed = self._client("notification_channel").list_notification_channels(
                request={"name": self.parent, "filter": _MANAGED_FILTER}
            )
        found = []
        for message in listed:
            body = to_dict(message)
            if body.get("user_labels", {}).get("managed_by") == MANAGED_BY["managed_by"]:
                found.append(Resource(kind, _key_label(body) or message.name, body, message.name))
        return found

    def _read_dashboards(self) -> list[Resource]:
        found = []
        for board in self._client("dashboards").list_dashboards(request={"parent": self.parent}):
            body = to_dict(board)
            if body.get("labels", {}).get("managed_by") == MANAGED_BY["managed_by"]:
                found.append(Resource("dashboard", board.name.rsplit("/", 1)[1], body, board.name, board.etag))
        return found

    # --- writing --------------------------------------------------------------------------------
    def create(self, kind: str, key: str, body: dict[str, Any]) -> str:
        """Create one resource; returns its name."""
        if kind == "topic":
            return str(self._client("publisher_api").create_topic(request=body).name)
        if kind == "subscription":
            return str(self._client("subscriber").create_subscription(request=body).name)
        if kind == "metric_descriptor":
            created = self._client("metric_service").create_metric_descriptor(
                request={"name": self.parent, "metric_descriptor": body}
            )
            return str(created.name)
        if kind == "service":
            created = self._client("service_monitoring").create_service(
                request={"parent": self.parent, "service_id": key, "service": body}
            )
            return str(created.name)
        if kind == "slo":
            service_id, _, slo_id = key.partition("/")
            created = self._client("service_monitoring").create_service_level_objective(
                request={
                    "parent": f"{self.parent}/services/{service_id}",
                    "service_level_objective_id": slo_id,
                    "service_level_objective": body,
                }
            )
            return str(created.name)
        if kind == "notification_channel":
            client = self._client("notification_channel")
            return str(client.create_notification_channel(name=self.parent, notification_channel=body).name)
        if kind == "alert_policy":
            return str(self._client("alert_policy").create_alert_policy(name=self.parent, alert_policy=body).name)
        client = self._client("dashboards")
        board = {**body, "name": f"{self.parent}/dashboards/{key}"}
        client.create_dashboard(request={"parent": self.parent, "dashboard": board, "validate_only": True})
        return str(client.create_dashboard(request={"parent": self.parent, "dashboard": board}).name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        """Update ``current`` in place (same name) to ``body``; ``fields``: the top-level fields that differ."""
        kind, mask = current.kind, field_mask_pb2.FieldMask(paths=list(fields))
        named = {**body, "name": current.name}
        if kind == "topic":
            self._client("publisher_api").update_topic(request={"topic": named, "update_mask": mask})
        elif kind == "subscription":
            if "topic" in fields:
                raise ValueError(f"subscription {current.key} would move to another topic: delete it first")
            self._client("subscriber").update_subscription(request={"subscription": named, "update_mask": mask})
        elif kind == "metric_descriptor":
            self.create(kind, current.key, body)  # Create merges into a compatible descriptor
        elif kind == "service":
            self._client("service_monitoring").update_service(request={"service": named, "update_mask": mask})
        elif kind == "slo":
            self._client("service_monitoring").update_service_level_objective(
                request={"service_level_objective": named, "update_mask": mask}
            )
        elif kind == "notification_channel":
            self._client("notification_channel").update_notification_channel(
                request={"notification_channel": named, "update_mask": mask}
            )
        elif kind == "alert_policy":
            if "conditions" in fields:  # keep each condition's id: the i-th condition stays the i-th
                ids = [c.get("name", "") for c in current.body.get("conditions", [])]
                named["conditions"] = [
                    {**c, "name": ids[i] if i < len(ids) else ""} for i, c in enumerate(body["conditions"])
                ]
            self._client("alert_policy").update_alert_policy(request={"alert_policy": named, "update_mask": mask})
        else:
            self._update_dashboard(current, named)

    def _update_dashboard(self, current: Resource, board: dict[str, Any]) -> None:
        client = self._client("dashboards")
        etag = current.etag
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
        kind = current.kind
        if kind == "topic":
            self._client("publisher_api").delete_topic(topic=current.name)
        elif kind == "subscription":
            self._client("subscriber").delete_subscription(subscription=current.name)
        elif kind == "metric_descriptor":
            self._client("metric_service").delete_metric_descriptor(name=current.name)
        elif kind == "service":
            self._client("service_monitoring").delete_service(name=current.name)
        elif kind == "slo":
            self._client("service_monitoring").delete_service_level_objective(name=current.name)
        elif kind == "notification_channel":
            self._client("notification_channel").delete_notification_channel(name=current.name)
        elif kind == "alert_policy":
            self._client("alert_policy").delete_alert_policy(name=current.name)
        else:
            self._client("dashboards").delete_dashboard(request={"name": current.name})

    # --- snoozes (not desired state: made, listed and ended on demand) ------------------------
    def managed_policies(self) -> dict[str, str]:
        """``helios_key`` → name of every alert policy setup_infra manages, as it exists now."""
        return {r.key: r.name for r in self._read_labelled("alert_policy")}

    def list_snoozes(self, filter_: str = "") -> list[dict[str, Any]]:
        """Every snooze of the project (matching ``filter_``), in the API's dict form."""
        request = {"parent": self.parent, **({"filter": filter_} if filter_ else {})}
        return [to_dict(s) for s in self._client("snooze").list_snoozes(request=request)]

    def get_snooze(self, name: str) -> dict[str, Any]:
        return to_dict(self._client("snooze").get_snooze(name=name))

    def create_snooze(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a snooze from its dict form (times as RFC 3339 strings); returns it as created."""
        snooze = monitoring_v3.Snooze.wrap(json_format.ParseDict(dict(body), monitoring_v3.Snooze.pb()()))
        return to_dict(self._client("snooze").create_snooze(request={"parent": self.parent, "snooze": snooze}))

    def update_snooze(self, body: Mapping[str, Any], paths: Sequence[str]) -> dict[str, Any]:
        """UpdateSnooze of ``body["name"]`` with the mask ``paths`` (e.g. ``interval.end_time``)."""
        snooze = monitoring_v3.Snooze.wrap(json_format.ParseDict(dict(body), monitoring_v3.Snooze.pb()()))
        mask = field_mask_pb2.FieldMask(paths=list(paths))
        return to_dict(self._client("snooze").update_snooze(request={"snooze": snooze, "update_mask": mask}))
