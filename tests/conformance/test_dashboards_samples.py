"""Classes 6, 7, 8 and 9 on dashboards — Google's published dashboards are accepted as written and
read back unchanged: charts with an aligner but no alignmentPeriod, collapsible groups spanning the
tiles they group, PromQL widgets, ``${var}`` template variables, quoted label keys, group-by on
``metadata.system_labels."name"``.

Sources: GoogleCloudPlatform/monitoring-dashboard-samples ``dashboards/**`` (trimmed copies under
samples/monitoring-dashboard-samples/dashboards, see samples/README.md); the shapes below each
name the sample they come from. The installed dashboards client predates some fields the samples
carry (``breakdowns``, ``dimensions``, ``measures``, ``displayHorizontal``…), so samples are read
with ``ignore_unknown_fields=True``, as a Python user of that client must.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from google.cloud import monitoring_dashboard_v1

from ._api import Monitoring
from ._data import SAMPLES, sample

Dashboard = monitoring_dashboard_v1.Dashboard
DASHBOARDS = sorted(
    str(path.relative_to(SAMPLES)) for path in (SAMPLES / "monitoring-dashboard-samples/dashboards").glob("*.json")
)


def _pruned(value: Any) -> Any:
    """Without empty messages and lists (a server may fill in an empty ``secondaryAggregation``)."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _queries(widget: dict[str, Any]) -> list[Any]:
    """Every time-series query a widget holds (charts' and tables' data sets, a scorecard's)."""
    kind = next((k for k in widget if k not in ("title", "id")), None)
    body = widget.get(kind, {}) if kind else {}
    found = [data_set.get("time_series_query") for data_set in body.get("data_sets", [])]
    if "time_series_query" in body:
        found.append(body["time_series_query"])
    return found


def _layout(dashboard: Dashboard) -> dict[str, Any]:
    """What a dashboard shows: its title and filters, each tile's place and widget (title, kind,
    queries exactly as written). Defaults Google fills in on read (a data set's target axis, a
    chart's timeshift) are left out of the comparison (reference/provisioning_alerting.md)."""
    as_dict = Dashboard.to_dict(dashboard, always_print_fields_with_no_presence=False)
    if "mosaic_layout" in as_dict:
        tiles = [
            ({k: tile.get(k, 0) for k in ("x_pos", "y_pos", "width", "height")}, tile.get("widget", {}))
            for tile in as_dict["mosaic_layout"].get("tiles", [])
        ]
    else:
        tiles = [({}, widget) for widget in as_dict.get("grid_layout", {}).get("widgets", [])]
    return {
        "display_name": as_dict.get("display_name"),
        "dashboard_filters": _pruned(as_dict.get("dashboard_filters", [])),
        "tiles": [
            (
                place,
                widget.get("title"),
                sorted(k for k in widget if k not in ("title", "id")),
                _pruned(_queries(widget)),
            )
            for place, widget in tiles
        ],
    }


def _create(api: Monitoring, dashboard: Dashboard) -> Dashboard:
    created = api.dashboards.create_dashboard(parent=api.project_name, dashboard=dashboard)
    assert re.fullmatch(r"projects/\d+/dashboards/[^/]+", created.name), created.name
    return created


def test_there_are_enough_dashboard_samples():
    assert len(DASHBOARDS) >= 5


@pytest.mark.parametrize("path", DASHBOARDS, ids=[Path(p).stem for p in DASHBOARDS])
def test_sample_dashboard_is_accepted_and_reads_back(api: Monitoring, path: str):
    """CreateDashboard of the sample; GetDashboard returns its layout, filters and title unchanged."""
    dashboard = Dashboard.from_json(sample(path), ignore_unknown_fields=True)
    created = _create(api, dashboard)
    fetched = api.dashboards.get_dashboard(name=created.name)
    assert _layout(fetched) == _layout(dashboard)


def _chart(time_series_filter: dict[str, Any], title: str = "chart") -> dict[str, Any]:
    return {
        "title": title,
        "xy_chart": {"data_sets": [{"time_series_query": {"time_series_filter": time_series_filter}}]},
    }


def _grid(*widgets: dict[str, Any], filters: list[dict[str, Any]] | None = None) -> Dashboard:
    return Dashboard(display_name="shape", grid_layout={"widgets": list(widgets)}, dashboard_filters=filters or [])


# Each shape is one widget of a published dashboard, in a grid of its own.
SHAPES: dict[str, Dashboard] = {
    # compute/cloudrun-monitoring.json "Request Count": an aligner, a reducer, no alignmentPeriod
    "aligner_without_alignment_period": _grid(
        _chart(
            {
                "filter": 'metric.type="run.googleapis.com/request_count" resource.type="cloud_run_revision"',
                "aggregation": {"per_series_aligner": "ALIGN_RATE", "cross_series_reducer": "REDUCE_COUNT"},
                "secondary_aggregation": {},
            }
        )
    ),
    # apache/apache-gce-overview.json "Request Rate": a secondary aggregation with an aligner, no period
    "secondary_aligner_without_alignment_period": _grid(
        _chart(
            {
                "filter": 'metric.type="workload.googleapis.com/apache.requests" resource.type="gce_instance"',
                "aggregation": {"alignment_period": "60s", "per_series_aligner": "ALIGN_RATE"},
                "secondary_aggregation": {"per_series_aligner": "ALIGN_MEAN"},
            }
        )
    ),
    # gemini-cli/gemini-cli-monitoring.json "Tokens": quoted label key in filter and group-by
    "quoted_label_keys": _grid(
        _chart(
            {
                "filter": 'metric.type="custom.googleapis.com/gemini_cli/gemini_cli.token.usage" '
                'metric.label."type"!="tool"',
                "aggregation": {
                    "alignment_period": "60s",
                    "per_series_aligner": "ALIGN_DELTA",
                    "cross_series_reducer": "REDUCE_SUM",
                    "group_by_fields": ['metric.label."type"'],
                },
            }
        )
    ),
    # GCE agent charts ("NIC Traffic Rate" by VM): group by metadata.system_labels."name"
    "group_by_system_label": _grid(
        _chart(
            {
                "filter": 'metric.type="agent.googleapis.com/interface/traffic" resource.type="gce_instance" '
                'metric.label."device"!="lo"',
                "aggregation": {
                    "alignment_period": "60s",
                    "per_series_aligner": "ALIGN_RATE",
                    "cross_series_reducer": "REDUCE_SUM",
                    "group_by_fields": ['metric.label."device"', 'metadata.system_labels."name"'],
                },
            }
        )
    ),
    # a chart filtered on a VM's user label, as the filters reference allows in chart filters
    "filter_on_user_label": _grid(
        _chart(
            {
                "filter": 'metric.type="compute.googleapis.com/instance/cpu/utilization" resource.type="gce_instance" '
                'metadata.user_labels."env"="prod"',
                "aggregation": {"alignment_period": "60s", "per_series_aligner": "ALIGN_MEAN"},
            }
        )
    ),
    # apache/apache-prometheus-overview.json: dashboard filters with template variables, used as
    # whole clauses of a chart's filter
    "template_variables_in_filters": _grid(
        _chart(
            {
                "filter": 'metric.type="kubernetes.io/container/cpu/core_usage_time" resource.type="k8s_container" '
                "${Cluster} ${Namespace}",
                "aggregation": {"alignment_period": "60s", "per_series_aligner": "ALIGN_RATE"},
            }
        ),
        filters=[
            {"filter_type": "RESOURCE_LABEL", "label_key": "cluster_name", "template_variable": "Cluster"},
            {"filter_type": "RESOURCE_LABEL", "label_key": "namespace_name", "template_variable": "Namespace"},
        ],
    ),
    # apache/apache-prometheus-overview.json "Servers Up": PromQL with template variables
    "promql_with_template_variables": _grid(
        {
            "title": "Servers Up",
            "scorecard": {
                "time_series_query": {"prometheus_query": "count(apache_up{${Cluster},${Location},${Namespace}} == 1)"}
            },
        },
        filters=[
            {"filter_type": "RESOURCE_LABEL", "label_key": "cluster", "template_variable": "Cluster"},
            {"filter_type": "RESOURCE_LABEL", "label_key": "location", "template_variable": "Location"},
            {"filter_type": "RESOURCE_LABEL", "label_key": "namespace", "template_variable": "Namespace"},
        ],
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_dashboard_shape_is_accepted(api: Monitoring, shape: str):
    """Each shape Google publishes is created and read back unchanged."""
    dashboard = SHAPES[shape]
    created = _create(api, dashboard)
    assert _layout(api.dashboards.get_dashboard(name=created.name)) == _layout(dashboard)


def test_collapsible_groups_overlap_the_tiles_they_group(api: Monitoring):
    """gemini-cli-monitoring.json and claude-code-monitoring.json: a collapsibleGroup tile spans the
    full width over the tiles it groups (its rows are theirs); Google accepts the overlap."""
    dashboard = Dashboard(
        display_name="groups",
        mosaic_layout={
            "columns": 48,
            "tiles": [
                {"width": 48, "height": 20, "widget": {"title": "Adoption", "collapsible_group": {"collapsed": False}}},
                {"width": 24, "height": 12, "widget": {"title": "Sessions", "text": {"content": "a"}}},
                {"x_pos": 24, "width": 24, "height": 12, "widget": {"title": "Users", "text": {"content": "b"}}},
                {
                    "y_pos": 20,
                    "width": 48,
                    "height": 12,
                    "widget": {"title": "Spend", "collapsible_group": {"collapsed": True}},
                },
                {"y_pos": 20, "width": 48, "height": 12, "widget": {"title": "Cost", "text": {"content": "c"}}},
            ],
        },
    )
    created = _create(api, dashboard)
    assert _layout(api.dashboards.get_dashboard(name=created.name)) == _layout(dashboard)
