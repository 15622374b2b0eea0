"""The spill/replay path alone: which packed messages go to the spool and when, what happens when
the spool refuses them, and how spooled messages come back — no thread, no Pub/Sub."""

from __future__ import annotations

import logging
from collections import deque

import pytest

from helios_metrics.contract.wire import EncodedMessage, StageEvent, decode_message
from helios_metrics.publisher._health import Health
from helios_metrics.publisher._outbox import Outbox
from helios_metrics.publisher._settlement import Settlement
from helios_metrics.publisher._spool import Spool
from helios_metrics.publisher._spool_path import SpoolPath
from helios_metrics.publisher.options import PublisherOptions

T = 1_764_000_000_000_000_000


class Parts:
    """An outbox of ``events`` packed ten to a message, its ledger, and the path to ``spool``."""

    def __init__(self, spool: Spool | None, events: int, **options) -> None:
        self.options = PublisherOptions(**{"max_events_per_message": 10, "compress": False, **options})
        self.clock = 0.0
        buffer = deque(StageEvent(T + i, "trend_discovery", 1.0, True, 0) for i in range(events))
        self.outbox = Outbox(buffer, "prod", self.options, clock=lambda: self.clock)
        self.settlement = Settlement()
        self.path = SpoolPath(spool, self.outbox, self.settlement, self.options)

    def pack(self, at: float) -> None:
        self.clock = at
        self.outbox.pack(once=True)

    def pending(self) -> int:
        return self.outbox.pending_events(self.settlement.is_settled)


def spooled(directory, events: int) -> Spool:
    """A spool holding ``events`` in messages of ten, as an outage left it."""
    spool = Spool(directory, 10**9)
    writer = Parts(spool, events)
    writer.outbox.pack()
    writer.path.spill_all()
    return spool


class BrokenSpool(Spool):
    def put(self, message: EncodedMessage) -> None:
        raise OSError(28, "No space left on device")


def test_past_the_memory_limit_the_oldest_are_spooled_and_settled(tmp_path):
    parts = Parts(Spool(tmp_path, 10**9), 50)
    parts.outbox.pack()
    sizes = [len(p.message.data) for p in parts.outbox.take_request()]
    parts.outbox.returned(parts.outbox.in_flight())
    room = PublisherOptions(memory_limit_bytes=sum(sizes[-2:]))  # for the two newest messages
    SpoolPath(parts.path.spool, parts.outbox, parts.settlement, room).spill_over_limit()
    assert Spool(tmp_path, 10**9).backlog() == (3, 30)
    assert parts.pending() == 20
    assert parts.settlement.prefix == 30  # the three oldest, settled as spooled
    assert [p.first for p in parts.outbox.take_request()] == [30, 40]


def test_with_no_spool_the_memory_bound_drops_and_counts_but_a_flush_keeps_them(caplog):
    parts = Parts(None, 30, memory_limit_bytes=0)
    parts.outbox.pack()
    parts.path.spill_all()  # a flush during an outage: nothing is forced out
    assert parts.pending() == 30
    assert parts.settlement.dropped == 0
    with caplog.at_level(logging.ERROR, logger="publisher"):
        parts.path.spill_over_limit()  # the memory bound: forced
    assert parts.pending() == 0
    assert parts.settlement.dropped == 30
    assert "dropping 10 metric events" in caplog.text


def test_a_full_disk_keeps_events_in_memory_first_in_line(tmp_path, caplog):
    parts = Parts(BrokenSpool(tmp_path, 10**9), 30)
    parts.outbox.pack()
    with caplog.at_level(logging.ERROR, logger="publisher"):
        parts.path.spill_all()
        parts.path.spill_all()
    assert parts.pending() == 30
    assert [p.first for p in parts.outbox.take_request()] == [0, 10, 20]
    assert caplog.text.count("cannot write the metrics spool") == 1  # the first of every 100


def test_during_an_outage_only_messages_older_than_the_cutoff_leave_memory(tmp_path):
    parts = Parts(Spool(tmp_path, 10**9), 30)
    parts.pack(at=1.0)
    parts.pack(at=2.0)
    parts.pack(at=3.0)
    parts.path.spill_older_than(2.0)
    assert Spool(tmp_path, 10**9).backlog() == (2, 20)
    assert [p.first for p in parts.outbox.take_request()] == [20]


def test_at_exit_the_request_still_out_is_spooled_too(tmp_path):
    parts = Parts(Spool(tmp_path, 10**9), 30)
    parts.outbox.pack()
    request = parts.outbox.take_request()  # the courier is stuck in this call
    parts.outbox.pack()
    parts.path.spill_at_exit()
    assert Spool(tmp_path, 10**9).backlog() == (3, 30)
    assert parts.settlement.prefix == 30
    assert not parts.settlement.settle(request[0].first, request[0].count, "published")  # the late return


def test_replay_sends_the_oldest_first_many_to_a_request_and_counts_them(tmp_path):
    spool = spooled(tmp_path, 50)
    parts = Parts(spool, 0, max_messages_per_request=2)  # a later process, replaying
    sent: list[list[EncodedMessage]] = []
    health = Health(30.0)
    health.failed(ConnectionError("down"), kept=0)
    parts.path.replay(sent.append, health, kept=lambda: 0)
    assert [len(request) for request in sent] == [2, 2, 1]
    batches = [decode_message(m.data, m.attributes).batch for request in sent for m in request]
    assert batches == [0, 1, 2, 3, 4]
    assert parts.settlement.published == 50
    assert health.healthy
    assert spool.backlog() == (0, 0)


def test_a_failed_replay_releases_the_rest_and_backs_off(tmp_path):
    spool = spooled(tmp_path, 50)
    parts = Parts(spool, 0, max_messages_per_request=2)  # a later process, replaying
    calls = 0

    def send(messages: list[EncodedMessage]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("Pub/Sub unreachable")

    health = Health(30.0)
    parts.path.replay(send, health, kept=lambda: 7)
    assert (parts.settlement.published, health.healthy, health.publish_errors) == (20, False, 1)
    assert spool.backlog() == (3, 30)
    assert len(spool.claim_oldest(10)) == 3  # released: claimable again


def test_replay_without_a_spool_does_nothing():
    parts = Parts(None, 0)
    parts.path.replay(lambda messages: pytest.fail("nothing to send"), Health(30.0), kept=lambda: 0)
