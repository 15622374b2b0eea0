"""Thin I/O: read the managed resources of the kinds asked for, and create, update or delete one —
each through its kind's adapter (:mod:`helios_metrics.setup_infra.kind_adapters`,
:mod:`helios_metrics.setup_infra.pubsub_adapters`)
over clients one factory builds; and the snooze calls. Bodies travel as the API's dict form;
references to other managed resources (whole strings, or quoted inside a filter) are resolved to
their real names just before a call."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2, json_format

from helios_metrics.contract.clients import ClientFactory
from helios_metrics.contract.settings import Settings

from .client_cache import Clients
from .kind_adapters import MONITORING_ADAPTERS, KindAdapter, to_dict
from .model import KINDS, Resource, ref_target, replace_embedded_refs
from .pubsub_adapters import PUBSUB_ADAPTERS

__all__ = ["ADAPTERS", "Adapters", "canonical", "resolve", "to_dict"]

ADAPTERS: Mapping[str, type[KindAdapter]] = {kind: {**PUBSUB_ADAPTERS, **MONITORING_ADAPTERS}[kind] for kind in KINDS}
"""Every managed kind's adapter, in the order resources are read (and created)."""


def canonical(resource: Resource) -> Resource:
    """``resource`` with its body through the API's message type and back: the server's form."""
    return ADAPTERS[resource.kind].canonical(resource)


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


class Adapters:
    """One adapter per kind, over clients built by one factory."""

    def __init__(self, settings: Settings, factory: ClientFactory | None = None) -> None:
        self.settings = settings
        self.project = settings.require_project()
        self._clients = Clients(factory or ClientFactory(settings))
        self._kinds = {kind: adapter(self._clients, settings) for kind, adapter in ADAPTERS.items()}

    @property
    def parent(self) -> str:
        return f"projects/{self.project}"

    def metric_client(self) -> monitoring_v3.MetricServiceClient:
        return self._clients.metric_service

    def cannot_update(self) -> tuple[dict[str, tuple[str, ...]], str]:
        """Per kind, the fields the servers at hand keep but cannot update, and why (for the plan's
        notes): empty against Google; some Pub/Sub fields against its emulator."""
        frozen = {kind: a.cannot_update for kind, a in self._kinds.items() if a.cannot_update}
        reasons = sorted({a.cannot_update_reason for a in self._kinds.values() if a.cannot_update})
        return frozen, "; ".join(reasons)

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
        client: Any = self._clients.publisher if "/topics/" in resource else self._clients.subscriber
        response = client.test_iam_permissions(request={"resource": resource, "permissions": permissions})
        return list(response.permissions)

    def read(self, pubsub_names: Mapping[str, Sequence[str]], kinds: Collection[str]) -> list[Resource]:
        """Everything of ``kinds`` setup_infra manages that exists now (Pub/Sub by the names it would use)."""
        return [r for kind, a in self._kinds.items() if kind in kinds for r in a.read(pubsub_names.get(kind, ()))]

    def create(self, kind: str, key: str, body: dict[str, Any]) -> str:
        """Create one resource; returns its name."""
        return self._kinds[kind].create(key, body)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        """Update ``current`` in place (same name) to ``body``; ``fields``: the top-level fields that differ."""
        self._kinds[current.kind].update(current, body, fields)

    def delete(self, current: Resource) -> None:
        self._kinds[current.kind].delete(current)

    # --- snoozes (not desired state: made, listed and ended on demand) ------------------------
    def managed_policies(self) -> dict[str, str]:
        """``helios_key`` → name of every alert policy setup_infra manages, as it exists now."""
        return {r.key: r.name for r in self._kinds["alert_policy"].read(())}

    def list_snoozes(self, filter_: str = "") -> list[dict[str, Any]]:
        """Every snooze of the project (matching ``filter_``), in the API's dict form."""
        request = {"parent": self.parent, **({"filter": filter_} if filter_ else {})}
        return [to_dict(s) for s in self._clients.snooze.list_snoozes(request=request)]

    def get_snooze(self, name: str) -> dict[str, Any]:
        return to_dict(self._clients.snooze.get_snooze(name=name))

    def create_snooze(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a snooze from its dict form (times as RFC 3339 strings); returns it as created."""
        snooze = monitoring_v3.Snooze.wrap(json_format.ParseDict(dict(body), monitoring_v3.Snooze.pb()()))
        return to_dict(self._clients.snooze.create_snooze(request={"parent": self.parent, "snooze": snooze}))

    def update_snooze(self, body: Mapping[str, Any], paths: Sequence[str]) -> dict[str, Any]:
        """UpdateSnooze of ``body["name"]`` with the mask ``paths`` (e.g. ``interval.end_time``)."""
        snooze = monitoring_v3.Snooze.wrap(json_format.ParseDict(dict(body), monitoring_v3.Snooze.pb()()))
        mask = field_mask_pb2.FieldMask(paths=list(paths))
        return to_dict(self._clients.snooze.update_snooze(request={"snooze": snooze, "update_mask": mask}))
