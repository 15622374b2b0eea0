"""Tuning knobs of :class:`~publisher.MetricsPublisher`, and what it reports back."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FlushResult", "PublisherOptions", "PublisherStats"]


@dataclass(frozen=True)
class PublisherOptions:
    max_latency_s: float = 0.05
    """Longest an event waits in the buffer before the background thread packs and sends it."""
    max_events_per_message: int = 2000
    """Events packed into one Pub/Sub message (the collector accepts up to 10,000)."""
    max_message_bytes: int = 1_000_000
    """Compressed size limit of one message; larger packs are split."""
    max_messages_per_request: int = 100
    """Messages per Publish request (Pub/Sub allows 1,000)."""
    max_request_bytes: int = 9_000_000
    """Bytes per Publish request (Pub/Sub allows 10 MB)."""
    buffer_limit: int = 100_000
    """Events waiting for the background thread. Past it — only when callers record faster than
    the thread packs, ~400,000 events/s here — the recording thread packs a message itself
    (about a millisecond), so memory stays bounded and nothing is dropped."""
    memory_limit_bytes: int = 64 * 1024 * 1024
    """Packed (compressed) messages kept in memory while Pub/Sub is slow or down — about 5 million
    events; past it the oldest are spilled to the spool."""
    max_unspooled_s: float = 2.0
    """While Pub/Sub is failing, the longest a packed message stays in memory only before it is
    written to the spool — what a SIGKILL (OOM killer, preemption) during an outage can lose."""
    spool_limit_bytes: int = 256 * 1024 * 1024
    """On-disk spool size; past it the oldest spooled messages are dropped, counted and logged."""
    publish_timeout_s: float = 5.0
    """Per-attempt timeout of a Publish call."""
    publish_deadline_s: float = 10.0
    """Retry deadline of one publish round (transient codes only); then the round counts as failed."""
    max_backoff_s: float = 30.0
    """Longest wait between failed publish rounds."""
    exit_timeout_s: float = 5.0
    """How long the interpreter-exit flush may take; what is not published by then is spooled."""
    resource_interval_s: float | None = None
    """Sample cpu/memory utilization into ``resource_utilization`` this often; None disables."""
    max_stages: int = 64
    """Distinct stage names one process may record; more are refused and counted."""
    max_data_keys: int = 32
    """Distinct ``additional_data`` keys per stage; more are refused (the key, not the event)."""
    compress: bool = True
    """zlib-compress message data (≈10× fewer billable bytes)."""


@dataclass(frozen=True)
class PublisherStats:
    recorded: int
    """Events accepted by record calls."""
    published: int
    """Events Pub/Sub acknowledged (including spooled events replayed later)."""
    spooled: int
    """Events currently waiting in the on-disk spool."""
    pending: int
    """Events in memory not yet published (buffered or packed)."""
    dropped: int
    """Events lost: the spool over its limit or unwritable. Always logged."""
    refused: int
    """Stages or additional_data keys refused by the cardinality caps."""
    publish_errors: int
    """Failed publish rounds (each retried later or spooled)."""


@dataclass(frozen=True)
class FlushResult:
    published: int
    """Of the events recorded before the flush, how many are now published."""
    spooled: int
    """How many are safe on disk, to be replayed when Pub/Sub answers."""
    failed: int
    """How many are neither (still in memory when the timeout ran out, or dropped)."""

    @property
    def complete(self) -> bool:
        return self.failed == 0
