"""Class 1 — capital letters in label keys, in descriptors, time series and filters.

Google's ``LabelDescriptor.key`` reference: "Matches the following regular expression:
[a-zA-Z][a-zA-Z0-9_]* The first character must be an upper- or lower-case letter" (the
discovery document of monitoring v3, schema LabelDescriptor); its cloud-client snippet uses the key
``TestLabel``.
"""

from __future__ import annotations

import time

import grpc
from google.api import label_pb2, metric_pb2
from google.cloud import monitoring_v3

from ._api import Monitoring, raises
from ._data import last, point, unique

MD = metric_pb2.MetricDescriptor


def _snippet_descriptor(metric_type: str) -> metric_pb2.MetricDescriptor:
    descriptor = MD(type=metric_type, metric_kind=MD.GAUGE, value_type=MD.DOUBLE)
    descriptor.description = "This is a simple example of a custom metric."
    descriptor.labels.append(
        label_pb2.LabelDescriptor(
            key="TestLabel", value_type=label_pb2.LabelDescriptor.STRING, description="This is a test label"
        )
    )
    return descriptor


def _snippet_series(metric_type: str, value: float = 3.14) -> monitoring_v3.TimeSeries:
    series = monitoring_v3.TimeSeries()
    series.metric.type = metric_type
    series.resource.type = "gce_instance"
    series.resource.labels["instance_id"] = "1234567890123456789"
    series.resource.labels["zone"] = "us-central1-f"
    series.metric.labels["TestLabel"] = "My Label Data"
    series.points = [point(value, time.time())]
    return series


def test_descriptor_with_capitalised_label_is_created_read_and_deleted(api: Monitoring):
    """python-docs-samples monitoring/snippets/v3/cloud-client/snippets.py create_metric_descriptor,
    get_metric_descriptor, delete_metric_descriptor; snippets_test.py test_get_delete_metric_descriptor
    ("DOUBLE" in the descriptor read back)."""
    metric_type = unique("custom.googleapis.com/my_metric")
    created = api.metric.create_metric_descriptor(
        name=api.project_name, metric_descriptor=_snippet_descriptor(metric_type)
    )
    assert created.name == f"{api.project_name}/metricDescriptors/{metric_type}"
    fetched = api.metric.get_metric_descriptor(name=created.name)
    assert [(label.key, label.description) for label in fetched.labels] == [("TestLabel", "This is a test label")]
    assert fetched.value_type == MD.DOUBLE
    api.metric.delete_metric_descriptor(name=created.name)
    with raises(grpc.StatusCode.NOT_FOUND):
        api.metric.get_metric_descriptor(name=created.name)


def test_time_series_with_capitalised_label_reads_back(api: Monitoring):
    """snippets.py write_time_series (gce_instance, metric label TestLabel = "My Label Data", 3.14) and
    list_time_series (FULL view, the last 20 minutes); snippets_test.py test_list_time_series."""
    metric_type = unique("custom.googleapis.com/my_metric")
    api.metric.create_time_series(name=api.project_name, time_series=[_snippet_series(metric_type)])
    found = api.metric.list_time_series(
        name=api.project_name,
        filter=f'metric.type = "{metric_type}"',
        interval=last(1200),
        view=monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
    )
    assert len(found) == 1
    assert dict(found[0].metric.labels) == {"TestLabel": "My Label Data"}
    assert found[0].resource.type == "gce_instance"
    assert {"instance_id": "1234567890123456789", "zone": "us-central1-f"}.items() <= dict(
        found[0].resource.labels
    ).items()
    assert [p.value.double_value for p in found[0].points] == [3.14]


def test_written_capitalised_label_is_declared_on_the_created_descriptor(api: Monitoring):
    """A write to a metric with no descriptor creates one (snippets.py write_time_series writes to a
    fresh my_metric<uuid>); its label keeps its capital letters."""
    metric_type = unique("custom.googleapis.com/my_metric")
    api.metric.create_time_series(name=api.project_name, time_series=[_snippet_series(metric_type)])
    descriptor = api.metric.get_metric_descriptor(name=f"{api.project_name}/metricDescriptors/{metric_type}")
    assert [label.key for label in descriptor.labels] == ["TestLabel"]
    assert (descriptor.metric_kind, descriptor.value_type) == (MD.GAUGE, MD.DOUBLE)


def test_declared_capitalised_label_accepts_its_series(api: Monitoring):
    """The snippet's descriptor (label TestLabel) then the snippet's series on it."""
    metric_type = unique("custom.googleapis.com/my_metric")
    api.metric.create_metric_descriptor(name=api.project_name, metric_descriptor=_snippet_descriptor(metric_type))
    api.metric.create_time_series(name=api.project_name, time_series=[_snippet_series(metric_type, 2.5)])
    found = api.metric.list_time_series(
        name=api.project_name, filter=f'metric.type = "{metric_type}"', interval=last(600)
    )
    assert [(dict(ts.metric.labels), ts.points[0].value.double_value) for ts in found] == [
        ({"TestLabel": "My Label Data"}, 2.5)
    ]


def test_filter_selects_on_a_capitalised_label(api: Monitoring):
    """Filters name a label as metric.labels.KEY or metric.label.KEY (Google's "Monitoring filters"
    reference); the key is matched as written, capitals included."""
    metric_type = unique("custom.googleapis.com/my_metric")
    other = _snippet_series(metric_type)
    other.metric.labels["TestLabel"] = "Other Data"
    other.resource.labels["instance_id"] = "2"
    api.metric.create_time_series(name=api.project_name, time_series=[_snippet_series(metric_type), other])
    for selector in ('metric.labels.TestLabel = "My Label Data"', 'metric.label.TestLabel = "My Label Data"'):
        found = api.metric.list_time_series(
            name=api.project_name, filter=f'metric.type = "{metric_type}" AND {selector}', interval=last(600)
        )
        assert [ts.metric.labels["TestLabel"] for ts in found] == ["My Label Data"], selector


def test_label_key_of_one_hundred_characters_is_accepted(api: Monitoring):
    """LabelDescriptor.key: "Does not exceed 100 characters"; mixed case throughout."""
    key = "Ab" * 50
    descriptor = MD(type=unique("custom.googleapis.com/long_label_"), metric_kind=MD.GAUGE, value_type=MD.INT64)
    descriptor.labels.append(label_pb2.LabelDescriptor(key=key))
    created = api.metric.create_metric_descriptor(name=api.project_name, metric_descriptor=descriptor)
    assert [label.key for label in created.labels] == [key]


def test_label_key_outside_googles_pattern_is_refused(api: Monitoring):
    """LabelDescriptor.key must match [a-zA-Z][a-zA-Z0-9_]*: a dash is outside it (which is why the
    OpenTelemetry exporter rewrites such keys before it writes, opentelemetry-operations-python
    opentelemetry-exporter-gcp-monitoring _normalize_label_key)."""
    descriptor = MD(type=unique("custom.googleapis.com/bad_label_"), metric_kind=MD.GAUGE, value_type=MD.INT64)
    descriptor.labels.append(label_pb2.LabelDescriptor(key="status-code"))
    with raises(grpc.StatusCode.INVALID_ARGUMENT):
        api.metric.create_metric_descriptor(name=api.project_name, metric_descriptor=descriptor)


def test_api_client_custom_metric_round_trip(api: Monitoring):
    """python-docs-samples monitoring/api/v3/api-client/custom_metric.py and custom_metric_test.py:
    a GAUGE INT64 descriptor (label environment, unit "items"), listed with
    metric.type=starts_with(...), one point with startTime == endTime on gce_instance, read back
    with pageSize 3 over the last 5 minutes."""
    metric_type = unique("custom.googleapis.com/")
    api.metric.create_metric_descriptor(
        name=api.project_name,
        metric_descriptor={
            "type": metric_type,
            "labels": [{"key": "environment", "value_type": "STRING", "description": "An arbitrary measurement"}],
            "metric_kind": "GAUGE",
            "value_type": "INT64",
            "unit": "items",
            "description": "An arbitrary measurement.",
            "display_name": "Custom Metric",
        },
    )
    starts = f'metric.type=starts_with("{metric_type}")'
    listed = api.metric.list_metric_descriptors(name=api.project_name, filter=starts)
    assert [d.type for d in listed] == [metric_type]
    now = time.time()
    series = monitoring_v3.TimeSeries(
        metric={"type": metric_type, "labels": {"environment": "STAGING"}},
        resource={"type": "gce_instance", "labels": {"instance_id": "test_instance", "zone": "us-central1-f"}},
        points=[point(1, now, start=now)],
    )
    api.metric.create_time_series(name=api.project_name, time_series=[series])
    found = api.metric.list_time_series(
        name=api.project_name, filter=f'metric.type="{metric_type}"', interval=last(300), page_size=3
    )
    assert [ts.points[0].value.int64_value for ts in found] == [1]
