"""The journal replays to the ledger it recorded, keeps open the intents that never finished,
survives a torn last line and compaction, and admits one collector at a time."""

from __future__ import annotations

import pytest

from helios_metrics.functions.contribution import Contribution
from helios_metrics.functions.journal import IntendedPoint, Intent, Journal, JournalBusy
from helios_metrics.functions.ledger import Ledger

A, B, C = ("p1", 1), ("p1", 2), ("p2", 7)
CONTRIBUTION = Contribution("stage_runs", ("trend_discovery", "success"), 120_000_000_000)
POINT = IntendedPoint("custom.googleapis.com/helios/stage_runs", {"stage": "trend_discovery"}, "c-1", 120, CONTRIBUTION)


def test_a_ledger_tracks_only_what_changed_since_the_last_take():
    ledger = Ledger(track_changes=True)
    ledger.note_written(A, [CONTRIBUTION])
    ledger.complete(B)
    assert ledger.take_changes() == ([B], {A: {CONTRIBUTION}})
    ledger.complete(A)
    assert ledger.take_changes() == ([A], {})
    assert ledger.take_changes() == ([], {})
    assert Ledger().take_changes() == ([], {})  # untracked: nothing accumulates


def test_replay_gives_the_final_ledger_and_the_open_intents(tmp_path):
    journal = Journal(tmp_path / "j.journal")
    journal.intend(Intent("c-1/1", [POINT], {A: [0], B: [0]}))
    journal.record("c-1/1", ([B], {A: {CONTRIBUTION}}))
    journal.intend(Intent("c-1/2", [POINT], {A: [0], C: [0]}))
    journal.record("c-1/3", ([C], {}))  # a later run's record does not close run 2's intent
    state = journal.load()
    assert state.completed == [B, C]
    assert state.partial == {A: {CONTRIBUTION}}
    assert [(i.run, i.points, i.messages) for i in state.open_intents] == [("c-1/2", [POINT], {A: [0], C: [0]})]
    journal.record("c-1/2", ([A], {}))
    state = journal.load()
    assert (state.completed, state.partial, state.open_intents) == ([B, C, A], {}, [])
    journal.close()


def test_a_torn_last_line_is_ignored_and_compaction_keeps_the_ledger(tmp_path):
    path = tmp_path / "j.journal"
    journal = Journal(path)
    journal.record("r/1", ([A, B], {C: {CONTRIBUTION}}))
    with open(path, "a") as handle:
        handle.write('{"done": "r/2", "completed": [["p9"')  # the crash came mid-append
    assert journal.load().completed == [A, B]
    journal.compact_if_large(lambda: ([A, B], {C: {CONTRIBUTION}}), force=True)
    assert path.read_text().count("\n") == 1
    journal.record("r/3", ([C], {}))
    state = journal.load()
    assert (state.completed, state.partial) == ([A, B, C], {})
    journal.close()


def test_one_collector_at_a_time(tmp_path):
    first = Journal(tmp_path / "j.journal")
    with pytest.raises(JournalBusy, match="held by another collector"):
        Journal(tmp_path / "j.journal")
    first.close()
    Journal(tmp_path / "j.journal").close()  # free again once the holder closed it


def test_compaction_waits_for_4_mb_and_twice_the_last_compacted_size(tmp_path, monkeypatch):
    monkeypatch.setattr("helios_metrics.functions.journal._COMPACT_AT_BYTES", 1000)
    journal = Journal(tmp_path / "j.journal")
    big = ([("p", i) for i in range(200)], {})  # ~2,300 bytes
    calls = []

    def snapshot():
        calls.append(1)
        return big

    journal.record("r/1", big)
    journal.compact_if_large(snapshot)  # past 1,000 bytes: compacted
    size = journal.path.stat().st_size
    journal.record("r/2", ([("p", 1)], {}))
    journal.compact_if_large(snapshot)  # below twice the compacted size: left alone
    assert (len(calls), journal.path.stat().st_size > size) == (1, True)
    assert journal.load().completed[-1] == ("p", 1)
    journal.close()


def test_a_journal_in_the_format_of_earlier_collectors_loads_as_written(tmp_path):
    """The on-disk format is the one earlier collectors wrote: a collector upgraded while its
    predecessor's run was open still recovers it."""
    path = tmp_path / "j.journal"
    path.write_text(
        '{"intent":"c-old/1","points":[["custom.googleapis.com/helios/stage_runs",{"stage":"a","status":"success"},'
        '"c-old",120000000000,["stage_runs",["a","success"],120000000000]]],"messages":[[["p1",1],[0]],[["p1",2],[0]]],'
        '"lettered":[["p1",2]]}\n'
        '{"done":"c-old/0","completed":[["p2",7]],"partial":[[["p1",1],[["stage_runs",["a","success"],120000000000]]]]}\n'
        '{"intent":"c-old/0/read-back","points":[],"messages":[],"lettered":[],"question":true}\n'
    )
    journal = Journal(path)
    state = journal.load()
    journal.close()
    contribution = Contribution("stage_runs", ("a", "success"), 120 * 10**9)
    assert state.completed == [C]
    assert state.partial == {A: {contribution}}
    [intent, question] = state.open_intents
    assert intent.points == [
        IntendedPoint(
            "custom.googleapis.com/helios/stage_runs",
            {"stage": "a", "status": "success"},
            "c-old",
            120 * 10**9,
            contribution,
        )
    ]
    assert (intent.messages, intent.awaiting_letter, intent.question) == ({A: [0], B: [0]}, {B}, False)
    assert (question.run, question.question) == ("c-old/0/read-back", True)
