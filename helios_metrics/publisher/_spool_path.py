"""The path to and from the on-disk spool: packed messages go there when memory may not keep them
(the memory bound, an outage older than ``max_unspooled_s``, a flush waiting during an outage, the
exit), and come back to Pub/Sub oldest first once it answers.

What the spool refuses (none configured, a full or read-only disk) stays in memory for the next
round — unless the memory bound or the exit forces it out, when it is dropped, counted and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from helios_metrics.contract.wire import EncodedMessage

from ._health import Health
from ._outbox import Outbox, Packed, request_sizes
from ._settlement import Settlement
from ._spool import Spool
from .options import PublisherOptions

__all__ = ["REPLAY_PER_ROUND", "SpoolPath"]

_log = logging.getLogger("publisher")
REPLAY_PER_ROUND = 200
Send = Callable[[list[EncodedMessage]], None]


class SpoolPath:
    """Moves packed messages from the outbox to the spool (settling them as spooled) and spooled
    messages back to Pub/Sub; without a spool (``spool=None``) it only decides what memory keeps."""

    def __init__(self, spool: Spool | None, outbox: Outbox, settlement: Settlement, options: PublisherOptions) -> None:
        self.spool, self._outbox, self._settlement, self._options = spool, outbox, settlement, options
        self._warned_no_spool = False
        self._write_failures = 0

    # --- spilling ----------------------------------------------------------------------------------
    def spill_over_limit(self) -> None:
        """Keep at most ``memory_limit_bytes`` of packed messages in memory: the oldest go to the
        spool, or, when it cannot take them, are dropped and counted (memory stays bounded)."""
        limit = self._options.memory_limit_bytes
        self._spill_while(lambda _oldest, held: held > limit, forced=True)

    def spill_all(self) -> None:
        """A flush is waiting during an outage: make what is pending durable. What the spool
        cannot take stays in memory for the next attempt."""
        self._spill_while(lambda _oldest, held: held > 0, forced=False)

    def spill_older_than(self, cutoff: float) -> None:
        """During an outage nothing stays only in memory for long: a SIGKILL loses at most
        ``max_unspooled_s`` of events. What the spool cannot take stays in memory."""
        self._spill_while(lambda oldest, _held: oldest.at <= cutoff, forced=False)

    def spill_at_exit(self) -> None:
        """The process is ending and the sender is stuck or slow: make everything unsettled durable
        from here, the request still out included. A message the stuck call then publishes too is
        a duplicate the collector drops by id; what the spool refuses is lost (and counted)."""
        for packed in self._outbox.in_flight():
            if not self._settlement.is_settled(packed.first) and not self.store(packed):
                self._settlement.settle(packed.first, packed.count, "dropped")
        self._spill_while(lambda _oldest, held: held > 0, forced=True)

    def _spill_while(self, more: Callable[[Packed, int], bool], forced: bool) -> None:
        """Move the oldest pending message to the spool while ``more(oldest, bytes held)``. What the
        spool refuses is dropped and counted when ``forced``; otherwise it stays in memory, first in
        line, and spilling stops until the next round."""
        held = self._outbox.held_bytes()

        def wanted(oldest: Packed) -> bool:
            return more(oldest, held)

        while (packed := self._outbox.pop_oldest_if(wanted)) is not None:
            if not self.store(packed):
                if not forced:
                    self._outbox.push_front(packed)
                    return
                _log.error("no usable spool for what memory may not keep: dropping %d metric events", packed.count)
                self._settlement.settle(packed.first, packed.count, "dropped")
            held -= len(packed.message.data)

    def store(self, packed: Packed) -> bool:
        """Spool one message and settle it; False (logged, not settled) when the spool refuses it."""
        if self.spool is None:
            if not self._warned_no_spool:
                _log.error("no usable spool: %d metric events wait in memory for Pub/Sub", packed.count)
                self._warned_no_spool = True
            return False
        try:
            self.spool.put(packed.message)
        except OSError as err:
            self._write_failures += 1
            if self._write_failures % 100 == 1:  # every round retries: log the first and every 100th
                _log.error(
                    "cannot write the metrics spool (%s, %d times): events wait in memory", err, self._write_failures
                )
            return False
        self._write_failures = 0
        self._settlement.settle(packed.first, packed.count, "spooled")
        return True

    # --- replaying ---------------------------------------------------------------------------------
    def replay(self, send: Send, health: Health, kept: Callable[[], int]) -> None:
        """Publish spooled messages with ``send``, oldest first, many to a request; on a failure
        release the rest for a later round (or another process) and back off."""
        if self.spool is None:
            return
        options = self._options
        items = self.spool.claim_oldest(REPLAY_PER_ROUND)
        while items:
            messages = (item.message for item in items)
            take = next(request_sizes(messages, options.max_messages_per_request, options.max_request_bytes))
            request, items = items[:take], items[take:]
            try:
                send([item.message for item in request])
            except Exception as err:
                for unsent in request + items:
                    self.spool.release(unsent)
                health.failed(err, kept())
                return
            for item in request:
                self.spool.done(item)
            self._settlement.replayed(sum(item.message.event_count for item in request))
            health.succeeded()
