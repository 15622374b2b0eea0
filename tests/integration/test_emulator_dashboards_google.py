"""Dashboards shaped like Google's sample dashboards (monitoring-dashboard-samples): accepted as
Google accepts them, returned as written, and drawn by the console — collapsible and single-view
groups spanning their members, section headers, charts whose aligner names no period, ``${var}``
template variables with ``dashboardFilters``, group-by on quoted and metadata labels, PromQL and
MQL widgets."""

from __future__ import annotations

import re
import urllib.request

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_dashboard_v1 as dashboards_v1

from tests.helpers import HELIOS, minute_floor, series

RUNS = f"{HELIOS}/pipeline_runs"
SAMPLE_FILTER = f'metric.type="{RUNS}" resource.type="generic_task" ${{cluster_name}} ${{project_id}}'
NO_PERIOD = {"per_series_aligner": "ALIGN_MEAN", "cross_series_reducer": "REDUCE_SUM"}


@pytest.fixture
def client(factory):
    return factory.dashboards()


def xy(query: dict, title: str = "chart", **data_set) -> dict:
    return {"title": title, "xy_chart": {"data_sets": [{"time_series_query": query, "plot_type": "LINE", **data_set}]}}


def tsf(text: str = SAMPLE_FILTER, aggregation: dict | None = None, **more) -> dict:
    return {"time_series_filter": {"filter": text, "aggregation": aggregation or NO_PERIOD, **more}}


def tile(widget: dict, x: int = 0, y: int = 0, width: int = 6, height: int = 4) -> dict:
    return {"x_pos": x, "y_pos": y, "width": width, "height": height, "widget": widget}


def board(*tiles: dict, **fields) -> dashboards_v1.Dashboard:
    return dashboards_v1.Dashboard(
        {"display_name": "Sample", "mosaic_layout": {"columns": 12, "tiles": list(tiles)}, **fields}
    )


FILTERS = [
    {"filter_type": "RESOURCE_LABEL", "label_key": "project_id", "template_variable": "project_id"},
    {"filter_type": "RESOURCE_LABEL", "label_key": "cluster_name", "template_variable": "cluster_name"},
    {"filter_type": "RESOURCE_LABEL", "label_key": "location", "string_value": "global"},  # pinned, no variable
]


def gke_like() -> dashboards_v1.Dashboard:
    """The shapes of gke-compute-resources-cluster-view.json and its kin, on a Helios metric."""
    grouped = tsf(
        aggregation={"alignment_period": {"seconds": 60}, "per_series_aligner": "ALIGN_MEAN"},
        secondary_aggregation={
            "alignment_period": {"seconds": 60},
            "per_series_aligner": "ALIGN_MEAN",
            "cross_series_reducer": "REDUCE_SUM",
            "group_by_fields": ['resource.label."task_id"', 'metadata.system_labels."top_level_controller_name"'],
        },
    )
    mql = "fetch generic_task\n| metric '" + RUNS + "'\n| ${project_id}\n| ${cluster_name}\n| every 1m"
    return board(
        tile({"title": "Runs", "section_header": {"subtitle": "Pipeline", "divider_below": True}}, 0, 0, 12, 1),
        tile({"title": "Pipeline", "collapsible_group": {"collapsed": False}}, 0, 1, 12, 8),
        tile(xy(tsf(), "no period"), 0, 1),
        tile(xy(grouped, "by task"), 6, 1),
        tile(xy({"prometheus_query": "sum(rate(up{${cluster_name}}[5m]))"}, "promql"), 0, 5),
        tile({"title": "mql", "scorecard": {"time_series_query": {"time_series_query_language": mql}}}, 6, 5),
        tile({"title": "views", "single_view_group": {}}, 0, 9, 12, 4),
        tile(xy(tsf(f'metric.type="{RUNS}" AND resource.type="generic_task" AND ${{cluster_name}}'), "a"), 0, 9),
        tile(xy(tsf(f'metric.type="{RUNS}" resource.label.task_id="${{cluster_name.value}}"'), "b"), 0, 9),
        dashboard_filters=FILTERS,
    )


def test_a_dashboard_shaped_like_googles_samples_is_accepted_and_returned_as_written(client, project_id):
    created = client.create_dashboard(parent=f"projects/{project_id}", dashboard=gke_like())
    tiles = created.mosaic_layout.tiles
    assert [t.widget.title for t in tiles] == [t.widget.title for t in gke_like().mosaic_layout.tiles]
    chart = tiles[2].widget.xy_chart.data_sets[0].time_series_query.time_series_filter
    assert chart.filter == SAMPLE_FILTER  # variables kept as written
    assert "alignment_period" not in chart.aggregation  # no period invented
    grouped = tiles[3].widget.xy_chart.data_sets[0].time_series_query.time_series_filter.secondary_aggregation
    assert list(grouped.group_by_fields) == [
        'resource.label."task_id"',
        'metadata.system_labels."top_level_controller_name"',
    ]
    assert [f.template_variable for f in created.dashboard_filters] == ["project_id", "cluster_name", ""]
    assert client.get_dashboard(name=created.name) == created


@pytest.mark.parametrize(
    ("tiles", "message"),
    [
        ((tile(xy(tsf())), tile(xy(tsf()), 3, 2)), "The tile overlaps tile 0"),  # charts still may not overlap
        (
            (tile({"title": "g", "collapsible_group": {}}, 0, 0, 12, 4), tile(xy(tsf()), 8, 0, 6)),
            "extends past column 12",  # a group's members are ordinary tiles
        ),
        (
            (tile({"title": "v", "single_view_group": {}}), tile(xy(tsf())), tile(xy(tsf()), 3, 2)),
            "The tile overlaps tile 1",  # only the members of one single-view group share its place
        ),
        ((tile(xy(tsf('resource.type="generic_task" ${cluster_name}'))),), "must specify a metric.type"),
        ((tile(xy(tsf(f'metric.type="{RUNS}" ${{cluster_name}} AND ('))),), "invalid value"),
        (
            (tile(xy(tsf(aggregation={"per_series_aligner": "ALIGN_MEAN", "alignment_period": {"seconds": 30}}))),),
            "at least 60 seconds",  # a period that is given is still checked
        ),
    ],
)
def test_what_google_refuses_stays_refused(client, project_id, tiles, message):
    with pytest.raises(exceptions.InvalidArgument) as caught:
        client.create_dashboard(parent=f"projects/{project_id}", dashboard=board(*tiles))
    assert message in caught.value.message


def test_a_group_may_span_tiles_in_a_grid_of_48_columns_too(client, project_id):
    members = [tile(xy(tsf()), 24 * i, 1, 24, 16) for i in range(2)]
    group = tile({"title": "g", "collapsible_group": {"collapsed": True}}, 0, 0, 48, 17)
    created = client.create_dashboard(
        parent=f"projects/{project_id}",
        dashboard=dashboards_v1.Dashboard(
            {"display_name": "g", "mosaic_layout": {"columns": 48, "tiles": [group, *members]}}
        ),
    )
    assert created.mosaic_layout.tiles[0].widget.collapsible_group.collapsed is True


def test_the_console_draws_a_chart_whose_aligner_names_no_period_over_every_series(
    client, factory, monitoring, project_id
):
    end = minute_floor(60)
    tasks = [{"location": "global", "namespace": "helios", "job": "j", "task_id": t} for t in ("a", "b")]
    for minute in reversed(range(10)):
        factory.metric_service().create_time_series(
            name=f"projects/{project_id}",
            time_series=[series(1, end - 60 * minute, RUNS, {"status": "success"}, resource_labels=t) for t in tasks],
        )
    created = client.create_dashboard(
        parent=f"projects/{project_id}",
        dashboard=board(tile(xy(tsf(aggregation={"per_series_aligner": "ALIGN_MEAN"})))),
    )
    ident = created.name.rsplit("/", 1)[1]
    with urllib.request.urlopen(f"{monitoring.http_url}/dashboards/{project_id}/{ident}?range=1h", timeout=30) as page:
        body = page.read().decode()
    assert "fails" not in body
    assert len(re.findall(r"<polyline", body)) == 2  # one line a task: the variables left every series in
