"""Class 1 through the OpenTelemetry Cloud Monitoring exporter: counters, histograms and attributes
with capital letters written through ``opentelemetry-exporter-gcp-monitoring`` (unmodified, on a
MetricServiceClient from the project's client factory), flushed, and read back exact.

Source: GoogleCloudPlatform/opentelemetry-operations-python
opentelemetry-exporter-gcp-monitoring/tests/test_cloud_monitoring.py (test_counter[int|float],
test_up_down_counter, test_histogram_single_bucket, test_exponential_histogram,
test_observable_gauge, test_invalid_label_keys, test_with_resource) and their
``__snapshots__/test_cloud_monitoring/*.json`` (what the exporter sends: workload.googleapis.com
types, generic_node with empty namespace and node_id by default, bucket counts [6, 9994]).
The exporter speaks gRPC only, so these cases have no REST variant.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from google.api import metric_pb2
from google.cloud import monitoring_v3
from opentelemetry.exporter.cloud_monitoring import CloudMonitoringMetricsExporter
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExportResult, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import (
    ExplicitBucketHistogramAggregation,
    ExponentialBucketHistogramAggregation,
    View,
)
from opentelemetry.sdk.resources import Resource

from helios_metrics.contract import ClientFactory

from ._api import Monitoring
from ._data import interval, unique

MD = metric_pb2.MetricDescriptor
WORKLOAD = "workload.googleapis.com"
# The attributes of the upstream tests, plus capitalised keys such as an HTTP instrumentation sets.
ATTRIBUTES = {"statusCode": "200", "httpMethod": "GET", "string": "string", "int": 123, "float": 123.4}
LABELS = {"statusCode": "200", "httpMethod": "GET", "string": "string", "int": "123", "float": "123.4"}
TASK = Resource({"service.name": "checkout", "service.namespace": "shop", "service.instance.id": "instance-1"})


class Pipeline:
    """A MeterProvider whose reader exports only when flushed (an infinite interval: no thread, no
    export at shutdown), as the upstream fixture's."""

    def __init__(self, factory: ClientFactory, project_id: str, resource: Resource, views: list[View]) -> None:
        with warnings.catch_warnings():  # the class is marked deprecated (MIGRATION.md: OTLP); it is what we test
            warnings.simplefilter("ignore", DeprecationWarning)
            self.exporter = CloudMonitoringMetricsExporter(project_id=project_id, client=factory.metric_service())
        self.results: list[MetricExportResult] = []
        export = self.exporter.export

        def recording_export(metrics_data: Any, *args: Any, **kwargs: Any) -> MetricExportResult:
            """The exporter's own export; only its result is kept, to assert on."""
            result = export(metrics_data, *args, **kwargs)
            self.results.append(result)
            return result

        self.exporter.export = recording_export  # type: ignore[method-assign]
        self.reader = PeriodicExportingMetricReader(self.exporter, export_interval_millis=math.inf)
        self.provider = MeterProvider(
            metric_readers=[self.reader], resource=resource, views=views, shutdown_on_exit=False
        )
        self.meter = self.provider.get_meter(__name__)

    def flush(self) -> list[MetricExportResult]:
        assert self.provider.force_flush()
        return self.results


@pytest.fixture
def pipeline(factory: ClientFactory, project_id: str) -> Iterator[Any]:
    made: list[Pipeline] = []

    def make(resource: Resource = TASK, views: list[View] | None = None) -> Pipeline:
        made.append(Pipeline(factory, project_id, resource, views or []))
        return made[-1]

    yield make
    for each in made:
        each.provider.shutdown()


def _read(api: Monitoring, metric_type: str) -> list[monitoring_v3.TimeSeries]:
    now = time.time()
    return api.metric.list_time_series(
        name=api.project_name, filter=f'metric.type = "{metric_type}"', interval=interval(now - 600, now + 1)
    )


def _value(point: monitoring_v3.Point) -> Any:
    which = monitoring_v3.TypedValue.pb(point.value).WhichOneof("value")
    return getattr(point.value, which)


@pytest.mark.parametrize("value", [pytest.param(123, id="int"), pytest.param(45.6, id="float")])
def test_counter_with_capitalised_attributes(grpc_api: Monitoring, pipeline: Any, value: float):
    """test_counter: a counter's sum reads back exact, CUMULATIVE, its attributes as labels with
    their capital letters; the descriptor declares those keys."""
    name = unique("requests_")
    run = pipeline()
    counter = run.meter.create_counter(name, description="foo", unit="{myunit}")
    counter.add(value, ATTRIBUTES)
    counter.add(value, ATTRIBUTES)
    assert run.flush() == [MetricExportResult.SUCCESS]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    assert dict(series.metric.labels) == LABELS
    assert series.metric_kind == MD.CUMULATIVE
    assert [_value(p) for p in series.points] == [value * 2]
    assert series.resource.type == "generic_task"
    descriptor = grpc_api.metric.get_metric_descriptor(
        name=f"{grpc_api.project_name}/metricDescriptors/{WORKLOAD}/{name}"
    )
    assert {label.key for label in descriptor.labels} == set(LABELS)
    assert descriptor.unit == "{myunit}"


def test_series_per_attribute_set(grpc_api: Monitoring, pipeline: Any):
    """Two values of ``statusCode`` make two series, each with its own exact sum."""
    name = unique("responses_")
    run = pipeline()
    counter = run.meter.create_counter(name)
    for code, times in (("200", 3), ("500", 2)):
        for _ in range(times):
            counter.add(1, {"statusCode": code})
    assert run.flush() == [MetricExportResult.SUCCESS]
    found = {ts.metric.labels["statusCode"]: _value(ts.points[0]) for ts in _read(grpc_api, f"{WORKLOAD}/{name}")}
    assert found == {"200": 3, "500": 2}


def test_up_down_counter_is_a_gauge(grpc_api: Monitoring, pipeline: Any):
    """test_up_down_counter: a non-monotonic sum is written as a GAUGE."""
    name = unique("queue_depth_")
    run = pipeline()
    gauge = run.meter.create_up_down_counter(name)
    gauge.add(10, {"queueName": "Orders"})
    gauge.add(-4, {"queueName": "Orders"})
    assert run.flush() == [MetricExportResult.SUCCESS]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    assert (series.metric_kind, [_value(p) for p in series.points]) == (MD.GAUGE, [6])


def test_histogram_single_bucket(grpc_api: Monitoring, pipeline: Any):
    """test_histogram_single_bucket: 0..9999 on the bound 5.5 — bucket counts [6, 9994], count
    10000, mean 4999.5 (the snapshot's numbers), read back as the distribution written."""
    name = unique("latency_")
    run = pipeline(views=[View(instrument_name=name, aggregation=ExplicitBucketHistogramAggregation(boundaries=[5.5]))])
    histogram = run.meter.create_histogram(name, unit="ms")
    for value in range(10_000):
        histogram.record(value, {"statusCode": "200"})
    assert run.flush() == [MetricExportResult.SUCCESS]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    distribution = series.points[0].value.distribution_value
    assert (series.metric_kind, series.value_type) == (MD.CUMULATIVE, MD.DISTRIBUTION)
    assert (distribution.count, distribution.mean) == (10_000, 4999.5)
    assert list(distribution.bucket_counts) == [6, 9994]
    assert list(distribution.bucket_options.explicit_buckets.bounds) == [5.5]


def test_exponential_histogram(grpc_api: Monitoring, pipeline: Any):
    """test_exponential_histogram: exponential buckets (max_size 160, max_scale 20) read back with
    their count, mean and every value in a bucket."""
    name = unique("sizes_")
    aggregation = ExponentialBucketHistogramAggregation(max_size=160, max_scale=20)
    run = pipeline(views=[View(instrument_name=name, aggregation=aggregation)])
    histogram = run.meter.create_histogram(name)
    values = [100, 50, 200, 25, 300, 75, 150]
    for value in values:
        histogram.record(value, {"Region": "EU"})
    assert run.flush() == [MetricExportResult.SUCCESS]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    distribution = series.points[0].value.distribution_value
    assert distribution.count == len(values)
    assert distribution.mean == pytest.approx(sum(values) / len(values))
    assert sum(distribution.bucket_counts) == len(values)
    exponential = distribution.bucket_options.exponential_buckets
    assert exponential.num_finite_buckets == len(distribution.bucket_counts) - 2
    assert exponential.growth_factor > 1


def test_observable_gauge(grpc_api: Monitoring, pipeline: Any):
    """test_observable_gauge: the callback's observation, as a GAUGE, capitalised attribute kept."""
    name = unique("temperature_")
    run = pipeline()

    def observe(_: CallbackOptions) -> list[Observation]:
        return [Observation(21.5, {"roomName": "Lab"})]

    run.meter.create_observable_gauge(name, callbacks=[observe])
    assert run.flush() == [MetricExportResult.SUCCESS]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    assert (dict(series.metric.labels), series.metric_kind, _value(series.points[0])) == (
        {"roomName": "Lab"},
        MD.GAUGE,
        21.5,
    )


def test_invalid_label_keys_are_rewritten_and_accepted(grpc_api: Monitoring, pipeline: Any):
    """test_invalid_label_keys: "1some.invalid$\\key" is sent as "key_1some_invalid__key"."""
    name = unique("mycounter_")
    run = pipeline()
    run.meter.create_counter(name).add(12, {"1some.invalid$\\key": "value"})
    assert run.flush() == [MetricExportResult.SUCCESS]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    assert dict(series.metric.labels) == {"key_1some_invalid__key": "value"}
    assert _value(series.points[0]) == 12


def test_default_resource_is_generic_node_with_empty_labels(grpc_api: Monitoring, pipeline: Any):
    """The snapshots: with no platform detected the exporter writes generic_node with location
    "global" and empty namespace and node_id, which Google stores (opentelemetry-operations-go
    issue: data on ``generic_node{namespace:,node_id:,location:…}``)."""
    name = unique("mycounter_")
    run = pipeline(resource=Resource({}))
    run.meter.create_counter(name).add(1, {"statusCode": "200"})
    assert run.flush() == [MetricExportResult.SUCCESS]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    assert series.resource.type == "generic_node"
    assert {"location": "global", "namespace": "", "node_id": ""}.items() <= dict(series.resource.labels).items()


def test_with_kubernetes_resource(grpc_api: Monitoring, pipeline: Any):
    """test_with_resource: a GKE container resource maps to k8s_container with its five labels (a real
    zone for the upstream "myavailzone": Google checks locations, "Unrecognized region or location")."""
    name = unique("mycounter_")
    resource = Resource.create(
        {
            "cloud.platform": "gcp_kubernetes_engine",
            "cloud.availability_zone": "us-central1-a",
            "k8s.cluster.name": "mycluster",
            "k8s.namespace.name": "myns",
            "k8s.pod.name": "mypod",
            "k8s.container.name": "mycontainer",
        }
    )
    run = pipeline(resource=resource)
    run.meter.create_counter(name).add(12, {"statusCode": "200"})
    assert run.flush() == [MetricExportResult.SUCCESS]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    assert series.resource.type == "k8s_container"
    assert {
        "cluster_name": "mycluster",
        "container_name": "mycontainer",
        "location": "us-central1-a",
        "namespace_name": "myns",
        "pod_name": "mypod",
    }.items() <= dict(series.resource.labels).items()


def test_refused_write_is_reported_as_failure(grpc_api: Monitoring, pipeline: Any):
    """A second flush of the same cumulative series within 5 s is refused by Google ("One or more
    points were written more frequently than the maximum sampling period configured for the
    metric"): the exporter must report FAILURE for it, and the first point stays as written."""
    name = unique("requests_")
    run = pipeline()
    counter = run.meter.create_counter(name)
    counter.add(1, {"statusCode": "200"})
    run.flush()
    counter.add(1, {"statusCode": "200"})
    assert run.flush() == [MetricExportResult.SUCCESS, MetricExportResult.FAILURE]
    [series] = _read(grpc_api, f"{WORKLOAD}/{name}")
    assert [_value(p) for p in series.points] == [1]
