"""The outbox: events taken from the caller's buffer, numbered, packed into encoded messages, and
held oldest first until they are published or spilled to the spool.

Taking from the buffer and numbering happen under one lock: the background thread, a recording
thread that outruns it (``pack_one``) and the exit path may all pack, and every event must get a
number of its own — its id on the wire is ``<producer>-<batch>-<index>``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from helios_metrics.contract.wire import EncodedMessage, Event, encode_message

from .options import PublisherOptions

__all__ = ["Outbox", "Packed", "group_requests", "request_sizes"]


def _weight(message: EncodedMessage) -> int:
    return len(message.data) + sum(len(k) + len(v) for k, v in message.attributes.items())


def request_sizes(messages: Iterable[EncodedMessage], max_messages: int, max_bytes: int) -> Iterator[int]:
    """Sizes of consecutive Publish requests holding ``messages`` within both limits, lazily: the
    first request of a long backlog is sized without reading the whole backlog."""
    count = size = 0
    for message in messages:
        weight = _weight(message)
        if count and (count >= max_messages or size + weight > max_bytes):
            yield count
            count = size = 0
        count += 1
        size += weight
    if count:
        yield count


def group_requests(messages: Sequence[EncodedMessage], max_messages: int, max_bytes: int) -> list[int]:
    """Sizes of consecutive Publish requests holding ``messages`` within both limits."""
    return list(request_sizes(messages, max_messages, max_bytes))


@dataclass(slots=True, frozen=True)
class Packed:
    """One encoded message and the events it carries: numbers [first, first + count)."""

    message: EncodedMessage
    first: int
    at: float  # monotonic time it was packed

    @property
    def count(self) -> int:
        return self.message.event_count


class Outbox:
    """The caller's buffer drained into numbered, encoded messages, oldest first; one lock keeps
    the numbering unique and the line in order for every thread that packs, publishes or spills."""

    def __init__(
        self,
        buffer: deque[Event],
        producer: str,
        options: PublisherOptions,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._buffer, self._producer, self._options, self._clock = buffer, producer, options, clock
        self._batch = 0
        self._pending: deque[Packed] = deque()  # packed, not in flight, oldest first
        self._inflight: list[Packed] = []
        self._lock = threading.Lock()
        self.drained = 0  # events taken from the buffer, numbered 0..drained-1

    @property
    def recorded(self) -> int:
        """Events recorded so far: numbered, or still in the buffer (read as one under the lock)."""
        with self._lock:
            return self.drained + len(self._buffer)

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def pack(self, once: bool = False) -> None:
        """Drain the buffer into messages at the end of the line — at most what it held on entry
        (one message's worth when ``once``): a recording thread that outruns packing must not keep
        the sender from returning to the spill that bounds memory."""
        buffer, limit = self._buffer, self._options.max_events_per_message
        budget = len(buffer)
        while buffer and budget > 0:
            with self._lock:
                chunk: list[Event] = []
                while buffer and len(chunk) < limit:
                    chunk.append(buffer.popleft())
                budget -= len(chunk)
                first = self.drained
                self.drained += len(chunk)
                for message in self._encode(chunk):
                    self._pending.append(Packed(message, first, self._clock()))
                    first += message.event_count
            if once:
                return

    def _encode(self, chunk: list[Event]) -> list[EncodedMessage]:
        message = encode_message(self._producer, self._batch, chunk, self._options.compress)
        if len(message.data) > self._options.max_message_bytes and len(chunk) > 1:
            half = len(chunk) // 2
            return self._encode(chunk[:half]) + self._encode(chunk[half:])
        self._batch += 1  # a batch number is never reused: event ids stay unique
        return [message]

    # --- publishing: one request in flight at a time ---------------------------------------------
    def take_request(self) -> list[Packed]:
        """The oldest messages that fit one Publish request (none when nothing waits); they stay
        counted as in flight until :meth:`delivered` or :meth:`returned`."""
        options = self._options
        with self._lock:
            if not self._pending:
                return []
            messages = (p.message for p in self._pending)
            take = next(request_sizes(messages, options.max_messages_per_request, options.max_request_bytes))
            self._inflight = [self._pending.popleft() for _ in range(take)]
            return self._inflight

    def delivered(self) -> None:
        with self._lock:
            self._inflight = []

    def returned(self, unsettled: list[Packed]) -> None:
        """The request failed: its messages not settled meanwhile go back to the front, in order."""
        with self._lock:
            self._inflight = []
            self._pending.extendleft(reversed(unsettled))

    def in_flight(self) -> list[Packed]:
        with self._lock:
            return list(self._inflight)

    # --- spilling: the oldest first ----------------------------------------------------------------
    def held_bytes(self) -> int:
        with self._lock:
            return sum(len(p.message.data) for p in self._pending)

    def pop_oldest_if(self, wanted: Callable[[Packed], bool]) -> Packed | None:
        with self._lock:
            if self._pending and wanted(self._pending[0]):
                return self._pending.popleft()
            return None

    def push_front(self, packed: Packed) -> None:
        with self._lock:
            self._pending.appendleft(packed)

    def pending_events(self, is_settled: Callable[[int], bool]) -> int:
        """Events in memory and not settled: buffered, packed, or in a request still out."""
        with self._lock:
            held = sum(p.count for p in self._pending) + len(self._buffer)
            inflight = list(self._inflight)
        return held + sum(p.count for p in inflight if not is_settled(p.first))
