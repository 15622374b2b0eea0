"""The background half of the publisher: pack, publish, retry, spill to the spool, replay it.

It takes events from the caller-side buffer in order and settles each exactly once: published,
spooled (durable, replayed later) or, with no usable spool, dropped and logged. ``flush`` waits
until every event recorded before it is settled and reports how each was settled.

Publish calls run on a courier thread of their own: while one is slow or hanging, the sender
keeps draining the buffer and spilling to disk, so an outage never fills the caller's buffer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

from contract.wire import EncodedMessage, encode_message

from ._spool import Spool
from .options import FlushResult, PublisherOptions

__all__ = ["Sender", "group_requests"]

_log = logging.getLogger("publisher")
PublishFn = Callable[[list[EncodedMessage]], None]
SampleFn = Callable[[], list[tuple[Any, ...]]]
_REPLAY_PER_ROUND = 200
_OUTCOMES = ("published", "spooled", "dropped")


def _weight(message: EncodedMessage) -> int:
    return len(message.data) + sum(len(k) + len(v) for k, v in message.attributes.items())


def group_requests(messages: Sequence[EncodedMessage], max_messages: int, max_bytes: int) -> list[int]:
    """Sizes of consecutive Publish requests holding ``messages`` within both limits."""
    sizes: list[int] = []
    count = size = 0
    for message in messages:
        weight = _weight(message)
        if count and (count >= max_messages or size + weight > max_bytes):
            sizes.append(count)
            count = size = 0
        count += 1
        size += weight
    if count:
        sizes.append(count)
    return sizes


@dataclass(slots=True, eq=False)  # identity: two waiters may count the same range
class _Tally:
    """How the events numbered [start, target) were settled, for one waiting flush or stop."""

    start: int
    target: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_OUTCOMES, 0))

    def add(self, low: int, high: int, outcome: str) -> None:
        overlap = min(high, self.target) - max(low, self.start)
        if overlap > 0:
            self.counts[outcome] += overlap

    def result(self, ahead: dict[int, tuple[int, str]]) -> FlushResult:
        """Counted so far, plus the settled ranges past the prefix (a flush that timed out)."""
        counts = dict(self.counts)
        for low, (high, outcome) in ahead.items():
            overlap = min(high, self.target) - max(low, self.start)
            if overlap > 0:
                counts[outcome] += overlap
        settled = counts["published"] + counts["spooled"]
        return FlushResult(counts["published"], counts["spooled"], self.target - self.start - settled)


@dataclass(slots=True)
class _Packed:
    message: EncodedMessage
    first: int  # index of its first event in this producer's stream
    at: float = 0.0  # monotonic time it was packed
    settled: bool = False

    @property
    def count(self) -> int:
        return self.message.event_count


class _Courier:
    """Runs Publish calls on a daemon thread (not an executor: those refuse work at exit)."""

    def __init__(self, publish: PublishFn) -> None:
        self._publish = publish
        self._queue: queue.SimpleQueue[tuple[futures.Future[None], list[EncodedMessage]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="helios-metrics-courier", daemon=True)
        self._thread.start()

    def submit(self, messages: list[EncodedMessage]) -> futures.Future[None]:
        future: futures.Future[None] = futures.Future()
        self._queue.put((future, messages))
        return future

    def stop(self, timeout: float) -> bool:
        """Let the thread end after the call it is in, if any; True when it has ended."""
        self._queue.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, messages = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                self._publish(messages)
            except BaseException as err:  # handed to the sender, which decides
                future.set_exception(err)
            else:
                future.set_result(None)


class Sender:
    def __init__(
        self,
        buffer: deque[tuple[Any, ...]],
        options: PublisherOptions,
        producer: str,
        publish: PublishFn,
        spool: Spool | None,
        sample: SampleFn | None = None,
    ) -> None:
        self._buffer, self._options, self._producer = buffer, options, producer
        self._spool, self._sample = spool, sample
        self._warned_no_spool = False
        self._spool_failures = 0
        self._courier = _Courier(publish)
        self._batch = 0
        self._pending: deque[_Packed] = deque()  # packed, not in flight, oldest first
        self._inflight: list[_Packed] = []
        self._lock = threading.Lock()  # guards numbering, _pending and _inflight (the exit path shares them)
        self._settled_cv = threading.Condition()
        self._wake = threading.Event()
        self._stop = False
        self.idle = False  # True once both threads have ended
        self.drained = 0  # events taken from the buffer, numbered 0..drained-1
        self._prefix = 0  # every event numbered below this is settled
        self._ahead: dict[int, tuple[int, str]] = {}  # settled ranges past the prefix: start -> (end, how)
        self._tallies: list[_Tally] = []  # flushes (and a stop) waiting, each counting its own range
        self.published = 0  # includes replays
        self.dropped = 0
        self.publish_errors = 0
        self._failures = 0
        self._next_attempt = 0.0
        self._healthy = True
        self._next_sample = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="helios-metrics-publisher", daemon=True)

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float) -> FlushResult:
        """Flush within ``timeout``; spool whatever is still unsettled; stop both threads."""
        tally = self._open_tally()
        try:
            self.flush(timeout)
            self._stop = True
            self._wake.set()
            self._thread.join(max(0.1, min(timeout, 1.0)))
            if self._prefix < self.drained + len(self._buffer):
                self._emergency_spill()
            self.idle = self._courier.stop(0.5) and not self._thread.is_alive()
            with self._settled_cv:
                return tally.result(self._ahead)
        finally:
            self._close_tally(tally)

    @property
    def pending_events(self) -> int:
        with self._lock:
            held = sum(p.count for p in self._pending) + sum(p.count for p in self._inflight if not p.settled)
        return held + len(self._buffer)

    # --- flush and settlement ---------------------------------------------------------------
    def flush(self, timeout: float | None) -> FlushResult:
        tally = self._open_tally()
        try:
            with self._settled_cv:
                if tally.start < tally.target:
                    self._wake.set()
                    self._settled_cv.wait_for(lambda: self._prefix >= tally.target, timeout)
                return tally.result(self._ahead)
        finally:
            self._close_tally(tally)

    def _open_tally(self) -> _Tally:
        """Start counting how the events recorded so far get settled (everything below the
        prefix already is; the rest passes through :meth:`_settle` while the tally is open)."""
        with self._settled_cv:
            tally = _Tally(self._prefix, self.drained + len(self._buffer))
            self._tallies.append(tally)
            return tally

    def _close_tally(self, tally: _Tally) -> None:
        with self._settled_cv:
            self._tallies.remove(tally)

    @property
    def _flush_waiters(self) -> int:
        return len(self._tallies)

    def _settle(self, packed: _Packed, outcome: str) -> None:
        """Record how one packed message ended; each is settled once even if two paths race."""
        with self._settled_cv:
            if packed.settled:
                return
            packed.settled = True
            low, high = packed.first, packed.first + packed.count
            if outcome == "dropped":
                self.dropped += packed.count
            elif outcome == "published":
                self.published += packed.count
            self._ahead[low] = (high, outcome)
            while self._prefix in self._ahead:
                end, how = self._ahead.pop(self._prefix)
                for tally in self._tallies:
                    tally.add(self._prefix, end, how)
                self._prefix = end
            self._settled_cv.notify_all()

    # --- the loop ---------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wake.wait(self._options.max_latency_s)
            self._wake.clear()
            try:
                self._round()
            except Exception:  # never let the thread die: events would stop flowing silently
                _log.exception("metrics publisher round failed; retrying")
                time.sleep(0.1)
            if self._stop and not self._buffer and not self._pending:
                return

    def _round(self) -> None:
        now = time.monotonic()
        if self._sample is not None and now >= self._next_sample:
            self._next_sample = now + (self._options.resource_interval_s or 60.0)
            self._buffer.extend(self._sample())
        self._pack()
        urgent = self._flush_waiters > 0 or self._stop
        due = self._pending and (now >= self._next_attempt or urgent)
        if due and not self._publish_pending() and (self._flush_waiters > 0 or self._stop):
            self._spill_all()  # someone is waiting: make the events durable now
        elif not self._healthy:
            self._spill_older_than(now - self._options.max_unspooled_s)
        self._spill_over_limit()
        if self._spool is not None and not self._stop and (self._healthy or time.monotonic() >= self._next_attempt):
            self._replay()  # when healthy, or as the probe that finds Pub/Sub back

    def pack_one(self) -> None:
        """Pack one message's worth from the buffer (called by a recording thread that outruns us),
        and spill past the memory limit from here too: when Pub/Sub is down and the disk is slower
        than the caller records, the caller slows to the disk's pace instead of memory growing."""
        self._pack(once=True)
        self._spill_over_limit()

    def _pack(self, once: bool = False) -> None:
        """Drain the buffer into encoded messages at the end of the pending queue — at most what
        it held on entry: a recording thread that outruns packing must not keep this loop from
        returning to the spill that bounds memory."""
        buffer, limit = self._buffer, self._options.max_events_per_message
        budget = len(buffer)
        while buffer and budget > 0:
            with self._lock:  # the exit path may drain concurrently; numbering must stay unique
                chunk: list[tuple[Any, ...]] = []
                while buffer and len(chunk) < limit:
                    chunk.append(buffer.popleft())
                budget -= len(chunk)
                first = self.drained
                self.drained += len(chunk)
                for message in self._encode(chunk):
                    self._pending.append(_Packed(message, first, time.monotonic()))
                    first += message.event_count
            if once:
                return

    def _encode(self, chunk: list[tuple[Any, ...]]) -> list[EncodedMessage]:
        message = encode_message(self._producer, self._batch, chunk, self._options.compress)
        if len(message.data) > self._options.max_message_bytes and len(chunk) > 1:
            half = len(chunk) // 2
            return self._encode(chunk[:half]) + self._encode(chunk[half:])
        self._batch += 1  # a batch number is never reused: event ids stay unique
        return [message]

    def _call(self, messages: list[EncodedMessage]) -> None:
        """Publish through the courier; keep draining and spilling while the call is out."""
        future = self._courier.submit(messages)
        while True:
            try:
                return future.result(timeout=self._options.max_latency_s)
            except futures.TimeoutError:
                self._pack()
                self._spill_over_limit()

    def _publish_pending(self) -> bool:
        while True:
            with self._lock:
                if not self._pending:
                    return self._succeeded()
                take = group_requests(
                    [p.message for p in self._pending],
                    self._options.max_messages_per_request,
                    self._options.max_request_bytes,
                )[0]
                request = [self._pending.popleft() for _ in range(take)]
                self._inflight = request
            try:
                self._call([p.message for p in request])
            except Exception as err:
                with self._lock:
                    self._inflight = []
                    self._pending.extendleft(reversed([p for p in request if not p.settled]))
                self._failed(err)
                return False
            with self._lock:
                self._inflight = []
            for packed in request:
                self._settle(packed, "published")

    def _succeeded(self) -> bool:
        self._failures, self._healthy = 0, True
        return True

    def _failed(self, err: Exception) -> None:
        self.publish_errors += 1
        self._failures += 1
        self._healthy = False
        delay = min(self._options.max_backoff_s, 0.5 * 2 ** min(self._failures, 10))
        self._next_attempt = time.monotonic() + delay
        if self._failures == 1 or self._failures % 10 == 0:
            _log.warning(
                "publishing metrics failed (%s); %d events kept, retrying in %.1fs", err, self.pending_events, delay
            )

    def _spill_over_limit(self) -> None:
        """Keep at most ``memory_limit_bytes`` of packed messages in memory: the oldest go to the
        spool, or, when it cannot take them, are dropped and counted (memory stays bounded)."""
        self._spill(self._options.memory_limit_bytes, forced=True)

    def _spill_all(self) -> None:
        """A flush is waiting during an outage: make what is pending durable. What the spool
        cannot take (full disk, read-only, none configured) stays in memory for the next attempt."""
        self._spill(0, forced=False)

    def _spill_older_than(self, cutoff: float) -> None:
        """During an outage, nothing stays only in memory for long: a SIGKILL loses at most
        ``max_unspooled_s`` of events. What the spool cannot take stays in memory."""
        self._spill_while(lambda oldest, _held: oldest.at <= cutoff, forced=False)

    def _spill(self, keep_bytes: int, forced: bool) -> None:
        """Move the oldest pending messages to the spool until at most ``keep_bytes`` stay in memory."""
        self._spill_while(lambda _oldest, held: held > keep_bytes, forced)

    def _spill_while(self, more: Callable[[_Packed, int], bool], forced: bool) -> None:
        """Move the oldest pending message to the spool while ``more(oldest, bytes held)``. What the
        spool refuses is dropped and counted when ``forced`` (the memory bound, the exit); otherwise
        it stays in memory, first in line, and spilling stops until the next round."""
        with self._lock:
            held = sum(len(p.message.data) for p in self._pending)
        while True:
            with self._lock:
                if not self._pending or not more(self._pending[0], held):
                    return
                packed = self._pending.popleft()
            if not self._store(packed):
                if not forced:
                    with self._lock:
                        self._pending.appendleft(packed)
                    return
                _log.error("no usable spool for what memory may not keep: dropping %d metric events", packed.count)
                self._settle(packed, "dropped")
            held -= len(packed.message.data)

    def _store(self, packed: _Packed) -> bool:
        """Spool one message; False (logged, not settled) when there is no usable spool."""
        if self._spool is None:
            if not self._warned_no_spool:
                _log.error("no usable spool: %d metric events wait in memory for Pub/Sub", packed.count)
                self._warned_no_spool = True
            return False
        try:
            self._spool.put(packed.message)
        except OSError as err:
            self._spool_failures += 1
            if self._spool_failures % 100 == 1:  # every round retries: log the first and every 100th
                _log.error(
                    "cannot write the metrics spool (%s, %d times): events wait in memory", err, self._spool_failures
                )
            return False
        self._spool_failures = 0
        self._settle(packed, "spooled")
        return True

    def _replay(self) -> None:
        """Publish spooled messages, oldest first, many to a request; on failure release them."""
        assert self._spool is not None
        items = self._spool.claim_oldest(_REPLAY_PER_ROUND)
        while items:
            take = group_requests(
                [item.message for item in items],
                self._options.max_messages_per_request,
                self._options.max_request_bytes,
            )[0]
            request, items = items[:take], items[take:]
            try:
                self._call([item.message for item in request])
            except Exception as err:
                for unsent in request + items:
                    self._spool.release(unsent)
                self._failed(err)
                return
            for item in request:
                self._spool.done(item)
            with self._settled_cv:
                self.published += sum(item.message.event_count for item in request)
            self._succeeded()

    def _emergency_spill(self) -> None:
        """At exit with the thread stuck or slow: make everything unsettled durable from here.
        A message the stuck call then publishes too is a duplicate the collector drops by id."""
        self._pack()
        with self._lock:
            stuck = [p for p in self._inflight if not p.settled]
        for packed in stuck:
            if not self._store(packed):
                self._settle(packed, "dropped")
        self._spill(0, forced=True)  # the process is ending: what the spool refuses is lost
