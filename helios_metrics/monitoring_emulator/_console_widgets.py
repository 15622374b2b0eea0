"""Dashboard widgets drawn from their own definitions and the stored data: every chart is its
widget's own query with its own aggregation, through the same code as ListTimeSeries (SLO
selectors included) — so a dashboard change can be seen before it is deployed.

As Google's dashboards do: a chart whose aligner names no period gets one chosen for the range
shown (at least its data set's ``minAlignmentPeriod``), and ``${var}`` template variables stand
for the terms the dashboard's filters give them (nothing, so every series, when none is given)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from google.cloud.monitoring_v3.types import alert

from helios_metrics.contract.units import NS

from ._aggregation import AggregationSpec, spec_from_pb
from ._charts import Column, Line, heatmap, line_chart, sparkline
from ._console_html import e, fill, legend
from ._console_tables import incident_rows
from ._dashboard_variables import expand
from ._distributions import bounds as bucket_bounds
from ._errors import ApiError
from ._filters import FilterError, parse_filter
from ._measurer import typed_number
from ._raw import Raw
from ._reads import query_series
from ._store import Store
from ._timeutil import duration_ns

if TYPE_CHECKING:
    from ._alerting import AlertEvaluator

__all__ = ["Widgets"]

_HEATMAP = 4  # XyChart.DataSet.PlotType
_STACKED = (2, 3)  # STACKED_AREA, STACKED_BAR
_RED = 6  # Threshold.Color


_PERIODS_S = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400)
_MOST_POINTS = 100
_GROUPS = ("collapsible_group", "single_view_group", "section_header")
Variables = Mapping[str, tuple[str, str]]
"""Template variable → (the filter term it stands for, its value): ``_dashboard_variables.terms``."""


def chart_period_ns(start: int, end: int, minimum_ns: int = 0) -> int:
    """The period a chart picks when its aligner names none: the shortest of 1 minute, 2, 5, 10,
    15, 30 minutes, 1, 2, 3, 6, 12 hours or a day that draws at most 100 points over the range
    shown, and never shorter than the data set's ``minAlignmentPeriod``."""
    span = max(end - start, 1)
    chosen = next((p * NS for p in _PERIODS_S if span / (p * NS) <= _MOST_POINTS), 86_400 * NS)
    return max(chosen, minimum_ns)


def _with_period(aggregation: Raw, period_ns: int) -> Raw:
    if not aggregation.per_series_aligner or duration_ns(aggregation.alignment_period):
        return aggregation
    picked = type(aggregation)()
    picked.CopyFrom(aggregation)
    picked.alignment_period.seconds, picked.alignment_period.nanos = divmod(period_ns, NS)
    return picked


_SHARES = ("select_slo_health(", "select_slo_compliance(", "select_slo_budget_fraction(")
"""SLO selectors whose values are shares (read as percentages, a budget overspent below 0 %)."""


def _is_share(query: Raw) -> bool:
    source = query.WhichOneof("source")
    text = query.time_series_filter.filter if source == "time_series_filter" else ""
    return text.strip().startswith(_SHARES)


@dataclass(frozen=True)
class _Drawing:
    """How a data set's query is drawn: its legend, the template variables, its minimum period."""

    legend_template: str
    variables: Variables
    min_period_ns: int


class Widgets:
    """Renders one widget (or an alert policy's chart) of a project over ``(start, end]``."""

    def __init__(self, store: Store, evaluator: AlertEvaluator) -> None:
        self._store, self._evaluator = store, evaluator

    # --- data -------------------------------------------------------------------------------------
    def _filter_lines(
        self, project: str, part: Raw, secondary: Raw | None, start: int, end: int, drawing: _Drawing
    ) -> tuple[list[Line], str]:
        specs: list[AggregationSpec] = []
        period = chart_period_ns(start, end, drawing.min_period_ns)
        for aggregation in (part.aggregation if part.HasField("aggregation") else None, secondary):
            spec = spec_from_pb(_with_period(aggregation, period)) if aggregation is not None else None
            if spec is not None:
                specs.append(spec)
        text = expand(part.filter, drawing.variables)
        data, unit = query_series(self._store, project, parse_filter(text), specs, start, end)
        legend_template = drawing.legend_template
        lines: list[Line] = []
        for series in data:
            labels = {f"metric.labels.{k}": v for k, v in series.metric_labels.items()}
            labels |= {f"resource.labels.{k}": v for k, v in series.resource_labels.items()}
            name = (
                fill(legend_template, labels)
                if legend_template
                else ", ".join(series.metric_labels.values()) or series.metric_type.rsplit("/", 1)[-1]
            )
            lines.append((name, [(t, typed_number(v)) for t, _, v in series.points]))
        return lines, unit

    def query_lines(
        self,
        project: str,
        query: Raw,
        start: int,
        end: int,
        legend_template: str = "",
        variables: Variables | None = None,
        min_period_ns: int = 0,
    ) -> tuple[list[Line], str]:
        """The lines a dashboard query draws: its filter (or ratio) with its own aggregations."""
        source = query.WhichOneof("source")
        drawing = _Drawing(legend_template, variables or {}, min_period_ns)
        if source == "time_series_filter":
            tsf = query.time_series_filter
            secondary = tsf.secondary_aggregation if tsf.HasField("secondary_aggregation") else None
            return self._filter_lines(project, tsf, secondary, start, end, drawing)
        if source == "time_series_filter_ratio":
            ratio = query.time_series_filter_ratio
            numerator, _ = self._filter_lines(project, ratio.numerator, None, start, end, drawing)
            denominator, _ = self._filter_lines(project, ratio.denominator, None, start, end, drawing)
            totals = {t: v for _, points in denominator for t, v in points}
            return [
                (label or "ratio", [(t, v / totals[t]) for t, v in points if totals.get(t)])
                for label, points in numerator
            ], "ratio"
        return [], ""

    # --- widgets ----------------------------------------------------------------------------------
    def _heatmap(
        self, project: str, data_set: Raw, start: int, end: int, size: tuple[int, int], variables: Variables
    ) -> str:
        """A HEATMAP data set: the distributions its query returns, bucket by bucket over time."""
        query = data_set.time_series_query
        if query.WhichOneof("source") != "time_series_filter":
            return '<p class="empty">A heatmap needs a time series filter.</p>'
        tsf = query.time_series_filter
        period = chart_period_ns(start, end, duration_ns(data_set.min_alignment_period))
        aggregation = _with_period(tsf.aggregation, period) if tsf.HasField("aggregation") else None
        specs = [s for s in (spec_from_pb(aggregation) if aggregation is not None else None,) if s is not None]
        text = expand(tsf.filter, variables)
        data, unit = query_series(self._store, project, parse_filter(text), specs, start, end)
        columns: list[Column] = []
        for series in data:
            for t, _, value in series.points:
                if value.WhichOneof("value") == "distribution_value":
                    dist = value.distribution_value
                    columns.append((t, bucket_bounds(dist.bucket_options), list(dist.bucket_counts)))
        if not columns:
            return '<p class="empty">No distribution data for this query in the selected range.</p>'
        return heatmap(columns, start, end, unit, *size)

    def _xy(self, project: str, chart: Raw, start: int, end: int, size: tuple[int, int], variables: Variables) -> str:
        width, height = size
        if chart.data_sets and chart.data_sets[0].plot_type == _HEATMAP:
            return self._heatmap(project, chart.data_sets[0], start, end, size, variables)
        lines: list[Line] = []
        unit = ""
        stacked = False
        for data_set in chart.data_sets:
            found, unit = self.query_lines(
                project,
                data_set.time_series_query,
                start,
                end,
                data_set.legend_template,
                variables,
                duration_ns(data_set.min_alignment_period),
            )
            lines += found
            stacked = stacked or data_set.plot_type in _STACKED
        label = chart.y_axis.label or unit
        thresholds = [t.value for t in chart.thresholds]
        if not any(points for _, points in lines):
            return f'<p class="empty">No data for this query in the selected range.</p>{legend(lines)}'
        return line_chart(lines, start, end, label, thresholds, width, height, stacked) + legend(lines)

    def _scorecard(self, project: str, card: Raw, start: int, end: int, variables: Variables) -> str:
        lines, unit = self.query_lines(project, card.time_series_query, start, end, variables=variables)
        points = sorted(p for _, ps in lines for p in ps)
        if not points:
            return '<p class="empty">No data in the selected range.</p>'
        value = points[-1][1]
        css = ""
        for threshold in card.thresholds:
            beyond = value > threshold.value if threshold.direction == 1 else value < threshold.value
            if beyond:
                css = "red" if threshold.color == _RED else (css or "yellow")
        share = unit in ("ratio", "1") and 0 <= value <= 1
        shown = f"{value:.1%}" if share or _is_share(card.time_series_query) else f"{value:.4g} {e(unit)}"
        return f'<div class="score {css}">{shown}</div>{sparkline(points)}'

    def alert_chart(
        self, project: str, name: str, start: int, end: int, width: int, height: int, condition_name: str = ""
    ) -> str:
        """An alert policy's open incidents and the chart of one of its threshold conditions (the
        one named ``condition_name``, else the first) against its threshold."""
        ident = name.rsplit("/", 1)[-1]
        body = self._store.get_object("alert_policy", project, ident)
        if body is None:
            return f'<p class="empty">Alert policy {e(name)} does not exist.</p>'
        policy = alert.AlertPolicy.pb().FromString(body)
        open_now = [
            i for i in self._evaluator.incidents() if i["policy"].endswith(f"/{ident}") and i["state"] == "open"
        ]
        css = "open" if open_now else "closed"
        status = f'<p class="{css}">{len(open_now)} open incident(s) · {e(policy.display_name)}</p>'
        named = [c for c in policy.conditions if condition_name and c.name == condition_name]
        condition = named[0] if named else (policy.conditions[0] if policy.conditions else None)
        if condition is None or not condition.HasField("condition_threshold"):
            return status
        threshold = condition.condition_threshold
        specs = [s for s in (spec_from_pb(a) for a in threshold.aggregations) if s is not None]
        data, unit = query_series(self._store, project, parse_filter(threshold.filter), specs, start, end)
        label = condition.display_name if len(policy.conditions) > 1 else "value"
        lines: list[Line] = [
            (", ".join(s.metric_labels.values()) or label, [(t, typed_number(v)) for t, _, v in s.points]) for s in data
        ]
        if threshold.denominator_filter:
            dspecs = [s for s in (spec_from_pb(a) for a in threshold.denominator_aggregations) if s is not None]
            denominator, _ = query_series(
                self._store, project, parse_filter(threshold.denominator_filter), dspecs, start, end
            )
            totals = {t: typed_number(v) for s in denominator for t, _, v in s.points}
            lines = [(label, [(t, v / totals[t]) for t, v in points if totals.get(t)]) for label, points in lines]
            unit = "share"  # numerator over denominator: what the threshold is compared with
        chart = (
            line_chart(lines, start, end, unit, [threshold.threshold_value], width, height)
            if any(p for _, p in lines)
            else '<p class="empty">No data.</p>'
        )
        return status + chart

    def widget(
        self,
        project: str,
        widget: Raw,
        start: int,
        end: int,
        width: int,
        height: int,
        variables: Variables | None = None,
    ) -> str:
        """One widget as HTML; ``variables``: what the dashboard's template variables stand for
        (``_dashboard_variables.terms`` of its ``dashboardFilters``), none by default."""
        content = widget.WhichOneof("content")
        title = f"<h2>{e(widget.title)}</h2>" if widget.title else ""
        given = variables or {}
        try:
            if content == "xy_chart":
                inner = self._xy(project, widget.xy_chart, start, end, (width, height), given)
            elif content == "scorecard":
                inner = self._scorecard(project, widget.scorecard, start, end, given)
            elif content in _GROUPS:  # a group's tile spans its members, drawn as tiles of their own
                inner = ""
                title = f'<h2 class="group">{e(widget.title or widget.section_header.subtitle)}</h2>'
            elif content == "text":
                inner = "".join(
                    f"<h2>{e(line.lstrip('#').strip())}</h2>" if line.startswith("#") else f"<p>{e(line)}</p>"
                    for line in widget.text.content.splitlines()
                    if line.strip()
                )
            elif content == "alert_chart":
                inner = self.alert_chart(project, widget.alert_chart.name, start, end, width, height - 30)
            elif content == "incident_list":
                names = {n.rsplit("/", 1)[-1] for n in widget.incident_list.policy_names}
                chosen = [
                    i
                    for i in self._evaluator.incidents()
                    if i["scoping_project_id"] == project and (not names or i["policy"].rsplit("/", 1)[-1] in names)
                ]
                inner = incident_rows(chosen)
            else:
                inner = f'<p class="empty">{e(content)} widgets are not drawn by the local console.</p>'
        except (ApiError, FilterError) as err:
            inner = f'<p class="empty">This widget\'s query fails: {e(err)}</p>'
        return f'<div class="widget" data-kind="{e(content)}">{title}{inner}</div>'
