"""The two dashboards, pure: "Helios" (the design's six panels) and "Helios — Performance
Intelligence" (stage trends, resources, optimization opportunities, success predictions — the
next hour's and the next six hours' forecast with its 80 % and 95 % intervals and the realised
rate, from ``pipeline_success_forecast_band`` — collector health: its completed runs — the
heartbeat "collector has not completed a run" watches — dead letters and write errors; then the
success SLO). Mosaic layouts of 48 columns, every chart
reducing across the collector's ``task_id``.

Distributions are merged with ALIGN_SUM and then read with a percentile or mean reducer, so the
percentiles are those of all runs, whichever collector instance wrote them.

The success SLO's row charts what Cloud Monitoring computes for it through its SLO selectors —
``select_slo_compliance``, ``select_slo_budget_fraction``, ``select_slo_burn_rate`` — naming the
SLO by reference (resolved when applied): the error budget left now, compliance and budget left
over the period, and the burn rate over each window of the burn-rate policies beside that
policy's threshold. The windows and thresholds are the policies' own
(:func:`helios_metrics.setup_infra.burn_rate.burn_alerts`, derived from the objective and the store's volume),
so a chart and the page it explains cannot disagree.
"""

from __future__ import annotations

from typing import Any

from helios_metrics.contract.catalog import spec

from .burn_rate import SLO_REF, burn_alerts, span
from .config import InfraConfig
from .model import DASHBOARD_IDS, MANAGED_BY, Resource, ref
from .policy_parts import metric_filter, policy_keys, reduced
from .slo_math import Window

__all__ = ["COLUMNS", "DASHBOARD_IDS", "dashboards"]

COLUMNS = 48
_HALF, _HEIGHT = 24, 16
_OPPORTUNITIES = (
    "pipeline-execution-time",
    "pipeline-success-rate",
    "slo-fast-burn",
    "slo-slow-burn",
    "slo-ticket",
    "stage-error-rate",
    "resource-utilization",
    "resource-forecast",
)
"""The policies whose open incidents are optimization opportunities — those the alerting mode creates."""
_BURN_AXIS = "burn rate (1 = on budget)"
_BAND = "pipeline_success_forecast_band"
_BAND_LEGENDS = {  # short enough for the six to fit one legend row of a half-width chart
    "forecast": "forecast",
    "low_80": "80 % low",
    "high_80": "80 % high",
    "low_95": "95 % low",
    "high_95": "95 % high",
    "realised": "realised",
}


def _query(
    metric: str, period_s: int = 60, reducer: str | None = None, by: tuple[str, ...] = (), **labels: str
) -> dict:
    return {
        "time_series_filter": {
            "filter": metric_filter(metric, **labels),
            "aggregation": reduced(metric, period_s, reducer, by),
        }
    }


def _line(query: dict[str, Any], legend: str = "") -> dict[str, Any]:
    data_set: dict[str, Any] = {"time_series_query": query, "plot_type": "LINE", "min_alignment_period": "60s"}
    if legend:
        data_set["legend_template"] = legend
    return data_set


def _chart(title: str, data_sets: list[dict[str, Any]], y_label: str, threshold: float | None = None) -> dict:
    chart: dict[str, Any] = {"data_sets": data_sets, "y_axis": {"label": y_label, "scale": "LINEAR"}}
    if threshold is not None:
        chart["thresholds"] = [{"value": threshold}]
    return {"title": title, "xy_chart": chart}


def _tiles(*sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two widgets a row, each half the 48 columns; each section starts on a row of its own."""
    tiles: list[dict[str, Any]] = []
    row = 0
    for widgets in sections:
        for i, widget in enumerate(widgets):
            tiles.append(
                {
                    "x_pos": (i % 2) * _HALF,
                    "y_pos": (row + i // 2) * _HEIGHT,
                    "width": _HALF,
                    "height": _HEIGHT,
                    "widget": widget,
                }
            )
        row += -(-len(widgets) // 2)
    return tiles


def _board(key: str, name: str, *sections: list[dict[str, Any]]) -> Resource:
    layout = {"columns": COLUMNS, "tiles": _tiles(*sections)}
    return Resource("dashboard", key, {"display_name": name, "mosaic_layout": layout, "labels": MANAGED_BY})


def _selector(function: str, period_s: int, lookback_s: int | None = None) -> dict[str, Any]:
    """A query of the success SLO's selector ``function``: one value per ``period_s``."""
    arguments = f'"{SLO_REF}"' + (f', "{lookback_s}s"' if lookback_s is not None else "")
    return {
        "time_series_filter": {
            "filter": f"{function}({arguments})",
            "aggregation": {"alignment_period": f"{period_s}s", "per_series_aligner": "ALIGN_NEXT_OLDER"},
        }
    }


def _burn(window: Window, role: str) -> dict[str, Any]:
    """One burn-rate line: the SLO's burn over the window, named with the threshold it is held to."""
    query = _selector("select_slo_burn_rate", 60, window.lookback_s)
    return _line(query, f"over {span(window.lookback_s)} ({role} above {window.burn:g})")


def _forecast_chart(horizon: str, title: str, target: float) -> dict[str, Any]:
    """The success forecast over ``horizon`` (1h, 6h) from its band: the forecast, the bounds of
    its 80 % and 95 % intervals, and the success share realised over the horizon just ended —
    which, at any instant, is what the forecast drawn one horizon earlier aimed at."""
    (values,) = [label.values for label in spec(_BAND).labels if label.key == "line"]
    lines = [_line(_query(_BAND, 300, horizon=horizon, line=line), _BAND_LEGENDS[line]) for line in values]
    return _chart(title, lines, "success probability", target)


def _slo_widgets(config: InfraConfig) -> list[dict[str, Any]]:
    """The success SLO: its budget left now, compliance and budget left over the period, and the
    burn rate of each burn-rate policy's windows beside its thresholds."""
    a = config.alerts
    fast, slow, ticket = burn_alerts(config)
    period = f"{a.slo_period_days}-day"
    slow_windows = [slow.long] + ([slow.short] if slow.short is not None else [])
    slow_burns = sorted({w.burn for w in slow_windows})
    return [
        {
            "title": f"Success SLO: error budget left of the {period} period",
            "scorecard": {
                "time_series_query": _selector("select_slo_budget_fraction", 300),
                "spark_chart_view": {"spark_chart_type": "SPARK_LINE"},
                "thresholds": [
                    {"value": 0.0, "color": "RED", "direction": "BELOW"},
                    {"value": 0.25, "color": "YELLOW", "direction": "BELOW"},
                ],
            },
        },
        _chart(
            f"Success SLO: compliance over the {period} period (objective {a.success_rate:.0%})",
            [_line(_selector("select_slo_compliance", 300), "good runs / all runs")],
            "share of runs",
            a.success_rate,
        ),
        _chart(
            f"Success SLO: error budget left over the {period} period",
            [_line(_selector("select_slo_budget_fraction", 300), "budget left")],
            "share of the budget",
            0.0,
        ),
        _chart(
            f"Burn rate: fast page over {span(fast.long.lookback_s)} (above {fast.long.burn:g})",
            [_burn(fast.long, "page")],
            _BURN_AXIS,
            fast.long.burn,
        ),
        {
            "title": "Burn rate: slow page over "
            + " and ".join(f"{span(w.lookback_s)} (above {w.burn:g})" for w in slow_windows),
            "xy_chart": {
                "data_sets": [_burn(w, "page") for w in slow_windows],
                "y_axis": {"label": _BURN_AXIS, "scale": "LINEAR"},
                "thresholds": [{"value": burn} for burn in slow_burns],
            },
        },
        _chart(
            f"Burn rate: ticket over {span(ticket.long.lookback_s)} (above {ticket.long.burn:g})",
            [_burn(ticket.long, "ticket")],
            _BURN_AXIS,
            ticket.long.burn,
        ),
    ]


def _main(config: InfraConfig) -> Resource:
    a = config.alerts
    execution = [
        _line(_query("pipeline_execution_time", reducer=f"REDUCE_PERCENTILE_{p}"), f"p{p}") for p in ("50", "95", "99")
    ]
    success_rate = {
        "time_series_filter_ratio": {
            "numerator": {
                "filter": metric_filter("pipeline_runs", status="success"),
                "aggregation": reduced("pipeline_runs", a.rate_window_s),
            },
            "denominator": {
                "filter": metric_filter("pipeline_runs"),
                "aggregation": reduced("pipeline_runs", a.rate_window_s),
            },
        }
    }
    scores = [
        ("trend_opportunity_score", "Trend opportunity score"),
        ("audience_confidence", "Audience confidence"),
        ("design_generation_success", "Design generation success"),
        ("publication_success", "Publication success"),
    ]
    widgets = [
        _chart("Pipeline execution time (p50 / p95 / p99)", execution, "seconds", a.execution_time_s),
        {
            "title": f"Success rate (last {a.rate_window_s // 60} min)",
            "scorecard": {
                "time_series_query": success_rate,
                "spark_chart_view": {"spark_chart_type": "SPARK_LINE"},
                "thresholds": [{"value": a.success_rate, "color": "RED", "direction": "BELOW"}],
            },
        },
        *(
            _chart(title, [_line(_query(metric, reducer="REDUCE_MEAN"), "mean")], "score (0–1)")
            for metric, title in scores
        ),
    ]
    return _board(DASHBOARD_IDS[0], config.prefix, widgets)


def _performance(config: InfraConfig) -> Resource:
    a = config.alerts
    stage_p95 = _line(_query("stage_duration", reducer="REDUCE_PERCENTILE_95", by=("stage",)), "${metric.labels.stage}")
    resources = _line(_query("resource_utilization", by=("resource",)), "${metric.labels.resource}")
    lag = _line(_query("collector_lag", reducer="REDUCE_PERCENTILE_95"), "p95")
    dead = _line(_query("collector_events", outcome="dead_lettered"), "dead-lettered events")
    write_errors = _line(_query("collector_write_errors", by=("kind",)), "${metric.labels.kind}")
    heartbeats = _line(_query("collector_runs"), "completed runs")
    made = set(policy_keys(config))
    opportunities = {
        "title": "Optimization opportunities: open incidents",
        "incident_list": {"policy_names": [ref("alert_policy", key) for key in _OPPORTUNITIES if key in made]},
    }
    failed_stages = _line(_query("stage_runs", period_s=300, by=("stage",), status="failure"), "${metric.labels.stage}")
    errors = (  # the static warning's chart, else the failed stage runs a burn-rate page's runbook looks at
        {"title": "Stage errors (alert)", "alert_chart": {"name": ref("alert_policy", "stage-error-rate")}}
        if "stage-error-rate" in made
        else _chart("Stage errors: failed stage runs by stage (5 min)", [failed_stages], "failed runs")
    )
    widgets = [
        _chart("Performance trends: stage duration p95 by stage", [stage_p95], "seconds"),
        _chart("Resource utilization", [resources], "utilization (0–1)", a.resource_utilization),
        opportunities,
        {"title": "Slow runs (alert)", "alert_chart": {"name": ref("alert_policy", "pipeline-execution-time")}},
        _forecast_chart("1h", "Success predictions: next hour", a.success_rate),  # the legend names the six lines
        _forecast_chart("6h", "Success predictions: next 6 hours", a.success_rate),
        errors,
        _chart("Collector lag (p95)", [lag], "seconds"),
        {
            "title": "Run time distribution (hourly heatmap)",
            "xy_chart": {
                "data_sets": [
                    {"time_series_query": _query("pipeline_execution_time", period_s=3600), "plot_type": "HEATMAP"}
                ],
                "y_axis": {"label": "seconds", "scale": "LINEAR"},
            },
        },
        _chart(
            "Collector health: completed runs, dead letters and write errors",
            [heartbeats, dead, write_errors],
            "runs / events / points",
        ),
    ]
    return _board(DASHBOARD_IDS[1], f"{config.prefix} — Performance Intelligence", widgets, _slo_widgets(config))


def dashboards(config: InfraConfig) -> list[Resource]:
    return [_main(config), _performance(config)]
