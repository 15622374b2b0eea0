"""ListTimeSeries through the official client: filters, intervals, views, paging, and aggregation
results compared with values computed by hand here."""

from __future__ import annotations

import math

import pytest
from google.api import metric_pb2
from google.api_core import exceptions
from google.cloud import monitoring_v3

from tests.helpers import HELIOS, TASK, distribution, interval, minute_floor, read, series

MD = metric_pb2.MetricDescriptor
A = monitoring_v3.Aggregation.Aligner
R = monitoring_v3.Aggregation.Reducer
SCORE, LATENCY, REQUESTS = f"{HELIOS}/score", f"{HELIOS}/latency", f"{HELIOS}/requests"


@pytest.fixture
def client(factory):
    return factory.metric_service()


def write_all(client, project, items):
    """Write ``items`` (one TimeSeries each) oldest first, one request per point so order holds."""
    for item in sorted(items, key=lambda ts: ts.points[0].interval.end_time):
        client.create_time_series(name=f"projects/{project}", time_series=[item])


def values(ts: monitoring_v3.TimeSeries) -> list[float]:
    out = []
    for p in ts.points:
        which = monitoring_v3.TypedValue.pb(p.value).WhichOneof("value")
        out.append(getattr(p.value, which))
    return out


def ends(ts: monitoring_v3.TimeSeries) -> list[int]:
    return [int(p.interval.end_time.timestamp()) for p in ts.points]


def aggregated(client, project, metric_type, start, end, aligner, reducer=R.REDUCE_NONE, group_by=(), period=60):
    return read(
        client,
        project,
        metric_type,
        start,
        end,
        aggregation={
            "alignment_period": {"seconds": period},
            "per_series_aligner": aligner,
            "cross_series_reducer": reducer,
            "group_by_fields": list(group_by),
        },
    )


@pytest.fixture
def scores(client, project_id):
    """Gauge doubles; query (base, base+180] splits into periods ending base+60, base+120, base+180."""
    base = minute_floor(900)
    other_task = {**TASK, "task_id": "t-2"}
    items = [series(100.0, base, SCORE, {"stage": "a"})]  # at the interval start: excluded, (start, end]
    items += [
        series(v, base + dt, SCORE, {"stage": "a"})
        for dt, v in ((10, 1.0), (30, 3.0), (60, 5.0), (90, 2.0), (170, 10.0))
    ]
    items += [series(v, base + dt, SCORE, {"stage": "b"}) for dt, v in ((20, 4.0), (130, 6.0), (140, 8.0))]
    items += [series(20.0, base + 100, SCORE, {"stage": "a"}, resource_labels=other_task)]
    write_all(client, project_id, items)
    return base


def by_stage(found: list[monitoring_v3.TimeSeries], task: str = "t-1") -> dict[str, list[float]]:
    return {ts.metric.labels["stage"]: values(ts) for ts in found if ts.resource.labels.get("task_id", task) == task}


@pytest.mark.parametrize(
    ("aligner", "a", "b"),
    [
        (A.ALIGN_MEAN, [10.0, 2.0, 3.0], [7.0, 4.0]),
        (A.ALIGN_MIN, [10.0, 2.0, 1.0], [6.0, 4.0]),
        (A.ALIGN_MAX, [10.0, 2.0, 5.0], [8.0, 4.0]),
        (A.ALIGN_SUM, [10.0, 2.0, 9.0], [14.0, 4.0]),
        (A.ALIGN_COUNT, [1, 1, 3], [2, 1]),
        (A.ALIGN_NEXT_OLDER, [10.0, 2.0, 5.0], [8.0, 4.0]),
        (A.ALIGN_STDDEV, [0.0, 0.0, math.sqrt(8 / 3)], [1.0, 0.0]),
    ],
)
def test_aligners_on_gauges_match_hand_computation(client, project_id, scores, aligner, a, b):
    found = aggregated(client, project_id, SCORE, scores, scores + 180, aligner)
    assert by_stage(found) == {"a": pytest.approx(a), "b": pytest.approx(b)}
    stage_a = next(ts for ts in found if ts.metric.labels["stage"] == "a" and ts.resource.labels["task_id"] == "t-1")
    assert ends(stage_a) == [scores + 180, scores + 120, scores + 60]
    assert stage_a.points[0].interval.start_time == stage_a.points[0].interval.end_time
    expected_type = {A.ALIGN_MEAN: MD.DOUBLE, A.ALIGN_STDDEV: MD.DOUBLE, A.ALIGN_COUNT: MD.INT64}.get(
        aligner, MD.DOUBLE
    )
    assert (stage_a.metric_kind, stage_a.value_type) == (MD.GAUGE, expected_type)


@pytest.mark.parametrize(
    ("reducer", "expected"),
    [
        (R.REDUCE_SUM, [17.0, 22.0, 7.0]),
        (R.REDUCE_MEAN, [8.5, 11.0, 3.5]),
        (R.REDUCE_MAX, [10.0, 20.0, 4.0]),
        (R.REDUCE_MIN, [7.0, 2.0, 3.0]),
        (R.REDUCE_COUNT, [2, 2, 2]),
        (R.REDUCE_PERCENTILE_50, [8.5, 11.0, 3.5]),
        (R.REDUCE_PERCENTILE_95, [9.85, 19.1, 3.95]),
    ],
)
def test_reducers_across_series_match_hand_computation(client, project_id, scores, reducer, expected):
    # ALIGN_MEAN per series first: stage a/t-1 [10, 2, 3], stage b [7, -, 4], stage a/t-2 [-, 20, -]
    (found,) = aggregated(client, project_id, SCORE, scores, scores + 180, A.ALIGN_MEAN, reducer)
    assert values(found) == pytest.approx(expected)
    assert ends(found) == [scores + 180, scores + 120, scores + 60]
    assert dict(found.metric.labels) == {}
    assert dict(found.resource.labels) == {"project_id": project_id}


def test_group_by_keeps_the_grouped_labels_only(client, project_id, scores):
    found = aggregated(
        client, project_id, SCORE, scores, scores + 180, A.ALIGN_MEAN, R.REDUCE_SUM, ["metric.labels.stage"]
    )
    assert {ts.metric.labels["stage"]: values(ts) for ts in found} == {"a": [10.0, 22.0, 3.0], "b": [7.0, 4.0]}
    assert all(dict(ts.resource.labels) == {"project_id": project_id} for ts in found)
    by_task = aggregated(
        client, project_id, SCORE, scores, scores + 180, A.ALIGN_COUNT, R.REDUCE_SUM, ["resource.label.task_id"]
    )
    assert {ts.resource.labels["task_id"]: values(ts) for ts in by_task} == {"t-1": [3, 1, 4], "t-2": [1]}


@pytest.fixture
def zones(client, project_id):
    """Google's reduce sample groups gce_instance series by ``resource.zone``."""
    base = minute_floor(900)
    vms = [("1", "us-central1-a", 1.0), ("2", "us-central1-a", 3.0), ("3", "europe-west1-b", 10.0)]
    items = [
        series(v, base + 30, SCORE, resource_type="gce_instance", resource_labels={"instance_id": i, "zone": z})
        for i, z, v in vms
    ]
    items.append(series(100.0, base + 30, SCORE, {"stage": "a"}))  # generic_task: no zone label
    write_all(client, project_id, items)
    return base


@pytest.mark.parametrize("field", ["resource.zone", "resource.label.zone", 'resource.labels."zone"'])
def test_group_by_a_resource_label_as_google_s_reduce_sample_writes_it(client, project_id, zones, field):
    found = aggregated(client, project_id, SCORE, zones, zones + 60, A.ALIGN_MEAN, R.REDUCE_MEAN, [field])
    result = {(ts.resource.type, ts.resource.labels.get("zone", "")): values(ts) for ts in found}
    assert result == {
        ("gce_instance", "us-central1-a"): [2.0],
        ("gce_instance", "europe-west1-b"): [10.0],
        ("generic_task", ""): [100.0],  # lacking the label groups as empty
    }
    assert all(set(ts.resource.labels) <= {"project_id", "zone"} for ts in found)


@pytest.mark.parametrize(
    ("fields", "groups"),
    [
        (["project"], 2),  # one per resource type, each keeping the project
        (['metadata.system_labels."name"'], 2),  # no metadata here: every series lacks it
        (['metadata.user_labels."team"', "metric.type"], 2),
        (['metric.label."stage"'], 2),  # gce_instance series lack it, the generic_task one has "a"
    ],
)
def test_group_by_fields_the_series_lack_are_accepted(client, project_id, zones, fields, groups):
    found = aggregated(client, project_id, SCORE, zones, zones + 60, A.ALIGN_MEAN, R.REDUCE_SUM, fields)
    assert len(found) == groups
    assert all(ts.resource.labels["project_id"] == project_id for ts in found)


@pytest.fixture
def latencies(client, project_id):
    """Distributions on bounds [0, 10, 20, 40]: buckets (-inf,0) [0,10) [10,20) [20,40) [40,inf)."""
    base = minute_floor(900)
    bounds = [0.0, 10.0, 20.0, 40.0]
    first = [1.0, 2.0, 3.0, 4.0, 5.0]  # counts [0,5,0,0,0]
    second = [float(v) for v in range(10, 20)] + [21.0, 25.0, 30.0, 35.0, 39.0]  # counts [0,0,10,5,0]
    spread = [-5.0, 12.0, 45.0, 50.0]  # counts [1,0,1,0,2]
    write_all(
        client,
        project_id,
        [
            series(distribution(first, bounds), base + 130, LATENCY, {"stage": "x"}),
            series(distribution(second, bounds), base + 150, LATENCY, {"stage": "x"}),
            series(distribution(spread, bounds), base + 140, LATENCY, {"stage": "y"}),
        ],
    )
    return base, first + second


@pytest.mark.parametrize(
    ("aligner", "x"),
    [
        # x merged: counts [0,5,10,5,0], n=20, range [1,39]; rank = p/100*20, linear inside the bucket
        (A.ALIGN_PERCENTILE_50, 10 + 10 * (10 - 5) / 10),  # rank 10 in [10,20) after 5 → 15
        (A.ALIGN_PERCENTILE_95, 20 + 20 * (19 - 15) / 5),  # rank 19 in [20,40) after 15 → 36
        (A.ALIGN_PERCENTILE_99, 39.0),  # rank 19.8 → 39.2, clamped to the range max 39
        (A.ALIGN_PERCENTILE_05, 0 + 10 * 1 / 5),  # rank 1 in [0,10) → 2
    ],
)
def test_percentile_aligners_read_distribution_buckets(client, project_id, latencies, aligner, x):
    base, _ = latencies
    found = aggregated(client, project_id, LATENCY, base, base + 180, aligner)
    result = {ts.metric.labels["stage"]: values(ts) for ts in found}
    assert result["x"] == pytest.approx([x])
    assert all((ts.metric_kind, ts.value_type) == (MD.GAUGE, MD.DOUBLE) for ts in found)


def test_underflow_bucket_is_closed_by_the_range(client, project_id, latencies):
    base, _ = latencies
    found = aggregated(client, project_id, LATENCY, base, base + 180, A.ALIGN_PERCENTILE_05)
    y = next(ts for ts in found if ts.metric.labels["stage"] == "y")
    # y: counts [1,0,1,0,2], range [-5, 50]; rank 0.2 in (-inf,0) closed at -5 → -5 + 5 * 0.2
    assert values(y) == pytest.approx([-4.0])


def test_align_sum_merges_distributions(client, project_id, latencies):
    base, samples = latencies
    found = aggregated(client, project_id, LATENCY, base, base + 180, A.ALIGN_SUM)
    x = next(ts for ts in found if ts.metric.labels["stage"] == "x")
    merged = x.points[0].value.distribution_value
    assert merged.count == 20
    assert list(merged.bucket_counts) == [0, 5, 10, 5]
    assert merged.mean == pytest.approx(sum(samples) / 20)
    mean = sum(samples) / 20
    assert merged.sum_of_squared_deviation == pytest.approx(sum((v - mean) ** 2 for v in samples))


@pytest.mark.parametrize(
    ("reducer", "expected"),
    [
        # x and y merged: counts [1,5,11,5,2], n=24, range [-5, 50]
        (R.REDUCE_PERCENTILE_50, 10 + 10 * (12 - 6) / 11),
        (R.REDUCE_PERCENTILE_99, 40 + 10 * (23.76 - 22) / 2),  # overflow bucket closed by range max 50
        (R.REDUCE_PERCENTILE_05, 0 + 10 * (1.2 - 1) / 5),
    ],
)
def test_percentile_reducers_merge_distributions_across_series(client, project_id, latencies, reducer, expected):
    base, _ = latencies
    (found,) = aggregated(client, project_id, LATENCY, base, base + 180, A.ALIGN_SUM, reducer)
    assert values(found) == pytest.approx([expected])


@pytest.fixture
def counters(client, project_id):
    base = minute_floor(900)
    kind = {"metric_kind": MD.CUMULATIVE}
    items = [
        series(v, base + dt, REQUESTS, {"k": "steady"}, start=base, **kind)
        for dt, v in ((30, 10), (90, 40), (150, 100), (170, 120))
    ]
    items += [series(100, base + 30, REQUESTS, {"k": "reset"}, start=base, **kind)]
    items += [
        series(v, base + dt, REQUESTS, {"k": "reset"}, start=base + 100, **kind) for dt, v in ((110, 6), (170, 36))
    ]
    write_all(client, project_id, items)
    return base


def test_delta_and_rate_on_cumulative_counters_interpolate_at_period_boundaries(client, project_id, counters):
    """Each increment is spread over its interval and a period gets the part inside it: the values
    at the period boundaries are interpolated between the points either side."""
    base = counters
    delta = aggregated(client, project_id, REQUESTS, base + 60, base + 180, A.ALIGN_DELTA)
    result = {ts.metric.labels["k"]: values(ts) for ts in delta}
    # steady: +30 over (30, 90], +60 over (90, 150], +20 over (150, 170]
    #   (120, 180]: half of 60 + 20 = 50; (60, 120]: half of 30 + half of 60 = 45
    # reset: restarted at +100: 6 over (100, 110], then +30 over (110, 170]
    #   (120, 180]: 50/60 of 30 = 25; (60, 120]: 6 + 10/60 of 30 = 11
    assert result == {"steady": [50, 45], "reset": [25, 11]}
    steady = next(ts for ts in delta if ts.metric.labels["k"] == "steady")
    assert (steady.metric_kind, steady.value_type) == (MD.DELTA, MD.INT64)
    assert int(steady.points[0].interval.start_time.timestamp()) == base + 120
    rate = aggregated(client, project_id, REQUESTS, base + 60, base + 180, A.ALIGN_RATE)
    assert {ts.metric.labels["k"]: values(ts) for ts in rate} == {
        "steady": pytest.approx([50 / 60, 45 / 60]),
        "reset": pytest.approx([25 / 60, 11 / 60]),
    }


def test_a_counter_restart_inside_a_period_keeps_what_was_counted_before_it(client, project_id):
    """5 at +60 and 7 at +120 counted since +0, then a restart at +121 reading 2 at +180: Google's 9."""
    base = minute_floor(900)
    kind = {"metric_kind": MD.CUMULATIVE}
    items = [series(v, base + dt, REQUESTS, start=base, **kind) for dt, v in ((60, 5), (120, 7))]
    items.append(series(2, base + 180, REQUESTS, start=base + 121, **kind))
    write_all(client, project_id, items)
    (delta,) = aggregated(client, project_id, REQUESTS, base, base + 300, A.ALIGN_DELTA, period=300)
    assert values(delta) == [9]
    (rate,) = aggregated(client, project_id, REQUESTS, base, base + 300, A.ALIGN_RATE, period=300)
    assert values(rate) == pytest.approx([9 / 300])


def test_a_series_first_point_counts_from_its_start_time(client, project_id):
    """A first point of 120 counted over (+0, +120]: two 60 s periods get 60 each, not one 120."""
    base = minute_floor(900)
    write_all(client, project_id, [series(120, base + 120, REQUESTS, start=base, metric_kind=MD.CUMULATIVE)])
    (delta,) = aggregated(client, project_id, REQUESTS, base, base + 180, A.ALIGN_DELTA)
    assert dict(zip(ends(delta), values(delta), strict=True)) == {base + 120: 60, base + 60: 60}


def test_a_sparse_counter_spreads_each_run_over_the_minutes_before_it(client, project_id):
    """A running total written every 12 minutes without a baseline (one run each time): each run's
    increment covers the 12 minutes since the previous point, so 1-minute periods each get 1/12 of a
    run — 0 as INT64 — and 12-minute periods ending a minute after each point get 11/12, which is 1."""
    end = minute_floor(120)
    times = [end - 60 - 720 * i for i in range(5, -1, -1)]  # oldest first, the last at end - 60
    items = [series(n + 1, t, REQUESTS, start=times[0] - 30, metric_kind=MD.CUMULATIVE) for n, t in enumerate(times)]
    write_all(client, project_id, items)
    (minutes,) = aggregated(client, project_id, REQUESTS, end - 3600, end, A.ALIGN_DELTA)
    assert set(values(minutes)) == {0}
    (runs,) = aggregated(client, project_id, REQUESTS, end - 3600, end, A.ALIGN_DELTA, period=720)
    assert values(runs) == [1, 1, 1, 1, 1]  # the 5 runs in (end - 3600, end]
    (rate,) = aggregated(client, project_id, REQUESTS, end - 720, end, A.ALIGN_RATE, period=720)
    assert values(rate) == pytest.approx([11 / 12 / 720])  # the last run: 11/12 of it inside the period


def test_align_interpolate_reads_the_value_at_each_period_end(client, project_id):
    base = minute_floor(900)
    write_all(client, project_id, [series(v, base + dt, SCORE) for dt, v in ((30, 10.0), (90, 40.0), (150, 100.0))])
    (found,) = aggregated(client, project_id, SCORE, base, base + 180, A.ALIGN_INTERPOLATE)
    # +60: between 10 and 40; +120: between 40 and 100; +180: no later point, +150 is inside the period
    assert dict(zip(ends(found), values(found), strict=True)) == {
        base + 60: 25.0,
        base + 120: 70.0,
        base + 180: 100.0,
    }
    assert (found.metric_kind, found.value_type) == (MD.GAUGE, MD.DOUBLE)
    write_all(client, project_id, [series(5, base + 30, REQUESTS, start=base, metric_kind=MD.CUMULATIVE)])
    with pytest.raises(exceptions.InvalidArgument) as caught:
        aggregated(client, project_id, REQUESTS, base, base + 180, A.ALIGN_INTERPOLATE)
    assert caught.value.message == (
        'Field aggregation.perSeriesAligner had an invalid value of "ALIGN_INTERPOLATE": The aligner cannot be '
        "applied to metrics with kind CUMULATIVE and value type INT64."
    )


@pytest.mark.parametrize(
    ("aggregation", "message"),
    [
        (
            {"alignment_period": {"seconds": 30}, "per_series_aligner": A.ALIGN_MEAN},
            'Field aggregation.alignmentPeriod had an invalid value of "30s": '
            "The alignment period must be at least 60 seconds.",
        ),
        (
            {"per_series_aligner": A.ALIGN_MEAN},
            "Field aggregation.alignmentPeriod had an invalid value: The alignment period is required when the "
            "per-series aligner is ALIGN_MEAN.",
        ),
        (
            {"alignment_period": {"seconds": 60}, "cross_series_reducer": R.REDUCE_SUM},
            'Field aggregation.perSeriesAligner had an invalid value of "ALIGN_NONE": '
            "A per-series aligner must be specified when a cross-series reducer is specified.",
        ),
        (
            {"alignment_period": {"seconds": 60}, "per_series_aligner": A.ALIGN_RATE},
            'Field aggregation.perSeriesAligner had an invalid value of "ALIGN_RATE": The aligner cannot be applied '
            "to metrics with kind GAUGE and value type DOUBLE.",
        ),
        (
            {"alignment_period": {"seconds": 60}, "per_series_aligner": A.ALIGN_PERCENTILE_99},
            'Field aggregation.perSeriesAligner had an invalid value of "ALIGN_PERCENTILE_99": The aligner cannot be '
            "applied to metrics with kind GAUGE and value type DOUBLE.",
        ),
    ],
)
def test_invalid_aggregations_are_refused(client, project_id, scores, aggregation, message):
    with pytest.raises(exceptions.InvalidArgument) as caught:
        read(client, project_id, SCORE, scores, scores + 180, aggregation=aggregation)
    assert caught.value.message == message


def test_reducers_are_checked_against_the_aligned_type(client, project_id, latencies):
    base, _ = latencies
    with pytest.raises(exceptions.InvalidArgument) as caught:
        aggregated(client, project_id, LATENCY, base, base + 180, A.ALIGN_SUM, R.REDUCE_MIN)
    assert caught.value.message == (
        'Field aggregation.crossSeriesReducer had an invalid value of "REDUCE_MIN": The reducer cannot be applied '
        "to metrics with kind GAUGE and value type DISTRIBUTION."
    )
    with pytest.raises(exceptions.InvalidArgument, match="ALIGN_MEAN"):
        aggregated(client, project_id, LATENCY, base, base + 180, A.ALIGN_MEAN)


def test_raw_points_come_newest_first_within_start_exclusive_end_inclusive(client, project_id, scores):
    found = read(
        client, project_id, SCORE, scores, scores + 90, 'metric.labels.stage = "a" AND resource.labels.task_id = "t-1"'
    )
    (stage_a,) = found
    assert ends(stage_a) == [scores + 90, scores + 60, scores + 30, scores + 10]  # base itself is excluded
    assert values(stage_a) == [2.0, 5.0, 3.0, 1.0]
    assert (stage_a.metric_kind, stage_a.value_type) == (MD.GAUGE, MD.DOUBLE)


@pytest.fixture
def stages(client, project_id):
    t = minute_floor(600)
    names = ["trend_discovery", "audience_analysis", "design_generation", "publication"]
    items = [
        series(
            float(i),
            t,
            f"{HELIOS}/stage_runs",
            {"stage": name, "status": "success" if i % 2 == 0 else "failure"},
            resource_labels={**TASK, "task_id": f"t-{i}"},
        )
        for i, name in enumerate(names)
    ]
    client.create_time_series(name=f"projects/{project_id}", time_series=items)
    return t


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('metric.labels.stage = "publication"', {"publication"}),
        ('metric.label.stage != "publication"', {"trend_discovery", "audience_analysis", "design_generation"}),
        ('metric.labels.status = "success" AND resource.labels.task_id = "t-2"', {"design_generation"}),
        (
            'metric.labels.stage = "publication" OR metric.labels.stage = "trend_discovery"',
            {"publication", "trend_discovery"},
        ),
        ('NOT metric.labels.status = "success"', {"audience_analysis", "publication"}),
        ('metric.labels.stage = starts_with("design")', {"design_generation"}),
        ('metric.labels.stage = ends_with("analysis")', {"audience_analysis"}),
        ('metric.labels.stage = has_substring("_")', {"trend_discovery", "audience_analysis", "design_generation"}),
        ('metric.labels.stage = one_of("publication", "audience_analysis")', {"publication", "audience_analysis"}),
        (
            'metric.labels.stage = monitoring.regex.full_match("(trend|design)_.*")',
            {"trend_discovery", "design_generation"},
        ),
        (
            'resource.type = "generic_task" AND (resource.labels.task_id = "t-0" OR resource.labels.task_id = "t-3")',
            {"trend_discovery", "publication"},
        ),
        ('resource.type = "global"', set()),
        # quoted label keys, in every form the reference shows; OR binds more tightly than AND
        ('metric.label."stage" = "publication"', {"publication"}),
        ('metric.labels."stage" = one_of("publication", "trend_discovery")', {"publication", "trend_discovery"}),
        ('resource.label."task_id" = "t-2"', {"design_generation"}),
        (
            'resource.labels."task_id" = starts_with("t-")',
            {"trend_discovery", "audience_analysis", "design_generation", "publication"},
        ),
        ('metadata.user_labels."team" = "x"', set()),  # the emulator's series carry no metadata
        (
            'metadata.system_labels."name" != "x"',
            {"trend_discovery", "audience_analysis", "design_generation", "publication"},
        ),
        (
            'metric.labels : "stage" AND resource.label.task_id = "t-0" OR resource.label.task_id = "t-1"',
            {"trend_discovery", "audience_analysis"},
        ),
        ('metric.labels.stage = has_substring("PUBLIC", true)', {"publication"}),
    ],
)
def test_filter_language(client, project_id, stages, expression, expected):
    found = read(client, project_id, f"{HELIOS}/stage_runs", stages - 60, stages + 60, expression)
    assert {ts.metric.labels["stage"] for ts in found} == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('metric.labels.stage = "x"', "The filter must specify exactly one metric type."),
        (f'metric.type = one_of("{HELIOS}/a", "{HELIOS}/b")', "The filter must specify exactly one metric type."),
        (f'metric.type = "{HELIOS}/a" AND', "expected a selector at position"),
        (f'metric.type = nope("{HELIOS}/a")', "unknown function 'nope'"),
        (
            f'metric.type = "{HELIOS}/a" AND metric.type = "{HELIOS}/b"',
            "The filter must specify exactly one metric type.",
        ),
    ],
)
def test_bad_filters_are_refused(client, project_id, text, message):
    with pytest.raises(exceptions.InvalidArgument) as caught:
        list(
            client.list_time_series(
                request={"name": f"projects/{project_id}", "filter": text, "interval": interval(0, 10)}
            )
        )
    assert caught.value.message.startswith(f'Field filter had an invalid value of "{text}": ')
    assert message in caught.value.message


def test_headers_view_and_paging(client, project_id):
    t = minute_floor(900)
    items = [series(float(dt), t + dt, f"{HELIOS}/paged", {"k": str(k)}) for k in range(5) for dt in (0, 10, 20)]
    write_all(client, project_id, items)
    name, flt = f"projects/{project_id}", f'metric.type = "{HELIOS}/paged"'
    full = client.list_time_series(
        request={"name": name, "filter": flt, "interval": interval(t - 1, t + 30), "page_size": 7}
    )
    pages = list(full.pages)
    assert [len(p.time_series) for p in pages] == [2, 2, 1]  # whole series, at most 7 points a page
    assert sum(len(ts.points) for p in pages for ts in p.time_series) == 15
    headers = client.list_time_series(
        request={"name": name, "filter": flt, "interval": interval(t - 1, t + 30), "view": 1, "page_size": 2}
    )
    header_pages = list(headers.pages)
    assert [len(p.time_series) for p in header_pages] == [2, 2, 1]
    assert all(not ts.points for p in header_pages for ts in p.time_series)


def test_the_clients_query_helper_reads_with_its_own_filters(client, project_id, stages):
    """``monitoring_v3.query.Query`` writes ``metric.type = "T" AND project = "p" OR project = "q"``
    and ``metric.label.K = starts_with("…")``: OR binds more tightly than AND in the API's filters."""
    import datetime

    from google.cloud.monitoring_v3 import query

    end = datetime.datetime.fromtimestamp(stages + 60, tz=datetime.UTC)
    found = (
        query.Query(client, project_id, f"{HELIOS}/stage_runs", end_time=end, minutes=2)
        .select_projects(project_id, "some-other-project")
        .select_metrics(stage_prefix="design")
        .select_resources(task_id="t-2")
    )
    assert [ts.metric.labels["stage"] for ts in found] == ["design_generation"]
