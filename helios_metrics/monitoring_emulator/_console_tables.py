"""Tables several console pages show: incidents (with the condition and the window that tripped)
and notifications (with what each channel was sent, as text)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from ._console_html import delivered, e, incident_href, when
from .breach import reading, window

__all__ = ["incident_rows", "notification_rows"]


def incident_rows(incidents: Sequence[Mapping[str, Any]]) -> str:
    """Newest first: state, policy (linked to the incident's page), the condition that tripped and
    what it measured over — of a fast and a slow burn-rate condition, the lookback tells which —,
    when, and the measurement against the threshold."""
    if not incidents:
        return '<p class="empty">No incidents.</p>'
    rows = "".join(
        f'<tr><td class="{e(i["state"])}">{e(i["state"])}</td>'
        f'<td><a href="{e(incident_href(i))}">{e(i["policy_name"])}</a></td>'
        f"<td>{e(i['condition_name'])}</td><td>{e(window(i))}</td><td>{e(when(i['started_at']))}</td>"
        f"<td>{e(when(i['ended_at']))}</td><td>{e(reading(i))}</td></tr>"
        for i in sorted(incidents, key=lambda i: -i["started_at"])
    )
    return (
        "<table><tr><th>state</th><th>policy</th><th>condition</th><th>window</th><th>started (UTC)</th>"
        f"<th>ended</th><th>observed vs threshold</th></tr>{rows}</table>"
    )


def notification_rows(sent: Sequence[Mapping[str, Any]], with_incident: bool = True) -> str:
    incident = "<th>incident</th>" if with_incident else ""
    rows = "".join(
        f"<tr><td>{e(time.strftime('%d %b %H:%M:%S', time.gmtime(n['at'])))}</td><td>{e(n['type'])}</td>"
        + (
            f'<td><a href="{e(incident_href(n))}">{e(n["incident_id"])}</a></td>'
            if with_incident and n.get("incident_id")
            else ("<td></td>" if with_incident else "")
        )
        + f"<td>{e(n['state'])}</td><td>{e(n['delivery'])}</td><td><pre>{e(delivered(n))}</pre></td></tr>"
        for n in sent
    )
    return (
        f"<table><tr><th>at (UTC)</th><th>channel</th>{incident}<th>incident state</th><th>delivery</th>"
        f"<th>message</th></tr>{rows}</table>"
    )
