"""``google.monitoring.dashboard.v1.DashboardsService``: dashboards validated as the API validates
them (:mod:`._dashboard_checks`) and returned the way the server returns them — which is what
makes naive reconcilers drift.

On every read a dashboard carries what the server fills in: a fresh etag per write, the project
number in its name, ``targetAxis: Y1`` on chart data sets, ``yAxis.scale: LINEAR``, an empty
``chartOptions``, a zero ``timeshiftDuration``, an empty ``secondaryAggregation`` on every filter,
``text.format: MARKDOWN`` with an empty ``style``, a zero ``minAlignmentPeriod`` on table data sets
(provisioning_alerting.md §1).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import grpc
from google.cloud.monitoring_dashboard_v1.types import dashboard, dashboards_service
from google.protobuf import empty_pb2

from ._dashboard_checks import validate, widgets
from ._errors import ApiError, invalid_argument
from ._objects import Projects, new_etag, page
from ._policy_checks import describer
from ._raw import Raw
from ._store import Store

__all__ = ["SERVICE", "DashboardsService"]

SERVICE = "google.monitoring.dashboard.v1.DashboardsService"
KIND = "dashboard"
_DASHBOARD = dashboard.Dashboard.pb()
_Y1, _LINEAR, _MARKDOWN = 1, 1, 1


def _fill_defaults(board: Raw) -> None:
    """What the server adds to a dashboard it stores (see the module docstring)."""
    for _, widget in widgets(board):
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
        return _DASHBOARD.FromString(self._projects.load(KIND, project, ident, "dashboard"))

    def update(self, request: Raw) -> Raw:
        board = _DASHBOARD()
        board.CopyFrom(request.dashboard)
        project, ident = self._projects.split(board.name, "dashboards", "DASHBOARD")
        if not board.etag:
            raise invalid_argument("Update Dashboard should specify a non empty etag.")
        with self._store.change():
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
        with self._store.change() as change:
            self._projects.load(KIND, project, ident, "dashboard")
            change.delete_object(KIND, project, ident)
        return empty_pb2.Empty()

    def _write(self, project: str, ident: str, board: Raw, validate_only: bool) -> Raw:
        """Validate; fill in the server's defaults and a new etag; store unless ``validate_only``."""
        validate(board, describer(self._store, project))
        _fill_defaults(board)
        board.etag = new_etag()
        if not validate_only:
            with self._store.change() as change:
                change.put_object(KIND, project, ident, board.SerializeToString())
        return board
