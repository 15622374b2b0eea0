"""The outbox alone: numbering, packing within the message limits, one request in flight, and
what it counts as pending — no thread, no Pub/Sub."""

from __future__ import annotations

import itertools
import threading
from collections import deque

from helios_metrics.contract.wire import EncodedMessage, StageEvent, decode_message
from helios_metrics.publisher._outbox import Outbox, group_requests, request_sizes
from helios_metrics.publisher.options import PublisherOptions

T = 1_764_000_000_000_000_000


def event(i: int) -> StageEvent:
    return StageEvent(t=T + i, stage="trend_discovery", duration=float(i % 100), success=True, error_count=0)


def outbox(events: int = 0, **options) -> tuple[deque, Outbox]:
    buffer: deque = deque(event(i) for i in range(events))
    return buffer, Outbox(buffer, "prod", PublisherOptions(**options), clock=lambda: 7.0)


def test_requests_respect_the_byte_and_message_limits_exactly():
    attrs = {"a": "b"}  # 2 bytes of attributes per message
    message = EncodedMessage(b"x" * 498, attrs, 1)  # weighs 500
    assert group_requests([message] * 5, max_messages=1000, max_bytes=1000) == [2, 2, 1]
    heavier = EncodedMessage(b"x" * 499, attrs, 1)  # weighs 501: only one fits
    assert group_requests([heavier] * 3, max_messages=1000, max_bytes=1000) == [1, 1, 1]
    assert group_requests([message] * 2500, max_messages=1000, max_bytes=10**9) == [1000, 1000, 500]
    assert group_requests([message] * 1000, max_messages=1000, max_bytes=10**9) == [1000]


def test_the_first_request_of_a_backlog_is_sized_without_reading_all_of_it():
    read = 0

    def backlog():
        nonlocal read
        for _ in range(100_000):
            read += 1
            yield EncodedMessage(b"x", {}, 1)

    assert next(request_sizes(backlog(), max_messages=100, max_bytes=10**9)) == 100
    assert read == 101  # the message that did not fit, and no further


def test_events_are_numbered_in_order_and_packed_per_message():
    buffer, box = outbox(2500, max_events_per_message=1000)
    box.pack()
    assert (box.drained, len(buffer), box.recorded) == (2500, 0, 2500)
    request = box.take_request()
    assert [(p.first, p.count, p.at) for p in request] == [(0, 1000, 7.0), (1000, 1000, 7.0), (2000, 500, 7.0)]
    batches = [decode_message(p.message.data, p.message.attributes) for p in request]
    assert [(d.producer, d.batch) for d in batches] == [("prod", 0), ("prod", 1), ("prod", 2)]
    assert [e.t for d in batches for e in d.events] == [T + i for i in range(2500)]


def test_pack_once_takes_one_message_worth_and_pack_at_most_what_was_buffered():
    buffer, box = outbox(2500, max_events_per_message=1000)
    box.pack(once=True)
    assert (box.drained, len(buffer)) == (1000, 1500)
    box.pack()
    assert (box.drained, len(buffer)) == (2500, 0)


def test_a_message_past_the_byte_limit_is_split_and_batch_numbers_are_never_reused():
    _buffer, box = outbox(100, compress=False, max_events_per_message=100, max_message_bytes=2_000)
    box.pack()
    request = box.take_request()
    assert len(request) > 1
    assert all(len(p.message.data) <= 2_000 for p in request)
    assert sum(p.count for p in request) == 100
    assert [p.first for p in request] == [sum(q.count for q in request[:i]) for i in range(len(request))]
    batches = [int(p.message.attributes["batch"]) for p in request]
    assert len(set(batches)) == len(batches)


def test_a_failed_request_goes_back_to_the_front_in_order_less_what_was_settled_meanwhile():
    _buffer, box = outbox(40, max_events_per_message=10, max_messages_per_request=3)
    box.pack()
    request = box.take_request()
    assert [p.first for p in request] == [0, 10, 20]
    assert box.in_flight() == request
    settled = {10}  # the exit path spooled this one while the call was out
    assert box.pending_events(lambda first: first in settled) == 40 - 10
    box.returned([p for p in request if p.first not in settled])
    assert box.in_flight() == []
    assert [p.first for p in box.take_request()] == [0, 20, 30]


def test_a_delivered_request_leaves_nothing_pending():
    buffer, box = outbox(30, max_events_per_message=10)
    box.pack()
    box.take_request()
    box.delivered()
    buffer.append(event(99))
    assert box.pending_events(lambda first: False) == 1  # only the newly buffered event
    assert box.take_request() == []


def test_spilling_takes_the_oldest_only_while_wanted_and_can_put_it_back():
    _buffer, box = outbox(30, max_events_per_message=10, compress=False)
    box.pack()
    held = box.held_bytes()
    assert held == sum(len(p.message.data) for p in box.take_request())
    box.returned(box.in_flight())
    oldest = box.pop_oldest_if(lambda p: p.first == 0)
    assert oldest is not None
    assert oldest.first == 0
    assert box.pop_oldest_if(lambda p: p.first == 0) is None  # the next one is not wanted
    box.push_front(oldest)
    assert [p.first for p in box.take_request()] == [0, 10, 20]


def test_threads_packing_at_once_never_share_a_number():
    buffer, box = outbox(0, max_events_per_message=7)
    buffer.extend(event(i) for i in range(20_000))
    threads = [threading.Thread(target=lambda: [box.pack(once=True) for _ in range(1000)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    box.pack()
    firsts: list[tuple[int, int]] = []
    while request := box.take_request():
        firsts += [(p.first, p.count) for p in request]
        box.delivered()
    firsts.sort()
    assert firsts[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in itertools.pairwise(firsts))
    assert sum(n for _, n in firsts) == 20_000 == box.drained
