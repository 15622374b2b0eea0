"""Redelivery through the official Pub/Sub emulator: a message whose points cannot be written is
handed back and delivered again, many times; written once the writes recover, or moved to the
dead-letter topic by the subscription's policy when they never do — counted once, or accounted
for as dead-lettered, never lost."""

from __future__ import annotations

import time

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.wire import decode_message
from helios_metrics.functions import Collector, RunSummary
from helios_metrics.publisher import MetricsPublisher
from tests.helpers import collector_resources, minute_floor, totals

STAGE_EVENTS = 120
RUNS = 12  # pipeline runs, one in three failed
EVENTS = STAGE_EVENTS + RUNS
EXPECTED_RUNS = {("success",): 8, ("failure",): 4}
MAX_DELIVERY_ATTEMPTS = 5  # the smallest the API accepts


def _stack(pubsub_address: str, monitoring_address: str, project: str) -> tuple[Settings, ClientFactory, str]:
    settings = Settings(
        project_id=project,
        pubsub_emulator_host=pubsub_address,
        monitoring_emulator_host=monitoring_address,
        collect_budget_seconds=1,
    )
    factory = ClientFactory(settings)
    letters = collector_resources(factory, settings, max_delivery_attempts=MAX_DELIVERY_ATTEMPTS)
    return settings, factory, letters


def _record(settings: Settings) -> int:
    start = minute_floor(600)
    metrics = MetricsPublisher(settings=settings, clock=lambda: (start + 1) * 1_000_000_000)
    for i in range(STAGE_EVENTS):
        metrics.record_stage_metric("trend_discovery", 1.0 + i % 5)
    for i in range(RUNS):
        metrics.record_pipeline_metric(100.0 + i, 0.8, 0.9, 0.9, 0.95, i % 3 != 0)
    assert metrics.flush(30).failed == 0
    metrics.close()
    return start


def _collector(settings: Settings, factory: ClientFactory) -> Collector:
    return Collector.from_clients(
        settings, factory.subscriber(), factory.publisher_api(), factory.metric_service(), pull_wait_s=0.5
    )


def test_a_message_handed_back_many_times_is_counted_once_when_writes_recover(pubsub_emulator, monitoring, project_id):
    settings, factory, _ = _stack(pubsub_emulator.address, monitoring.address, project_id)
    start = _record(settings)
    monitoring.admin.inject("CreateTimeSeries", "UNAVAILABLE", times=10_000)
    collector = _collector(settings, factory)
    failed = [collector.collect_once() for _ in range(MAX_DELIVERY_ATTEMPTS - 2)]
    assert [(s.transient_failure, s.acked, s.not_acked >= 1) for s in failed] == [(True, 0, True)] * len(failed)
    monitoring.admin.clear_faults()
    recovered: list[RunSummary] = []
    while (not recovered or recovered[-1].pulled) and len(recovered) < 5:
        recovered.append(collector.collect_once())  # until a run finds nothing left
    assert sum(s.events for s in recovered) == EVENTS
    assert sum(s.not_acked for s in recovered) == 0
    span = (start - 60, time.time() + 120)
    runs = totals(factory.metric_service(), project_id, "stage_runs", *span, ("stage",))
    assert {key[0]: int(value) for key, value in runs.items()} == {"trend_discovery": STAGE_EVENTS}
    client = factory.metric_service()
    assert totals(client, project_id, "pipeline_runs", *span, ("status",)) == EXPECTED_RUNS
    assert totals(client, project_id, "pipeline_run_count", *span, ("status",), aligner=1) == EXPECTED_RUNS  # DELTA


def test_writes_that_never_recover_end_in_the_dead_letter_topic_by_the_subscriptions_policy(
    pubsub_emulator, monitoring, project_id
):
    settings, factory, letters = _stack(pubsub_emulator.address, monitoring.address, project_id)
    _record(settings)
    monitoring.admin.inject("CreateTimeSeries", "UNAVAILABLE", times=10_000)
    collector = _collector(settings, factory)
    pulled = [collector.collect_once() for _ in range(MAX_DELIVERY_ATTEMPTS + 2)]
    monitoring.admin.clear_faults()
    assert sum(s.acked for s in pulled) == 0  # nothing was written, so nothing was acknowledged
    assert sum(s.dead_lettered for s in pulled) == 0  # and the collector itself never gave up on them
    assert _collector(settings, factory).collect_once().pulled == 0  # nothing left to deliver

    subscriber = factory.subscriber()
    response = subscriber.pull(subscription=letters, max_messages=100, timeout=10)
    messages = [m.message for m in response.received_messages]
    assert messages
    subscriber.acknowledge(subscription=letters, ack_ids=[m.ack_id for m in response.received_messages])
    for message in messages:
        attempts = int(message.attributes["CloudPubSubDeadLetterSourceDeliveryCount"])
        assert attempts >= MAX_DELIVERY_ATTEMPTS
    # published = counted (0) + dead-lettered: every event is in the dead letters, intact
    assert sum(len(decode_message(m.data, dict(m.attributes)).events) for m in messages) == EVENTS
