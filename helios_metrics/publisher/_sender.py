"""The background half of the publisher: the loop that moves events from the caller's buffer to
Pub/Sub and settles each exactly once — published, spooled (durable, replayed later) or, with no
usable spool, dropped and logged. ``flush`` waits until every event recorded before it is settled
and reports how each was settled.

It wires small parts together, each with one job: the :class:`~._outbox.Outbox` packs and holds
messages, the :class:`~._courier.Courier` makes the Publish calls through a
:class:`~._transport.Transport` on a thread of its own (while one is slow or hanging this loop
keeps draining the buffer and spilling to disk, so an outage never fills the caller's buffer),
:class:`~._health.Health` decides when to try again, the :class:`~._spool_path.SpoolPath` spills
and replays, and the :class:`~._settlement.Settlement` answers ``flush``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent import futures

from helios_metrics.contract.wire import EncodedMessage, Event

from ._courier import Courier
from ._health import Health
from ._outbox import Outbox
from ._settlement import Settlement
from ._spool import Spool
from ._spool_path import SpoolPath
from ._transport import Transport
from .options import FlushResult, PublisherOptions

__all__ = ["Sender"]

_log = logging.getLogger("publisher")
SampleFn = Callable[[], Sequence[Event]]


class Sender:
    def __init__(
        self,
        buffer: deque[Event],
        options: PublisherOptions,
        producer: str,
        transport: Transport,
        spool: Spool | None,
        sample: SampleFn | None = None,
    ) -> None:
        self._buffer, self._options, self._sample = buffer, options, sample
        self._outbox = Outbox(buffer, producer, options)
        self._settlement = Settlement()
        self._health = Health(options.max_backoff_s)
        self._spool = SpoolPath(spool, self._outbox, self._settlement, options)
        self._courier = Courier(transport)
        self._wake = threading.Event()
        self._stop = False
        self.idle = False  # True once both threads have ended
        self._next_sample = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="helios-metrics-publisher", daemon=True)

    # --- what the publisher reads -----------------------------------------------------------------
    @property
    def drained(self) -> int:
        return self._outbox.drained

    @property
    def published(self) -> int:
        return self._settlement.published

    @property
    def dropped(self) -> int:
        return self._settlement.dropped

    @property
    def publish_errors(self) -> int:
        return self._health.publish_errors

    @property
    def pending_events(self) -> int:
        return self._outbox.pending_events(self._settlement.is_settled)

    # --- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def flush(self, timeout: float | None) -> FlushResult:
        with self._settlement.tally(self._outbox.recorded) as tally:
            if not tally.empty:
                self._wake.set()
            return self._settlement.wait(tally, timeout)

    def stop(self, timeout: float) -> FlushResult:
        """Flush within ``timeout``; spool whatever is still unsettled; stop both threads."""
        with self._settlement.tally(self._outbox.recorded) as tally:
            self.flush(timeout)
            self._stop = True
            self._wake.set()
            self._thread.join(max(0.1, min(timeout, 1.0)))
            if self._settlement.prefix < self._outbox.recorded:
                self._outbox.pack()
                self._spool.spill_at_exit()
            self.idle = self._courier.stop(0.5) and not self._thread.is_alive()
            return self._settlement.result(tally)

    def pack_one(self) -> None:
        """Pack one message's worth from the buffer (called by a recording thread that outruns us),
        and spill past the memory limit from here too: when Pub/Sub is down and the disk is slower
        than the caller records, the caller slows to the disk's pace instead of memory growing."""
        self._outbox.pack(once=True)
        self._spool.spill_over_limit()

    # --- the loop -------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wake.wait(self._options.max_latency_s)
            self._wake.clear()
            try:
                self._round()
            except Exception:  # never let the thread die: events would stop flowing silently
                _log.exception("metrics publisher round failed; retrying")
                time.sleep(0.1)
            if self._stop and not self._buffer and not self._outbox.has_pending:
                return

    def _round(self) -> None:
        now, health, spool = time.monotonic(), self._health, self._spool
        if self._sample is not None and now >= self._next_sample:
            self._next_sample = now + (self._options.resource_interval_s or 60.0)
            self._buffer.extend(self._sample())
        self._outbox.pack()
        urgent = self._settlement.waiting > 0 or self._stop
        due = self._outbox.has_pending and (health.due(now) or urgent)
        if due and not self._publish_pending() and (self._settlement.waiting > 0 or self._stop):
            spool.spill_all()  # someone is waiting: make the events durable now
        elif not health.healthy:
            spool.spill_older_than(now - self._options.max_unspooled_s)
        spool.spill_over_limit()
        if spool.spool is not None and not self._stop and (health.healthy or health.due(time.monotonic())):
            spool.replay(self._call, health, lambda: self.pending_events)  # when healthy, or as the probe

    def _publish_pending(self) -> bool:
        """Publish what is packed, a request at a time; False when a request failed (its messages
        are back at the front of the line and the backoff has started)."""
        settlement = self._settlement
        while request := self._outbox.take_request():
            try:
                self._call([p.message for p in request])
            except Exception as err:
                self._outbox.returned([p for p in request if not settlement.is_settled(p.first)])
                self._health.failed(err, self.pending_events)
                return False
            self._outbox.delivered()
            for packed in request:
                settlement.settle(packed.first, packed.count, "published")
        self._health.succeeded()
        return True

    def _call(self, messages: list[EncodedMessage]) -> None:
        """Publish through the courier; keep draining and spilling while the call is out."""
        future = self._courier.submit(messages, time.monotonic() + self._options.publish_deadline_s)
        while True:
            try:
                return future.result(timeout=self._options.max_latency_s)
            except futures.TimeoutError:
                self._outbox.pack()
                self._spool.spill_over_limit()
