"""Class 13 — the aligners ALIGN_INTERPOLATE and ALIGN_PERCENT_CHANGE.

Source: the Aggregation.Aligner reference (monitoring v3 discovery document, enumDescriptions):
ALIGN_INTERPOLATE "Align by interpolating between adjacent points around the alignment period
boundary. This aligner is valid for GAUGE metrics with numeric values. The value_type of the
aligned result is the same as the value_type of the input."; ALIGN_PERCENT_CHANGE "valid for GAUGE
and DELTA metrics with numeric values … returns ((current - previous)/previous) * 100, where the
value of previous is determined based on the alignment_period. If the values of current and
previous are both 0, then the returned value is 0 … A 10-minute moving mean is computed at each
point … The output is a GAUGE metric with value_type DOUBLE."
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.api import metric_pb2
from google.cloud import monitoring_v3

from ._api import Monitoring, raises
from ._data import interval, minute_origin, point, unique

Aligner = monitoring_v3.Aggregation.Aligner
MD = metric_pb2.MetricDescriptor


def _write(api: Monitoring, metric_type: str, points: list[tuple[float, Any]], start: float | None = None) -> None:
    """One series, one point per request (Google takes one point per series per request)."""
    for at, value in points:
        api.metric.create_time_series(
            name=api.project_name,
            time_series=[
                monitoring_v3.TimeSeries(
                    metric={"type": metric_type},
                    resource={"type": "global", "labels": {"project_id": api.project}},
                    points=[point(value, at, start=start)],
                )
            ],
        )


def _aligned(api: Monitoring, metric_type: str, start: float, end: float, aligner: int, period: int) -> dict[int, Any]:
    [series] = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}"',
        interval=interval(start, end),
        aggregation={"alignment_period": {"seconds": period}, "per_series_aligner": aligner},
    )
    return {int(p.interval.end_time.timestamp()): p.value for p in series.points}


@pytest.fixture
def origin() -> int:
    return minute_origin(60)


def test_interpolate_gauge_double(api: Monitoring, origin: int):
    """A GAUGE DOUBLE rising 0 -> 120 over two minutes and back: each minute boundary between two
    points takes the straight-line value there."""
    metric_type = unique("custom.googleapis.com/interpolated_")
    _write(api, metric_type, [(origin, 0.0), (origin + 120, 120.0), (origin + 240, 0.0)])
    values = _aligned(api, metric_type, origin, origin + 240, Aligner.ALIGN_INTERPOLATE, 60)
    assert values[origin + 60].double_value == pytest.approx(60.0)
    assert values[origin + 120].double_value == pytest.approx(120.0)
    assert values[origin + 180].double_value == pytest.approx(60.0)


def test_interpolate_keeps_int64(api: Monitoring, origin: int):
    """ "The value_type of the aligned result is the same as the value_type of the input"."""
    metric_type = unique("custom.googleapis.com/interpolated_int_")
    _write(api, metric_type, [(origin, 0), (origin + 120, 120)])
    values = _aligned(api, metric_type, origin, origin + 120, Aligner.ALIGN_INTERPOLATE, 60)
    assert monitoring_v3.TypedValue.pb(values[origin + 60]).WhichOneof("value") == "int64_value"
    assert values[origin + 60].int64_value == 60


def _cumulative(api: Monitoring, origin: int) -> str:
    metric_type = unique("custom.googleapis.com/cumulative_")
    api.metric.create_metric_descriptor(
        name=api.project_name, metric_descriptor=MD(type=metric_type, metric_kind=MD.CUMULATIVE, value_type=MD.INT64)
    )
    _write(api, metric_type, [(origin + 60, 1), (origin + 120, 2)], start=origin)
    return metric_type


@pytest.mark.parametrize(
    "aligner", [Aligner.ALIGN_INTERPOLATE, Aligner.ALIGN_PERCENT_CHANGE], ids=["interpolate", "percent_change"]
)
def test_aligners_refuse_cumulative_metrics(api: Monitoring, origin: int, aligner: int):
    """Both are documented for GAUGE (and, for percent change, DELTA) metrics only."""
    metric_type = _cumulative(api, origin)
    with raises(grpc.StatusCode.INVALID_ARGUMENT):
        _aligned(api, metric_type, origin, origin + 180, aligner, 60)


def test_percent_change_of_a_constant_is_zero(api: Monitoring, origin: int):
    """A constant series changes by 0 %; the output is DOUBLE whatever the input type."""
    metric_type = unique("custom.googleapis.com/constant_")
    _write(api, metric_type, [(origin + 30 + 60 * minute, 5) for minute in range(40)])
    values = _aligned(api, metric_type, origin, origin + 2400, Aligner.ALIGN_PERCENT_CHANGE, 600)
    for end in (origin + 1200, origin + 1800, origin + 2400):
        assert monitoring_v3.TypedValue.pb(values[end]).WhichOneof("value") == "double_value"
        assert values[end].double_value == 0.0


def test_percent_change_of_zeros_is_zero(api: Monitoring, origin: int):
    """ "If the values of current and previous are both 0, then the returned value is 0"."""
    metric_type = unique("custom.googleapis.com/zeros_")
    _write(api, metric_type, [(origin + 30 + 60 * minute, 0.0) for minute in range(40)])
    values = _aligned(api, metric_type, origin, origin + 2400, Aligner.ALIGN_PERCENT_CHANGE, 600)
    assert values[origin + 1800].double_value == 0.0


def test_percent_change_of_a_step(api: Monitoring, origin: int):
    """10 for twenty minutes, then 20 (points half a minute off the boundaries, so every 10-minute
    moving mean holds one level): the period ending 30 min in compares a mean of 20 with the
    previous period's 10 (+100 %); the periods on either side compare equal means (0 %)."""
    metric_type = unique("custom.googleapis.com/step_")
    _write(api, metric_type, [(origin + 30 + 60 * minute, 10.0 if minute < 20 else 20.0) for minute in range(40)])
    values = _aligned(api, metric_type, origin, origin + 2400, Aligner.ALIGN_PERCENT_CHANGE, 600)
    assert values[origin + 1200].double_value == pytest.approx(0.0)
    assert values[origin + 1800].double_value == pytest.approx(100.0)
    assert values[origin + 2400].double_value == pytest.approx(0.0)
