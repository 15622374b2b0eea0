"""How the console lays out group widgets: a group's title band above its members, one member of
a single-view group, everything below a band moved down a row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api import metric_pb2
from google.cloud.monitoring_dashboard_v1.types import dashboard, dashboard_filter, layouts
from google.cloud.monitoring_v3.types import common

from helios_metrics.contract.units import NS
from helios_metrics.monitoring_emulator._console_mosaic import mosaic_tiles, shown
from helios_metrics.monitoring_emulator._console_widgets import Widgets
from helios_metrics.monitoring_emulator._series import SeriesKey
from helios_metrics.monitoring_emulator._store import Store

TILE = layouts.MosaicLayout.Tile.pb()
MD = metric_pb2.MetricDescriptor
PROJECT = "p-mosaic"


def tile(kind: str, x: int, y: int, width: int, height: int, title: str = "") -> object:
    made = TILE(x_pos=x, y_pos=y, width=width, height=height)
    made.widget.title = title or kind
    getattr(made.widget, kind).SetInParent()
    return made


def test_a_collapsible_groups_band_sits_above_its_members_and_pushes_the_rest_down():
    tiles = [
        tile("collapsible_group", 0, 0, 48, 24, "first"),
        tile("xy_chart", 0, 0, 16, 12, "a"),
        tile("xy_chart", 16, 12, 16, 12, "b"),
        tile("collapsible_group", 0, 24, 48, 24, "second"),
        tile("xy_chart", 0, 24, 16, 12, "c"),
    ]
    assert [(t.widget.title, row, rows) for t, row, rows in shown(tiles)] == [
        ("first", 0, 1),
        ("a", 1, 12),
        ("b", 13, 12),
        ("second", 25, 1),
        ("c", 26, 12),
    ]


def test_a_single_view_group_shows_its_first_member_only():
    tiles = [
        tile("single_view_group", 0, 0, 24, 16, "views"),
        tile("time_series_table", 0, 0, 24, 16, "enforced"),
        tile("time_series_table", 0, 0, 24, 16, "dry run"),
        tile("xy_chart", 24, 0, 24, 16, "beside"),
    ]
    assert [(t.widget.title, row) for t, row, _ in shown(tiles)] == [
        ("views", 0),
        ("enforced", 1),
        ("beside", 1),
    ]


def test_a_layout_without_groups_is_drawn_as_stored():
    tiles = [tile("xy_chart", 0, 0, 24, 16), tile("section_header", 0, 16, 48, 1), tile("scorecard", 24, 17, 24, 8)]
    assert [(row, rows) for _, row, rows in shown(tiles)] == [(0, 16), (16, 1), (17, 8)]


METRIC = "custom.googleapis.com/helios/runs"
END = 1_700_000_000 * NS


@pytest.fixture
def store() -> Iterator[Store]:
    db = Store()
    for task in ("a", "b"):
        key = SeriesKey.of(PROJECT, METRIC, {}, "generic_task", {"project_id": PROJECT, "task_id": task})
        with db.change() as change:
            series = change.new_series(key, MD.GAUGE, MD.DOUBLE)
            rows = []
            for minute in range(30, 0, -1):
                value = common.TypedValue.pb()(double_value=1.0)
                at = END - minute * 60 * NS
                rows.append((series, at, at, value.SerializeToString()))
            change.add_points(rows)
    yield db
    db.close()


def board(with_value: str) -> object:
    made = dashboard.Dashboard.pb()(display_name="d")
    made.dashboard_filters.add(
        filter_type=dashboard_filter.DashboardFilter.FilterType.RESOURCE_LABEL,
        label_key="task_id",
        template_variable="task",
        string_value=with_value,
    )
    made.mosaic_layout.columns = 12
    chart = made.mosaic_layout.tiles.add(width=12, height=8).widget.xy_chart.data_sets.add()
    chart.legend_template = "task ${resource.labels.task_id}"
    query = chart.time_series_query.time_series_filter
    query.filter = f'metric.type="{METRIC}" resource.type="generic_task" ${{task}}'
    query.aggregation.per_series_aligner = common.Aggregation.Aligner.ALIGN_MEAN  # no period: the chart picks one
    return made


@pytest.mark.parametrize(
    ("default", "query", "lines"),
    [
        ("a", {}, ["a"]),  # the filter's value
        ("a", {"var.task": ["b"]}, ["b"]),  # overridden, as the variable menu does
        ("", {}, ["a", "b"]),  # no value: every series
    ],
)
def test_template_variables_stand_for_the_values_the_dashboard_gives_them(store, default, query, lines):
    widgets = Widgets(store, evaluator=None)  # only alert charts and incident lists ask the evaluator
    html = mosaic_tiles(widgets, PROJECT, board(default), (END - 3600 * NS, END), query, (1200, 20))
    assert "fails" not in html
    assert html.count("<polyline") == len(lines)
    assert [label for label in ("a", "b") if f"task {label}" in html] == lines
