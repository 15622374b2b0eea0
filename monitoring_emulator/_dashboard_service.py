"""``google.monitoring.dashboard.v1.DashboardsService``: dashboards validated as the API validates
them and returned the way the server returns them — which is what makes naive reconcilers drift.

On every read a dashboard carries what the server fills in: a fresh etag per write, the project
number in its name, ``targetAxis: Y1`` on chart data sets, ``yAxis.scale: LINEAR``, an empty
``chartOptions``, a zero ``timeshiftDuration``, an empty ``secondaryAggregation`` on every filter,
``text.format: MARKDOWN`` with an empty ``style``, a zero ``minAlignmentPeriod`` on table data sets
(provisioning_alerting.md §1).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.cloud.monitoring_dashboard_v1.types import dashboard, dashboards_service
from google.protobuf import empty_pb2

from ._aggregation import applicable, spec_from_pb
from ._alert_service import Describe, describer
from ._errors import ApiError, invalid_argument
from ._filters import api_filter
from ._objects import Projects, new_etag, page
from ._raw import Raw
from ._store import Store

__all__ = ["SERVICE", "DashboardsService"]

SERVICE = "google.monitoring.dashboard.v1.DashboardsService"
KIND = "dashboard"
MAX_COLUMNS = 48
MAX_WIDGETS = 100
_DASHBOARD = dashboard.Dashboard.pb()
_Y1, _LINEAR, _MARKDOWN = 1, 1, 1
_SPARK_UNSPECIFIED, _YELLOW, _RED = 0, 4, 6


def _widgets(board: Raw) -> Iterator[tuple[str, Raw]]:
    """Every widget of the dashboard with its field path, whatever the layout."""
    layout = board.WhichOneof("layout")
    if layout == "mosaic_layout":
        for i, tile in enumerate(board.mosaic_layout.tiles):
            if tile.HasField("widget"):
                yield f"dashboard.mosaicLayout.tiles[{i}].widget", tile.widget
    elif layout == "grid_layout":
        for i, widget in enumerate(board.grid_layout.widgets):
            yield f"dashboard.gridLayout.widgets[{i}]", widget
    elif layout in ("row_layout", "column_layout"):
        rows = board.row_layout.rows if layout == "row_layout" else board.column_layout.columns
        for r, row in enumerate(rows):
            for i, widget in enumerate(row.widgets):
                yield f"dashboard.{layout}[{r}].widgets[{i}]", widget


def _check_filter(field: str, query_filter: Raw, describe: Describe) -> None:
    parsed = api_filter(query_filter.filter, f"{field}.filter")
    if not parsed.pinned_values("metric.type"):
        raise invalid_argument(
            f'Field {field}.filter had an invalid value of "{query_filter.filter}": The filter must specify a '
            "metric.type."
        )
    described = describe(query_filter.filter)
    steps = [("aggregation", "aggregation")]
    if "secondary_aggregation" in query_filter.DESCRIPTOR.fields_by_name:  # a ratio's parts have none
        steps.append(("secondary_aggregation", "secondaryAggregation"))
    for attribute, name in steps:
        if query_filter.HasField(attribute):
            spec = spec_from_pb(getattr(query_filter, attribute), f"{field}.{name}")
            if spec is not None and described is not None:  # the aligners must suit the metric
                described = applicable(spec, *described, f"{field}.{name}")


def _check_query(field: str, query: Raw, describe: Describe) -> None:
    source = query.WhichOneof("source")
    if source is None:
        raise invalid_argument(f"Field {field} had an invalid value: The query has no source.")
    if source == "time_series_filter":
        _check_filter(f"{field}.timeSeriesFilter", query.time_series_filter, describe)
    elif source == "time_series_filter_ratio":
        ratio = query.time_series_filter_ratio
        _check_filter(f"{field}.timeSeriesFilterRatio.numerator", ratio.numerator, describe)
        _check_filter(f"{field}.timeSeriesFilterRatio.denominator", ratio.denominator, describe)


def _check_widget(field: str, widget: Raw, describe: Describe) -> None:
    content = widget.WhichOneof("content")
    if content is None:
        raise invalid_argument(f"Field {field} had an invalid value: The widget has no content.")
    if content == "xy_chart":
        chart = widget.xy_chart
        if not chart.data_sets:
            raise invalid_argument(f"Field {field}.xyChart.dataSets had an invalid value: A chart needs a data set.")
        for i, data_set in enumerate(chart.data_sets):
            _check_query(f"{field}.xyChart.dataSets[{i}].timeSeriesQuery", data_set.time_series_query, describe)
        for i, threshold in enumerate(chart.thresholds):
            if threshold.color or threshold.direction:
                raise invalid_argument(
                    f"Field {field}.xyChart.thresholds[{i}] had an invalid value: Chart thresholds take no color "
                    "or direction."
                )
    elif content == "scorecard":
        card = widget.scorecard
        _check_query(f"{field}.scorecard.timeSeriesQuery", card.time_series_query, describe)
        if card.WhichOneof("data_view") == "spark_chart_view" and (
            card.spark_chart_view.spark_chart_type == _SPARK_UNSPECIFIED
        ):
            raise invalid_argument(
                f"Field {field}.scorecard.sparkChartView.sparkChartType had an invalid value of "
                '"SPARK_CHART_TYPE_UNSPECIFIED": Choose SPARK_LINE or SPARK_BAR.'
            )
        for i, threshold in enumerate(card.thresholds):
            if threshold.color not in (_YELLOW, _RED) or not threshold.direction:
                raise invalid_argument(
                    f"Field {field}.scorecard.thresholds[{i}] had an invalid value: A scorecard threshold needs a "
                    "color (YELLOW or RED) and a direction (ABOVE or BELOW)."
                )
    elif content == "time_series_table":
        for i, data_set in enumerate(widget.time_series_table.data_sets):
            _check_query(f"{field}.timeSeriesTable.dataSets[{i}].timeSeriesQuery", data_set.time_series_query, describe)
    elif content == "alert_chart" and "/alertPolicies/" not in widget.alert_chart.name:
        raise invalid_argument(
            f'Field {field}.alertChart.name had an invalid value of "{widget.alert_chart.name}": The name must have '
            "the form projects/[PROJECT_ID_OR_NUMBER]/alertPolicies/[ALERT_POLICY_ID]."
        )


def validate(board: Raw, describe: Describe) -> None:
    """Raise the API's INVALID_ARGUMENT for a dashboard Google would refuse."""
    if not board.display_name:
        raise invalid_argument("Field dashboard.displayName had an invalid value: A display name is required.")
    if board.WhichOneof("layout") == "mosaic_layout":
        mosaic = board.mosaic_layout
        if not 1 <= mosaic.columns <= MAX_COLUMNS:
            raise invalid_argument(
                f"Field dashboard.mosaicLayout.columns had an invalid value of {mosaic.columns}: The number of "
                f"columns must be between 1 and {MAX_COLUMNS}."
            )
        placed: list[tuple[int, int, int, int, int]] = []
        for i, tile in enumerate(mosaic.tiles):
            if tile.x_pos < 0 or tile.y_pos < 0 or tile.width < 1 or tile.height < 1:
                raise invalid_argument(
                    f"Field dashboard.mosaicLayout.tiles[{i}] had an invalid value: Positions must be at least 0 "
                    "and sizes at least 1."
                )
            if tile.x_pos + tile.width > mosaic.columns:
                raise invalid_argument(
                    f"Field dashboard.mosaicLayout.tiles[{i}] had an invalid value: The tile extends past column "
                    f"{mosaic.columns} (xPos {tile.x_pos} + width {tile.width})."
                )
            for j, x, y, w, h in placed:
                if (
                    tile.x_pos < x + w
                    and x < tile.x_pos + tile.width
                    and tile.y_pos < y + h
                    and y < tile.y_pos + tile.height
                ):
                    raise invalid_argument(
                        f"Field dashboard.mosaicLayout.tiles[{i}] had an invalid value: The tile overlaps tile {j}."
                    )
            placed.append((i, tile.x_pos, tile.y_pos, tile.width, tile.height))
    widgets = list(_widgets(board))
    if len(widgets) > MAX_WIDGETS:
        raise invalid_argument(
            f"Field dashboard had an invalid value: A dashboard can have at most {MAX_WIDGETS} widgets, but has "
            f"{len(widgets)}."
        )
    for field, widget in widgets:
        _check_widget(field, widget, describe)


def _fill_defaults(board: Raw) -> None:
    """What the server adds to a dashboard it stores (see the module docstring)."""
    for _, widget in _widgets(board):
        content = widget.WhichOneof("content")
        queries = []
        if content == "xy_chart":
            chart = widget.xy_chart
            for data_set in chart.data_sets:
                if not data_set.target_axis:
                    data_set.target_axis = _Y1
                queries.append(data_set.time_series_query)
            if not chart.y_axis.scale:
                chart.y_axis.scale = _LINEAR
            chart.chart_options.SetInParent()
            chart.timeshift_duration.SetInParent()
        elif content == "scorecard":
            queries.append(widget.scorecard.time_series_query)
        elif content == "time_series_table":
            for table_set in widget.time_series_table.data_sets:
                table_set.min_alignment_period.SetInParent()
                queries.append(table_set.time_series_query)
        elif content == "text":
            if not widget.text.format_:
                widget.text.format_ = _MARKDOWN
            widget.text.style.SetInParent()
        for query in queries:
            if query.WhichOneof("source") == "time_series_filter":
                query.time_series_filter.secondary_aggregation.SetInParent()


class DashboardsService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(self, store: Store, projects: Projects) -> None:
        self._store, self._projects = store, projects

    def handlers(self) -> dict[str, tuple[Callable[[Raw], Raw], Any, Any]]:
        s = dashboards_service
        return {
            "CreateDashboard": (self.create, s.CreateDashboardRequest.pb(), _DASHBOARD),
            "ListDashboards": (self.list, s.ListDashboardsRequest.pb(), s.ListDashboardsResponse.pb()),
            "GetDashboard": (self.get, s.GetDashboardRequest.pb(), _DASHBOARD),
            "DeleteDashboard": (self.delete, s.DeleteDashboardRequest.pb(), empty_pb2.Empty),
            "UpdateDashboard": (self.update, s.UpdateDashboardRequest.pb(), _DASHBOARD),
        }

    def dashboards(self, project: str) -> list[Raw]:
        with self._store.lock:
            return [_DASHBOARD.FromString(body) for _, body in self._store.list_objects(KIND, project)]

    def create(self, request: Raw) -> Raw:
        project = self._projects.parent(request.parent, "parent")
        board = _DASHBOARD()
        board.CopyFrom(request.dashboard)
        if board.etag:
            raise invalid_argument(
                "Field dashboard.etag had an invalid value: Create Dashboard must not specify an etag."
            )
        if board.name:
            owner, ident = self._projects.split(board.name, "dashboards", "DASHBOARD")
            if owner != project:
                raise invalid_argument(
                    f'Field dashboard.name had an invalid value of "{board.name}": The project must match the parent.'
                )
            with self._store.lock:
                if self._store.get_object(KIND, project, ident) is not None:
                    raise ApiError(grpc.StatusCode.ALREADY_EXISTS, f"Dashboard {board.name} already exists.")
        else:
            ident = str(uuid.uuid4())
        board.name = self._projects.name(project, "dashboards", ident)
        return self._write(project, ident, board, request.validate_only)

    def list(self, request: Raw) -> Raw:
        project = self._projects.parent(request.parent, "parent")
        chunk, token = page(self.dashboards(project), request.page_size, request.page_token, 1000)
        response = dashboards_service.ListDashboardsResponse.pb()(next_page_token=token)
        response.dashboards.extend(chunk)
        return response

    def get(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "dashboards", "DASHBOARD")
        with self._store.lock:
            return _DASHBOARD.FromString(self._projects.load(KIND, project, ident, "dashboard"))

    def update(self, request: Raw) -> Raw:
        board = _DASHBOARD()
        board.CopyFrom(request.dashboard)
        project, ident = self._projects.split(board.name, "dashboards", "DASHBOARD")
        if not board.etag:
            raise invalid_argument("Update Dashboard should specify a non empty etag.")
        with self._store.lock:
            stored = _DASHBOARD.FromString(self._projects.load(KIND, project, ident, "dashboard"))
            if board.etag != stored.etag:
                raise ApiError(
                    grpc.StatusCode.ABORTED,
                    f"The dashboard {stored.name} was modified since it was read (etag {board.etag} is stale); "
                    "read it again and retry.",
                )
            board.name = stored.name
            return self._write(project, ident, board, request.validate_only)

    def delete(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "dashboards", "DASHBOARD")
        with self._store.lock:
            self._projects.load(KIND, project, ident, "dashboard")
            with self._store.transaction():
                self._store.delete_object(KIND, project, ident)
        return empty_pb2.Empty()

    def _write(self, project: str, ident: str, board: Raw, validate_only: bool) -> Raw:
        """Validate; fill in the server's defaults and a new etag; store unless ``validate_only``."""
        validate(board, describer(self._store, project))
        _fill_defaults(board)
        board.etag = new_etag()
        if not validate_only:
            with self._store.lock, self._store.transaction():
                self._store.put_object(KIND, project, ident, board.SerializeToString())
        return board
