"""Decisions about writes whose fate a run did not learn, pure: what to journal before a write,
which points to read back, and what the ledger records once Monitoring said which exist.

Two cases, one answer. A run that died mid-write left its journaled *intent* without an outcome;
a run whose write stayed ambiguous at its deadline (an attempt timed out, no retry told) left
*doubts*. Either way the points are read back before anything is pulled: a series' end time is
written once, so a point's presence is proof that it landed. A present point counts as written
for the messages whose events are in it (their redelivery skips it); a message is done only when
all its points are present, it is owed no dead letter, and the question covered all its points.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .contribution import Contribution
from .journal import IntendedPoint, Intent
from .ledger import LedgerUpdate, LedgerView, MessageKey
from .messages import Carried
from .timeseries import SeriesPoint

__all__ = ["Doubt", "doubts_of", "intent_for", "resolved_doubts", "resolved_intent"]


@dataclass(frozen=True)
class Doubt:
    """A point that may or may not have landed, the contribution it carries and the messages whose
    events are in it."""

    point: SeriesPoint
    contribution: Contribution
    messages: tuple[MessageKey, ...]


def doubts_of(doubtful: Sequence[SeriesPoint], carried: Sequence[Carried]) -> tuple[Doubt, ...]:
    """The doubtful points worth reading back: those carrying some message's events."""
    return tuple(
        Doubt(point, point.contribution, tuple(m.key for m in carried if point.contribution in m.contributions))
        for point in doubtful
        if point.contribution is not None
    )


def intent_for(run: str, carried: Sequence[Carried], points: Sequence[SeriesPoint], question: bool = False) -> Intent:
    """What a run is about to write — the points carrying messages' events, not a pair's zero, a
    baseline nor its own counts — and which messages each carries. ``question``: only some of
    each message's points, to read back (it never completes a message)."""
    carrying = [(p, p.contribution) for p in points if p.contribution is not None]
    index_of = {contribution: i for i, (_, contribution) in enumerate(carrying)}
    intended = [
        IntendedPoint(p.metric_type, p.metric_labels, p.resource_labels["task_id"], p.end_ns, contribution)
        for p, contribution in carrying
    ]
    messages = {}
    for m in carried:
        indexes = sorted(i for i in map(index_of.get, m.contributions) if i is not None)
        if indexes or not question:
            messages[m.key] = indexes
    awaiting = {m.key for m in carried if m.reasons}  # its letter may not have gone out
    return Intent(run, intended, messages, awaiting, question)


def resolved_intent(intent: Intent, present: Collection[int], ledger: LedgerView) -> LedgerUpdate:
    """What the ledger records once Monitoring said which of an intent's points exist
    (``present``: their indexes)."""
    completed: list[MessageKey] = []
    written: dict[MessageKey, frozenset[Contribution]] = {}
    for key, indexes in intent.messages.items():
        landed = frozenset(intent.points[i].contribution for i in indexes if i in present)
        if len(landed) == len(indexes) and key not in intent.awaiting_letter and not intent.question:
            completed.append(key)
        elif landed and not ledger.is_completed(key):
            written[key] = landed
    return LedgerUpdate(tuple(completed), written)


def resolved_doubts(doubts: Sequence[Doubt], present: Collection[int], ledger: LedgerView) -> LedgerUpdate:
    """What the ledger records once Monitoring said which doubtful points exist (``present``:
    their indexes): a present point is written for each message whose events are in it."""
    written: dict[MessageKey, frozenset[Contribution]] = {}
    for index, doubt in enumerate(doubts):
        if index not in present:
            continue
        for key in doubt.messages:
            if not ledger.is_completed(key):
                written[key] = written.get(key, frozenset()) | {doubt.contribution}
    return LedgerUpdate(written=written)
