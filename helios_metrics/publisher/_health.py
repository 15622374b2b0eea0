"""Whether Pub/Sub is answering, and when to try it again: exponential backoff between failed
publish rounds, capped, reset by the first success. While unhealthy the sender spills what it
holds to the spool instead of keeping it in memory."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["Health"]

_log = logging.getLogger("publisher")


class Health:
    """The outcome of the last publish round and the backoff that follows a failed one."""

    def __init__(self, max_backoff_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_backoff_s, self._clock = max_backoff_s, clock
        self.healthy = True
        self.failures = 0  # consecutive failed rounds
        self.publish_errors = 0  # failed rounds in this process's life
        self.next_attempt = 0.0

    def due(self, now: float) -> bool:
        """Whether the backoff after the last failure is over."""
        return now >= self.next_attempt

    def succeeded(self) -> None:
        self.failures, self.healthy = 0, True

    def failed(self, err: Exception, kept: int) -> float:
        """Count a failed round (``kept`` events wait for the next); the delay before the next.
        Logged at the first failure and every tenth, so an outage does not flood the log."""
        self.publish_errors += 1
        self.failures += 1
        self.healthy = False
        delay = min(self._max_backoff_s, 0.5 * 2 ** min(self.failures, 10))
        self.next_attempt = self._clock() + delay
        if self.failures == 1 or self.failures % 10 == 0:
            _log.warning("publishing metrics failed (%s); %d events kept, retrying in %.1fs", err, kept, delay)
        return delay
