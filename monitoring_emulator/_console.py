"""The local console on the emulator's HTTP port: the stored dashboards rendered from their own
definitions and the stored data, incidents, the notification outbox and a metric explorer.

Every chart is its widget's own query with its own aggregation, through the same code as
ListTimeSeries — so a dashboard change can be seen before it is deployed. Pages are plain HTML
with inline SVG and CSS: no script, no build step, nothing fetched from anywhere.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from google.api import metric_pb2
from google.cloud.monitoring_dashboard_v1.types import dashboard as dashboard_types
from google.cloud.monitoring_v3.types import alert, common

from ._aggregation import ALIGNERS, REDUCERS, AggregationSpec, aligner_applies, spec_from_pb
from ._alerting import AlertEvaluator
from ._charts import PALETTE, Column, Line, heatmap, line_chart, sparkline
from ._conditions import typed_number as _number
from ._distributions import bounds as bucket_bounds
from ._errors import ApiError
from ._filters import FilterError, parse_filter
from ._markdown import markdown_html
from ._notify import statement
from ._raw import Raw
from ._reads import query_series
from ._store import Store
from .breach import reading

__all__ = ["RANGES", "Console"]

RANGES = {"1h": 3600, "6h": 6 * 3600, "1d": 86400, "7d": 7 * 86400}
_NS = 1_000_000_000
_ROW_PX, _PAGE_PX = 20, 1200
_HEATMAP = 4  # XyChart.DataSet.PlotType
_A, _R = common.Aggregation.Aligner, common.Aggregation.Reducer
_MD = metric_pb2.MetricDescriptor
_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f8f9fa;color:#202124}
header{background:#fff;border-bottom:1px solid #dadce0;padding:10px 24px;display:flex;gap:24px;align-items:center}
header a{color:#1a73e8;text-decoration:none} h1{font-size:20px;margin:16px 24px} h2{font-size:15px;margin:0 0 6px}
main{padding:0 24px 24px;max-width:1250px} .grid{display:grid;grid-template-columns:repeat(48,1fr);gap:8px;
grid-auto-rows:20px}.tile{background:#fff;border:1px solid #dadce0;border-radius:6px;padding:8px;overflow:hidden}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;
height:10px;margin-right:4px;border-radius:2px}.score{font-size:34px;font-weight:500}.red{color:#d93025}
.yellow{color:#f29900}table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
td,th{border:1px solid #dadce0;padding:4px 8px;text-align:left;vertical-align:top}.open{color:#d93025;font-weight:600}
.closed{color:#188038}.ranges a{margin-right:8px}.empty{color:#5f6368;font-size:13px}form label{margin-right:12px}
pre{white-space:pre-wrap;font-size:12px;margin:0}h2.section{margin:18px 0 6px}.measured-line{font-size:16px}
.doc h3,.doc h4,.doc h5{margin:6px 0}.doc p,.doc ol,.doc ul{margin:6px 0;font-size:14px}
.facts th{width:1%;white-space:nowrap}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _page(title: str, body: str, refresh_s: int | None = 60) -> str:
    refresh = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    return (
        f'<!doctype html><html><head><meta charset="utf-8">{refresh}<title>{_e(title)}</title>'
        f"<style>{_STYLE}</style></head><body><header><strong>Helios · local Cloud Monitoring</strong>"
        '<a href="/">Dashboards</a><a href="/incidents">Incidents</a><a href="/notifications">Notifications</a>'
        f'<a href="/explorer">Metric explorer</a></header><h1>{_e(title)}</h1><main>{body}</main></body></html>'
    )


def _legend(lines: Sequence[Line]) -> str:
    spans = [
        f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{_e(label)}</span>'
        for i, (label, _) in enumerate(lines)
    ]
    return f'<div class="legend">{"".join(spans)}</div>' if spans else ""


def _when(at: int | None, seconds: bool = False) -> str:
    return time.strftime("%d %b %Y %H:%M:%S" if seconds else "%d %b %H:%M", time.gmtime(at)) if at else ""


def _as_text(value: object, indent: str = "") -> list[str]:
    """A message as the lines a person reads: ``key: value``, nested values indented, text as
    text (its line breaks and characters as they are, not JSON-escaped)."""
    if isinstance(value, Mapping):
        lines: list[str] = []
        for key, item in value.items():
            if isinstance(item, Mapping | list) and item:
                lines += [f"{indent}{key}:", *_as_text(item, indent + "  ")]
            elif isinstance(item, str) and "\n" in item:
                lines += [f"{indent}{key}:", *(f"{indent}  {part}" for part in item.splitlines())]
            else:
                lines.append(f"{indent}{key}: {item if isinstance(item, str) else json.dumps(item)}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            nested = _as_text(item, indent + "  ")
            lines += [f"{indent}- {nested[0].strip()}", *nested[1:]] if nested else [f"{indent}-"]
        return lines
    return [f"{indent}{value if isinstance(value, str) else json.dumps(value)}"]


def _delivered(notification: Mapping[str, Any]) -> str:
    """What the outbox holds for a notification, or how its webhook delivery went, as text."""
    shown = notification.get("message") or {
        k: notification[k] for k in ("url", "status", "attempts", "error", "reason") if k in notification
    }
    return "\n".join(_as_text(shown))


def _incident_href(incident: Mapping[str, Any]) -> str:
    return f"/incidents/{quote(str(incident['incident_id']), safe='')}"


def _typed_labels(thing: Mapping[str, Any]) -> str:
    """A metric or monitored resource: ``type (key=value, …)``."""
    labels = ", ".join(f"{k}={v}" for k, v in sorted(thing.get("labels", {}).items()))
    return f"{thing.get('type', '')} ({labels})" if labels else str(thing.get("type", ""))


def _fill(template: str, labels: Mapping[str, str]) -> str:
    for key, value in labels.items():
        template = template.replace("${" + key + "}", value)
    return template


class Console:
    def __init__(
        self,
        store: Store,
        evaluator: AlertEvaluator,
        dashboards: Callable[[str], list[Raw]],
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._store, self._evaluator, self._dashboards, self._clock = store, evaluator, dashboards, clock

    # --- data -------------------------------------------------------------------------------------
    def _filter_lines(
        self, project: str, part: Raw, secondary: Raw | None, start: int, end: int, legend: str
    ) -> tuple[list[Line], str]:
        query = parse_filter(part.filter)
        specs: list[AggregationSpec] = []
        for aggregation in (part.aggregation if part.HasField("aggregation") else None, secondary):
            spec = spec_from_pb(aggregation) if aggregation is not None else None
            if spec is not None:
                specs.append(spec)
        data, unit = query_series(self._store, project, query, specs, start, end)
        lines: list[Line] = []
        for series in data:
            labels = {f"metric.labels.{k}": v for k, v in series.metric_labels.items()}
            labels |= {f"resource.labels.{k}": v for k, v in series.resource_labels.items()}
            name = (
                _fill(legend, labels)
                if legend
                else ", ".join(series.metric_labels.values()) or series.metric_type.rsplit("/", 1)[-1]
            )
            lines.append((name, [(t, _number(v)) for t, _, v in series.points]))
        return lines, unit

    def query_lines(self, project: str, query: Raw, start: int, end: int, legend: str = "") -> tuple[list[Line], str]:
        """The lines a dashboard query draws: its filter (or ratio) with its own aggregations."""
        source = query.WhichOneof("source")
        if source == "time_series_filter":
            tsf = query.time_series_filter
            secondary = tsf.secondary_aggregation if tsf.HasField("secondary_aggregation") else None
            return self._filter_lines(project, tsf, secondary, start, end, legend)
        if source == "time_series_filter_ratio":
            ratio = query.time_series_filter_ratio
            numerator, _ = self._filter_lines(project, ratio.numerator, None, start, end, legend)
            denominator, _ = self._filter_lines(project, ratio.denominator, None, start, end, legend)
            totals = {t: v for _, points in denominator for t, v in points}
            return [
                (label or "ratio", [(t, v / totals[t]) for t, v in points if totals.get(t)])
                for label, points in numerator
            ], "ratio"
        return [], ""

    # --- widgets ----------------------------------------------------------------------------------
    def _heatmap(self, project: str, query: Raw, start: int, end: int, width: int, height: int) -> str:
        """A HEATMAP data set: the distributions its query returns, bucket by bucket over time."""
        if query.WhichOneof("source") != "time_series_filter":
            return '<p class="empty">A heatmap needs a time series filter.</p>'
        tsf = query.time_series_filter
        specs = [s for s in (spec_from_pb(tsf.aggregation) if tsf.HasField("aggregation") else None,) if s is not None]
        data, unit = query_series(self._store, project, parse_filter(tsf.filter), specs, start, end)
        columns: list[Column] = []
        for series in data:
            for t, _, value in series.points:
                if value.WhichOneof("value") == "distribution_value":
                    dist = value.distribution_value
                    columns.append((t, bucket_bounds(dist.bucket_options), list(dist.bucket_counts)))
        if not columns:
            return '<p class="empty">No distribution data for this query in the selected range.</p>'
        return heatmap(columns, start, end, unit, width, height)

    def _xy(self, project: str, chart: Raw, start: int, end: int, width: int, height: int) -> str:
        if chart.data_sets and chart.data_sets[0].plot_type == _HEATMAP:
            return self._heatmap(project, chart.data_sets[0].time_series_query, start, end, width, height)
        lines: list[Line] = []
        unit = ""
        stacked = False
        for data_set in chart.data_sets:
            found, unit = self.query_lines(project, data_set.time_series_query, start, end, data_set.legend_template)
            lines += found
            stacked = stacked or data_set.plot_type in (2, 3)  # STACKED_AREA, STACKED_BAR
        label = chart.y_axis.label or unit
        thresholds = [t.value for t in chart.thresholds]
        if not any(points for _, points in lines):
            return f'<p class="empty">No data for this query in the selected range.</p>{_legend(lines)}'
        return line_chart(lines, start, end, label, thresholds, width, height, stacked) + _legend(lines)

    def _scorecard(self, project: str, card: Raw, start: int, end: int) -> str:
        lines, unit = self.query_lines(project, card.time_series_query, start, end)
        points = sorted(p for _, ps in lines for p in ps)
        if not points:
            return '<p class="empty">No data in the selected range.</p>'
        value = points[-1][1]
        css = ""
        for threshold in card.thresholds:
            beyond = value > threshold.value if threshold.direction == 1 else value < threshold.value
            if beyond:
                css = "red" if threshold.color == 6 else (css or "yellow")
        shown = f"{value:.1%}" if unit in ("ratio", "1") and 0 <= value <= 1 else f"{value:.4g} {_e(unit)}"
        return f'<div class="score {css}">{shown}</div>{sparkline(points)}'

    def _incident_rows(self, incidents: list[dict[str, Any]]) -> str:
        if not incidents:
            return '<p class="empty">No incidents.</p>'
        rows = "".join(
            f'<tr><td class="{_e(i["state"])}">{_e(i["state"])}</td>'
            f'<td><a href="{_e(_incident_href(i))}">{_e(i["policy_name"])}</a></td>'
            f"<td>{_e(i['condition_name'])}</td><td>{_e(_when(i['started_at']))}</td>"
            f"<td>{_e(_when(i['ended_at']))}</td><td>{_e(reading(i))}</td></tr>"
            for i in sorted(incidents, key=lambda i: -i["started_at"])
        )
        return (
            "<table><tr><th>state</th><th>policy</th><th>condition</th><th>started (UTC)</th><th>ended</th>"
            f"<th>observed vs threshold</th></tr>{rows}</table>"
        )

    def _alert_chart(self, project: str, name: str, start: int, end: int, width: int, height: int) -> str:
        ident = name.rsplit("/", 1)[-1]
        body = self._store.get_object("alert_policy", project, ident)
        if body is None:
            return f'<p class="empty">Alert policy {_e(name)} does not exist.</p>'
        policy = alert.AlertPolicy.pb().FromString(body)
        open_now = [
            i for i in self._evaluator.incidents() if i["policy"].endswith(f"/{ident}") and i["state"] == "open"
        ]
        css = "open" if open_now else "closed"
        status = f'<p class="{css}">{len(open_now)} open incident(s) · {_e(policy.display_name)}</p>'
        condition = policy.conditions[0] if policy.conditions else None
        if condition is None or not condition.HasField("condition_threshold"):
            return status
        threshold = condition.condition_threshold
        specs = [s for s in (spec_from_pb(a) for a in threshold.aggregations) if s is not None]
        data, unit = query_series(self._store, project, parse_filter(threshold.filter), specs, start, end)
        lines = [
            (", ".join(s.metric_labels.values()) or "value", [(t, _number(v)) for t, _, v in s.points]) for s in data
        ]
        if threshold.denominator_filter:
            dspecs = [s for s in (spec_from_pb(a) for a in threshold.denominator_aggregations) if s is not None]
            denominator, _ = query_series(
                self._store, project, parse_filter(threshold.denominator_filter), dspecs, start, end
            )
            totals = {t: _number(v) for s in denominator for t, _, v in s.points}
            lines = [(label, [(t, v / totals[t]) for t, v in points if totals.get(t)]) for label, points in lines]
            unit = "share"  # numerator over denominator: what the threshold is compared with
        chart = (
            line_chart(lines, start, end, unit, [threshold.threshold_value], width, height)
            if any(p for _, p in lines)
            else '<p class="empty">No data.</p>'
        )
        return status + chart

    def _widget(self, project: str, widget: Raw, start: int, end: int, width: int, height: int) -> str:
        content = widget.WhichOneof("content")
        title = f"<h2>{_e(widget.title)}</h2>" if widget.title else ""
        try:
            if content == "xy_chart":
                inner = self._xy(project, widget.xy_chart, start, end, width, height)
            elif content == "scorecard":
                inner = self._scorecard(project, widget.scorecard, start, end)
            elif content == "text":
                inner = "".join(
                    f"<h2>{_e(line.lstrip('#').strip())}</h2>" if line.startswith("#") else f"<p>{_e(line)}</p>"
                    for line in widget.text.content.splitlines()
                    if line.strip()
                )
            elif content == "alert_chart":
                inner = self._alert_chart(project, widget.alert_chart.name, start, end, width, height - 30)
            elif content == "incident_list":
                names = {n.rsplit("/", 1)[-1] for n in widget.incident_list.policy_names}
                chosen = [
                    i
                    for i in self._evaluator.incidents()
                    if i["scoping_project_id"] == project and (not names or i["policy"].rsplit("/", 1)[-1] in names)
                ]
                inner = self._incident_rows(chosen)
            else:
                inner = f'<p class="empty">{_e(content)} widgets are not drawn by the local console.</p>'
        except (ApiError, FilterError) as err:
            inner = f'<p class="empty">This widget\'s query fails: {_e(err)}</p>'
        return f'<div class="widget" data-kind="{_e(content)}">{title}{inner}</div>'

    # --- pages ------------------------------------------------------------------------------------
    def _range(self, query: Mapping[str, list[str]]) -> tuple[str, int, int]:
        chosen = query.get("range", ["1d"])[0]
        chosen = chosen if chosen in RANGES else "1d"
        minute = 60 * _NS
        end = -(-self._clock() // minute) * minute  # up to the end of the current minute: its points end there
        return chosen, end - RANGES[chosen] * _NS, end

    def index(self, query: Mapping[str, list[str]]) -> str:
        rows = []
        for project in sorted(self._store.known_projects()):
            for board in self._dashboards(project):
                ident = board.name.rsplit("/", 1)[-1]
                href = f"/dashboards/{quote(project)}/{quote(ident)}"
                rows.append(
                    f'<tr><td><a href="{href}">{_e(board.display_name)}</a></td><td>{_e(project)}</td>'
                    f"<td>{_e(ident)}</td></tr>"
                )
        table = "<table><tr><th>dashboard</th><th>project</th><th>id</th></tr>" + "".join(rows) + "</table>"
        return _page(
            "Dashboards", table if rows else '<p class="empty">No dashboards yet: run python -m setup_infra apply.</p>'
        )

    def dashboard(self, project: str, ident: str, query: Mapping[str, list[str]]) -> str | None:
        body = self._store.get_object("dashboard", project, ident)
        if body is None:
            return None
        board = dashboard_types.Dashboard.pb().FromString(body)
        chosen, start, end = self._range(query)
        ranges = "".join(
            f'<a href="?range={r}"{" style=font-weight:700" if r == chosen else ""}>{r}</a>' for r in RANGES
        )
        tiles = []
        columns = board.mosaic_layout.columns or 48
        for tile in board.mosaic_layout.tiles:
            width = int(tile.width * _PAGE_PX / columns) - 24
            height = tile.height * (_ROW_PX + 8) - 70
            style = f"grid-column:{tile.x_pos + 1} / span {tile.width};grid-row:{tile.y_pos + 1} / span {tile.height}"
            tiles.append(
                f'<div class="tile" style="{style}">'
                f"{self._widget(project, tile.widget, start, end, width, max(height, 80))}</div>"
            )
        body_html = (
            f'<p class="ranges">Range: {ranges} · refreshes every minute</p><div class="grid">{"".join(tiles)}</div>'
        )
        return _page(board.display_name, body_html)

    def incidents(self, query: Mapping[str, list[str]]) -> str:
        return _page("Incidents", self._incident_rows(self._evaluator.incidents()))

    def _notification_rows(self, sent: list[dict[str, Any]], with_incident: bool = True) -> str:
        incident = "<th>incident</th>" if with_incident else ""
        rows = "".join(
            f"<tr><td>{_e(time.strftime('%d %b %H:%M:%S', time.gmtime(n['at'])))}</td><td>{_e(n['type'])}</td>"
            + (
                f'<td><a href="{_e(_incident_href(n))}">{_e(n["incident_id"])}</a></td>'
                if with_incident and n.get("incident_id")
                else ("<td></td>" if with_incident else "")
            )
            + f"<td>{_e(n['state'])}</td><td>{_e(n['delivery'])}</td><td><pre>{_e(_delivered(n))}</pre></td></tr>"
            for n in sent
        )
        return (
            f"<table><tr><th>at (UTC)</th><th>channel</th>{incident}<th>incident state</th><th>delivery</th>"
            f"<th>message</th></tr>{rows}</table>"
        )

    def notifications(self, query: Mapping[str, list[str]]) -> str:
        sent = list(reversed(self._evaluator.notifications()))
        if not sent:
            return _page("Notifications", '<p class="empty">No notifications yet.</p>')
        return _page("Notifications", self._notification_rows(sent))

    def incident(self, ident: str) -> str | None:
        """One incident: what breached, when, on which series, its runbook and its notifications —
        the page the ``url`` of every notification points at."""
        found = next((i for i in self._evaluator.incidents() if i["incident_id"] == ident), None)
        if found is None:
            return None
        measured = reading(found)
        resource, metric = found.get("resource", {}), found.get("metric", {})
        ended = found.get("ended_at")
        facts = [
            ("state", f'<span class="{_e(found["state"])}">{_e(found["state"])}</span>'),
            ("severity", _e(found.get("severity", ""))),
            ("policy", _e(found["policy_name"])),
            ("condition", _e(found["condition_name"])),
            ("observed vs threshold", f'<strong class="measured">{_e(measured)}</strong>'),
            ("started (UTC)", _e(_when(found["started_at"], seconds=True))),
            ("ended (UTC)", _e(_when(ended, seconds=True)) if ended else "still open"),
            ("resource", _e(_typed_labels(resource))),
            ("metric", _e(_typed_labels(metric))),
            ("summary (as Google words it)", _e(found.get("summary", ""))),
            ("incident id", _e(found["incident_id"])),
        ]
        table = '<table class="facts">' + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts) + "</table>"
        end = (ended or self._clock() // _NS) * _NS
        start = found["started_at"] * _NS - 3600 * _NS
        chart = self._alert_chart(
            found["scoping_project_id"], found.get("policy", ""), start, end + 10 * 60 * _NS, 1100, 260
        )
        documentation = found.get("documentation") or {}
        doc_html = markdown_html(str(documentation.get("content", ""))) or '<p class="empty">No documentation.</p>'
        subject = documentation.get("subject")
        sent = [n for n in reversed(self._evaluator.notifications()) if n.get("incident_id") == ident]
        notified = (
            self._notification_rows(sent, with_incident=False)
            if sent
            else '<p class="empty">No notifications for this incident.</p>'
        )
        body = (
            f'<p class="measured-line">{_e(statement(found))}</p>{table}'
            f'<h2 class="section">The condition around the incident</h2><div class="tile">{chart}</div>'
            f'<h2 class="section">Documentation{": " + _e(subject) if subject else ""}</h2>'
            f'<div class="tile doc">{doc_html}</div>'
            f'<h2 class="section">Notifications</h2>{notified}'
            '<p><a href="/incidents">All incidents</a></p>'
        )
        return _page(f"Incident: {found['policy_name']}", body)

    def explorer(self, query: Mapping[str, list[str]]) -> str:
        """Any metric with a filter, an aligner and a reducer the emulator implements; opens on a
        query that works (the first metric, with an aligner its value type accepts)."""

        def arg(name: str, default: str = "") -> str:
            return query.get(name, [default])[0].strip() or default

        projects = sorted(self._store.known_projects())
        described = sorted({p for p, _ in self._store.descriptors})
        project = arg("project", described[0] if described else (projects[0] if projects else ""))
        metrics = sorted(t for p, t in self._store.descriptors if p == project)
        metric = arg("metric", metrics[0] if metrics else "")
        descriptor = self._store.descriptors.get((project, metric))
        kind, value_type = (descriptor.metric_kind, descriptor.value_type) if descriptor else (None, None)
        aligners = [
            _A(a).name for a in ALIGNERS if kind is None or value_type is None or aligner_applies(a, kind, value_type)
        ]
        aligner = arg("aligner", _default_aligner(value_type))
        reducer = arg("reducer", "REDUCE_NONE")
        group_by, extra, period = arg("group_by"), arg("filter"), arg("period", "300")
        chosen, start, end = self._range(query)

        def select(name: str, options: list[str], current: str) -> str:
            items = "".join(f"<option{' selected' if o == current else ''}>{_e(o)}</option>" for o in options)
            return f'<label>{name} <select name="{name}">{items}</select></label>'

        form = (
            '<form method="get" action="/explorer">'
            + select("project", projects, project)
            + select("metric", metrics, metric)
            + select("aligner", aligners, aligner)
            + select("reducer", [_R(r).name for r in REDUCERS], reducer)
            + f'<label>group by <input name="group_by" value="{_e(group_by)}" '
            + 'placeholder="metric.labels.stage"></label>'
            + f'<label>filter <input name="filter" value="{_e(extra)}" size="30" '
            + 'placeholder="metric.labels.status = &quot;failure&quot;"></label>'
            + f'<label>period (s) <input name="period" value="{_e(period)}" size="5" inputmode="numeric"></label>'
            + select("range", list(RANGES), chosen)
            + "<button>Plot</button></form>"
        )
        if not metric:
            return _page("Metric explorer", form + '<p class="empty">No metrics yet.</p>', refresh_s=None)
        try:
            aggregation = _explorer_aggregation(aligner, reducer, period, group_by)
            if metric not in metrics:
                raise ValueError(f"metric: project {project!r} has no metric {metric!r}")
            try:
                parse_filter(extra)  # alone, so a position is a position in what was typed
            except FilterError as err:
                raise FilterError(f"filter: {err}") from None
            text = f'metric.type = "{metric}"' + (f" AND ({extra})" if extra else "")
            spec = spec_from_pb(aggregation) if aggregation is not None else None
            data, unit = query_series(self._store, project, parse_filter(text), [spec] if spec else [], start, end)
            lines = [
                (
                    ", ".join(f"{k}={v}" for k, v in s.metric_labels.items()) or metric.rsplit("/", 1)[-1],
                    [(t, _number(v)) for t, _, v in s.points],
                )
                for s in data
            ]
            if aggregation is not None and aggregation.per_series_aligner == _A.ALIGN_PERCENT_CHANGE:
                unit = "% change"
            chart = (
                line_chart(lines, start, end, unit, (), 1100, 320) + _legend(lines)
                if any(p for _, p in lines)
                else '<p class="empty">No data for this query in the selected range.</p>'
            )
        except (ApiError, FilterError, ValueError) as err:
            chart = f'<p class="empty error">The query fails: {_e(err)}</p>'
        link = "/explorer?" + urlencode({"project": project, "metric": metric})
        return _page(
            "Metric explorer",
            f'{form}<div class="tile" id="plot">{chart}</div><p><a href="{_e(link)}">reset</a></p>',
            refresh_s=None,
        )


def _default_aligner(value_type: int | None) -> str:
    """An aligner every metric of this value type accepts, so the explorer opens on a valid query."""
    defaults: dict[int, str] = {
        _MD.DISTRIBUTION: "ALIGN_PERCENTILE_50",
        _MD.BOOL: "ALIGN_FRACTION_TRUE",
        _MD.STRING: "ALIGN_NONE",
    }
    return defaults.get(value_type or _MD.DOUBLE, "ALIGN_MEAN")


def _explorer_aggregation(aligner: str, reducer: str, period: str, group_by: str) -> Any:
    """The explorer's form as an Aggregation (None: raw points), each field checked with a message
    that names it."""
    aligners, reducers = _A.__members__, _R.__members__
    if aligner not in aligners or aligners[aligner] not in ALIGNERS:
        raise ValueError(f"aligner: {aligner!r} is not one the emulator implements")
    if reducer not in reducers or reducers[reducer] not in REDUCERS:
        raise ValueError(f"reducer: {reducer!r} is not one the emulator implements")
    if not period.isdigit():
        raise ValueError(f"period: a whole number of seconds, at least 60, is needed; got {period!r}")
    seconds = int(period)
    if seconds < 60:
        raise ValueError(f"period: alignment periods are at least 60 seconds; got {seconds}")
    fields = [g.strip() for g in group_by.split(",") if g.strip()]
    if aligners[aligner] == _A.ALIGN_NONE and reducers[reducer] == _R.REDUCE_NONE:
        if fields:
            raise ValueError("group by: grouping needs an aligner and a reducer")
        return None
    aggregation = common.Aggregation.pb()(
        per_series_aligner=aligners[aligner].value, cross_series_reducer=reducers[reducer].value
    )
    aggregation.alignment_period.seconds = seconds
    aggregation.group_by_fields.extend(fields)
    return aggregation
