"""Planning, pure: the desired resources and what exists (both as plain values) in, the creates,
updates (with the fields that differ) and deletes that make them equal out, in dependency order."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from .model import KINDS, Change, Plan, Resource
from .normalize import flatten, normalize

__all__ = ["compared", "plan"]


def _ids(actual: Iterable[Resource], kind: str) -> dict[str, str]:
    """Resource id (the last part of its name) → key, for one kind: how references are recognised."""
    return {r.name.rsplit("/", 1)[-1]: r.key for r in actual if r.kind == kind and r.name}


def compared(
    resource: Resource, channels: Mapping[str, str], policies: Mapping[str, str], ignored: Collection[str] = ()
) -> dict[str, Any]:
    """The form of a resource that is compared (normalised, ignored fields removed)."""
    body = normalize(resource.kind, resource.body, channels, policies)
    for field in ignored:
        body.pop(field, None)
    return body


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[tuple[str, ...], dict[str, tuple[Any, Any]]]:
    top = tuple(sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))
    old, new = flatten({k: before.get(k) for k in top}), flatten({k: after.get(k) for k in top})
    detail = {
        path: (old.get(path), new.get(path)) for path in sorted(set(old) | set(new)) if old.get(path) != new.get(path)
    }
    return top, detail


def plan(
    desired: Sequence[Resource],
    actual: Sequence[Resource],
    ignored: Mapping[str, Collection[str]] | None = None,
    notes: Sequence[str] = (),
) -> Plan:
    """What to do so that ``actual`` (managed resources read back) becomes ``desired``.

    ``ignored``: per kind, fields the server at hand does not keep (reported in the plan's notes)."""
    ignored = ignored or {}
    channels, policies = _ids(actual, "notification_channel"), _ids(actual, "alert_policy")
    existing = {(r.kind, r.key): r for r in actual}
    wanted = {(r.kind, r.key) for r in desired}
    changes: list[Change] = []
    for kind in KINDS:
        for resource in (r for r in desired if r.kind == kind):
            current = existing.get((kind, resource.key))
            if current is None:
                changes.append(Change("create", kind, resource.key, desired=resource))
                continue
            skip = ignored.get(kind, ())
            fields, detail = _diff(
                compared(current, channels, policies, skip), compared(resource, channels, policies, skip)
            )
            if fields:
                changes.append(Change("update", kind, resource.key, fields, resource, current, detail))
    for kind in reversed(KINDS):
        for current in (r for r in actual if r.kind == kind and (kind, r.key) not in wanted):
            changes.append(Change("delete", kind, current.key, actual=current))
    return Plan(tuple(changes), tuple(notes))
