"""A pulled message and what a run makes of it, as immutable values the decisions pass along.

A message goes one of three ways: *admitted* (decoded, its events counted in this run, once
however many copies were pulled), a copy of one counted before, or *unusable* (a dead letter at
once). An admitted message is *carried* by the points its events went into; once their write is
settled it is done, handed back, or owed a dead letter (some of its events could not be written).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from helios_metrics.contract.wire import Event

from .contribution import Contribution
from .ledger import MessageKey

__all__ = ["Admitted", "Carried", "DeadLetter", "PulledMessage", "Reason", "declared_events"]


@dataclass(frozen=True)
class PulledMessage:
    """One delivery of a Pub/Sub message (a redelivered message comes with a new ``ack_id``)."""

    ack_id: str
    message_id: str
    data: bytes
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class Reason:
    """Why (some of) a message goes to the dead-letter topic: a kind (``not_decodable``,
    ``expired``, ``write_rejected``…) and the detail an operator reads."""

    kind: str
    detail: str


@dataclass(frozen=True)
class Admitted:
    """A decoded message this run counts, with every delivery of it this run pulled."""

    message: PulledMessage
    key: MessageKey
    events: Sequence[Event]
    written_before: frozenset[Contribution]
    """Contributions an earlier run wrote for it (a redelivery after a partial failure)."""
    ack_ids: tuple[str, ...]


@dataclass(frozen=True)
class Carried:
    """An admitted message and the contributions its events went into this run."""

    message: PulledMessage
    key: MessageKey
    contributions: frozenset[Contribution]
    reasons: tuple[Reason, ...]
    """Events that could not go into any point (too old, too far ahead): owed a dead letter."""
    events: int
    ack_ids: tuple[str, ...]


@dataclass(frozen=True)
class DeadLetter:
    """A message to publish to the dead-letter topic, with its reasons (the first leads)."""

    message: PulledMessage
    reasons: tuple[Reason, ...]
    key: MessageKey | None
    """None for a message that could not be decoded: nothing of it was written."""
    events: int
    """The events it held (as declared, or as decoded; at least 1), for ``collector_events``."""
    ack_ids: tuple[str, ...]

    def attributes(self, subscription_path: str) -> dict[str, str]:
        """The original attributes plus why (Pub/Sub values are at most 1,024 bytes)."""
        return {
            **self.message.attributes,
            "dead_letter_reason": self.reasons[0].kind,
            "dead_letter_detail": self.reasons[0].detail.encode()[:1000].decode(errors="ignore"),
            "dead_letter_all_reasons": ",".join(r.kind for r in self.reasons)[:1000],
            "original_message_id": self.message.message_id,
            "original_subscription": subscription_path,
            "partially_written": "false" if self.key is None else "true",
        }


def declared_events(message: PulledMessage, decoded: int) -> int:
    """How many events a message held: its ``events`` attribute, else as decoded, at least 1."""
    declared = message.attributes.get("events", "")
    return int(declared) if declared.isdigit() else max(decoded, 1)
