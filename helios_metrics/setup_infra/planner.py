"""Planning, pure: the desired resources and what exists (both as plain values) in, the creates,
updates (with the fields that differ) and deletes that make them equal out, in dependency order.

A field the server at hand cannot update (``frozen``: the Pub/Sub emulator refuses some that real
Pub/Sub updates) is not part of any change: where it differs, the plan's notes say so, and the
other fields are still updated."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from .model import KINDS, Change, Plan, Resource, brief
from .normalize import flatten, normalize

__all__ = ["compared", "plan"]


def _ids(actual: Iterable[Resource], kind: str) -> dict[str, str]:
    """Resource id (the last part of its name) → key, for one kind: how references are recognised."""
    return {r.name.rsplit("/", 1)[-1]: r.key for r in actual if r.kind == kind and r.name}


def compared(
    resource: Resource, channels: Mapping[str, str], policies: Mapping[str, str], slos: Collection[str] = ()
) -> dict[str, Any]:
    """The form of a resource that is compared (normalised); ``slos``: the keys of the SLOs that exist."""
    return normalize(resource.kind, resource.body, channels, policies, slos)


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[tuple[str, ...], dict[str, tuple[Any, Any]]]:
    top = tuple(sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))
    old, new = flatten({k: before.get(k) for k in top}), flatten({k: after.get(k) for k in top})
    detail = {
        path: (old.get(path), new.get(path)) for path in sorted(set(old) | set(new)) if old.get(path) != new.get(path)
    }
    return top, detail


def _value(value: Any) -> str:
    return "unset" if value is None else brief(value)


def _frozen_notes(
    kind: str, key: str, fields: Sequence[str], detail: Mapping[str, tuple[Any, Any]], why: str
) -> list[str]:
    notes = []
    for name in fields:
        paths = {p: v for p, v in detail.items() if p == name or p.startswith((f"{name}.", f"{name}["))}
        shown = "; ".join(f"{p} is {_value(before)}, wanted {_value(after)}" for p, (before, after) in paths.items())
        notes.append(f"{kind} {key}: field {name} differs ({shown}) and {why}; left as it is")
    return notes


def plan(
    desired: Sequence[Resource],
    actual: Sequence[Resource],
    notes: Sequence[str] = (),
    frozen: Mapping[str, Collection[str]] | None = None,
    frozen_reason: str = "the server cannot update it",
) -> Plan:
    """What to do so that ``actual`` (managed resources read back) becomes ``desired``.

    ``frozen``: per kind, fields it keeps but cannot update: never in a change; where one differs
    the plan gets a note "<kind> <key>: field <field> differs (…) and <frozen_reason>; left as it is".
    Everything in ``actual`` that is not desired is deleted: keeping something means desiring it."""
    frozen = frozen or {}
    all_notes = list(notes)
    channels, policies = _ids(actual, "notification_channel"), _ids(actual, "alert_policy")
    slos = frozenset(r.key for r in actual if r.kind == "slo")
    existing = {(r.kind, r.key): r for r in actual}
    wanted = {(r.kind, r.key) for r in desired}
    changes: list[Change] = []
    for kind in KINDS:
        for resource in (r for r in desired if r.kind == kind):
            current = existing.get((kind, resource.key))
            if current is None:
                changes.append(Change("create", kind, resource.key, desired=resource))
                continue
            fields, detail = _diff(
                compared(current, channels, policies, slos), compared(resource, channels, policies, slos)
            )
            stuck = [f for f in fields if f in frozen.get(kind, ())]
            if stuck:
                all_notes += _frozen_notes(kind, resource.key, stuck, detail, frozen_reason)
                fields = tuple(f for f in fields if f not in stuck)
                detail = {p: v for p, v in detail.items() if p.split(".", 1)[0].split("[", 1)[0] in fields}
            if fields:
                changes.append(Change("update", kind, resource.key, fields, resource, current, detail))
    for kind in reversed(KINDS):
        for current in (r for r in actual if r.kind == kind and (kind, r.key) not in wanted):
            changes.append(Change("delete", kind, current.key, actual=current))
    return Plan(tuple(changes), tuple(all_notes))
