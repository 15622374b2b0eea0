"""Snoozes for planned work — ``python -m setup_infra snooze --for 1h --reason "deploy"``, ``snooze
list``, ``snooze cancel NAME|all`` — over Google's SnoozeService.

A snooze is not desired state (plan and apply never touch one): it is made for a window, lists
while it is active or scheduled, and ends by itself. Google's rules shape what is done here:

- a snooze covers at most :data:`MAX_POLICIES` policies ("checked during snooze creation"), so
  snoozing more makes several snoozes with the same window, and says so;
- ``interval.start_time`` cannot be in the past (Google allows :data:`CLOCK_SKEW_S` of skew);
- snoozes cannot be deleted, and one that has ended is read-only. Ending one early is an
  UpdateSnooze of its interval, done as ``gcloud monitoring snoozes cancel`` does it: an active
  snooze gets ``interval.end_time`` one second from now; a scheduled one gets ``start_time`` and
  ``end_time`` one second from now.

The pure part (durations, times, batching, what a snooze covers) takes the time as an argument;
:class:`Snoozer` does the calls, through :class:`~helios_metrics.setup_infra.adapters.Adapters`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from google.api_core import exceptions

from helios_metrics.contract.cli import command

from .adapters import Adapters

__all__ = [
    "CLOCK_SKEW_S",
    "MAX_POLICIES",
    "SnoozeView",
    "Snoozer",
    "parse_duration",
    "parse_time",
    "rfc3339",
    "snooze_bodies",
    "split_note",
]

MAX_POLICIES = 16
"""Google's limit of policies per snooze (Snooze.Criteria.policies)."""
CLOCK_SKEW_S = 15
"""How far in the past Google still accepts a snooze's start time."""
MAX_REASON = 512
"""Google's limit on a snooze's display name (in characters), which carries the reason."""
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNIT_S = (86_400, 3_600, 60, 1)

State = Literal["active", "scheduled", "ended"]


def parse_duration(text: str) -> int:
    """``30m``, ``1h``, ``1h30m``, ``2d``, ``90s`` → seconds (ValueError naming ``--for``)."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"--for: expected a duration such as 30m, 1h, 1h30m or 2d, got {text!r}")
    seconds = sum(int(part) * unit for part, unit in zip(match.groups(), _UNIT_S, strict=True) if part)
    if seconds <= 0:
        raise ValueError(f"--for: the snooze must last longer than 0 s, got {text!r}")
    return seconds


def parse_time(text: str, field: str = "--start") -> float:
    """An RFC 3339 time with its zone (``2025-06-01T22:00:00Z``, ``…+02:00``) → epoch seconds."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{field}: expected an RFC 3339 time such as 2025-06-01T22:00:00Z, got {text!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{field}: give the time zone (Z or an offset such as +02:00), got {text!r}")
    return parsed.timestamp()


def rfc3339(epoch_s: float) -> str:
    """Epoch seconds → ``2025-06-01T22:00:00Z`` (whole seconds: what a snooze's interval holds)."""
    return datetime.fromtimestamp(int(epoch_s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def snooze_bodies(
    policies: Mapping[str, str], keys: Sequence[str], reason: str, start_s: float, end_s: float, now_s: float
) -> list[dict[str, Any]]:
    """The snoozes (dict form) that snooze ``keys`` of the managed ``policies`` (key → name) from
    ``start_s`` to ``end_s``: one per :data:`MAX_POLICIES` policies, numbered in their display
    names when there are several. ValueError naming the option at fault."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("--reason: say why (it is the snooze's display name, shown with every snoozed incident)")
    if not policies:
        raise ValueError(f"no managed alert policies to snooze: `{command('setup_infra')} apply` creates them")
    unknown = [k for k in keys if k not in policies]
    if unknown:
        raise ValueError(f"--policy: no managed alert policy {unknown[0]!r}; they are {', '.join(sorted(policies))}")
    if start_s < now_s - CLOCK_SKEW_S:
        raise ValueError(f"--start: {rfc3339(start_s)} is in the past; a snooze starts now or later")
    if end_s <= start_s:
        raise ValueError("--for: the snooze must end after it starts")
    chosen = sorted(set(keys) or set(policies))
    batches = [chosen[i : i + MAX_POLICIES] for i in range(0, len(chosen), MAX_POLICIES)]
    bodies = []
    for number, batch in enumerate(batches, 1):
        suffix = f" ({number}/{len(batches)})" if len(batches) > 1 else ""
        if len(reason) + len(suffix) > MAX_REASON:
            raise ValueError(f"--reason: at most {MAX_REASON - len(suffix)} characters, got {len(reason)}")
        bodies.append(
            {
                "display_name": reason + suffix,
                "criteria": {"policies": [policies[k] for k in batch]},
                "interval": {"start_time": rfc3339(start_s), "end_time": rfc3339(end_s)},
            }
        )
    return bodies


def split_note(views: Sequence[SnoozeView]) -> list[str]:
    """What to tell the user when one request became several snoozes."""
    if len(views) < 2:
        return []
    count = sum(len(v.covers) for v in views)
    return [f"Google allows at most {MAX_POLICIES} policies per snooze: {count} policies in {len(views)} snoozes"]


@dataclass(frozen=True)
class SnoozeView:
    """A snooze as listed: its window, and the policies it covers — managed ones by key, others by name."""

    name: str
    display_name: str
    start_s: float
    end_s: float
    covers: tuple[str, ...]
    managed: int
    """How many of the covered policies setup_infra manages."""
    filter: str = ""
    """``criteria.filter``: when set (a snooze made elsewhere), only the series it matches are snoozed."""

    @classmethod
    def of(cls, body: Mapping[str, Any], keys_by_id: Mapping[str, str]) -> SnoozeView:
        """From the API's dict form; ``keys_by_id``: policy id → key of the managed policies."""
        criteria = body.get("criteria", {})
        names = criteria.get("policies", [])
        interval = body.get("interval", {})
        return cls(
            name=str(body.get("name", "")),
            display_name=str(body.get("display_name", "")),
            start_s=parse_time(interval["start_time"], "interval.start_time"),
            end_s=parse_time(interval["end_time"], "interval.end_time"),
            covers=tuple(keys_by_id.get(_id(n), n) for n in names),
            managed=sum(1 for n in names if _id(n) in keys_by_id),
            filter=str(criteria.get("filter", "")),
        )

    def state(self, now_s: float) -> State:
        if self.end_s <= now_s:
            return "ended"
        return "active" if self.start_s <= now_s else "scheduled"


class Snoozer:
    """Snoozing the managed alert policies of one project."""

    def __init__(self, adapters: Adapters) -> None:
        self.adapters = adapters

    def _keys_by_id(self) -> tuple[dict[str, str], dict[str, str]]:
        policies = self.adapters.managed_policies()
        return policies, {_id(name): key for key, name in policies.items()}

    def create(
        self, duration_s: int, reason: str, keys: Sequence[str], start_s: float | None, now_s: float
    ) -> list[SnoozeView]:
        """Snooze ``keys`` (none: every managed policy) for ``duration_s`` from ``start_s`` (None: now)."""
        policies, by_id = self._keys_by_id()
        start = now_s if start_s is None else start_s
        bodies = snooze_bodies(policies, keys, reason, start, start + duration_s, now_s)
        return [SnoozeView.of(self.adapters.create_snooze(body), by_id) for body in bodies]

    def current(self, now_s: float) -> list[SnoozeView]:
        """The active and scheduled snoozes covering at least one managed policy, by start time."""
        return self._current(now_s, self._keys_by_id()[1])

    def _current(self, now_s: float, by_id: Mapping[str, str]) -> list[SnoozeView]:
        listed = self.adapters.list_snoozes(f'interval.end_time > "{rfc3339(now_s)}"')
        views = [SnoozeView.of(body, by_id) for body in listed]
        return sorted((v for v in views if v.managed and v.state(now_s) != "ended"), key=lambda v: (v.start_s, v.name))

    def cancel(self, target: str, now_s: float) -> list[SnoozeView]:
        """End ``target`` (a snooze's name or id) or, for ``all``, every snooze :meth:`current`
        lists, one second from now; returns the snoozes as updated."""
        _, by_id = self._keys_by_id()
        if target == "all":
            chosen = self._current(now_s, by_id)
        else:
            name = target if "/" in target else f"{self.adapters.parent}/snoozes/{target}"
            try:
                chosen = [SnoozeView.of(self.adapters.get_snooze(name), by_id)]
            except exceptions.NotFound:
                raise ValueError(f"snooze cancel: no snooze {name} (`snooze list` shows them)") from None
            if chosen[0].state(now_s) == "ended":
                raise ValueError(f"snooze {name} already ended at {rfc3339(chosen[0].end_s)}: nothing to cancel")
        soon = rfc3339(now_s + 1)
        done = []
        for view in chosen:
            if view.state(now_s) == "scheduled":
                body = {"name": view.name, "interval": {"start_time": soon, "end_time": soon}}
                paths = ["interval.start_time", "interval.end_time"]
            else:
                body = {"name": view.name, "interval": {"end_time": soon}}
                paths = ["interval.end_time"]
            done.append(SnoozeView.of(self.adapters.update_snooze(body, paths), by_id))
        return done
