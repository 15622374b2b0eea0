"""The run's decisions as values: what is acknowledged, handed back, dead-lettered and recorded,
checked on what the pure functions return — no source, no writer, no clock."""

from __future__ import annotations

import itertools

from helios_metrics.contract.wire import encode_message
from helios_metrics.functions.aggregate import AggregationLimits, WindowAggregator
from helios_metrics.functions.contribution import Contribution
from helios_metrics.functions.decisions import Decision, WriteResult, admit, carry, event_outcomes, letters_sent, settle
from helios_metrics.functions.journal import IntendedPoint, Intent
from helios_metrics.functions.ledger import Ledger
from helios_metrics.functions.messages import Carried, PulledMessage
from helios_metrics.functions.recovery import doubts_of, intent_for, resolved_doubts, resolved_intent
from helios_metrics.functions.timeseries import LaneBook, ResourceIdentity, to_series_points

S = 1_000_000_000
NOW = 1_764_000_000 * S - (1_764_000_000 * S) % (60 * S) + 30 * S  # mid-window
LIMITS = AggregationLimits()
_serial = itertools.count()


def pulled(producer: str, batch: int, events: list[tuple]) -> PulledMessage:
    """One delivery of a message (each call: a new ack id, as a redelivery has)."""
    n = next(_serial)
    encoded = encode_message(producer, batch, events)
    return PulledMessage(f"ack-{n}", f"m-{producer}-{batch}", encoded.data, encoded.attributes)


def stage(name: str, seconds_ago: float = 10, success: bool = True) -> tuple:
    return ("s", int(NOW - seconds_ago * S), name, 1.0, success, 0, None)


def run_up_to_the_write(messages: list[PulledMessage], ledger: Ledger | None = None) -> tuple:
    """What a run decides before writing: the admission, the carried messages, the points."""
    admission = admit(messages, ledger or Ledger())
    aggregator = WindowAggregator(LIMITS, NOW)
    outcomes = [aggregator.add_message(m.events, m.written_before) for m in admission.admitted]
    carried, counted = carry(admission.admitted, outcomes, LIMITS)
    return admission, carried, counted, aggregator.points()


def written(*carried: Carried, but: frozenset[Contribution] = frozenset()) -> WriteResult:
    """A write where every contribution of ``carried`` landed, except ``but`` (failed transiently)."""
    return WriteResult(frozenset().union(*(c.contributions for c in carried)) - but, {})


# --- ack only after the write --------------------------------------------------------------------
def test_a_counted_message_is_acknowledged_only_by_the_write_that_settles_it():
    message = pulled("p1", 0, [stage("a"), stage("b")])
    admission, (carried,), _, _ = run_up_to_the_write([message])
    assert admission.decision.ack == admission.decision.hand_back == ()  # nothing before the write
    assert settle([carried], written(carried)).ack == (message.ack_id,)
    nothing = settle([carried], WriteResult(frozenset(), {}))
    assert (nothing.ack, nothing.hand_back) == ((), (message.ack_id,))


def test_nothing_a_failed_write_carries_is_acknowledged_and_what_landed_is_noted():
    a, b = pulled("p1", 0, [stage("a")]), pulled("p2", 0, [stage("a"), stage("b")])  # share stage a's points
    _, carried, _, _ = run_up_to_the_write([a, b])
    every = frozenset().union(*(c.contributions for c in carried))
    for size in range(len(every) + 1):
        for failed in map(frozenset, itertools.combinations(sorted(every), size)):
            decision = settle(carried, written(*carried, but=failed))
            for message in carried:
                carries_a_failure = bool(message.contributions & failed)
                assert (message.message.ack_id in decision.ack) is not carries_a_failure
                assert (message.message.ack_id in decision.hand_back) is carries_a_failure
                if carries_a_failure:
                    assert message.key not in decision.ledger.completed
                    assert decision.ledger.written.get(message.key, frozenset()) == message.contributions - failed
            assert decision.adds.transient_failure is bool(failed)


def test_a_message_is_done_in_the_ledger_when_acknowledged_and_not_before():
    message = pulled("p1", 0, [stage("a")])
    _, (carried,), _, _ = run_up_to_the_write([message])
    done = settle([carried], written(carried))
    assert done.ledger.completed == (carried.key,)
    assert done.ledger.written == {}
    assert settle([carried], WriteResult(frozenset(), {})).ledger.completed == ()


# --- a dead letter only after its letter is published ---------------------------------------------
def test_an_unusable_message_is_acknowledged_only_once_its_letter_went_out():
    bad = PulledMessage("ack-bad", "m-bad", b"not a message", {"schema": "helios.metrics.v1"})
    admission, carried, _, _ = run_up_to_the_write([bad])
    assert carried == ()
    [letter] = admission.decision.letters
    assert (letter.key, letter.reasons[0].kind, letter.ack_ids) == (None, "not_decodable", ("ack-bad",))
    assert bad.ack_id not in admission.decision.ack + admission.decision.hand_back
    failed = letters_sent([letter], [False])
    assert (failed.ack, failed.hand_back, failed.adds.transient_failure) == ((), ("ack-bad",), True)
    went = letters_sent([letter], [True])
    assert (went.ack, went.hand_back, went.adds.dead_lettered) == (("ack-bad",), (), 1)
    assert letter.attributes("projects/p/subscriptions/s")["partially_written"] == "false"


def test_a_message_with_a_point_refused_for_good_is_owed_a_letter_and_done_only_when_it_went():
    message = pulled("p1", 0, [stage("a"), stage("b")])
    _, (carried,), _, _ = run_up_to_the_write([message])
    refused = next(c for c in carried.contributions if c.labels[0] == "b")
    result = WriteResult(carried.contributions - {refused}, {refused: "Value type must be DOUBLE."})
    settled = settle([carried], result)
    [letter] = settled.letters
    assert (settled.ack, settled.hand_back) == ((), ())  # neither until the letter's fate is known
    assert (letter.reasons[0].kind, letter.reasons[0].detail) == ("write_rejected", "Value type must be DOUBLE.")
    assert settled.ledger.completed == ()
    assert settled.ledger.written == {carried.key: carried.contributions - {refused}}  # not written again
    assert letters_sent([letter], [True]).ledger.completed == (carried.key,)
    assert letters_sent([letter], [False]).ledger.completed == ()
    assert letter.attributes("projects/p/subscriptions/s")["partially_written"] == "true"


def test_events_too_old_make_a_letter_that_waits_for_the_rest_of_the_message_to_be_written():
    message = pulled("p1", 0, [stage("a"), stage("old", 25 * 3600)])
    _, (carried,), counted, _ = run_up_to_the_write([message])
    assert [r.kind for r in carried.reasons] == ["expired"]
    assert (counted.events, counted.expired) == (2, 1)
    assert settle([carried], WriteResult(frozenset(), {})).letters == ()  # handed back: no letter yet
    assert [letter.reasons[0].kind for letter in settle([carried], written(carried)).letters] == ["expired"]


# --- counted once ------------------------------------------------------------------------------
def test_copies_in_one_run_are_counted_once_and_share_the_fate_of_the_first():
    first, copy = pulled("p1", 7, [stage("a")] * 3), pulled("p1", 7, [stage("a")] * 3)
    admission, (carried,), counted, _ = run_up_to_the_write([first, copy])
    assert (counted.events, admission.decision.adds.duplicates) == (3, 3)
    assert carried.ack_ids == (first.ack_id, copy.ack_id)
    assert settle([carried], written(carried)).ack == (first.ack_id, copy.ack_id)
    assert settle([carried], WriteResult(frozenset(), {})).hand_back == (first.ack_id, copy.ack_id)


def test_a_copy_of_a_message_done_before_is_acknowledged_at_once_and_counts_nothing():
    ledger = Ledger()
    ledger.complete(("p1", 7))
    copy = pulled("p1", 7, [stage("a")] * 2)
    admission, carried, counted, points = run_up_to_the_write([copy], ledger)
    assert (carried, points, counted.events) == ((), [], 0)
    assert (admission.decision.ack, admission.decision.adds.duplicates) == ((copy.ack_id,), 2)


def test_a_redelivery_after_a_partial_write_adds_only_what_is_missing():
    message = pulled("p1", 0, [stage("a"), stage("b")])
    _, (carried,), _, _ = run_up_to_the_write([message])
    landed = frozenset(c for c in carried.contributions if c.labels[0] == "a")
    ledger = Ledger()
    ledger.apply(settle([carried], written(carried, but=carried.contributions - landed)).ledger)
    again = pulled("p1", 0, [stage("a"), stage("b")])
    admission, (redelivered,), _, points = run_up_to_the_write([again], ledger)
    assert admission.admitted[0].written_before == landed
    assert redelivered.contributions == carried.contributions - landed
    assert {p.labels["stage"] for p in points if p.contribution is not None} == {"b"}


# --- the whole run ------------------------------------------------------------------------------
def test_every_pulled_delivery_is_acknowledged_or_handed_back_exactly_once():
    bad = PulledMessage("ack-bad", "m-bad", b"{}", {"schema": "helios.metrics.v1"})
    ledger = Ledger()
    ledger.complete(("done", 0))
    messages = [
        pulled("p1", 0, [stage("a")]),
        pulled("p1", 0, [stage("a")]),  # a copy
        pulled("done", 0, [stage("a")]),  # done before
        pulled("p2", 0, [stage("b"), stage("old", 25 * 3600)]),  # owed a letter
        pulled("p3", 0, [stage("c")]),  # its write fails
        bad,
    ]
    admission, carried, _, _ = run_up_to_the_write(messages, ledger)
    unusable = letters_sent(admission.decision.letters, [True])
    failing = frozenset(c for m in carried for c in m.contributions if c.labels[0] == "c")
    settled = settle(carried, written(*carried, but=failing))
    decided: Decision = admission.decision + unusable + settled + letters_sent(settled.letters, [False])
    assert sorted(decided.ack + decided.hand_back) == sorted(m.ack_id for m in messages)
    assert not set(decided.ack) & set(decided.hand_back)
    handed_back = {m.message_id for m in messages if m.ack_id in decided.hand_back}
    assert handed_back == {"m-p2-0", "m-p3-0"}  # its letter did not go; its write failed


def test_the_run_counts_its_events_by_outcome():
    admission, _, counted, _ = run_up_to_the_write(
        [pulled("p1", 0, [stage("a"), stage("old", 25 * 3600)]), pulled("p1", 0, [stage("a"), stage("b")])]
    )
    summary = counted + admission.decision.adds
    assert event_outcomes(summary, lettered_events=3) == [
        ("processed", 1),
        ("duplicate", 2),
        ("expired", 1),
        ("dead_lettered", 3),
    ]


# --- writes of unknown fate ----------------------------------------------------------------------
def test_the_intent_lists_the_points_carrying_events_and_which_message_each_carries():
    a, b = pulled("p1", 0, [stage("a")]), pulled("p2", 0, [stage("a"), stage("old", 25 * 3600)])
    _, carried, _, points = run_up_to_the_write([a, b])
    mapped = to_series_points(points, LaneBook(), ResourceIdentity("c-test"))
    intent = intent_for("c-test/1", carried, mapped)
    assert len(intent.points) == len([p for p in mapped if p.contribution is not None]) < len(mapped)  # no zeros
    assert intent.messages[("p1", 0)] == intent.messages[("p2", 0)]  # the same points
    assert intent.awaiting_letter == {("p2", 0)}
    assert not intent.question


def test_a_journaled_intent_completes_only_messages_whose_points_all_landed_and_owe_no_letter():
    c1, c2 = Contribution("stage_runs", ("a", "success"), 60 * S), Contribution("stage_errors", ("a",), 60 * S)
    points = [IntendedPoint("t", {}, "c-1", 60 * S, c1), IntendedPoint("t", {}, "c-1", 60 * S, c2)]
    messages = {("whole", 0): [0, 1], ("half", 0): [0, 1], ("lettered", 0): [0, 1]}
    intent = Intent("c-1/1", points, messages, {("lettered", 0)})
    update = resolved_intent(intent, present={0, 1}, ledger=Ledger())
    assert update.completed == (("whole", 0), ("half", 0))
    assert update.written == {("lettered", 0): frozenset({c1, c2})}
    half = resolved_intent(intent, present={0}, ledger=Ledger())
    assert (half.completed, half.written[("whole", 0)]) == ((), frozenset({c1}))
    question = Intent("c-1/1/read-back", points, messages, set(), question=True)
    assert resolved_intent(question, present={0, 1}, ledger=Ledger()).completed == ()


def test_a_doubtful_point_read_back_present_counts_as_written_for_each_message_in_it():
    a, b = pulled("p1", 0, [stage("a")]), pulled("p2", 0, [stage("a")])
    _, carried, _, points = run_up_to_the_write([a, b])
    mapped = to_series_points(points, LaneBook(), ResourceIdentity("c-test"))
    doubts = doubts_of(mapped, carried)
    assert len(doubts) == len([p for p in mapped if p.contribution is not None])  # zeros are nobody's doubt
    assert all(set(d.messages) == {("p1", 0), ("p2", 0)} for d in doubts)
    ledger = Ledger()
    ledger.complete(("p2", 0))
    update = resolved_doubts(doubts, present={0}, ledger=ledger)
    assert update.written == {("p1", 0): frozenset({doubts[0].contribution})}
    assert resolved_doubts(doubts, present=set(), ledger=Ledger()).written == {}
