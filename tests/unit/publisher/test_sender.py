"""Packing and delivery behind the buffer, with a plain object standing in for Pub/Sub's Publish
(the sender's one seam: its transport)."""

from __future__ import annotations

import threading
import time
from collections import deque

import pytest

from helios_metrics.contract.wire import EncodedMessage, decode_message
from helios_metrics.publisher._sender import Sender
from helios_metrics.publisher._spool import Spool
from helios_metrics.publisher.options import PublisherOptions

T = 1_764_000_000_000_000_000


def stage_event(i: int) -> tuple:
    return ("s", T + i, "trend_discovery", float(i % 100), True, 0, None)


class FakePubSub:
    """Records every Publish request; can be told to fail."""

    def __init__(self) -> None:
        self.requests: list[list[EncodedMessage]] = []
        self.failing = False
        self.lock = threading.Lock()

    def publish(self, messages: list[EncodedMessage], deadline: float) -> None:
        if self.failing:
            raise ConnectionError("Pub/Sub unreachable")
        with self.lock:
            self.requests.append(list(messages))

    def events(self) -> list[str]:
        ids = []
        for request in self.requests:
            for message in request:
                decoded = decode_message(message.data, message.attributes)
                ids += [decoded.event_id(i) for i in range(len(decoded.events))]
        return ids


def make_sender(tmp_path, pubsub, **options) -> tuple[deque, Sender]:
    buffer: deque = deque()
    opts = PublisherOptions(**{"max_latency_s": 0.01, **options})
    sender = Sender(buffer, opts, "prod", pubsub, Spool(tmp_path / "spool", opts.spool_limit_bytes))
    sender.start()
    return buffer, sender


def test_events_are_packed_per_message_and_messages_per_request(tmp_path):
    pubsub = FakePubSub()
    buffer, sender = make_sender(
        tmp_path, pubsub, max_events_per_message=1000, max_messages_per_request=2, max_latency_s=60
    )
    buffer.extend(stage_event(i) for i in range(4500))
    result = sender.flush(10)
    assert (result.published, result.spooled, result.failed) == (4500, 0, 0)
    assert [[m.event_count for m in r] for r in pubsub.requests] == [[1000, 1000], [1000, 1000], [500]]
    assert [m.attributes["batch"] for r in pubsub.requests for m in r] == ["0", "1", "2", "3", "4"]
    ids = pubsub.events()
    assert len(ids) == len(set(ids)) == 4500
    sender.stop(1)


def test_a_message_over_the_byte_limit_is_split(tmp_path):
    pubsub = FakePubSub()
    buffer, sender = make_sender(
        tmp_path, pubsub, compress=False, max_events_per_message=100, max_message_bytes=2_000, max_latency_s=60
    )
    buffer.extend(stage_event(i) for i in range(100))
    sender.flush(10)
    sizes = [len(m.data) for r in pubsub.requests for m in r]
    assert all(size <= 2_000 for size in sizes)
    assert sum(m.event_count for r in pubsub.requests for m in r) == 100
    assert len(sizes) > 1
    sender.stop(1)


def test_an_outage_spools_on_flush_and_the_spool_is_replayed(tmp_path):
    pubsub = FakePubSub()
    pubsub.failing = True
    buffer, sender = make_sender(tmp_path, pubsub, max_backoff_s=0.2)
    buffer.extend(stage_event(i) for i in range(300))
    result = sender.flush(10)
    assert (result.published, result.spooled, result.failed) == (0, 300, 0)
    assert Spool(tmp_path / "spool", 10**9).backlog() == (1, 300)
    pubsub.failing = False
    deadline = time.monotonic() + 10
    while len(pubsub.events()) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(pubsub.events()) == sorted(f"prod-0-{i}" for i in range(300))
    assert Spool(tmp_path / "spool", 10**9).backlog() == (0, 0)
    assert sender.publish_errors >= 1
    sender.stop(1)


def test_memory_limit_spills_the_oldest_to_the_spool_during_an_outage(tmp_path):
    pubsub = FakePubSub()
    pubsub.failing = True
    buffer, sender = make_sender(
        tmp_path, pubsub, memory_limit_bytes=3000, max_events_per_message=500, max_backoff_s=60, compress=False
    )
    buffer.extend(stage_event(i) for i in range(3000))  # uncompressed, a 500-event message is ~25 kB
    spool = Spool(tmp_path / "spool", 10**9)
    deadline = time.monotonic() + 10
    while (sender.pending_events > 500 or spool.backlog()[1] < 2500) and time.monotonic() < deadline:
        time.sleep(0.02)  # a message leaves memory a moment before its file is in the spool
    assert sender.pending_events <= 500  # at most one message is left in memory
    assert spool.backlog()[1] >= 2500
    sender.stop(0.5)


def test_during_an_outage_nothing_stays_in_memory_only_past_max_unspooled_s(tmp_path):
    """Well under the memory limit, packed messages still reach the spool within the time bound:
    a SIGKILL during an outage loses at most that much."""
    pubsub = FakePubSub()
    pubsub.failing = True
    buffer, sender = make_sender(tmp_path, pubsub, max_unspooled_s=0.3, max_backoff_s=60, publish_deadline_s=0.1)
    buffer.extend(stage_event(i) for i in range(1000))
    sender.wake()
    spool = Spool(tmp_path / "spool", 10**9)
    deadline = time.monotonic() + 10
    while spool.backlog()[1] < 1000 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (sender.pending_events, spool.backlog()[1]) == (0, 1000)
    sender.stop(0.5)


def test_a_recording_thread_that_outruns_the_disk_spills_itself(tmp_path):
    """Pub/Sub down and the caller packing faster than the background thread spills: the caller's
    own pack spills past the limit, so memory stays bounded at any recording rate."""
    pubsub = FakePubSub()
    pubsub.failing = True
    buffer, sender = make_sender(
        tmp_path, pubsub, memory_limit_bytes=3000, max_events_per_message=500, max_latency_s=60, compress=False
    )
    time.sleep(0.1)  # the thread ran its first (empty) round and now sleeps for a minute
    buffer.extend(stage_event(i) for i in range(3000))
    for _ in range(6):
        sender.pack_one()  # what a record call does when the buffer is over its limit
    assert sender.pending_events <= 500  # no waiting: the spill happened in this thread
    assert Spool(tmp_path / "spool", 10**9).backlog()[1] >= 2500
    sender.stop(0.5)


def test_stop_makes_everything_durable_even_when_publishing_hangs(tmp_path):
    release = threading.Event()

    class Hanging:
        def publish(self, messages, deadline):
            release.wait(5)
            raise ConnectionError("still down")

    buffer, sender = make_sender(tmp_path, Hanging())
    buffer.extend(stage_event(i) for i in range(50))
    time.sleep(0.1)  # the thread is now stuck in the publish call
    buffer.extend(stage_event(i) for i in range(50, 80))
    result = sender.stop(0.3)
    release.set()
    assert (result.spooled, result.failed) == (80, 0)
    assert Spool(tmp_path / "spool", 10**9).backlog()[1] == 80


@pytest.mark.parametrize("threads", [8])
def test_event_ids_are_unique_across_threads(tmp_path, threads):
    pubsub = FakePubSub()
    buffer, sender = make_sender(tmp_path, pubsub, max_events_per_message=97)

    def produce() -> None:
        for i in range(2000):
            buffer.append(stage_event(i))

    workers = [threading.Thread(target=produce) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sender.flush(10).failed == 0
    ids = pubsub.events()
    assert len(ids) == len(set(ids)) == threads * 2000
    sender.stop(1)


def test_flush_counts_every_message_past_thousands_of_them(tmp_path):
    pubsub = FakePubSub()
    buffer, sender = make_sender(tmp_path, pubsub, max_events_per_message=1, max_latency_s=60)
    buffer.extend(stage_event(i) for i in range(6000))
    result = sender.flush(30)
    assert (result.published, result.spooled, result.failed) == (6000, 0, 0)
    assert sum(len(r) for r in pubsub.requests) == 6000
    assert sender.stop(1).complete


def test_stop_ends_both_threads(tmp_path):
    before = {t.name for t in threading.enumerate()}
    buffer, sender = make_sender(tmp_path, FakePubSub())
    buffer.extend(stage_event(i) for i in range(10))
    assert sender.stop(2).published == 10
    assert sender.idle
    alive = {t.name for t in threading.enumerate() if t.name.startswith("helios-metrics")}
    assert alive <= before
