"""Snoozes: active, scheduled and ended, each with its window, the policies it covers (by their
display names) and its filter when it covers only some series. What the console reads is what
the SnoozeService stores, and "active" is what alert evaluation asks: start <= now < end."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from google.cloud.monitoring_v3.types import alert, snooze

from helios_metrics.contract.units import NS

from ._console_html import e, page, when
from ._raw import Raw
from ._store import Store
from ._timeutil import timestamp_ns

__all__ = ["SnoozePages"]

KIND = "snooze"  # as the snooze service stores them
_SNOOZE, _POLICY = snooze.Snooze.pb(), alert.AlertPolicy.pb()
STATES = ("active", "scheduled", "ended")


def state_at(item: Raw, now: int) -> str:
    start, end = timestamp_ns(item.interval.start_time), timestamp_ns(item.interval.end_time)
    if now < start:
        return "scheduled"
    return "active" if now < end else "ended"


class SnoozePages:
    def __init__(self, store: Store, clock: Callable[[], int]) -> None:
        self._store, self._clock = store, clock

    def _policy_label(self, project: str, name: str) -> str:
        ident = name.rsplit("/", 1)[-1]
        body = self._store.get_object("alert_policy", project, ident)
        return f"{_POLICY.FromString(body).display_name} ({ident})" if body is not None else f"{name} (deleted)"

    def snoozes(self, query: Mapping[str, list[str]]) -> str:
        now = self._clock()
        found: dict[str, list[tuple[str, Raw]]] = {state: [] for state in STATES}
        projects = self._store.object_projects(KIND)
        for project in projects:
            rows = self._store.list_objects(KIND, project)
            for _, body in rows:
                item = _SNOOZE.FromString(body)
                found[state_at(item, now)].append((project, item))
        sections = []
        for state in STATES:
            items = sorted(found[state], key=lambda pair: -timestamp_ns(pair[1].interval.start_time))
            sections.append(f'<h2 class="section {state}">{state.capitalize()} ({len(items)})</h2>')
            sections.append(self._table(items, state) if items else f'<p class="empty">No {state} snoozes.</p>')
        note = (
            f'<p class="empty">At {e(when(now // NS, seconds=True))} UTC. A snooze is active from its start until '
            "its end: its policies' incidents close and nothing is sent, then evaluation resumes.</p>"
        )
        return page("Snoozes", note + "".join(sections))

    def _table(self, items: list[tuple[str, Raw]], state: str) -> str:
        rows = []
        for project, item in items:
            start, end = timestamp_ns(item.interval.start_time) // NS, timestamp_ns(item.interval.end_time) // NS
            covered = "".join(f"<li>{e(self._policy_label(project, p))}</li>" for p in item.criteria.policies)
            scope = f"<br><small>only series matching {e(item.criteria.filter)}</small>" if item.criteria.filter else ""
            rows.append(
                f'<tr><td class="{state}">{e(item.display_name)}</td><td>{e(project)}</td>'
                f"<td>{e(when(start, seconds=True))}</td><td>{e(when(end, seconds=True))}</td>"
                f'<td><ul style="margin:0;padding-left:18px">{covered}</ul>{scope}</td>'
                f"<td><small>{e(item.name)}</small></td></tr>"
            )
        return (
            "<table><tr><th>snooze</th><th>project</th><th>starts (UTC)</th><th>ends (UTC)</th>"
            f"<th>policies it covers</th><th>name</th></tr>{''.join(rows)}</table>"
        )
