"""The Pub/Sub kinds' adapters: the topic and the subscriptions, read by the names setup_infra gives
them (Pub/Sub lists by project only). Against the Pub/Sub emulator some fields cannot be updated;
the adapters say which, so that a plan there leaves them alone instead of failing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from google.api_core import exceptions
from google.protobuf import field_mask_pb2
from google.pubsub_v1 import types as pubsub_types

from helios_metrics.contract.settings import Settings

from .client_cache import Clients
from .kind_adapters import KindAdapter, to_dict
from .model import Resource

__all__ = ["EMULATOR_CANNOT_UPDATE", "PUBSUB_ADAPTERS"]

EMULATOR_CANNOT_UPDATE: Mapping[str, tuple[str, ...]] = {
    "topic": ("labels", "message_storage_policy"),
    "subscription": ("expiration_policy", "filter", "labels"),
}
"""Fields the Pub/Sub emulator (0.8.20, tried field by field) keeps on create and returns on read
but refuses to update — ``Updating the expiration_policy field is currently unsupported in the
Pub/Sub Emulator.``, ``labels is not a known Subscription field`` — where real Pub/Sub updates them."""
_EMULATOR_REASON = "the Pub/Sub emulator cannot update it (on a real project apply updates it)"


class _PubSubAdapter(KindAdapter):
    def __init__(self, clients: Clients, settings: Settings) -> None:
        super().__init__(clients, settings)
        if settings.pubsub_emulator_host:
            self.cannot_update, self.cannot_update_reason = EMULATOR_CANNOT_UPDATE[self.kind], _EMULATOR_REASON

    def _get(self, path: str) -> Any:
        raise NotImplementedError

    def read(self, names: Sequence[str]) -> list[Resource]:
        found = []
        for path in names:
            try:
                message = self._get(path)
            except exceptions.NotFound:
                continue
            found.append(Resource(self.kind, path.rsplit("/", 1)[1], to_dict(message), path))
        return found


class _Topics(_PubSubAdapter):
    kind, message = "topic", pubsub_types.Topic

    def _get(self, path: str) -> Any:
        return self.clients.publisher.get_topic(topic=path)

    def create(self, key: str, body: dict[str, Any]) -> str:
        return str(self.clients.publisher.create_topic(request=body).name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        named = {**body, "name": current.name}
        self.clients.publisher.update_topic(
            request={"topic": named, "update_mask": field_mask_pb2.FieldMask(paths=list(fields))}
        )

    def delete(self, current: Resource) -> None:
        self.clients.publisher.delete_topic(topic=current.name)


class _Subscriptions(_PubSubAdapter):
    kind, message = "subscription", pubsub_types.Subscription

    def _get(self, path: str) -> Any:
        return self.clients.subscriber.get_subscription(subscription=path)

    def create(self, key: str, body: dict[str, Any]) -> str:
        return str(self.clients.subscriber.create_subscription(request=body).name)

    def update(self, current: Resource, body: dict[str, Any], fields: Sequence[str]) -> None:
        if "topic" in fields:
            raise ValueError(f"subscription {current.key} would move to another topic: delete it first")
        named = {**body, "name": current.name}
        mask = field_mask_pb2.FieldMask(paths=list(fields))
        self.clients.subscriber.update_subscription(request={"subscription": named, "update_mask": mask})

    def delete(self, current: Resource) -> None:
        self.clients.subscriber.delete_subscription(subscription=current.name)


PUBSUB_ADAPTERS: Mapping[str, type[KindAdapter]] = {a.kind: a for a in (_Topics, _Subscriptions)}
"""The Pub/Sub kinds' adapters, by kind."""
