"""Alignment as the API documents it, computed by hand here: ALIGN_DELTA and ALIGN_RATE on counters
spread each increment over its interval (values at period boundaries are interpolated, a restart
keeps what was counted before it, a series' first point counts over (start, end]);
ALIGN_INTERPOLATE interpolates at each period end; group-by on fields a series lacks."""

from __future__ import annotations

import pytest
from google.api import distribution_pb2, metric_pb2
from google.cloud.monitoring_v3.types import common

from helios_metrics.monitoring_emulator._aggregation import AggregationSpec, SeriesData, aggregate, spec_from_pb
from helios_metrics.monitoring_emulator._errors import ApiError

MD = metric_pb2.MetricDescriptor
A = common.Aggregation.Aligner
R = common.Aggregation.Reducer
S = 1_000_000_000
T = 1_000_000 * S  # an origin far from zero


def value(v: float | int) -> object:
    out = common.TypedValue.pb()()
    if isinstance(v, int):
        out.int64_value = v
    else:
        out.double_value = v
    return out


def counter(points: list[tuple[int, int, float | int]], kind: int = MD.CUMULATIVE, value_type: int = MD.INT64):
    """``(end s, start s, value)`` relative to T, any order."""
    series = SeriesData("custom.googleapis.com/c", {"k": "v"}, "generic_task", {"project_id": "p"}, kind, value_type)
    for end, start, v in sorted(points, reverse=True):
        series.points.append((T + end * S, T + start * S, value(v)))
    return series


def aligned(series: SeriesData, aligner: int, period_s: int, start_s: int, end_s: int) -> dict[int, float]:
    spec = AggregationSpec(period_s * S, aligner, R.REDUCE_NONE, ())
    found = aggregate([series], spec, T + start_s * S, T + end_s * S, series.kind, series.value_type)
    out: dict[int, float] = {}
    for s in found:
        for end, _, v in s.points:
            which = v.WhichOneof("value")
            out[(end - T) // S] = getattr(v, which)
    return out


def test_a_restart_inside_a_period_keeps_the_increase_before_it():
    # 5 at +60 and 7 at +120 counted since +0; the counter restarts at +121 and reads 2 at +180
    series = counter([(60, 0, 5), (120, 0, 7), (180, 121, 2)])
    assert aligned(series, A.ALIGN_DELTA, 300, 0, 300) == {300: 9}
    assert aligned(series, A.ALIGN_RATE, 300, 0, 300) == {300: pytest.approx(9 / 300)}


def test_a_drop_without_a_new_start_time_is_a_restart_too():
    series = counter([(60, 0, 5), (120, 0, 7), (180, 0, 2)])
    assert aligned(series, A.ALIGN_DELTA, 300, 0, 300) == {300: 9}


def test_increments_are_spread_over_their_interval_and_boundaries_interpolated():
    # 0 at +0 (a baseline), 120 at +120: each 60 s period gets 60; the rate is 1/s, the slope
    series = counter([(0, -60, 0), (120, -60, 120)], value_type=MD.DOUBLE)
    assert aligned(series, A.ALIGN_DELTA, 60, 0, 120) == {120: 60.0, 60: 60.0}
    assert aligned(series, A.ALIGN_RATE, 60, 0, 120) == {120: 1.0, 60: 1.0}
    # a period with no point, inside the increment, gets its share by interpolation
    sparse = counter([(0, -60, 0), (300, -60, 30)], value_type=MD.DOUBLE)
    assert aligned(sparse, A.ALIGN_DELTA, 60, 0, 300) == {300: 6.0, 240: 6.0, 180: 6.0, 120: 6.0, 60: 6.0}


def test_a_series_first_point_counts_over_its_start_to_its_end():
    # 90 counted over (+0, +90]: the period (+0, +60] gets 60, (+60, +120] gets 30
    series = counter([(90, 0, 90)], value_type=MD.DOUBLE)
    assert aligned(series, A.ALIGN_DELTA, 60, 0, 120) == {120: 30.0, 60: 60.0}


def test_periods_outside_every_increment_have_no_point():
    series = counter([(30, 0, 10), (60, 0, 20)], value_type=MD.DOUBLE)
    assert aligned(series, A.ALIGN_DELTA, 60, 0, 240) == {60: 20.0}


def test_integer_deltas_stay_integers():
    series = counter([(0, -60, 0), (180, -60, 10)])
    found = aligned(series, A.ALIGN_DELTA, 60, 0, 180)
    assert found == {180: 3, 120: 3, 60: 3}  # 10/3 each, rounded as INT64
    assert all(isinstance(v, int) for v in found.values())


def test_delta_points_are_spread_over_their_own_interval():
    series = counter([(120, 0, 12.0)], kind=MD.DELTA, value_type=MD.DOUBLE)
    assert aligned(series, A.ALIGN_DELTA, 60, 0, 120) == {120: 6.0, 60: 6.0}


def test_distribution_increments_go_whole_to_the_period_of_their_end():
    def dist(n: int) -> object:
        d = distribution_pb2.Distribution(count=n, mean=1.0)
        d.bucket_options.explicit_buckets.bounds.extend([0.0, 10.0])
        d.bucket_counts.extend([0, n, 0])
        v = common.TypedValue.pb()()
        v.distribution_value.CopyFrom(d)
        return v

    series = SeriesData("custom.googleapis.com/d", {}, "global", {}, MD.CUMULATIVE, MD.DISTRIBUTION)
    for end, start, n in ((150, 100, 3), (90, 0, 7), (30, 0, 4)):  # newest first; a restart at +100
        series.points.append((T + end * S, T + start * S, dist(n)))
    spec = AggregationSpec(60 * S, A.ALIGN_DELTA, R.REDUCE_NONE, ())
    (found,) = aggregate([series], spec, T, T + 180 * S, MD.CUMULATIVE, MD.DISTRIBUTION)
    counts = {(end - T) // S: v.distribution_value.count for end, _, v in found.points}
    assert counts == {180: 3, 120: 3, 60: 4}  # 4 by +30; 7 - 4 by +90; 3 after the restart


def test_interpolate_gives_the_value_at_each_period_end():
    series = counter([(30, 30, 10.0), (90, 90, 40.0), (200, 200, 95.0)], kind=MD.GAUGE, value_type=MD.DOUBLE)
    # at +60: between 10 (+30) and 40 (+90); at +120: between 40 (+90) and 95 (+200); at +180 too;
    # at +240: no later point, and the last one (+200) lies inside the period
    assert aligned(series, A.ALIGN_INTERPOLATE, 60, 0, 240) == {
        60: 25.0,
        120: pytest.approx(40 + 55 * 30 / 110),
        180: pytest.approx(40 + 55 * 90 / 110),
        240: 95.0,
    }
    assert aligned(series, A.ALIGN_INTERPOLATE, 60, 0, 360) == {
        60: 25.0,
        120: pytest.approx(40 + 55 * 30 / 110),
        180: pytest.approx(40 + 55 * 90 / 110),
        240: 95.0,
    }


def test_interpolate_keeps_integers_and_refuses_counters():
    series = counter([(0, 0, 0), (60, 60, 7)], kind=MD.GAUGE)
    assert aligned(series, A.ALIGN_INTERPOLATE, 60, -60, 60) == {0: 0, 60: 7}
    with pytest.raises(ApiError, match="ALIGN_INTERPOLATE"):
        aligned(counter([(60, 0, 7)]), A.ALIGN_INTERPOLATE, 60, 0, 60)


def _aggregation(*group_by: str) -> object:
    out = common.Aggregation.pb()()
    out.alignment_period.seconds = 60
    out.per_series_aligner = A.ALIGN_MEAN
    out.cross_series_reducer = R.REDUCE_SUM
    out.group_by_fields.extend(group_by)
    return out


@pytest.mark.parametrize(
    "field",
    [
        "resource.zone",
        'resource.label."zone"',
        "resource.labels.zone",
        "metric.label.k",
        'metric.labels."statusCode"',
        "metric.type",
        "resource.type",
        "project",
        'metadata.system_labels."name"',
        'metadata.user_labels."team"',
    ],
)
def test_group_by_fields_google_uses_are_accepted(field):
    spec = spec_from_pb(_aggregation(field))
    assert spec is not None
    assert spec.group_by == (field,)


@pytest.mark.parametrize("field", ["zone", "metric", "metric.labels", "metadata.user_labels", "foo.bar"])
def test_group_by_fields_naming_nothing_are_refused(field):
    with pytest.raises(ApiError, match="groupByFields"):
        spec_from_pb(_aggregation(field))


def test_a_label_the_series_lack_groups_them_as_empty():
    def gauge(zone: str | None, v: float) -> SeriesData:
        labels = {"project_id": "p", **({"zone": zone} if zone else {})}
        series = SeriesData("custom.googleapis.com/g", {}, "gce_instance", labels, MD.GAUGE, MD.DOUBLE)
        series.points.append((T + 60 * S, T + 60 * S, value(v)))
        return series

    data = [gauge("us-central1-a", 1.0), gauge("us-central1-a", 2.0), gauge(None, 4.0), gauge(None, 8.0)]
    for field in ("resource.zone", "metadata.system_labels.zone"):
        spec = AggregationSpec(60 * S, A.ALIGN_MEAN, R.REDUCE_SUM, (field,))
        found = aggregate(data, spec, T, T + 60 * S, MD.GAUGE, MD.DOUBLE)
        result = {s.resource_labels.get("zone", ""): s.points[0][2].double_value for s in found}
        if field == "resource.zone":
            assert result == {"us-central1-a": 3.0, "": 12.0}
        else:  # no metadata here: one group
            assert result == {"": 15.0}
        assert all(set(s.resource_labels) <= {"project_id", "zone"} for s in found)
