"""DashboardsService through the official client: mosaic rules, etags, validate_only, and the
defaults the server adds on read (the cause of Terraform's perpetual dashboard diffs)."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_dashboard_v1 as dashboards_v1

from helios_metrics.contract import ClientFactory
from helios_metrics.monitoring_emulator._objects import Projects
from tests.helpers import declare_runs_metric

QUERY = {
    "time_series_filter": {
        "filter": 'metric.type = "custom.googleapis.com/helios/pipeline_runs" AND resource.type = "generic_task"',
        "aggregation": {"alignment_period": {"seconds": 60}, "per_series_aligner": "ALIGN_SUM"},
    }
}


@pytest.fixture
def client(factory: ClientFactory) -> dashboards_v1.DashboardsServiceClient:
    return factory.dashboards()


def chart(x: int = 0, y: int = 0, width: int = 24, height: int = 16, **widget) -> dict:
    body = widget or {"title": "Runs", "xy_chart": {"data_sets": [{"time_series_query": QUERY, "plot_type": "LINE"}]}}
    return {"x_pos": x, "y_pos": y, "width": width, "height": height, "widget": body}


def board(*tiles: dict, columns: int = 48, **fields) -> dashboards_v1.Dashboard:
    return dashboards_v1.Dashboard(
        {"display_name": "Helios", "mosaic_layout": {"columns": columns, "tiles": list(tiles) or [chart()]}, **fields}
    )


def rejected(call, **kwargs) -> exceptions.GoogleAPICallError:
    with pytest.raises(exceptions.GoogleAPICallError) as caught:
        call(**kwargs)
    return caught.value


def test_reads_carry_the_servers_defaults_a_new_etag_and_the_project_number(client, project_id):
    text = {"title": "Notes", "text": {"content": "# Helios"}}
    created = client.create_dashboard(parent=f"projects/{project_id}", dashboard=board(chart(), chart(x=24, **text)))
    assert created.name.startswith(f"projects/{Projects.number_of(project_id)}/dashboards/")
    assert len(created.etag) == 32
    xy = created.mosaic_layout.tiles[0].widget.xy_chart
    assert xy.data_sets[0].target_axis == dashboards_v1.XyChart.DataSet.TargetAxis.Y1
    assert xy.y_axis.scale == dashboards_v1.XyChart.Axis.Scale.LINEAR
    assert "chart_options" in xy
    assert "timeshift_duration" in xy
    assert "secondary_aggregation" in xy.data_sets[0].time_series_query.time_series_filter
    note = created.mosaic_layout.tiles[1].widget.text
    assert note.format_ == dashboards_v1.Text.Format.MARKDOWN
    assert "style" in note
    assert client.get_dashboard(name=created.name) == created


def test_update_needs_the_current_etag_and_every_write_changes_it(client, project_id):
    created = client.create_dashboard(parent=f"projects/{project_id}", dashboard=board())
    no_etag = dashboards_v1.Dashboard(created)
    no_etag.etag = ""
    error = rejected(client.update_dashboard, request={"dashboard": no_etag})
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == "Update Dashboard should specify a non empty etag."
    edited = dashboards_v1.Dashboard(created)
    edited.display_name = "Helios (edited)"
    updated = client.update_dashboard(request={"dashboard": edited})
    assert (updated.name, updated.display_name) == (created.name, "Helios (edited)")
    assert updated.etag != created.etag
    stale = rejected(client.update_dashboard, request={"dashboard": edited})  # its etag is the old one now
    assert isinstance(stale, exceptions.Aborted)


def test_validate_only_stores_nothing(client, project_id):
    parent = f"projects/{project_id}"
    preview = client.create_dashboard(request={"parent": parent, "dashboard": board(), "validate_only": True})
    assert preview.etag
    assert list(client.list_dashboards(parent=parent)) == []


def test_a_dashboard_may_be_created_under_a_stable_name(client, project_id):
    name = f"projects/{project_id}/dashboards/helios-main"
    created = client.create_dashboard(parent=f"projects/{project_id}", dashboard=board(name=name))
    assert created.name == f"projects/{Projects.number_of(project_id)}/dashboards/helios-main"
    again = rejected(client.create_dashboard, parent=f"projects/{project_id}", dashboard=board(name=name))
    assert isinstance(again, exceptions.AlreadyExists)
    client.delete_dashboard(name=name)
    assert isinstance(rejected(client.get_dashboard, name=name), exceptions.NotFound)


@pytest.mark.parametrize(
    ("dashboard", "message"),
    [
        (dashboards_v1.Dashboard({"mosaic_layout": {"columns": 48}}), "A display name is required"),
        (board(columns=49), "between 1 and 48"),
        (board(chart(x=30, width=24)), "extends past column 48"),
        (board(chart(), chart(x=12, y=8)), "overlaps tile 0"),
        (board(*[chart(x=0, y=4 * i, width=1, height=4) for i in range(101)]), "at most 100 widgets, but has 101"),
        (
            board(
                chart(
                    title="t",
                    xy_chart={
                        "data_sets": [{"time_series_query": {"time_series_filter": {"filter": 'resource.type = "x"'}}}]
                    },
                )
            ),
            "must specify a metric.type",
        ),
        (
            board(
                chart(
                    title="t",
                    scorecard={"time_series_query": QUERY, "spark_chart_view": {}},
                )
            ),
            "SPARK_LINE or SPARK_BAR",
        ),
        (
            board(
                chart(
                    title="t",
                    scorecard={"time_series_query": QUERY, "thresholds": [{"value": 1, "color": "RED"}]},
                )
            ),
            "color (YELLOW or RED)",
        ),
    ],
)
def test_invalid_dashboards_are_refused(client, project_id, dashboard, message):
    error = rejected(client.create_dashboard, parent=f"projects/{project_id}", dashboard=dashboard)
    assert isinstance(error, exceptions.InvalidArgument)
    assert message in error.message


def test_a_percentile_of_a_number_is_refused_once_the_metric_is_known(client, factory, project_id):
    declare_runs_metric(factory, project_id)
    query = {
        "time_series_filter": {
            "filter": QUERY["time_series_filter"]["filter"],
            "aggregation": {"alignment_period": {"seconds": 60}, "per_series_aligner": "ALIGN_PERCENTILE_99"},
        }
    }
    widget = {"title": "t", "xy_chart": {"data_sets": [{"time_series_query": query}]}}
    error = rejected(client.create_dashboard, parent=f"projects/{project_id}", dashboard=board(chart(**widget)))
    assert 'perSeriesAligner had an invalid value of "ALIGN_PERCENTILE_99"' in error.message
