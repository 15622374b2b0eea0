"""The two dashboards, pure: "Helios" (the seed's six panels) and "Helios — Performance
Intelligence" (stage trends, resources, optimization opportunities, success predictions, collector
health: its completed runs — the heartbeat "collector has not completed a run" watches — dead
letters and write errors). Mosaic layouts of 48 columns, every chart reducing across the collector's ``task_id``.

Distributions are merged with ALIGN_SUM and then read with a percentile or mean reducer, so the
percentiles are those of all runs, whichever collector instance wrote them.
"""

from __future__ import annotations

from typing import Any

from .config import InfraConfig
from .model import MANAGED_BY, Resource, ref
from .policies import metric_filter, reduced

__all__ = ["COLUMNS", "DASHBOARD_IDS", "dashboards"]

COLUMNS = 48
DASHBOARD_IDS = ("helios-main", "helios-performance")
_HALF, _HEIGHT = 24, 16


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


def _tiles(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two widgets a row, each half the 48 columns."""
    return [
        {"x_pos": (i % 2) * _HALF, "y_pos": (i // 2) * _HEIGHT, "width": _HALF, "height": _HEIGHT, "widget": widget}
        for i, widget in enumerate(widgets)
    ]


def _board(key: str, name: str, widgets: list[dict[str, Any]]) -> Resource:
    body = {"display_name": name, "mosaic_layout": {"columns": COLUMNS, "tiles": _tiles(widgets)}, "labels": MANAGED_BY}
    return Resource("dashboard", key, body)


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
    forecast = _line(_query("pipeline_success_forecast", period_s=300), "forecast")
    lag = _line(_query("collector_lag", reducer="REDUCE_PERCENTILE_95"), "p95")
    dead = _line(_query("collector_events", outcome="dead_lettered"), "dead-lettered events")
    write_errors = _line(_query("collector_write_errors", by=("kind",)), "${metric.labels.kind}")
    heartbeats = _line(_query("collector_runs"), "completed runs")
    opportunities = {
        "title": "Optimization opportunities: open incidents",
        "incident_list": {
            "policy_names": [
                ref("alert_policy", key)
                for key in (
                    "pipeline-execution-time",
                    "pipeline-success-rate",
                    "stage-error-rate",
                    "resource-utilization",
                )
            ]
        },
    }
    widgets = [
        _chart("Performance trends: stage duration p95 by stage", [stage_p95], "seconds"),
        _chart("Resource utilization", [resources], "utilization (0–1)", a.resource_utilization),
        opportunities,
        {"title": "Slow runs (alert)", "alert_chart": {"name": ref("alert_policy", "pipeline-execution-time")}},
        {"title": "Stage errors (alert)", "alert_chart": {"name": ref("alert_policy", "stage-error-rate")}},
        _chart("Success predictions: forecast success probability", [forecast], "probability", a.success_rate),
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
    return _board(DASHBOARD_IDS[1], f"{config.prefix} — Performance Intelligence", widgets)


def dashboards(config: InfraConfig) -> list[Resource]:
    return [_main(config), _performance(config)]
