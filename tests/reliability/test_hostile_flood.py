"""A hostile flood beside good traffic, through both emulators: 10,000 bad messages of every
refusal kind interleaved with good ones. The good events are written exactly, every bad message
is dead-lettered once with its reason, and the collector neither crashes nor stalls."""

from __future__ import annotations

import collections
import json
import time
import zlib

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.wire import SCHEMA
from helios_metrics.functions import Collector
from helios_metrics.publisher import MetricsPublisher
from tests.helpers import collector_resources, minute_floor, totals

BAD_MESSAGES = 10_000
_BOMB = zlib.compress(b"[" * (20 * 1024 * 1024), 9)  # 20 MiB of brackets in ~20 kB
GOOD_EVENTS = 3_000


def _bad(i: int, t_ns: int) -> tuple[str, bytes, dict[str, str]]:
    """One hostile message of each refusal kind, in turn."""
    kind = i % 6
    if kind == 0:
        return "not_decodable", bytes([i % 256]) * 50, {"schema": SCHEMA}
    if kind == 1:
        return "schema", b"{}", {"schema": "helios.metrics.v9", "encoding": "identity"}
    if kind == 2:
        body = json.dumps({"v": 1, "producer": "evil", "batch": i, "events": [["p", t_ns, "slow", 0, 0, 0, 0, True]]})
        return "types", body.encode(), {"schema": SCHEMA, "encoding": "identity"}
    if kind == 3:
        body = json.dumps({"v": 1, "producer": "evil", "batch": i, "events": [["s", t_ns, "x", -1.0, True, 0, None]]})
        return "range", body.encode(), {"schema": SCHEMA, "encoding": "identity"}
    if kind == 4 and i % 600 == 4:  # a compression bomb now and then (inflating one costs ~20 ms)
        return "oversized", _BOMB, {"schema": SCHEMA}
    if kind == 4:  # more events than a message may hold
        events = [["s", t_ns, "x", 1.0, True, 0, None]] * 10_001
        body = json.dumps({"v": 1, "producer": "evil", "batch": i, "events": events}).encode()
        return "oversized", zlib.compress(body, 1), {"schema": SCHEMA}
    body = json.dumps({"v": 1, "producer": "evil", "batch": i, "events": [["m", t_ns, "no_such_metric", 1.0, {}]]})
    return "unknown_metric", body.encode(), {"schema": SCHEMA, "encoding": "identity"}


def test_ten_thousand_bad_messages_do_not_touch_the_good_ones(pubsub_emulator, monitoring, project_id, tmp_path):
    settings = Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring.address,
        collect_budget_seconds=120,
        spool_dir=str(tmp_path / "spool"),
    )
    factory = ClientFactory(settings)
    letters_path = collector_resources(factory, settings, ack_deadline_seconds=600)

    start = minute_floor(600)
    t_ns = (start + 1) * 1_000_000_000
    metrics = MetricsPublisher(settings=settings, clock=lambda: t_ns)
    raw = factory.publisher_api()
    sent: collections.Counter[str] = collections.Counter()
    pending = []
    for i in range(BAD_MESSAGES):
        kind, data, attributes = _bad(i, t_ns)
        sent[kind] += 1
        pending.append({"data": data, "attributes": attributes})
        if len(pending) == 100:
            raw.publish(topic=settings.topic_path, messages=pending)
            pending = []
        if i % (BAD_MESSAGES // 10) == 0:  # good traffic between the bad, in its own messages
            for _ in range(GOOD_EVENTS // 10):
                metrics.record_stage_metric("trend_discovery", 1.0)
            metrics.flush(30)
    if pending:
        raw.publish(topic=settings.topic_path, messages=pending)
    assert metrics.flush(30).failed == 0
    metrics.close()

    collector = Collector.from_clients(
        settings, factory.subscriber(), factory.publisher_api(), factory.metric_service(), pull_wait_s=1.0
    )
    events = dead = 0
    deadline = time.monotonic() + 240
    while (events < GOOD_EVENTS or dead < BAD_MESSAGES) and time.monotonic() < deadline:
        summary = collector.collect_once()
        assert summary.not_acked == 0
        assert not summary.transient_failure
        events, dead = events + summary.events, dead + summary.dead_lettered
    assert (events, dead) == (GOOD_EVENTS, BAD_MESSAGES)

    runs = totals(factory.metric_service(), project_id, "stage_runs", start - 60, time.time() + 120, ("stage",))
    assert {key: int(value) for key, value in runs.items()} == {("trend_discovery",): GOOD_EVENTS}

    reasons: collections.Counter[str] = collections.Counter()
    letters = factory.subscriber()
    while sum(reasons.values()) < BAD_MESSAGES:
        response = letters.pull(subscription=letters_path, max_messages=1000, timeout=10)
        assert response.received_messages, f"only {sum(reasons.values())} dead letters arrived"
        reasons.update(m.message.attributes["dead_letter_reason"] for m in response.received_messages)
        letters.acknowledge(subscription=letters_path, ack_ids=[m.ack_id for m in response.received_messages])
    assert reasons == sent
