"""ALIGN_PERCENT_CHANGE as the API defines it: ((current - previous) / previous) * 100 over the
alignment period, each value a 10-minute moving mean of the points >= 0; 0 when both are 0,
infinity when only the previous is; GAUGE DOUBLE out; GAUGE and DELTA numeric metrics only."""

from __future__ import annotations

import math

import pytest
from google.api import metric_pb2
from google.cloud.monitoring_v3.types import common

from helios_metrics.monitoring_emulator._aggregation import (
    ALIGNERS,
    AggregationSpec,
    SeriesData,
    aggregate,
    aligner_applies,
    applicable,
    lookback_ns,
)
from helios_metrics.monitoring_emulator._errors import ApiError

MD = metric_pb2.MetricDescriptor
A = common.Aggregation.Aligner
S = 1_000_000_000
MINUTE = 60 * S
TEN_MINUTES = AggregationSpec(10 * MINUTE, A.ALIGN_PERCENT_CHANGE, 0, ())


def gauge(values: dict[int, float], value_type: int = MD.DOUBLE) -> SeriesData:
    """A series with one point per listed minute (newest first, as the store returns them)."""
    series = SeriesData("custom.googleapis.com/x", {}, "generic_task", {}, MD.GAUGE, value_type)
    for minute in sorted(values, reverse=True):
        value = common.TypedValue.pb()()
        if value_type == MD.INT64:
            value.int64_value = int(values[minute])
        else:
            value.double_value = values[minute]
        series.points.append((minute * MINUTE, minute * MINUTE, value))
    return series


def changes(series: SeriesData, start_minute: int, end_minute: int) -> dict[int, float]:
    """Minute of each aligned point's end → its value, over the interval (start, end]."""
    found = aggregate([series], TEN_MINUTES, start_minute * MINUTE, end_minute * MINUTE, series.kind, series.value_type)
    assert all((s.kind, s.value_type) == (MD.GAUGE, MD.DOUBLE) for s in found)
    return {end // MINUTE: value.double_value for s in found for end, _, value in s.points}


def test_each_period_compares_the_moving_mean_with_the_one_a_period_before():
    # 10 until minute 25, then 20: the smoothed value at 30 is the mean of minutes 21..30 (15)
    series = gauge({m: 10.0 if m <= 25 else 20.0 for m in range(1, 41)})
    assert changes(series, 20, 40) == {
        40: pytest.approx((20 - 15) / 15 * 100),  # mean of 31..40 against the mean of 21..30
        30: pytest.approx((15 - 10) / 10 * 100),  # mean of 21..30 against the mean of 11..20
    }


def test_integer_gauges_are_accepted_and_give_doubles():
    series = gauge({m: 4 if m <= 10 else 5 for m in range(1, 21)}, MD.INT64)
    assert changes(series, 10, 20) == {20: pytest.approx(25.0)}


def test_zero_before_gives_zero_or_infinity():
    assert changes(gauge(dict.fromkeys(range(1, 21), 0.0)), 10, 20) == {20: 0.0}
    rising = gauge({m: 0.0 if m <= 10 else 3.0 for m in range(1, 21)})
    assert math.isinf(changes(rising, 10, 20)[20])


def test_negative_values_are_missing_data():
    # minute 20 is negative: ignored, so the newest usable point of the period is 19
    values = dict.fromkeys(range(1, 20), 10.0) | {20: -50.0}
    values |= dict.fromkeys(range(11, 20), 12.0)
    assert changes(gauge(values), 10, 20) == {20: pytest.approx((12 * 9 + 10) / 10 / 10 * 100 - 100)}
    only_negative = gauge(dict.fromkeys(range(1, 11), 10.0) | dict.fromkeys(range(11, 21), -1.0))
    assert changes(only_negative, 10, 20) == {}


def test_a_period_needs_data_in_it_and_in_the_period_before():
    assert changes(gauge(dict.fromkeys(range(12, 21), 1.0)), 10, 20) == {}  # nothing in (0, 10]
    assert changes(gauge(dict.fromkeys(range(1, 11), 1.0)), 10, 20) == {}  # nothing in (10, 20]


def test_the_read_reaches_back_a_period_and_the_smoothing_window():
    assert lookback_ns(TEN_MINUTES, MD.GAUGE) == 20 * MINUTE


@pytest.mark.parametrize(
    ("kind", "value_type", "accepted"),
    [
        (MD.GAUGE, MD.DOUBLE, True),
        (MD.DELTA, MD.INT64, True),
        (MD.CUMULATIVE, MD.INT64, False),
        (MD.GAUGE, MD.DISTRIBUTION, False),
        (MD.GAUGE, MD.BOOL, False),
    ],
)
def test_it_applies_to_gauge_and_delta_numbers_only(kind, value_type, accepted):
    assert A.ALIGN_PERCENT_CHANGE in ALIGNERS
    assert aligner_applies(A.ALIGN_PERCENT_CHANGE, kind, value_type) is accepted
    if accepted:
        assert applicable(TEN_MINUTES, kind, value_type, "aggregation") == (MD.GAUGE, MD.DOUBLE)
    else:
        with pytest.raises(ApiError, match="ALIGN_PERCENT_CHANGE"):
            applicable(TEN_MINUTES, kind, value_type, "aggregation")


def test_every_aligner_of_the_api_is_implemented():
    assert set(ALIGNERS) == set(A)
    assert aligner_applies(A.ALIGN_INTERPOLATE, MD.GAUGE, MD.DOUBLE)
    assert not aligner_applies(A.ALIGN_INTERPOLATE, MD.CUMULATIVE, MD.INT64)
