"""The official Pub/Sub emulator SIGKILLed and restarted while the publisher publishes and the
collector pulls; and ack deadlines running out while a run is still writing.

The emulator keeps nothing across a restart (real Pub/Sub keeps every acknowledged message until
it is acked in turn). The test stands in for that durability: it keeps a copy of each message the
dead server acknowledged and publishes the copies again after the restart, once the topic and
subscription are re-created as ``setup_infra apply`` would. Redelivering the copies of messages
already collected is exactly what at-least-once Pub/Sub may do; the collector must count each
event once: events recorded = events counted, with nothing dead-lettered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.functions import Collector, RunSummary
from helios_metrics.monitoring_emulator.launch import PubSubEmulatorProcess, free_port, start_pubsub_emulator
from helios_metrics.publisher import MetricsPublisher, PublisherOptions
from tests.conftest import IN_CI
from tests.helpers import collector_resources, minute_floor, totals

STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")


class _Witness(ClientFactory):
    """The real factory, whose publisher client also keeps a copy of every message the server
    acknowledged — what a durable Pub/Sub would still hold after the crash."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.acknowledged: list[Any] = []
        self._lock = threading.Lock()

    def publisher_api(self) -> Any:
        client = super().publisher_api()
        publish = client.publish

        def witnessed(*args: Any, **kwargs: Any) -> Any:
            response = publish(*args, **kwargs)
            with self._lock:
                self.acknowledged.extend(kwargs["messages"])
            return response

        client.publish = witnessed
        return client

    def taken(self) -> list[Any]:
        with self._lock:
            return list(self.acknowledged)


@pytest.fixture
def own_pubsub(tmp_path) -> Iterator[PubSubEmulatorProcess]:
    """An emulator this test may kill (the session's one serves every other test)."""
    try:
        process = start_pubsub_emulator(port=free_port(), log_dir=tmp_path)
    except Exception as err:
        if IN_CI:
            pytest.fail(f"CI=true requires the official Pub/Sub emulator: {err}")
        pytest.skip(f"official Pub/Sub emulator unavailable: {err}")
    yield process
    process.stop()  # the test killed it; this ends anything left of its group


def test_pubsub_killed_and_restarted_mid_publish_and_mid_pull_loses_and_doubles_nothing(
    own_pubsub, monitoring, project_id, tmp_path
):
    settings = Settings(
        project_id=project_id,
        pubsub_emulator_host=own_pubsub.address,
        monitoring_emulator_host=monitoring.address,
        collect_budget_seconds=3,
    )
    admin = ClientFactory(settings)
    collector_resources(admin, settings)
    witness = _Witness(settings)
    start = minute_floor(600)
    options = PublisherOptions(
        publish_timeout_s=1.0, publish_deadline_s=2.0, max_backoff_s=1.0, max_events_per_message=50
    )
    metrics = MetricsPublisher(
        settings=settings, options=options, factory=witness, spool_dir=tmp_path / "spool", clock=lambda: start * 10**9
    )
    collector = Collector.from_clients(
        settings, admin.subscriber(), admin.publisher_api(), admin.metric_service(), pull_wait_s=0.5
    )
    recorded = 0
    stop = threading.Event()
    runs: list[RunSummary] = []

    def pipeline() -> None:
        nonlocal recorded
        while not stop.is_set():
            for stage in STAGES:
                metrics.record_stage_metric(stage, 2.5)
                recorded += 1
            time.sleep(0.002)

    def collect() -> None:
        while not stop.is_set():
            try:
                runs.append(collector.collect_once())
            except exceptions.GoogleAPICallError:  # the subscription is gone until re-created: the run
                time.sleep(0.5)  # fails with that cause (HTTP 500), and the scheduler calls again

    threads = [threading.Thread(target=pipeline), threading.Thread(target=collect)]
    for thread in threads:
        thread.start()
    time.sleep(3)  # both at work
    before_kill = len(witness.taken())  # messages the doomed server acknowledged
    own_pubsub.kill()  # mid-publish and mid-pull
    time.sleep(2)
    restarted = start_pubsub_emulator(port=int(own_pubsub.address.rsplit(":", 1)[1]), log_dir=tmp_path)
    try:
        collector_resources(admin, settings)  # setup_infra re-creates what the crash took
        # everything acknowledged until the subscription exists again, whether by the dead server
        # or by the new one before its subscription was re-created (a topic without subscriptions
        # keeps nothing): durable Pub/Sub, whose topic and subscription never vanish, holds it all
        copies = witness.taken()
        publisher = admin.publisher_api()
        for first in range(0, len(copies), 100):  # durable Pub/Sub would deliver these again
            publisher.publish(topic=settings.topic_path, messages=copies[first : first + 100])
        time.sleep(3)  # both at work again
        stop.set()
        for thread in threads:
            thread.join(60)
        assert metrics.flush(30).failed == 0
        metrics.close()
        while collector.collect_once().pulled:
            pass
        stats = metrics.stats
        found = totals(admin.metric_service(), project_id, "stage_runs", start - 60, time.time() + 120, ("stage",))
    finally:
        restarted.stop()
    assert before_kill > 0
    assert stats.dropped == 0
    assert stats.publish_errors > 0  # the publisher did see the crash
    # the collector either failed runs meanwhile or rode the outage out inside its pull retries
    assert {key[0]: int(value) for key, value in found.items()} == {stage: recorded // len(STAGES) for stage in STAGES}
    assert sum(r.dead_lettered for r in runs) == 0


def test_ack_deadlines_shorter_than_a_run_do_not_hand_its_messages_to_another_instance(
    pubsub_emulator, monitoring, project_id
):
    """A 10 s subscription deadline, a run whose write takes 11 s, and a second instance pulling
    the same subscription meanwhile: the run holds its messages from the moment it pulls them."""
    settings = Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring.address,
        collect_budget_seconds=30,
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings, ack_deadline_seconds=10)
    start = minute_floor(600)
    metrics = MetricsPublisher(settings=settings, clock=lambda: start * 10**9)
    for i in range(400):
        metrics.record_stage_metric(STAGES[i % 4], 1.0 + i % 3)
    assert metrics.flush(30).published == 400
    metrics.close()

    def instance() -> Collector:
        return Collector.from_clients(
            settings, factory.subscriber(), factory.publisher_api(), factory.metric_service(), pull_wait_s=0.5
        )

    monitoring.admin.inject("CreateTimeSeries", "OK", times=1, delay_s=11.0)  # slow, but it lands
    slow: list[RunSummary] = []
    first = threading.Thread(target=lambda: slow.append(instance().collect_once()))
    first.start()
    time.sleep(2.0)  # the first run has pulled everything and is writing
    second, others = instance(), []
    deadline = time.monotonic() + 16
    while time.monotonic() < deadline:
        others.append(second.collect_once())
        time.sleep(0.5)
    first.join(60)
    found = totals(factory.metric_service(), project_id, "stage_runs", start - 60, time.time() + 120, ("stage",))
    assert slow[0].events == 400
    assert sum(r.events for r in others) == 0  # nothing expired under the slow run
    assert {key[0]: int(value) for key, value in found.items()} == dict.fromkeys(STAGES, 100)
