"""Classes 5, 8 and 9 — reads: the snippets' aggregate and reduce calls (``group_by_fields=
["resource.zone"]``), quoted label keys in filters, group-by on ``metadata.system_labels."x"``.

Sources: python-docs-samples monitoring/snippets/v3/cloud-client/snippets.py (list_time_series,
list_time_series_header, list_time_series_aggregate, list_time_series_reduce) and snippets_test.py;
Google's "Monitoring filters" reference (cloud.google.com/monitoring/api/v3/filters: quoted keys
``metric.label."k"``, ``metadata.user_labels."k"``, ``metadata.system_labels."k"``, starts_with,
one_of, monitoring.regex.full_match).
"""

from __future__ import annotations

import grpc
import pytest
from google.cloud import monitoring_v3

from ._api import Monitoring, raises
from ._data import interval, minute_origin, point, unique

Aligner, Reducer = monitoring_v3.Aggregation.Aligner, monitoring_v3.Aggregation.Reducer
FULL, HEADERS = (
    monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
    monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.HEADERS,
)

# (instance, zone, values at minutes 1, 2, 3 after the origin)
INSTANCES = [
    ("1", "us-central1-a", [1.0, 1.0, 1.0]),
    ("2", "us-central1-a", [3.0, 3.0, 3.0]),
    ("3", "europe-west1-b", [10.0, 10.0, 10.0]),
]


def _write_instances(api: Monitoring, metric_type: str, origin: int) -> None:
    """One GAUGE series per gce_instance, a point a minute (each write a point per series, as
    Google takes one point per series per request)."""
    for minute, _ in enumerate(INSTANCES[0][2], start=1):
        api.metric.create_time_series(
            name=api.project_name,
            time_series=[
                monitoring_v3.TimeSeries(
                    metric={"type": metric_type, "labels": {"TestLabel": f"instance {instance}"}},
                    resource={"type": "gce_instance", "labels": {"instance_id": instance, "zone": zone}},
                    points=[point(values[minute - 1], origin + minute * 60)],
                )
                for instance, zone, values in INSTANCES
            ],
        )


@pytest.fixture
def cpu(api: Monitoring) -> tuple[str, int]:
    metric_type = unique("custom.googleapis.com/cpu_utilization_")
    origin = minute_origin(30)
    _write_instances(api, metric_type, origin)
    return metric_type, origin


def test_list_full_and_headers(api: Monitoring, cpu: tuple[str, int]):
    """snippets.py list_time_series (view FULL) and list_time_series_header (view HEADERS): the same
    series, HEADERS without points; snippets_test.py expects "gce_instance" in both."""
    metric_type, origin = cpu
    span = interval(origin, origin + 1200)
    full = api.metric.list_time_series(
        name=api.project_name, filter=f'metric.type = "{metric_type}"', interval=span, view=FULL
    )
    headers = api.metric.list_time_series(
        name=api.project_name, filter=f'metric.type = "{metric_type}"', interval=span, view=HEADERS
    )
    assert sorted(ts.resource.labels["instance_id"] for ts in full) == ["1", "2", "3"]
    assert all(len(ts.points) == 3 and ts.resource.type == "gce_instance" for ts in full)
    assert sorted(ts.resource.labels["instance_id"] for ts in headers) == ["1", "2", "3"]
    assert all(not ts.points and ts.resource.type == "gce_instance" for ts in headers)


def test_aggregate_align_mean(api: Monitoring, cpu: tuple[str, int]):
    """snippets.py list_time_series_aggregate: ALIGN_MEAN over 1200 s, no reducer; snippets_test.py
    expects points whose interval has a start_time and an end_time."""
    metric_type, origin = cpu
    found = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}"',
        interval=interval(origin, origin + 1200),
        view=FULL,
        aggregation={"alignment_period": {"seconds": 1200}, "per_series_aligner": Aligner.ALIGN_MEAN},
    )
    means = {ts.resource.labels["instance_id"]: [p.value.double_value for p in ts.points] for ts in found}
    assert means == {"1": [1.0], "2": [3.0], "3": [10.0]}
    for ts in found:
        span = ts.points[0].interval
        assert "start_time" in span
        assert "end_time" in span
        assert span.start_time <= span.end_time


def test_reduce_group_by_resource_zone(api: Monitoring, cpu: tuple[str, int]):
    """snippets.py list_time_series_reduce: ALIGN_MEAN 1200 s, REDUCE_MEAN, group_by_fields
    ["resource.zone"] — one series per zone, the mean of its instances."""
    metric_type, origin = cpu
    found = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}"',
        interval=interval(origin, origin + 1200),
        view=FULL,
        aggregation={
            "alignment_period": {"seconds": 1200},
            "per_series_aligner": Aligner.ALIGN_MEAN,
            "cross_series_reducer": Reducer.REDUCE_MEAN,
            "group_by_fields": ["resource.zone"],
        },
    )
    by_zone = {ts.resource.labels.get("zone"): [p.value.double_value for p in ts.points] for ts in found}
    assert by_zone == {"us-central1-a": [2.0], "europe-west1-b": [10.0]}


@pytest.mark.parametrize("field", ["resource.label.zone", "resource.labels.zone", 'resource.label."zone"'])
def test_reduce_group_by_resource_label_spellings(api: Monitoring, cpu: tuple[str, int], field: str):
    """The reference's spellings of a resource label in group_by_fields (and in the sample alert
    policy test_alert_policy.json: "resource.label.zone") group the same way."""
    metric_type, origin = cpu
    found = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}"',
        interval=interval(origin, origin + 1200),
        aggregation={
            "alignment_period": {"seconds": 1200},
            "per_series_aligner": Aligner.ALIGN_MEAN,
            "cross_series_reducer": Reducer.REDUCE_SUM,
            "group_by_fields": [field],
        },
    )
    assert sorted(ts.points[0].value.double_value for ts in found) == [4.0, 10.0]


def test_reduce_group_by_project(api: Monitoring, cpu: tuple[str, int]):
    """groupByFields ["project", …] as Google's sample alert policy aggregates (python-docs-samples
    monitoring/api/v3/alerts-client/test_alert_policy.json): one project, one group."""
    metric_type, origin = cpu
    found = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}"',
        interval=interval(origin, origin + 1200),
        aggregation={
            "alignment_period": {"seconds": 1200},
            "per_series_aligner": Aligner.ALIGN_MEAN,
            "cross_series_reducer": Reducer.REDUCE_SUM,
            "group_by_fields": ["project"],
        },
    )
    assert [ts.points[0].value.double_value for ts in found] == [14.0]


@pytest.mark.parametrize(
    "selector",
    [
        'metric.label."TestLabel" = "instance 2"',
        'metric.labels."TestLabel" = "instance 2"',
        'resource.label."instance_id" = "2"',
        'resource.labels."instance_id" = "2"',
        'metric.labels.TestLabel = one_of("instance 2", "instance 9")',
        'resource.labels.instance_id = monitoring.regex.full_match("2")',
        'metric.label.TestLabel = ends_with(" 2")',
        'NOT resource.labels.instance_id = one_of("1", "3")',
    ],
)
def test_filter_selectors(api: Monitoring, cpu: tuple[str, int], selector: str):
    """The filters reference: quoted label keys and the string functions select instance 2 only."""
    metric_type, origin = cpu
    found = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}" AND {selector}',
        interval=interval(origin, origin + 1200),
    )
    assert [ts.resource.labels["instance_id"] for ts in found] == ["2"]


@pytest.mark.parametrize(
    "selector",
    [
        'metadata.user_labels."env" = "prod"',
        'metadata.system_labels."name" = "vm-1"',
        "metadata.user_labels.env = prod",
    ],
)
def test_metadata_selectors_are_accepted(api: Monitoring, cpu: tuple[str, int], selector: str):
    """The filters reference allows metadata.user_labels / metadata.system_labels (quoted or not) in
    ListTimeSeries filters; the emulator keeps no resource metadata, so nothing matches."""
    metric_type, origin = cpu
    found = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}" AND {selector}',
        interval=interval(origin, origin + 1200),
    )
    assert found == []


def test_group_by_metadata_system_label(api: Monitoring, cpu: tuple[str, int]):
    """group_by_fields may name metadata.system_labels."name" (Aggregation reference; dashboards
    of monitoring-dashboard-samples group by it): series without that metadata fall in one group."""
    metric_type, origin = cpu
    found = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}"',
        interval=interval(origin, origin + 1200),
        aggregation={
            "alignment_period": {"seconds": 1200},
            "per_series_aligner": Aligner.ALIGN_MEAN,
            "cross_series_reducer": Reducer.REDUCE_SUM,
            "group_by_fields": ['metadata.system_labels."name"'],
        },
    )
    assert [ts.points[0].value.double_value for ts in found] == [14.0]


def test_aligner_without_alignment_period_is_refused(api: Monitoring, cpu: tuple[str, int]):
    """Aggregation.alignmentPeriod reference: "If a per-series aligner other than ALIGN_NONE is
    specified, this field is required or an error is returned" — for ListTimeSeries (charts differ,
    see test_dashboards_samples)."""
    metric_type, origin = cpu
    with raises(grpc.StatusCode.INVALID_ARGUMENT):
        api.metric.list_time_series(
            name=api.project_name,
            filter=f'metric.type = "{metric_type}"',
            interval=interval(origin, origin + 1200),
            aggregation={"per_series_aligner": Aligner.ALIGN_MEAN},
        )
