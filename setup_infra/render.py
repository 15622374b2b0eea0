"""Plans as people read them, and as machines do (``--json``)."""

from __future__ import annotations

import json

from .model import Plan, brief

__all__ = ["plan_json", "plan_text"]

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
        lines.append(f"Plan: {counts}. Run `python -m setup_infra {verb} --yes` to carry it out.")
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
