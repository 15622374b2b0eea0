"""Plain values the planner works on: resources (desired or read back), changes and plans."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["KINDS", "MANAGED_BY", "Change", "Plan", "Resource", "ref", "ref_target"]

KINDS = ("topic", "subscription", "metric_descriptor", "notification_channel", "alert_policy", "dashboard")
"""In dependency order: what is created first comes first (deletes go the other way)."""

MANAGED_BY = {"managed_by": "helios-setup-infra"}
"""The label that marks what setup_infra manages; destroy touches nothing without it."""

_REF = "ref:"


def ref(kind: str, key: str) -> str:
    """A reference to another managed resource, resolved to its real name when applying."""
    return f"{_REF}{kind}/{key}"


def ref_target(value: str) -> tuple[str, str] | None:
    if not value.startswith(_REF):
        return None
    kind, _, key = value[len(_REF) :].partition("/")
    return kind, key


@dataclass(frozen=True)
class Resource:
    kind: str
    key: str
    """Stable identity within the kind: a topic's or subscription's name, a metric type, a channel's
    kind, a policy's slug, a dashboard's id."""
    body: Mapping[str, Any]
    """The API's fields (snake_case, enum names), references as :func:`ref` strings."""
    name: str = ""
    """The server's name (resources read back)."""
    etag: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind} {self.key}"


@dataclass(frozen=True)
class Change:
    action: Literal["create", "update", "delete"]
    kind: str
    key: str
    fields: tuple[str, ...] = ()
    """The fields that differ (dotted paths), for updates."""
    desired: Resource | None = None
    actual: Resource | None = None
    detail: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    """path -> (actual, desired) values, for the readable diff."""


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()
    """What was not compared and why (e.g. fields the Pub/Sub emulator does not keep)."""

    @property
    def in_sync(self) -> bool:
        return not self.changes

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)
