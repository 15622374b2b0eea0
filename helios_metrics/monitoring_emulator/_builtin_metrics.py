"""Google's own metric descriptors the emulator knows: listed, described and filterable like custom
ones, never writable (``_descriptors.write_problem``) nor deletable.

The ones the product alerts on or charts — Pub/Sub's subscription backlog and topic metrics, the
uptime-check metrics — and the ones Google's samples read (Compute Engine CPU, Cloud Logging's
byte count, Cloud Run requests, Cloud Functions executions). Kinds, value types, units, display
names, descriptions and labels as Google's metric list gives them; nobody writes their data here,
so conditions and charts on them are checked as Google checks them but see no points unless the
emulator itself records some (its uptime checks).
"""

from __future__ import annotations

from dataclasses import dataclass

from google.api import label_pb2, launch_stage_pb2, metric_pb2

from ._sample_metrics import sample_metrics

__all__ = ["BUILTIN", "BuiltinMetric", "builtin_descriptor"]

MD = metric_pb2.MetricDescriptor
_SAMPLED = "Sampled every {} seconds. After sampling, data is not visible for up to {} seconds."
_UPTIME_RESOURCES = ("uptime_url", "gce_instance", "gae_app", "aws_ec2_instance", "k8s_service", "cloud_run_revision")
_UPTIME_LABELS = (
    ("check_id", "The identifier of the uptime check configuration."),
    ("checker_location", "The location of the checker that ran the uptime check."),
)
_RESULT = (
    (
        "response_class",
        "A classification group for the response code. It can be one of ['success', 'invalid', 'internal'].",
    ),
    (
        "response_code",
        "Operation response code string, derived as a string representation of a status code "
        "(e.g., 'success', 'not_found', 'unavailable').",
    ),
)


@dataclass(frozen=True)
class BuiltinMetric:
    type: str
    kind: metric_pb2.MetricDescriptor.MetricKind
    value_type: metric_pb2.MetricDescriptor.ValueType
    unit: str
    display_name: str
    description: str
    resources: tuple[str, ...]
    labels: tuple[tuple[str, str], ...] = ()
    sampled: tuple[int, int] = (60, 120)  # sample period, ingest delay (seconds)


def _m(
    metric_type: str,
    kind: metric_pb2.MetricDescriptor.MetricKind,
    value_type: metric_pb2.MetricDescriptor.ValueType,
    unit: str,
    display_name: str,
    text: str,
    resources: tuple[str, ...],
    labels: tuple[tuple[str, str], ...] = (),
    sampled: tuple[int, int] = (60, 120),
) -> BuiltinMetric:
    description = f"{text} {_SAMPLED.format(*sampled)}"
    return BuiltinMetric(metric_type, kind, value_type, unit, display_name, description, resources, labels, sampled)


_SUB, _TOPIC = ("pubsub_subscription",), ("pubsub_topic",)
_PUBSUB = "pubsub.googleapis.com/"
_UPTIME = "monitoring.googleapis.com/uptime_check/"
_METRICS = (
    _m(
        f"{_PUBSUB}subscription/num_undelivered_messages",
        MD.GAUGE,
        MD.INT64,
        "1",
        "Unacked messages",
        "Number of unacknowledged messages (a.k.a. backlog messages) in a subscription.",
        _SUB,
    ),
    _m(
        f"{_PUBSUB}subscription/oldest_unacked_message_age",
        MD.GAUGE,
        MD.INT64,
        "s",
        "Oldest unacked message age",
        "Age (in seconds) of the oldest unacknowledged message (a.k.a. backlog message) in a subscription.",
        _SUB,
    ),
    _m(
        f"{_PUBSUB}subscription/backlog_bytes",
        MD.GAUGE,
        MD.INT64,
        "By",
        "Backlog size",
        "Total byte size of the unacknowledged messages (a.k.a. backlog messages) in a subscription.",
        _SUB,
    ),
    _m(
        f"{_PUBSUB}subscription/num_outstanding_messages",
        MD.GAUGE,
        MD.INT64,
        "1",
        "Outstanding messages",
        "Number of messages delivered to a subscription's push endpoint, but not yet acknowledged.",
        _SUB,
        sampled=(60, 240),
    ),
    _m(
        f"{_PUBSUB}subscription/ack_message_count",
        MD.DELTA,
        MD.INT64,
        "1",
        "Ack message count",
        "Cumulative count of messages acknowledged by Acknowledge requests, grouped by delivery type.",
        _SUB,
        (("delivery_type", "Delivery mechanism: push, pull or filter."),),
        (60, 181),
    ),
    _m(
        f"{_PUBSUB}subscription/dead_letter_message_count",
        MD.DELTA,
        MD.INT64,
        "1",
        "Dead letter message count",
        "Cumulative count of messages published to dead letter topic, grouped by result.",
        _SUB,
        _RESULT,
        (60, 180),
    ),
    _m(
        f"{_PUBSUB}subscription/expired_ack_deadlines_count",
        MD.DELTA,
        MD.INT64,
        "1",
        "Expired ack deadlines count",
        "Cumulative count of messages whose ack deadline expired while the message was outstanding to a "
        "subscriber client.",
        _SUB,
        sampled=(60, 240),
    ),
    _m(
        f"{_PUBSUB}subscription/pull_request_count",
        MD.DELTA,
        MD.INT64,
        "1",
        "Pull requests",
        "Cumulative count of pull requests, grouped by result.",
        _SUB,
        _RESULT,
    ),
    _m(
        f"{_PUBSUB}subscription/push_request_count",
        MD.DELTA,
        MD.INT64,
        "1",
        "Push requests",
        "Cumulative count of push attempts, grouped by result. Unlike pulls, the push server implementation "
        "does not batch user messages. So each request only contains one user message. The push server retries "
        "on errors, so a given user message can appear multiple times.",
        _SUB,
        _RESULT,
    ),
    _m(
        f"{_PUBSUB}topic/send_message_operation_count",
        MD.DELTA,
        MD.INT64,
        "1",
        "Publish message operations",
        "Cumulative count of publish message operations, grouped by result.",
        _TOPIC,
        _RESULT,
        (60, 180),
    ),
    _m(
        f"{_PUBSUB}topic/send_request_count",
        MD.DELTA,
        MD.INT64,
        "1",
        "Publish requests",
        "Cumulative count of publish requests, grouped by result.",
        _TOPIC,
        _RESULT,
        (60, 180),
    ),
    _m(
        f"{_UPTIME}check_passed",
        MD.GAUGE,
        MD.BOOL,
        "",
        "Check passed",
        "Indicates if the uptime check passed.",
        _UPTIME_RESOURCES,
        _UPTIME_LABELS,
        (60, 35),
    ),
    _m(
        f"{_UPTIME}request_latency",
        MD.GAUGE,
        MD.DOUBLE,
        "ms",
        "Request latency",
        "Request latency in milliseconds measured by the uptime check.",
        _UPTIME_RESOURCES,
        _UPTIME_LABELS,
        (60, 35),
    ),
    _m(
        f"{_UPTIME}content_mismatch",
        MD.GAUGE,
        MD.BOOL,
        "",
        "Content mismatch",
        "Indicates if the response content did not match the uptime check's content matchers.",
        _UPTIME_RESOURCES,
        _UPTIME_LABELS,
        (60, 35),
    ),
    _m(
        f"{_UPTIME}http_status",
        MD.GAUGE,
        MD.INT64,
        "1",
        "HTTP status code",
        "The HTTP status code of the response to the uptime check.",
        _UPTIME_RESOURCES,
        _UPTIME_LABELS,
        (60, 35),
    ),
    _m(
        f"{_UPTIME}time_until_ssl_cert_expires",
        MD.GAUGE,
        MD.DOUBLE,
        "d",
        "Time until SSL certificate expires",
        "Days until the SSL certificate of the checked host expires.",
        _UPTIME_RESOURCES,
        _UPTIME_LABELS,
        (60, 35),
    ),
)
BUILTIN: dict[str, BuiltinMetric] = {m.type: m for m in (*_METRICS, *sample_metrics(_m))}
"""Google's metric types the emulator knows, by type."""


def builtin_descriptor(metric: BuiltinMetric, project: str) -> metric_pb2.MetricDescriptor:
    """The descriptor Google lists for ``metric`` in ``project``."""
    descriptor = MD(
        name=f"projects/{project}/metricDescriptors/{metric.type}",
        type=metric.type,
        unit=metric.unit,
        description=metric.description,
        display_name=metric.display_name,
        launch_stage=launch_stage_pb2.GA,
    )
    descriptor.metric_kind = metric.kind
    descriptor.value_type = metric.value_type
    descriptor.metadata.launch_stage = launch_stage_pb2.GA
    descriptor.metadata.sample_period.seconds = metric.sampled[0]
    descriptor.metadata.ingest_delay.seconds = metric.sampled[1]
    descriptor.monitored_resource_types.extend(metric.resources)
    for key, text in metric.labels:
        descriptor.labels.append(label_pb2.LabelDescriptor(key=key, description=text))
    return descriptor
