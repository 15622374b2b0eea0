"""The collection run's decisions, pure: which pulled messages count, which are dead-lettered and
why, which are acknowledged and which go back for redelivery.

No I/O and no clock: it works on the pulled messages, the instance's :class:`Ledger`, the
aggregator and the plain outcome of the write (which contributions were written, which refused for
good). :class:`~functions.collector.Collector` does the I/O around it.

A message is acknowledged only after every point its events contributed to was written. A
transient write failure leaves it unacknowledged (handed back, so it comes again and only what is
missing gets written). A message that cannot be used — undecodable, wrong schema or types, out of
range, oversized, unknown metric, refused by Monitoring for good, or carrying events Monitoring
would refuse by age — is dead-lettered with the reason, then acknowledged; if the dead-letter
publish fails it is not acknowledged, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from contract.units import NS
from contract.wire import InvalidMessage, decode_message

from .aggregate import AggregationLimits, ContributionKey, MessageOutcome, WindowAggregator
from .ledger import Ledger, MessageKey

__all__ = [
    "PulledMessage",
    "RunSummary",
    "dead_letter_attributes",
    "dead_letter_failed",
    "dead_lettered",
    "fold",
    "own_counts",
    "settle",
]


@dataclass
class RunSummary:
    """What one run did; printed as one JSON line by ``python -m functions collect``."""

    pulled: int = 0
    events: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    series: int = 0
    requests: int = 0
    points: int = 0
    acked: int = 0
    not_acked: int = 0
    expired: int = 0
    refused: int = 0
    write_errors: int = 0
    transient_failure: bool = False
    heartbeat: bool = False
    """The run completed (its pulls ended normally) and sent its heartbeat (best effort)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PulledMessage:
    """A pulled message this run is responsible for, and what has been decided about it."""

    ack_id: str
    message_id: str
    data: bytes
    attributes: dict[str, str]
    key: MessageKey | None = None
    event_count: int = 0
    outcome: MessageOutcome | None = None
    dead_letter: list[tuple[str, str]] = field(default_factory=list)  # (kind, reason), first one leads
    fully_dead: bool = False  # nothing in it was usable
    acknowledge: bool = True  # False: hand it back for redelivery


def _span(ns: int) -> str:
    """``89700 s`` → ``24h55m``, ``270 s`` → ``4m30s``."""
    seconds = ns // NS
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{seconds}s" if seconds else "")
    return text or "0s"


def fold(
    messages: Sequence[PulledMessage],
    aggregator: WindowAggregator,
    ledger: Ledger,
    limits: AggregationLimits,
    summary: RunSummary,
) -> list[PulledMessage]:
    """Decode, dedupe and aggregate; returns the messages whose events are in the aggregates."""
    live: list[PulledMessage] = []
    seen: set[MessageKey] = set()
    for message in messages:
        try:
            decoded = decode_message(message.data, message.attributes)
        except InvalidMessage as err:
            message.dead_letter.append((err.kind, err.reason))
            message.fully_dead = True
            continue
        key = message.key = (decoded.producer, decoded.batch)
        message.event_count = len(decoded.events)
        if key in seen or ledger.is_completed(key):
            summary.duplicates += message.event_count
            continue
        seen.add(key)
        outcome = message.outcome = aggregator.add_message(decoded.events, ledger.written_for(key))
        summary.events += message.event_count
        summary.refused += outcome.refused
        summary.expired += outcome.expired + outcome.future
        if outcome.expired:
            message.dead_letter.append(
                (
                    "expired",
                    f"{outcome.expired} events in windows ending more than {_span(limits.max_past_ns)} before the "
                    "collector's clock (Cloud Monitoring refuses points older than 25 h)",
                )
            )
        if outcome.future:
            message.dead_letter.append(
                (
                    "future",
                    f"{outcome.future} events in windows ending more than {_span(limits.max_future_ns)} after the "
                    "collector's clock (Cloud Monitoring refuses points more than 5 minutes ahead; clock skew?)",
                )
            )
        live.append(message)
    return live


def own_counts(summary: RunSummary, dead_events: int) -> list[tuple[str, int]]:
    """The run's ``collector_events`` by outcome (zero counts left out)."""
    processed = summary.events - summary.expired - summary.refused
    counts = (
        ("processed", processed),
        ("duplicate", summary.duplicates),
        ("expired", summary.expired),
        ("refused", summary.refused),
        ("dead_lettered", dead_events),
    )
    return [(outcome, amount) for outcome, amount in counts if amount]


def settle(
    live: Sequence[PulledMessage],
    keys: Sequence[ContributionKey],
    written: Collection[int],
    permanent: Mapping[int, str],
    ledger: Ledger,
    summary: RunSummary,
) -> None:
    """Decide each live message's fate from the fate of the points it contributed to.

    ``written``: contribution ids whose points landed; ``permanent``: those refused for good, with
    Google's reason. Everything else failed transiently."""
    for message in live:
        assert message.outcome is not None  # fold() set it, and the key
        assert message.key is not None
        mine = message.outcome.contributions
        landed = [keys[c] for c in mine if c in written]
        refused = [permanent[c] for c in mine if c in permanent]
        if refused:
            message.dead_letter.append(("write_rejected", refused[0]))
        if all(c in written or c in permanent for c in mine):
            if message.dead_letter:
                ledger.note_written(message.key, landed)  # complete once its dead letter went out
            else:
                ledger.complete(message.key)
            continue
        summary.transient_failure = True
        ledger.note_written(message.key, landed)
        message.acknowledge = False  # it comes back, and only what is missing gets written


def dead_letter_attributes(message: PulledMessage, subscription_path: str) -> dict[str, str]:
    """The original attributes plus why it was dead-lettered (Pub/Sub values are at most 1,024 bytes)."""
    kind, reason = message.dead_letter[0]
    return {
        **message.attributes,
        "dead_letter_reason": kind,
        "dead_letter_detail": reason.encode()[:1000].decode(errors="ignore"),
        "dead_letter_all_reasons": ",".join(k for k, _ in message.dead_letter)[:1000],
        "original_message_id": message.message_id,
        "original_subscription": subscription_path,
        "partially_written": "false" if message.fully_dead else "true",
    }


def dead_lettered(message: PulledMessage, ledger: Ledger, summary: RunSummary) -> int:
    """Its dead letter went out: it is done. Returns how many events it held."""
    if message.key is not None:
        ledger.complete(message.key)
    summary.dead_lettered += 1
    declared = message.attributes.get("events", "")
    return int(declared) if declared.isdigit() else max(message.event_count, 1)


def dead_letter_failed(message: PulledMessage, summary: RunSummary) -> None:
    """Its dead letter could not be published: hand it back, so it is not lost."""
    summary.transient_failure = True
    message.acknowledge = False
