"""Writes whose fate a run did not learn, settled before the next pull: the journal's record of
each run (when there is a journal) and the read-back of points left in doubt.

A point whose write may or may not have landed when the run ended (an ambiguous failure that no
retry settled) is read back at the start of the next run, before anything is pulled: present, its
messages' contribution counts as written (their redelivery does not write it again) and its
CUMULATIVE lane's total includes it; absent, neither. With the journal the question is durable,
so a successor answers it the same way, as it answers for a run that died mid-write. The
decisions are in :mod:`helios_metrics.functions.recovery`; this is the I/O around them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from google.api_core import exceptions

from .journal import Journal
from .ledger import Ledger
from .messages import Carried
from .recovery import Doubt, doubts_of, intent_for, resolved_doubts, resolved_intent
from .timeseries import SeriesPoint
from .writer import MonitoringWriter

__all__ = ["UnsettledWrites"]

_log = logging.getLogger("functions.collector")


class UnsettledWrites:
    """The instance's open questions about its writes, and the journal that makes them durable.
    ``ledger`` is the instance's, shared with the collector."""

    def __init__(self, writer: MonitoringWriter, ledger: Ledger, journal: Journal | None) -> None:
        self._writer, self._ledger, self._journal = writer, ledger, journal
        self._recovered = journal is None
        self._doubts: tuple[Doubt, ...] = ()
        self._doubts_run = ""

    def settle(self) -> bool:
        """Before a run pulls: settle the runs the journal shows died mid-write (once per
        instance), then the points the previous run left in doubt. False while Monitoring cannot
        answer: pulling now could count a dead run's messages again, or write a landed point twice."""
        if not self._recovered and not self._recover():
            return False
        return not self._doubts or self._read_back()

    def intend(self, run: str, carried: Sequence[Carried], points: Sequence[SeriesPoint]) -> None:
        """Before the write: journal which points carry which messages' events."""
        if self._journal is not None:
            self._journal.intend(intent_for(run, carried, points))

    def record(self, run: str, carried: Sequence[Carried], doubtful: Sequence[SeriesPoint]) -> None:
        """After the write and the ledger's updates, before any acknowledgement: keep the points
        left in doubt for the next run's read-back (journaled as a question, so a successor asks
        it too) and make the run's ledger changes durable."""
        self._doubts = doubts_of(doubtful, carried)
        self._doubts_run = f"{run}/read-back"
        if self._journal is None:
            return
        if self._doubts:  # the question outlives this run
            points = [d.point for d in self._doubts]
            self._journal.intend(intent_for(self._doubts_run, carried, points, question=True))
        self._journal.record(run, self._ledger.take_changes())
        if not self._doubts:  # a compacted journal keeps no open question
            self._journal.compact_if_large(self._ledger.snapshot)

    def _recover(self) -> bool:
        """Load the journal; settle the runs that died mid-write by asking Monitoring which of
        their points exist."""
        assert self._journal is not None
        state = self._journal.load()
        self._ledger.restore(state.completed, state.partial)
        for intent in state.open_intents:
            try:
                present = self._writer.present(
                    [(p.metric_type, p.metric_labels, p.task_id, p.end_ns) for p in intent.points]
                )
            except exceptions.GoogleAPIError as err:
                _log.error("cannot read back the points of interrupted run %s (%s); not pulling", intent.run, err)
                return False
            self._ledger.apply(resolved_intent(intent, present, self._ledger))
            self._journal.record(intent.run, self._ledger.take_changes())
            what = "points of uncertain fate of" if intent.question else "points of interrupted run"
            _log.warning("%s %s: %d of %d had been written", what, intent.run, len(present), len(intent.points))
        self._journal.compact_if_large(self._ledger.snapshot, force=bool(state.open_intents))
        self._recovered = True
        return True

    def _read_back(self) -> bool:
        """Settle the points whose write may have landed in the previous run by asking Monitoring
        which exist; their CUMULATIVE lanes learn whether their totals include them."""
        doubts = self._doubts
        try:
            present = self._writer.present(
                [
                    (d.point.metric_type, d.point.metric_labels, d.point.resource_labels["task_id"], d.point.end_ns)
                    for d in doubts
                ]
            )
        except exceptions.GoogleAPIError as err:
            _log.error("cannot read back %d points of uncertain fate (%s); not pulling", len(doubts), err)
            return False
        for index, doubt in enumerate(doubts):
            if doubt.point.counter is not None:
                doubt.point.counter.resolve(index in present)
        self._ledger.apply(resolved_doubts(doubts, present, self._ledger))
        if self._journal is not None:
            self._journal.record(self._doubts_run, self._ledger.take_changes())
        _log.warning("read back %d points of uncertain fate: %d had been written", len(doubts), len(present))
        self._doubts = ()
        return True
