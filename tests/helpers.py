"""Builders for the requests tests send through the official clients."""

from __future__ import annotations

import time
from typing import Any

from google.api import distribution_pb2
from google.cloud import monitoring_v3

from benchmarks._stack import provision  # the one definition of the collector's resources
from helios_metrics.monitoring_emulator.relay import TcpRelay

__all__ = ["TcpRelay"]  # re-exported: tests import it from here

HELIOS = "custom.googleapis.com/helios"
TASK = {"location": "us-central1", "namespace": "helios", "job": "collector", "task_id": "t-1"}


def minute_floor(seconds_ago: int = 600) -> int:
    """A whole minute at least ``seconds_ago`` in the past: a stable origin for hand-computed windows."""
    return (int(time.time()) - seconds_ago) // 60 * 60


def typed_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"bool_value": value}
    if isinstance(value, int):
        return {"int64_value": value}
    if isinstance(value, float):
        return {"double_value": value}
    if isinstance(value, str):
        return {"string_value": value}
    if isinstance(value, distribution_pb2.Distribution):
        return {"distribution_value": value}
    raise TypeError(f"no typed value for {value!r}")


def series(
    value: Any = 1.0,
    end: float | None = None,
    metric_type: str = f"{HELIOS}/test_metric",
    labels: dict[str, str] | None = None,
    resource_type: str = "generic_task",
    resource_labels: dict[str, str] | None = None,
    start: float | None = None,
    metric_kind: int | None = None,
    value_type: int | None = None,
    points: int = 1,
) -> monitoring_v3.TimeSeries:
    """One TimeSeries with ``points`` identical points (default: one point at ``end``, or now)."""
    end = time.time() if end is None else end
    ts = monitoring_v3.TimeSeries()
    ts.metric.type = metric_type
    ts.metric.labels.update(labels or {})
    ts.resource.type = resource_type
    ts.resource.labels.update(
        TASK if resource_labels is None and resource_type == "generic_task" else resource_labels or {}
    )
    if metric_kind is not None:
        ts.metric_kind = metric_kind
    if value_type is not None:
        ts.value_type = value_type
    interval: dict[str, Any] = {"end_time": {"seconds": int(end), "nanos": round((end % 1) * 1e9)}}
    if start is not None:
        interval["start_time"] = {"seconds": int(start), "nanos": round((start % 1) * 1e9)}
    ts.points = [monitoring_v3.Point({"interval": interval, "value": typed_value(value)}) for _ in range(points)]
    return ts


def distribution(values: list[float], bounds: list[float]) -> distribution_pb2.Distribution:
    """A distribution of ``values`` on explicit ``bounds``, computed independently of the emulator."""
    counts = [0] * (len(bounds) + 1)
    for value in values:
        counts[sum(1 for b in bounds if value >= b)] += 1
    mean = sum(values) / len(values) if values else 0.0
    dist = distribution_pb2.Distribution(
        count=len(values),
        mean=mean,
        sum_of_squared_deviation=sum((v - mean) ** 2 for v in values),
        bucket_counts=counts,
    )
    dist.bucket_options.explicit_buckets.bounds.extend(bounds)
    if values:
        dist.range.min, dist.range.max = min(values), max(values)
    return dist


def summary_of(error: Exception) -> monitoring_v3.CreateTimeSeriesSummary:
    """Decode the CreateTimeSeriesSummary a partial failure carries, as a caller would."""
    pb = monitoring_v3.CreateTimeSeriesSummary.pb()()
    for detail in error.details:  # type: ignore[attr-defined]
        if hasattr(detail, "Is") and detail.Is(pb.DESCRIPTOR):
            detail.Unpack(pb)
            return monitoring_v3.CreateTimeSeriesSummary.wrap(pb)
    raise AssertionError(f"no CreateTimeSeriesSummary in {error!r}")


def interval(start: float, end: float) -> monitoring_v3.TimeInterval:
    return monitoring_v3.TimeInterval({"start_time": {"seconds": int(start)}, "end_time": {"seconds": int(end)}})


def read(
    client: monitoring_v3.MetricServiceClient,
    project: str,
    metric_type: str,
    start: float,
    end: float,
    extra_filter: str = "",
    **kwargs: Any,
) -> list[monitoring_v3.TimeSeries]:
    flt = f'metric.type = "{metric_type}"' + (f" AND ({extra_filter})" if extra_filter else "")
    return list(
        client.list_time_series(
            request={"name": f"projects/{project}", "filter": flt, "interval": interval(start, end), **kwargs}
        )
    )


def pubsub_topic(factory: Any, settings: Any, subscription: str = "test-sub") -> str:
    """Create the settings' topic and a pull subscription on it; return the subscription path."""
    path = f"projects/{settings.project_id}/subscriptions/{subscription}"
    factory.publisher().create_topic(name=settings.topic_path)
    factory.subscriber().create_subscription(name=path, topic=settings.topic_path, ack_deadline_seconds=60)
    return path


def collector_resources(
    factory: Any, settings: Any, ack_deadline_seconds: int = 60, max_delivery_attempts: int | None = None
) -> str:
    """What setup_infra creates for the collector — its topic, dead-letter topic and subscription
    (with the subscription's dead-letter policy when ``max_delivery_attempts`` is given) — plus a
    subscription on the dead-letter topic to read the letters from; returns that one's path."""
    provision(settings, factory, ack_deadline_seconds, max_delivery_attempts)
    letters = f"projects/{settings.project_id}/subscriptions/dead-letters"
    factory.subscriber().create_subscription(name=letters, topic=settings.dead_letter_topic_path)
    return letters


def drain_events(factory: Any, subscription: str, expected: int, timeout: float = 30.0) -> list[tuple[str, Any]]:
    """Pull and ack until ``expected`` events arrived (or ``timeout``); return ``(event id, event)`` pairs."""
    from helios_metrics.contract import decode_message

    subscriber = factory.subscriber()
    found: list[tuple[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < expected and time.monotonic() < deadline:
        response = subscriber.pull(subscription=subscription, max_messages=100, timeout=5)
        for received in response.received_messages:
            decoded = decode_message(received.message.data, dict(received.message.attributes))
            found += [(decoded.event_id(i), event) for i, event in enumerate(decoded.events)]
        if response.received_messages:
            subscriber.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in response.received_messages])
    return found


def totals(
    client: Any,
    project: str,
    metric: str,
    start: float,
    end: float,
    group_by: tuple[str, ...] = (),
    aligner: int = 14,  # ALIGN_SUM
    reducer: int = 4,  # REDUCE_SUM
) -> dict[tuple[str, ...], Any]:
    """One value per group over the whole interval, summed (by default) across windows and task_ids."""
    found = read(
        client,
        project,
        f"{HELIOS}/{metric}",
        start,
        end,
        aggregation={
            "alignment_period": {"seconds": max(60, int(end - start))},
            "per_series_aligner": aligner,
            "cross_series_reducer": reducer,
            "group_by_fields": [f"metric.labels.{key}" for key in group_by],
        },
    )
    out: dict[tuple[str, ...], Any] = {}
    for ts in found:
        key = tuple(ts.metric.labels.get(k, "") for k in group_by)
        value = ts.points[0].value
        which = monitoring_v3.TypedValue.pb(value).WhichOneof("value")
        out[key] = getattr(value, which)
    return out


def declare_runs_metric(factory: Any, project: str) -> None:
    """Create the descriptor of ``pipeline_runs`` (GAUGE INT64), as setup_infra would."""
    factory.metric_service().create_metric_descriptor(
        name=f"projects/{project}",
        metric_descriptor={"type": f"{HELIOS}/pipeline_runs", "metric_kind": "GAUGE", "value_type": "INT64"},
    )
