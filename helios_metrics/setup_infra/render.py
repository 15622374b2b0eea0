"""Plans and snoozes as people read them, and as machines do (``--json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from helios_metrics.contract.cli import command

from .model import Plan, brief
from .snooze import SnoozeView, rfc3339

__all__ = ["plan_json", "plan_text", "snoozes_json", "snoozes_text"]

_SIGN = {"create": "+", "update": "~", "delete": "-"}


def plan_text(plan: Plan, verb: str = "apply") -> str:
    """One line per change (with what it destroys beyond itself), its diff, the notes, a summary;
    ``verb``: the command (and flags) that carries the plan out."""
    lines = []
    for change in plan.changes:
        consequence = f": {change.consequence}" if change.consequence else ""
        lines.append(f"{_SIGN[change.action]} {change.action} {change.kind} {change.key}{consequence}")
        for path, (before, after) in change.detail.items():
            lines.append(f"    {path}: {brief(before)} -> {brief(after)}")
    lines.extend(f"note: {note}" for note in plan.notes)
    if plan.in_sync:
        lines.append("In sync: nothing to change.")
    else:
        counts = ", ".join(f"{plan.count(a)} to {a}" for a in ("create", "update", "delete"))
        lines.append(f"Plan: {counts}. Run `{command('setup_infra')} {verb} --yes` to carry it out.")
    return "\n".join(lines)


def plan_json(plan: Plan) -> str:
    return json.dumps(
        {
            "in_sync": plan.in_sync,
            "changes": [
                {
                    "action": c.action,
                    "kind": c.kind,
                    "key": c.key,
                    "fields": list(c.fields),
                    "consequence": c.consequence,
                    "detail": {path: [before, after] for path, (before, after) in c.detail.items()},
                }
                for c in plan.changes
            ],
            "notes": list(plan.notes),
        },
        indent=2,
        default=str,
    )


_NONE = "active or scheduled snoozes of managed alert policies"


def _span(seconds: float) -> str:
    """``45 s``, ``59 min``, ``1 h 30 min``, ``2 d 3 h``: how long, as people say it."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60 % 60, seconds // 3600 % 24, seconds // 86_400
    if days:
        return f"{days} d" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


def _when(view: SnoozeView, now_s: float) -> str:
    state = view.state(now_s)
    if state == "active":
        return f"active until {rfc3339(view.end_s)} ({_span(view.end_s - now_s)} left)"
    if state == "scheduled":
        return f"scheduled from {rfc3339(view.start_s)} to {rfc3339(view.end_s)} ({_span(view.end_s - view.start_s)})"
    return f"ended at {rfc3339(view.end_s)}"


def snoozes_text(verb: str, views: Sequence[SnoozeView], now_s: float, notes: Sequence[str] = ()) -> str:
    """One line per snooze: name, window, reason and the policies it covers (managed ones by key);
    ``verb``: ``snooze`` (made now), ``list`` or ``cancel``."""
    lines = []
    for view in views:
        if verb == "cancel":
            lines.append(f'cancelled {view.name} "{view.display_name}": ends at {rfc3339(view.end_s)}')
            continue
        covers = f"covers {len(view.covers)}: {', '.join(view.covers)}"
        covers += f" (only the series matching {view.filter})" if view.filter else ""
        prefix = "snoozed " if verb == "snooze" else ""
        lines.append(f'{prefix}{view.name}: {_when(view, now_s)}, "{view.display_name}", {covers}')
    if not views:
        lines.append(f"Nothing to cancel: no {_NONE}." if verb == "cancel" else f"No {_NONE}.")
    lines.extend(f"note: {note}" for note in notes)
    return "\n".join(lines)


def snoozes_json(views: Sequence[SnoozeView], now_s: float, notes: Sequence[str] = ()) -> str:
    return json.dumps(
        {
            "snoozes": [
                {
                    "name": v.name,
                    "display_name": v.display_name,
                    "state": v.state(now_s),
                    "start_time": rfc3339(v.start_s),
                    "end_time": rfc3339(v.end_s),
                    "covers": list(v.covers),
                    "filter": v.filter,
                }
                for v in views
            ],
            "notes": list(notes),
        },
        indent=2,
    )
