"""MonitoringWriter against an in-memory Monitoring client: partial failures in every grammar,
permanent refusals, ambiguous failures, deadlines and descriptor creation, on fake time."""

from __future__ import annotations

import grpc
import pytest

from helios_metrics.contract.catalog import CATALOG, spec
from helios_metrics.functions.contribution import Contribution
from helios_metrics.functions.timeseries import ResourceIdentity, SeriesPoint
from helios_metrics.functions.writer import MonitoringWriter, descriptor_for
from helios_metrics.monitoring_emulator._partial import GRAMMARS
from tests.unit.functions.fakes import ORDER, FakeMetricService, StageFailure

S = 1_000_000_000
END = 1_764_000_000 * S - (1_764_000_000 * S) % (60 * S)
RESOURCE = ResourceIdentity("c-test", location="us-central1")


def points(stages: list[str], end: int = END) -> list[SeriesPoint]:
    metric = spec("stage_runs")
    return [
        SeriesPoint(
            metric.type,
            {"stage": s, "status": "success"},
            RESOURCE.labels(0),
            end,
            "INT64",
            1,
            Contribution(metric.name, (s, "success"), end),
            0,
        )
        for s in stages
    ]


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def writer(client: FakeMetricService, time: FakeTime | None = None) -> MonitoringWriter:
    time = time or FakeTime()
    return MonitoringWriter(client, "p", clock=time.clock, sleep=time.sleep)


def fail_once(stage: str, code: grpc.StatusCode, reason: str) -> StageFailure:
    return StageFailure(stage, code, reason, times=1)


@pytest.mark.parametrize("grammar", GRAMMARS)
def test_only_the_series_that_failed_transiently_are_retried_in_every_grammar(grammar):
    client = FakeMetricService(
        rules=[fail_once("b", grpc.StatusCode.INTERNAL, "An internal error occurred.")], grammar=grammar
    )
    report = writer(client).write(points(["a", "b", "c"]), deadline=60.0)
    assert [len(r) for r in client.requests] == [3, 1]
    assert client.requests[1][0].metric.labels["stage"] == "b"
    assert sorted(p.metric_labels["stage"] for p in report.written) == ["a", "b", "c"]
    assert (report.transient, report.permanent, report.transient_errors, report.requests) == ([], [], 1, 2)


@pytest.mark.parametrize("grammar", GRAMMARS)
def test_a_permanent_refusal_is_reported_with_its_reason_and_never_retried(grammar):
    reason = "Value type for metric custom.googleapis.com/helios/stage_runs must be DOUBLE, but is INT64."
    client = FakeMetricService(rules=[fail_once("b", grpc.StatusCode.INVALID_ARGUMENT, reason)], grammar=grammar)
    report = writer(client).write(points(["a", "b", "c"]), deadline=60.0)
    assert len(client.requests) == 1
    [(point, why)] = report.permanent
    assert point.metric_labels["stage"] == "b"
    assert why.endswith(reason)  # the field grammar keeps Google's "Field timeSeries[1] …" in front
    assert sorted(p.metric_labels["stage"] for p in report.written) == ["a", "c"]


def test_a_retry_refused_as_out_of_order_after_an_ambiguous_failure_counts_as_written():
    client = FakeMetricService(call_failures=[grpc.StatusCode.DEADLINE_EXCEEDED], apply_failed_calls=True)
    report = writer(client).write(points(["a", "b"]), deadline=60.0)
    assert len(client.requests) == 2  # the timed-out call (which landed) and its retry, refused in order
    assert sorted(p.metric_labels["stage"] for p in report.written) == ["a", "b"]
    assert report.transient == report.permanent == []


def test_out_of_order_without_an_earlier_ambiguous_attempt_is_a_permanent_refusal():
    client = FakeMetricService(rules=[lambda i, ts: (grpc.StatusCode.INVALID_ARGUMENT, ORDER) if i == 0 else None])
    report = writer(client).write(points(["a", "b"]), deadline=60.0)
    assert [(p.metric_labels["stage"], why) for p, why in report.permanent] == [("a", ORDER)]
    assert len(client.requests) == 1


def test_transient_failures_until_the_deadline_leave_the_points_unwritten_with_backoff():
    time = FakeTime()
    client = FakeMetricService(call_failures=[grpc.StatusCode.UNAVAILABLE] * 100)
    report = writer(client, time).write(points(["a"]), deadline=3.0)
    assert report.written == []
    assert [p.metric_labels["stage"] for p, _ in report.transient] == ["a"]
    assert time.slept == [0.2, 0.4, 0.8, 1.6][: len(time.slept)]  # doubling, stopped before the deadline
    assert time.now < 3.0
    assert report.requests == len(time.slept) + 1


def test_descriptors_are_created_once_from_the_catalog():
    client = FakeMetricService()
    w = writer(client)
    w.ensure_descriptors(CATALOG)
    w.ensure_descriptors(CATALOG)
    assert len(client.descriptors) == len(CATALOG)
    stored = client.descriptors[f"projects/p/metricDescriptors/{spec('stage_duration').type}"]
    assert stored == descriptor_for(spec("stage_duration"), "p")
    assert [label.key for label in stored.labels] == ["stage", "status"]
