"""The collection run's decisions, pure: values in, values out.

From what was pulled, what the ledger holds and what the write did, they return what to
acknowledge, what to hand back for redelivery, what to publish to the dead-letter topic, what the
ledger records and what the run's summary adds (a :class:`Decision`). No I/O, no clock, nothing
mutated: :class:`~helios_metrics.functions.collector.Collector` applies them in order.

The rules, each checkable on the values returned (``tests/unit/functions/test_decisions.py``):

- a message is counted once, however many copies arrive, in one run or across runs; a copy is
  acknowledged with the message it copies, or at once when that message was done before;
- a counted message is acknowledged only by :func:`settle`, from the write's result, once every
  point its events went into was written — nothing a failed write carries is acknowledged: it is
  handed back, and its redelivery writes only what is missing;
- a message that cannot be used (undecodable, wrong schema or types, out of range, oversized,
  unknown metric, refused by Monitoring for good, or with events Monitoring would refuse by age) is
  owed a dead letter, and is acknowledged only by :func:`letters_sent` once its letter went out;
  a letter that could not go hands the message back, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from helios_metrics.contract.units import NS
from helios_metrics.contract.wire import DecodedMessage, InvalidMessage, decode_message

from .aggregate import AggregationLimits, MessageOutcome
from .contribution import Contribution
from .ledger import LedgerUpdate, LedgerView, MessageKey
from .messages import Admitted, Carried, DeadLetter, PulledMessage, Reason, declared_events
from .summary import RunSummary
from .timeseries import SeriesPoint

__all__ = [
    "Admission",
    "Decision",
    "WriteResult",
    "admit",
    "carry",
    "event_outcomes",
    "letters_sent",
    "settle",
]


@dataclass(frozen=True)
class Decision:
    """What to do about some of the run's messages; ``a + b`` is both."""

    ack: tuple[str, ...] = ()
    """Ack ids to acknowledge when the run ends."""
    hand_back: tuple[str, ...] = ()
    """Ack ids to hand back for redelivery now."""
    letters: tuple[DeadLetter, ...] = ()
    """Messages to publish to the dead-letter topic (neither acknowledged nor handed back yet)."""
    ledger: LedgerUpdate = field(default_factory=LedgerUpdate)
    adds: RunSummary = field(default_factory=RunSummary)

    def __add__(self, other: Decision) -> Decision:
        return Decision(
            self.ack + other.ack,
            self.hand_back + other.hand_back,
            self.letters + other.letters,
            self.ledger + other.ledger,
            self.adds + other.adds,
        )


@dataclass(frozen=True)
class Admission:
    """The messages this run counts, and what is decided at once about the rest (copies of
    messages done before are acknowledged; unusable ones are owed a dead letter)."""

    admitted: tuple[Admitted, ...]
    decision: Decision


@dataclass(frozen=True)
class WriteResult:
    """What the write did to the messages' contributions: written, or refused for good (with
    Google's reason). Any other contribution failed transiently."""

    written: frozenset[Contribution]
    refused: Mapping[Contribution, str]

    @classmethod
    def of(cls, written: Iterable[SeriesPoint], refused: Iterable[tuple[SeriesPoint, str]]) -> WriteResult:
        """From the writer's points (those carrying no contribution do not matter here)."""
        return cls(
            frozenset(p.contribution for p in written if p.contribution is not None),
            {p.contribution: reason for p, reason in refused if p.contribution is not None},
        )


def admit(pulled: Sequence[PulledMessage], ledger: LedgerView) -> Admission:
    """Decode and dedupe by ``(producer, batch)``: the first copy of a message not done before is
    admitted (with the contributions an earlier run wrote for it); the other copies go with it."""
    first: dict[MessageKey, tuple[PulledMessage, DecodedMessage]] = {}
    deliveries: dict[MessageKey, list[str]] = {}
    letters: list[DeadLetter] = []
    ack: list[str] = []
    duplicates = 0
    for message in pulled:
        try:
            decoded = decode_message(message.data, message.attributes)
        except InvalidMessage as err:
            reason = Reason(err.kind, err.reason)
            letters.append(DeadLetter(message, (reason,), None, declared_events(message, 0), (message.ack_id,)))
            continue
        key = (decoded.producer, decoded.batch)
        if key in first:
            duplicates += len(decoded.events)
            deliveries[key].append(message.ack_id)  # acknowledged or handed back with the first
        elif ledger.is_completed(key):
            duplicates += len(decoded.events)
            ack.append(message.ack_id)
        else:
            first[key] = (message, decoded)
            deliveries[key] = [message.ack_id]
    admitted = tuple(
        Admitted(message, key, decoded.events, ledger.written_for(key), tuple(deliveries[key]))
        for key, (message, decoded) in first.items()
    )
    return Admission(admitted, Decision(ack=tuple(ack), letters=tuple(letters), adds=RunSummary(duplicates=duplicates)))


def carry(
    admitted: Sequence[Admitted], outcomes: Sequence[MessageOutcome], limits: AggregationLimits
) -> tuple[tuple[Carried, ...], RunSummary]:
    """Each admitted message with what aggregating it gave (``outcomes``, in the same order):
    the contributions it waits on, and the reasons it is owed a dead letter for events no point
    could take. Also what the summary adds."""
    carried = []
    for item, outcome in zip(admitted, outcomes, strict=True):
        reasons = []
        if outcome.expired:
            reasons.append(
                Reason(
                    "expired",
                    f"{outcome.expired} events in windows ending more than {_span(limits.max_past_ns)} before the "
                    "collector's clock (Cloud Monitoring refuses points older than 25 h)",
                )
            )
        if outcome.future:
            reasons.append(
                Reason(
                    "future",
                    f"{outcome.future} events in windows ending more than {_span(limits.max_future_ns)} after the "
                    "collector's clock (Cloud Monitoring refuses points more than 5 minutes ahead; clock skew?)",
                )
            )
        events = len(item.events)
        carried.append(Carried(item.message, item.key, outcome.contributions, tuple(reasons), events, item.ack_ids))
    adds = RunSummary(
        events=sum(len(m.events) for m in admitted),
        refused=sum(o.refused for o in outcomes),
        expired=sum(o.expired + o.future for o in outcomes),
    )
    return tuple(carried), adds


def settle(carried: Sequence[Carried], result: WriteResult) -> Decision:
    """Each carried message's fate from the fate of its contributions: all written — done and
    acknowledged; all written or refused for good, or with events no point took — owed a dead
    letter (done once it went out); any failed transiently — handed back, the written ones noted
    so that its redelivery skips them."""
    ack: list[str] = []
    hand_back: list[str] = []
    letters: list[DeadLetter] = []
    completed: list[MessageKey] = []
    written: dict[MessageKey, frozenset[Contribution]] = {}
    for item in carried:
        unwritten = item.contributions - result.written
        if len(unwritten) < len(item.contributions):
            written[item.key] = item.contributions - unwritten
        refused = [c for c in unwritten if c in result.refused]
        if len(refused) < len(unwritten):
            hand_back.extend(item.ack_ids)  # it comes back, and only what is missing gets written
            continue
        rejected = (Reason("write_rejected", result.refused[min(refused)]),) if refused else ()
        reasons = item.reasons + rejected
        if reasons:
            events = declared_events(item.message, item.events)
            letters.append(DeadLetter(item.message, reasons, item.key, events, item.ack_ids))
        else:
            completed.append(item.key)
            written.pop(item.key, None)
            ack.extend(item.ack_ids)
    return Decision(
        tuple(ack),
        tuple(hand_back),
        tuple(letters),
        LedgerUpdate(tuple(completed), written),
        RunSummary(transient_failure=bool(hand_back)),
    )


def letters_sent(letters: Sequence[DeadLetter], sent: Sequence[bool]) -> Decision:
    """After publishing ``letters`` (``sent``: which went out): a letter that went out makes its
    message done and acknowledged; one that did not hands it back, so it is not lost."""
    ack: list[str] = []
    hand_back: list[str] = []
    completed: list[MessageKey] = []
    for letter, went in zip(letters, sent, strict=True):
        if went:
            ack.extend(letter.ack_ids)
            completed.extend([letter.key] if letter.key is not None else [])
        else:
            hand_back.extend(letter.ack_ids)
    adds = RunSummary(dead_lettered=sum(sent), transient_failure=not all(sent))
    return Decision(tuple(ack), tuple(hand_back), (), LedgerUpdate(tuple(completed)), adds)


def event_outcomes(summary: RunSummary, lettered_events: int) -> list[tuple[str, int]]:
    """The run's ``collector_events`` by outcome (zero counts left out); ``lettered_events``: the
    events of the unusable messages whose dead letter went out."""
    processed = summary.events - summary.expired - summary.refused
    counts = (
        ("processed", processed),
        ("duplicate", summary.duplicates),
        ("expired", summary.expired),
        ("refused", summary.refused),
        ("dead_lettered", lettered_events),
    )
    return [(outcome, amount) for outcome, amount in counts if amount]


def _span(ns: int) -> str:
    """``89700 s`` → ``24h55m``, ``270 s`` → ``4m30s``."""
    seconds = ns // NS
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{seconds}s" if seconds else "")
    return text or "0s"
