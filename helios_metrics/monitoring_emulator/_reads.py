"""ListTimeSeries: filter, interval (start, end], FULL/HEADERS views, aggregation and paging."""

from __future__ import annotations

from collections.abc import Sequence

from google.api import metric_pb2
from google.cloud.monitoring_v3.types import common, metric, metric_service

from ._aggregation import AggregationSpec, SeriesData, aggregate, lookback_ns, needs_base, spec_from_pb
from ._errors import invalid_argument, not_found
from ._filters import Filter, api_filter
from ._raw import Raw
from ._series import Series
from ._slo import find_slo, selector_series
from ._store import Reader, Row, Store
from ._timeutil import format_rfc3339, set_timestamp, timestamp_ns

__all__ = ["list_time_series", "page_bounds", "parse_page_token", "query_series"]

MD = metric_pb2.MetricDescriptor
_RESPONSE = metric_service.ListTimeSeriesResponse.pb()
_TIME_SERIES = metric.TimeSeries.pb()
_TYPED_VALUE = common.TypedValue.pb()
_FULL, _HEADERS = 0, 1
MAX_PAGE = 100_000


def parse_page_token(token: str) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise invalid_argument(f'Field pageToken had an invalid value of "{token}": The page token is not valid.')
    return int(token)


def page_bounds(page_size: int, default: int) -> int:
    return default if page_size <= 0 or page_size > default else page_size


def _series_data(series: Series, rows: list[Row]) -> SeriesData:
    points = [(end, start, _TYPED_VALUE.FromString(value)) for end, start, value in rows]
    return SeriesData(
        series.metric_type,
        dict(series.metric_labels),
        series.resource_type,
        dict(series.resource_labels),
        series.kind,
        series.value_type,
        points,
    )


def _to_pb(data: SeriesData, unit: str, with_points: bool) -> Raw:
    ts = _TIME_SERIES(metric_kind=data.kind, value_type=data.value_type, unit=unit)
    ts.metric.type = data.metric_type
    ts.metric.labels.update(data.metric_labels)
    ts.resource.type = data.resource_type
    ts.resource.labels.update(data.resource_labels)
    if with_points:
        for end, start, value in data.points:
            point = ts.points.add()
            set_timestamp(point.interval.end_time, end)
            set_timestamp(point.interval.start_time, start)
            point.value.CopyFrom(value)
    return ts


def query_series(
    store: Reader, project: str, query: Filter, specs: Sequence[AggregationSpec], start: int, end: int
) -> tuple[list[SeriesData], str]:
    """The series of the one metric ``query`` pins, in (start, end], through ``specs`` in order
    (each on what the previous produced); and the metric's unit. Shared by ListTimeSeries and the
    alert evaluator, so alerts measure exactly what charts show. An SLO selector's synthetic series
    come from ``_slo``. A CUMULATIVE metric's DELTA or RATE reads each series' last point before the
    interval too, so a sparse counter's first increment is its growth, not its running total (and
    ALIGN_INTERPOLATE the point it interpolates the first period end from)."""
    if query.slo_selector is not None:
        return selector_series(store, project, query.slo_selector, specs, start, end), ""
    (metric_type,) = query.pinned_values("metric.type") or ("",)
    first = specs[0] if specs else None
    selected = store.select(
        project,
        metric_type,
        lambda key: query.matches(key.resolver()),
        end,
        lambda kind: (start - lookback_ns(first, kind), needs_base(first, kind)),
    )
    descriptor, kind, value_type = selected.descriptor, selected.kind, selected.value_type
    data = [_series_data(series, rows) for series, rows in selected.series]
    unit = descriptor.unit if descriptor else ""
    if not specs:
        data = [d for d in data if any(start < p[0] for p in d.points)]
        for d in data:
            d.points = [p for p in d.points if p[0] > start]
        return data, unit
    for index, spec in enumerate(specs):
        if index and not data:
            break
        kind, value_type = (data[0].kind, data[0].value_type) if index else (kind, value_type)
        data = aggregate(data, spec, start, end, kind, value_type, "secondaryAggregation" if index else "aggregation")
    return data, unit


def list_time_series(store: Store, project: str, request: Raw) -> Raw:
    """Answer a raw ``ListTimeSeriesRequest`` with a raw ``ListTimeSeriesResponse``."""
    text = request.filter
    query = api_filter(text)
    types = query.pinned_values("metric.type")
    if types is None or len(types) != 1:
        raise invalid_argument(
            f'Field filter had an invalid value of "{text}": The filter must specify exactly one metric type.'
        )
    interval = request.interval
    if not interval.HasField("end_time"):
        raise invalid_argument("Field interval.endTime had an invalid value: The end time must be specified.")
    end = timestamp_ns(interval.end_time)
    start = timestamp_ns(interval.start_time) if interval.HasField("start_time") else end - 1
    if start > end:
        raise invalid_argument(
            f'Field interval.startTime had an invalid value of "{format_rfc3339(start)}": '
            f"The start time must not be after the end time ({format_rfc3339(end)})."
        )
    if request.order_by:
        raise invalid_argument("Field orderBy had an invalid value: Ordering is not supported; leave it blank.")
    if request.HasField("secondary_aggregation") and not request.HasField("aggregation"):
        raise invalid_argument(
            "Field secondaryAggregation had an invalid value: A secondary aggregation requires an aggregation."
        )
    primary = spec_from_pb(request.aggregation) if request.HasField("aggregation") else None
    secondary = (
        spec_from_pb(request.secondary_aggregation, "secondaryAggregation")
        if request.HasField("secondary_aggregation")
        else None
    )
    if query.slo_selector is not None and find_slo(store, project, query.slo_selector.slo_name) is None:
        raise not_found(
            f"Requested entity was not found: service level objective {query.slo_selector.slo_name} does not exist."
        )
    data, unit = query_series(store, project, query, [s for s in (primary, secondary) if s is not None], start, end)
    return _page(data, unit, request)


def _page(data: list[SeriesData], unit: str, request: Raw) -> Raw:
    view = request.view
    offset = parse_page_token(request.page_token)
    limit = page_bounds(request.page_size, MAX_PAGE)
    response = _RESPONSE(unit=unit)
    used = 0
    index = offset
    while index < len(data):
        cost = 1 if view == _HEADERS else max(1, len(data[index].points))
        if used and used + cost > limit:
            break
        response.time_series.append(_to_pb(data[index], unit, view != _HEADERS))
        used += cost
        index += 1
    if index < len(data):
        response.next_page_token = str(index)
    return response
