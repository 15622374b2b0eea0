"""Services and their SLOs: every service with its SLOs' goal, period and figures now, and one
SLO's page — its SLI filters, compliance, error budget left, burn rate over 1 h and 6 h charted
over the chosen range, and the alert policies that watch its burn rate with their thresholds.

Every figure is an SLO selector evaluated by the same code as ListTimeSeries and the alert
conditions (:mod:`._slo`), at the end of the current minute, as the dashboards draw it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from google.cloud.monitoring_v3.types import alert, common, service
from google.type import calendar_period_pb2

from helios_metrics.contract.cli import command
from helios_metrics.contract.units import NS

from ._aggregation import AggregationSpec
from ._charts import Line, line_chart
from ._console_html import e, legend, page, range_bounds, range_links
from ._console_tables import incident_rows
from ._filters import FilterError, parse_filter
from ._measurer import typed_number
from ._raw import Raw
from ._service_monitoring import SERVICE_KIND, SLO_KIND
from ._slo import selector_series
from ._slo_selectors import SloSelector
from ._store import Store
from .breach import percent

if TYPE_CHECKING:
    from ._alerting import AlertEvaluator

__all__ = ["SloPages"]

_SERVICE, _SLO, _POLICY = service.Service.pb(), service.ServiceLevelObjective.pb(), alert.AlertPolicy.pb()
_A, _R = common.Aggregation.Aligner, common.Aggregation.Reducer
_HOUR = 3600 * NS
BURN_WINDOWS = ((_HOUR, "1 h"), (6 * _HOUR, "6 h"))
_POINTS = 360  # at most this many points a line over the chosen range
_NO_DATA = "No data for this SLO in the selected range (or an SLI the emulator does not evaluate)."
_BURN_NOTE = (
    "The share of failed events over the window divided by the share the objective allows: at 1 the error "
    "budget lasts exactly the period (the dashed line), above it the budget runs out before."
)
_POLICIES = '<h2 class="section">Alert policies on this SLO</h2>'


def _span(ns: int) -> str:
    seconds = ns // NS
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def period_text(slo: Raw) -> str:
    """ "7 d rolling" or "calendar WEEK"."""
    if slo.WhichOneof("period") == "calendar_period":
        return f"calendar {calendar_period_pb2.CalendarPeriod.Name(slo.calendar_period)}"
    seconds = slo.rolling_period.seconds
    return f"{seconds // 86400} d rolling" if seconds % 86400 == 0 else f"{_span(seconds * NS)} rolling"


def sli_facts(slo: Raw) -> list[tuple[str, str]]:
    """The SLI as (what, value) rows: the filters of a ratio, a distribution cut's filter and range."""
    sli = slo.service_level_indicator
    kind = sli.WhichOneof("type")
    if kind != "request_based":
        return [("SLI", f"{kind or 'none'} (not evaluated by the emulator)")]
    based = sli.request_based
    if based.WhichOneof("method") == "distribution_cut":
        cut = based.distribution_cut
        return [
            ("SLI", "request-based: distribution cut"),
            ("distribution filter", cut.distribution_filter),
            ("good range", f"[{cut.range_.min_:g}, {cut.range_.max_:g}]"),
        ]
    ratio = based.good_total_ratio
    rows = [("SLI", "request-based: good / total")]
    for label, text in (
        ("good service filter", ratio.good_service_filter),
        ("bad service filter", ratio.bad_service_filter),
        ("total service filter", ratio.total_service_filter),
    ):
        if text:
            rows.append((label, text))
    return rows


@dataclass(frozen=True)
class Watch:
    """A burn-rate condition of an alert policy on this SLO."""

    policy: Raw
    condition: Raw
    lookback_ns: int


def _fraction(value: float | None) -> str:
    return "—" if value is None else percent(value)


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


class SloPages:
    def __init__(self, store: Store, evaluator: AlertEvaluator, clock: Callable[[], int]) -> None:
        self._store, self._evaluator, self._clock = store, evaluator, clock

    # --- data -------------------------------------------------------------------------------------
    def _now(self) -> int:
        minute = 60 * NS
        return -(-self._clock() // minute) * minute

    def _series(
        self, project: str, slo: Raw, function: str, start: int, end: int, period: int, lookback: int | None = None
    ) -> list[tuple[int, float]]:
        spec = AggregationSpec(period, _A.ALIGN_NEXT_OLDER, _R.REDUCE_NONE, ())
        found = selector_series(self._store, project, SloSelector(function, slo.name, lookback), [spec], start, end)
        return sorted((t, typed_number(v)) for s in found for t, _, v in s.points)

    def _value(self, project: str, slo: Raw, function: str, lookback: int | None = None) -> float | None:
        now = self._now()
        points = self._series(project, slo, function, now - 60 * NS, now, 60 * NS, lookback)
        return points[-1][1] if points else None

    def _slos(self, project: str) -> list[tuple[str, Raw]]:
        rows = self._store.list_objects(SLO_KIND, project)
        return [(ident, _SLO.FromString(body)) for ident, body in rows]

    def _watches(self, project: str, slo: Raw) -> list[Watch]:
        """The enabled or disabled policies' conditions whose filter is a burn rate of this SLO."""
        tail = slo.name.split("/", 2)[2]
        policies = [_POLICY.FromString(body) for _, body in self._store.list_objects("alert_policy", project)]
        found = []
        for policy in policies:
            for condition in policy.conditions:
                text = condition.condition_threshold.filter if condition.HasField("condition_threshold") else ""
                try:
                    selector = parse_filter(text).slo_selector if text else None
                except (FilterError, ValueError):
                    selector = None
                if selector is not None and selector.lookback_ns and selector.slo_name.split("/", 2)[2] == tail:
                    found.append(Watch(policy, condition, selector.lookback_ns))
        return found

    # --- pages ------------------------------------------------------------------------------------
    def services(self, query: Mapping[str, list[str]]) -> str:
        """Every project's services, each with its SLOs and their figures now."""
        sections = []
        projects = sorted(self._store.object_projects(SERVICE_KIND))
        for project in projects:
            services = [_SERVICE.FromString(body) for _, body in self._store.list_objects(SERVICE_KIND, project)]
            slos = self._slos(project)
            for svc in services:
                ident = svc.name.rsplit("/", 1)[-1]
                mine = [(key, slo) for key, slo in slos if key.split("/", 1)[0] == ident]
                rows = "".join(self._slo_row(project, key, slo) for key, slo in mine)
                table = (
                    "<table><tr><th>SLO</th><th>goal</th><th>period</th><th>compliance</th>"
                    f"<th>error budget left</th><th>burn 1 h</th><th>burn 6 h</th></tr>{rows}</table>"
                    if mine
                    else '<p class="empty">No SLOs.</p>'
                )
                title = f"{svc.display_name or ident} · {ident} · {project}"
                sections.append(f'<h2 class="section">{e(title)}</h2>{table}')
        if not sections:
            return page(
                "Services and SLOs", '<p class="empty">No services yet: run ' + command("setup_infra") + " apply.</p>"
            )
        return page("Services and SLOs", "".join(sections))

    def _slo_row(self, project: str, key: str, slo: Raw) -> str:
        href = f"/services/{quote(project)}/{quote(key)}"
        burns = [self._value(project, slo, "select_slo_burn_rate", ns) for ns, _ in BURN_WINDOWS]
        return (
            f'<tr><td><a href="{href}">{e(slo.display_name or key)}</a></td><td>{e(percent(slo.goal, 2))}</td>'
            f"<td>{e(period_text(slo))}</td>"
            f"<td>{e(_fraction(self._value(project, slo, 'select_slo_compliance')))}</td>"
            f"<td>{e(_fraction(self._value(project, slo, 'select_slo_budget_fraction')))}</td>"
            + "".join(f"<td>{e(_times(b))}</td>" for b in burns)
            + "</tr>"
        )

    def slo(self, path: str, query: Mapping[str, list[str]]) -> str | None:
        """``<project>/<service id>/<slo id>``: the SLO's page."""
        parts = path.split("/")
        if len(parts) != 3:
            return None
        project, service_id, slo_id = parts
        body = self._store.get_object(SLO_KIND, project, f"{service_id}/{slo_id}")
        if body is None:
            return None
        slo = _SLO.FromString(body)
        chosen, start, end = range_bounds(query, self._clock)
        remaining = self._value(project, slo, "select_slo_budget")
        allowed = self._value(project, slo, "select_slo_budget_total")
        figures = [
            (
                "compliance",
                _fraction(self._value(project, slo, "select_slo_compliance")),
                f"goal {percent(slo.goal, 2)}",
            ),
            (
                "error budget left",
                _fraction(self._value(project, slo, "select_slo_budget_fraction")),
                "—" if remaining is None or allowed is None else f"{remaining:.4g} of {allowed:.4g} bad events",
            ),
            *(
                (
                    f"burn rate {label}",
                    _times(self._value(project, slo, "select_slo_burn_rate", ns)),
                    "1× = on budget",
                )
                for ns, label in BURN_WINDOWS
            ),
        ]
        cards = "".join(
            f'<div class="figure"><small>{e(name)}</small><div class="score">{e(value)}</div><small>{e(note)}</small>'
            "</div>"
            for name, value, note in figures
        )
        facts = [
            ("name", slo.name),
            ("display name", slo.display_name),
            ("goal", percent(slo.goal, 2)),
            ("period", period_text(slo)),
            *sli_facts(slo),
        ]
        table = (
            '<table class="facts">' + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts) + "</table>"
        )
        body_html = (
            f'{range_links(chosen)}<div class="figures">{cards}</div>{table}'
            f'<h2 class="section">Burn rate over 1 h and 6 h</h2><p class="empty">{_BURN_NOTE}</p>'
            '<div class="tile" id="burn">'
            f"{self._burn_chart(project, slo, start, end)}</div>"
            f'<h2 class="section">Compliance and error budget left over the period</h2><div class="tile">'
            f"{self._budget_chart(project, slo, start, end)}</div>"
            f"{self._watching(project, slo, start, end)}"
            '<p><a href="/services">All services</a></p>'
        )
        return page(f"SLO: {slo.display_name or slo_id}", body_html)

    # --- charts -----------------------------------------------------------------------------------
    @staticmethod
    def _period(start: int, end: int) -> int:
        minute = 60 * NS
        return max(minute, -(-(end - start) // _POINTS // minute) * minute)

    def _chart(self, lines: list[Line], start: int, end: int, unit: str, thresholds: list[float]) -> str:
        if not any(points for _, points in lines):
            return f'<p class="empty">{_NO_DATA}</p>'
        return line_chart(lines, start, end, unit, thresholds, 1100, 260) + legend(lines)

    def _burn_chart(self, project: str, slo: Raw, start: int, end: int) -> str:
        period = self._period(start, end)
        lines: list[Line] = [
            (f"burn rate over {label}", self._series(project, slo, "select_slo_burn_rate", start, end, period, ns))
            for ns, label in BURN_WINDOWS
        ]
        return self._chart(lines, start, end, "burn rate", [1.0])

    def _budget_chart(self, project: str, slo: Raw, start: int, end: int) -> str:
        period = self._period(start, end)
        lines: list[Line] = [
            ("compliance", self._series(project, slo, "select_slo_compliance", start, end, period)),
            ("error budget left", self._series(project, slo, "select_slo_budget_fraction", start, end, period)),
        ]
        return self._chart(lines, start, end, "share", [slo.goal, 0.0])

    def _watching(self, project: str, slo: Raw, start: int, end: int) -> str:
        """The burn-rate conditions on this SLO: each lookback charted against its threshold, and
        the open incidents of their policies."""
        watches = self._watches(project, slo)
        if not watches:
            return f'{_POLICIES}<p class="empty">No policy watches its burn rate.</p>'
        period = self._period(start, end)
        rows: list[str] = []
        lines: list[Line] = []
        thresholds: list[float] = []
        for watch in watches:
            threshold = watch.condition.condition_threshold.threshold_value
            now = self._value(project, slo, "select_slo_burn_rate", watch.lookback_ns)
            label = f"{_span(watch.lookback_ns)} > {threshold:g} ({watch.policy.display_name})"
            rows.append(
                f"<tr><td>{e(watch.policy.display_name)}</td><td>{e(watch.condition.display_name)}</td>"
                f"<td>{e(_span(watch.lookback_ns))}</td><td>{e(f'{threshold:g}')}</td><td>{e(_times(now))}</td></tr>"
            )
            lines.append(
                (label, self._series(project, slo, "select_slo_burn_rate", start, end, period, watch.lookback_ns))
            )
            thresholds.append(threshold)
        names = {w.policy.name.rsplit("/", 1)[-1] for w in watches}
        incidents = [
            i
            for i in self._evaluator.incidents()
            if i["scoping_project_id"] == project and i["policy"].rsplit("/", 1)[-1] in names
        ]
        return (
            f"{_POLICIES}<table><tr><th>policy</th><th>condition</th>"
            f"<th>lookback</th><th>threshold</th><th>burn rate now</th></tr>{''.join(rows)}</table>"
            f'<div class="tile">{self._chart(lines, start, end, "burn rate", thresholds)}</div>'
            f'<h2 class="section">Their incidents</h2>{incident_rows(incidents)}'
        )
