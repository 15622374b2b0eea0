"""A dashboard checked as the Dashboards API checks it: what Google is shown to refuse is refused
with INVALID_ARGUMENT; what Google's sample dashboards do is accepted — group widgets
(``collapsibleGroup``, ``singleViewGroup``) spanning the tiles they group, charts with an aligner
but no ``alignmentPeriod`` (the chart picks one), ``${var}`` template variables in filters,
group-by on any label (``metadata.system_labels."x"``, ``resource.label."k"``, ``project``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ._aggregation import applicable, spec_from_pb
from ._dashboard_variables import expand
from ._errors import invalid_argument
from ._filters import api_filter
from ._policy_checks import Describe, checked_aggregation
from ._raw import Raw

__all__ = ["MAX_COLUMNS", "MAX_WIDGETS", "validate", "widgets"]

MAX_COLUMNS = 48
MAX_WIDGETS = 100
_SPARK_UNSPECIFIED, _YELLOW, _RED = 0, 4, 6
_GROUPS = ("collapsible_group", "single_view_group")
"""Widgets whose tile spans the tiles it groups (the proto: "all widgets that are within the area
spanned by the grouping widget are considered member widgets"): they overlap by design."""
_CHECK_PERIOD_S = 60
"""The period a chart's aligner is checked with when it names none (the chart picks one)."""


def widgets(board: Raw) -> Iterator[tuple[str, Raw]]:
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


def _checked(aggregation: Raw) -> Raw:
    """The aggregation as it is checked: without group-by fields (see ``checked_aggregation``),
    and with a period when its aligner names none — Google's sample charts leave it to the chart."""
    checked = checked_aggregation(aggregation)
    if aggregation.per_series_aligner and not (
        aggregation.alignment_period.seconds or aggregation.alignment_period.nanos
    ):
        if checked is aggregation:
            checked = type(aggregation)()
            checked.CopyFrom(aggregation)
        checked.alignment_period.seconds = _CHECK_PERIOD_S
    return checked


def _check_filter(field: str, query_filter: Raw, describe: Describe) -> None:
    text = expand(query_filter.filter)  # ${var} template variables stand for terms, or for nothing
    parsed = api_filter(text, f"{field}.filter")
    if not parsed.pinned_values("metric.type"):
        raise invalid_argument(
            f'Field {field}.filter had an invalid value of "{query_filter.filter}": The filter must specify a '
            "metric.type."
        )
    described = describe(text)
    steps = [("aggregation", "aggregation")]
    if "secondary_aggregation" in query_filter.DESCRIPTOR.fields_by_name:  # a ratio's parts have none
        steps.append(("secondary_aggregation", "secondaryAggregation"))
    for attribute, name in steps:
        if query_filter.HasField(attribute):
            spec = spec_from_pb(_checked(getattr(query_filter, attribute)), f"{field}.{name}")
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


def _area(tile: Raw) -> tuple[int, int, int, int]:
    return tile.x_pos, tile.y_pos, tile.x_pos + tile.width, tile.y_pos + tile.height


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _within(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _check_mosaic(mosaic: Raw) -> None:
    """Columns 1 to 48; every tile inside them; no two tiles overlapping, except a group's tile,
    which spans its members, and the members of one single-view group, which share its place (it
    shows one at a time, as Google's exported dashboards lay them out)."""
    if not 1 <= mosaic.columns <= MAX_COLUMNS:
        raise invalid_argument(
            f"Field dashboard.mosaicLayout.columns had an invalid value of {mosaic.columns}: The number of "
            f"columns must be between 1 and {MAX_COLUMNS}."
        )
    views = [_area(t) for t in mosaic.tiles if t.widget.WhichOneof("content") == "single_view_group"]
    placed: list[tuple[int, tuple[int, int, int, int], int | None]] = []
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
        if tile.widget.WhichOneof("content") in _GROUPS:
            continue
        area = _area(tile)
        view = next((v for v, group in enumerate(views) if _within(area, group)), None)
        for j, other, other_view in placed:
            if _overlap(area, other) and (view is None or view != other_view):
                raise invalid_argument(
                    f"Field dashboard.mosaicLayout.tiles[{i}] had an invalid value: The tile overlaps tile {j}."
                )
        placed.append((i, area, view))


def validate(board: Raw, describe: Describe) -> None:
    """Raise the API's INVALID_ARGUMENT for a dashboard Google would refuse."""
    if not board.display_name:
        raise invalid_argument("Field dashboard.displayName had an invalid value: A display name is required.")
    if board.WhichOneof("layout") == "mosaic_layout":
        _check_mosaic(board.mosaic_layout)
    found = list(widgets(board))
    if len(found) > MAX_WIDGETS:
        raise invalid_argument(
            f"Field dashboard had an invalid value: A dashboard can have at most {MAX_WIDGETS} widgets, but has "
            f"{len(found)}."
        )
    for field, widget in found:
        _check_widget(field, widget, describe)
