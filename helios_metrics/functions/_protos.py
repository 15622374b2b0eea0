"""The writer's points and the catalog's descriptors as the Monitoring API's protobuf messages.

Built on the raw protobuf classes (``.pb()``) that the request carries, so nothing is converted
twice.
"""

from __future__ import annotations

from typing import Any

from google.api import distribution_pb2, metric_pb2
from google.cloud.monitoring_v3.types import metric
from google.protobuf import json_format

from helios_metrics.contract.catalog import Buckets, MetricSpec
from helios_metrics.contract.units import NS

from .aggregate import DistributionValue
from .timeseries import SeriesPoint

__all__ = ["descriptor_for", "time_series", "timestamp"]

_TIME_SERIES = metric.TimeSeries.pb()
MD = metric_pb2.MetricDescriptor
_VALUE_TYPES = {"DOUBLE": MD.DOUBLE, "INT64": MD.INT64, "DISTRIBUTION": MD.DISTRIBUTION}


def descriptor_for(spec: MetricSpec, project: str) -> metric_pb2.MetricDescriptor:
    """The catalog's descriptor for ``spec`` as the API's message."""
    return json_format.ParseDict(spec.descriptor(project), MD())


def _set_buckets(options: distribution_pb2.Distribution.BucketOptions, buckets: Buckets) -> None:
    if buckets.kind == "exponential":
        options.exponential_buckets.num_finite_buckets = buckets.num_finite_buckets
        options.exponential_buckets.scale = buckets.a
        options.exponential_buckets.growth_factor = buckets.b
    else:
        options.linear_buckets.num_finite_buckets = buckets.num_finite_buckets
        options.linear_buckets.offset = buckets.a
        options.linear_buckets.width = buckets.b


def time_series(point: SeriesPoint) -> Any:  # a raw monitoring.v3 TimeSeries: no static type exists
    ts = _TIME_SERIES()
    ts.metric.type = point.metric_type
    ts.metric.labels.update(point.metric_labels)
    ts.resource.type = "generic_task"
    ts.resource.labels.update(point.resource_labels)
    ts.value_type = _VALUE_TYPES[point.value_type]
    sample = ts.points.add()
    sample.interval.end_time.seconds, sample.interval.end_time.nanos = divmod(point.end_ns, NS)
    value = point.value
    counter = point.counter
    if counter is not None:
        ts.metric_kind = MD.CUMULATIVE
        sample.interval.start_time.seconds, sample.interval.start_time.nanos = divmod(counter.start_ns, NS)
        total = counter.value(point.end_ns, point.increase)
        assert total is not None  # fixed when the request was built
        sample.value.int64_value = total
        return ts
    ts.metric_kind = MD.GAUGE
    if isinstance(value, DistributionValue):
        dist = sample.value.distribution_value
        dist.count = value.count
        if value.count:
            dist.mean = value.mean
            dist.sum_of_squared_deviation = value.sum_of_squared_deviation
            dist.range.min, dist.range.max = value.low, value.high
        _set_buckets(dist.bucket_options, value.buckets)
        counts = list(value.counts)
        while counts and counts[-1] == 0:
            counts.pop()
        dist.bucket_counts.extend(counts)
    elif point.value_type == "INT64":
        sample.value.int64_value = int(value)
    else:
        sample.value.double_value = float(value)
    return ts


def timestamp(ns: int) -> dict[str, int]:
    seconds, nanos = divmod(ns, NS)
    return {"seconds": seconds, "nanos": nanos}
