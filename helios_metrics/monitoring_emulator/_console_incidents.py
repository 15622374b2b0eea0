"""The incidents list, one incident's page (the url every notification carries) and the
notification outbox. An incident says which condition tripped and over which window — the
lookback of a ``select_slo_burn_rate`` filter, the alignment period, the retest window — so of a
policy's fast and slow burn-rate conditions an operator sees which one opened it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from helios_metrics.contract.units import NS

from ._console_html import e, page, typed_labels, when
from ._console_tables import incident_rows, notification_rows
from ._console_widgets import Widgets
from ._markdown import markdown_html
from ._notify import statement
from .breach import reading, window

if TYPE_CHECKING:
    from ._alerting import AlertEvaluator

__all__ = ["IncidentPages"]


class IncidentPages:
    def __init__(self, evaluator: AlertEvaluator, widgets: Widgets, clock: Callable[[], int]) -> None:
        self._evaluator, self._widgets, self._clock = evaluator, widgets, clock

    def incidents(self, query: Mapping[str, list[str]]) -> str:
        return page("Incidents", incident_rows(self._evaluator.incidents()))

    def notifications(self, query: Mapping[str, list[str]]) -> str:
        sent = list(reversed(self._evaluator.notifications()))
        if not sent:
            return page("Notifications", '<p class="empty">No notifications yet.</p>')
        return page("Notifications", notification_rows(sent))

    def incident(self, ident: str) -> str | None:
        """One incident: what breached, over which window, when, on which series, its runbook and
        its notifications."""
        found = next((i for i in self._evaluator.incidents() if i["incident_id"] == ident), None)
        if found is None:
            return None
        resource, metric = found.get("resource", {}), found.get("metric", {})
        ended = found.get("ended_at")
        facts = [
            ("state", f'<span class="{e(found["state"])}">{e(found["state"])}</span>'),
            ("severity", e(found.get("severity", ""))),
            ("policy", e(found["policy_name"])),
            ("condition", e(found["condition_name"])),
            ("window", e(window(found) or "—")),
            ("observed vs threshold", f'<strong class="measured">{e(reading(found))}</strong>'),
            ("started (UTC)", e(when(found["started_at"], seconds=True))),
            ("ended (UTC)", e(when(ended, seconds=True)) if ended else "still open"),
            ("resource", e(typed_labels(resource))),
            ("metric", e(typed_labels(metric))),
            ("summary (as Google words it)", e(found.get("summary", ""))),
            ("incident id", e(found["incident_id"])),
        ]
        table = '<table class="facts">' + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts) + "</table>"
        end = (ended or self._clock() // NS) * NS
        start = found["started_at"] * NS - 3600 * NS
        chart = self._widgets.alert_chart(
            found["scoping_project_id"],
            found.get("policy", ""),
            start,
            end + 10 * 60 * NS,
            1100,
            260,
            condition_name=found.get("condition_resource", ""),
        )
        documentation = found.get("documentation") or {}
        doc_html = markdown_html(str(documentation.get("content", ""))) or '<p class="empty">No documentation.</p>'
        subject = documentation.get("subject")
        sent = [n for n in reversed(self._evaluator.notifications()) if n.get("incident_id") == ident]
        notified = (
            notification_rows(sent, with_incident=False)
            if sent
            else '<p class="empty">No notifications for this incident.</p>'
        )
        body = (
            f'<p class="measured-line">{e(statement(found))}</p>{table}'
            f'<h2 class="section">The condition around the incident</h2><div class="tile">{chart}</div>'
            f'<h2 class="section">Documentation{": " + e(subject) if subject else ""}</h2>'
            f'<div class="tile doc">{doc_html}</div>'
            f'<h2 class="section">Notifications</h2>{notified}'
            '<p><a href="/incidents">All incidents</a></p>'
        )
        return page(f"Incident: {found['policy_name']}", body)
