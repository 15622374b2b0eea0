"""Plain values the planner works on: resources (desired or read back), changes and plans."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DASHBOARD_IDS",
    "KINDS",
    "MANAGED_BY",
    "Change",
    "Plan",
    "Resource",
    "brief",
    "ref",
    "ref_target",
    "replace_embedded_refs",
]

KINDS = (
    "topic",
    "subscription",
    "metric_descriptor",
    "service",
    "slo",
    "notification_channel",
    "alert_policy",
    "dashboard",
)
"""In dependency order: what is created first comes first (deletes go the other way) — an SLO
after its service, a policy whose filter names an SLO after the SLO."""

MANAGED_BY = {"managed_by": "helios-setup-infra"}
"""The label that marks what setup_infra manages; destroy touches nothing without it."""
DASHBOARD_IDS = ("helios-main", "helios-performance")
"""The two dashboards' ids (the alert policies link to them)."""

_REF = "ref:"


def ref(kind: str, key: str) -> str:
    """A reference to another managed resource, resolved to its real name when applying."""
    return f"{_REF}{kind}/{key}"


def ref_target(value: str) -> tuple[str, str] | None:
    """``(kind, key)`` when the whole of ``value`` is a reference, else None."""
    if not value.startswith(_REF):
        return None
    kind, _, key = value[len(_REF) :].partition("/")
    return kind, key


_EMBEDDED = re.compile(r"""(?<=["'])ref:([a-z_]+)/([^"'\s]+)(?=["'])""")
"""A reference quoted inside a longer string — how a filter names an SLO:
``select_slo_burn_rate("ref:slo/helios-pipeline/run-success", "3600s")``."""


def replace_embedded_refs(text: str, replace: Callable[[str, str], str]) -> str:
    """``text`` with every quoted reference inside it replaced by ``replace(kind, key)``."""
    return _EMBEDDED.sub(lambda match: replace(match.group(1), match.group(2)), text)


def brief(value: Any) -> str:
    """A value as one short line of a plan (JSON, strings quoted, at most 100 characters)."""
    text = json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


@dataclass(frozen=True)
class Resource:
    kind: str
    key: str
    """Stable identity within the kind: a topic's or subscription's name, a metric type, a service's
    id, ``<service id>/<slo id>`` for an SLO, a channel's kind, a policy's slug, a dashboard's id."""
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
    consequence: str = ""
    """What the change destroys beyond the resource itself, shown on its line (e.g. the time
    series deleting a metric descriptor deletes with it)."""


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()
    """What the plan leaves as it is and why: channels not configured here (kept), descriptors a
    destroy keeps with their data, fields the Pub/Sub emulator cannot update."""

    @property
    def in_sync(self) -> bool:
        return not self.changes

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)
