"""One collection run: pull until drained, decode, dedupe, aggregate, write, dead-letter, ack —
then, for a run whose pulls ended normally, a heartbeat (``collector_runs``): its absence is how
an operator learns that the collector stopped, which no other alert can tell from a quiet day.

A point whose write may or may not have landed when the run ended (an ambiguous failure that no
retry settled) is read back at the start of the next run, before anything is pulled: present, its
messages' contribution counts as written (their redelivery does not write it again) and its
CUMULATIVE lane's total includes it; absent, neither. With the journal the question is durable,
so a successor answers it the same way.

Orchestration only: the decisions are in ``decisions`` (pure), the Pub/Sub calls in
``subscription``, the Monitoring calls in ``writer``. Both clocks are injected, so a test can run
a collector at any instant.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from google.api_core import exceptions

from contract.catalog import MetricSpec, spec
from contract.settings import Settings
from contract.transient import is_transient
from contract.units import NS

from .aggregate import AggregationLimits, ContributionKey, WindowAggregator
from .decisions import (
    PulledMessage,
    RunSummary,
    dead_letter_attributes,
    dead_letter_failed,
    dead_lettered,
    fold,
    own_counts,
    settle,
)
from .journal import IntendedPoint, Intent, Journal, JournalBusy
from .ledger import Ledger, MessageKey
from .subscription import MessageSource, Subscription
from .timeseries import LaneBook, ResourceIdentity, SeriesPoint, heartbeat, to_series_points
from .writer import MonitoringWriter, WriteReport

if TYPE_CHECKING:
    from google.cloud.monitoring_v3 import MetricServiceClient
    from google.pubsub_v1 import PublisherClient, SubscriberClient

__all__ = ["Collector", "RunSummary"]

_log = logging.getLogger("functions.collector")
_HOLD_MARGIN_S = 15  # held messages stay ours until the run's deadline plus this (dead letters, acks)
_EXTEND_EVERY_S = 20.0
_OWN_WRITE_S = 5.0  # the run's own points (heartbeat, write errors) are retried this long at most


class Collector:
    """Drains the subscription into Monitoring. Build once per instance; runs are serialized."""

    def __init__(
        self,
        settings: Settings,
        source: MessageSource,
        writer: MonitoringWriter,
        instance: str | None = None,
        clock: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
        journal: Journal | None = None,
    ) -> None:
        self._settings = settings
        self._source, self._writer = source, writer
        self.instance = instance or f"c-{secrets.token_hex(4)}"
        self._resource = ResourceIdentity(self.instance, location=settings.location)
        self._limits = AggregationLimits(window_ns=settings.window_seconds * NS)
        self._lanes = LaneBook(window_ns=self._limits.window_ns)
        self._journal = journal
        self._ledger = Ledger(track_changes=journal is not None)
        self._recovered = journal is None
        self._doubts: list[_Doubt] = []
        self._doubts_run = ""
        self._runs = 0
        self._clock, self._monotonic = clock, monotonic
        self._run_lock = threading.Lock()
        self._extended_at = 0.0
        self._deadline = 0.0

    @classmethod
    def from_clients(
        cls,
        settings: Settings,
        subscriber: SubscriberClient,
        publisher_api: PublisherClient,
        metric_client: MetricServiceClient,
        pull_wait_s: float = 2.0,
        instance: str | None = None,
        clock: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> Collector:
        """A collector on the generated clients (what :func:`~functions.build_collector` uses)."""
        source = Subscription(settings, subscriber, publisher_api, pull_wait_s)
        writer = MonitoringWriter(metric_client, settings.require_project(), clock=monotonic)
        return cls(settings, source, writer, instance, clock, monotonic, _open_journal(settings))

    # --- the run ----------------------------------------------------------------------------
    def collect_once(self, budget_s: float | None = None) -> RunSummary:
        with self._run_lock:
            return self._run(self._settings.collect_budget_seconds if budget_s is None else budget_s)

    def _run(self, budget_s: float) -> RunSummary:
        started = self._monotonic()
        deadline = self._deadline = started + budget_s
        summary = RunSummary()
        self._runs += 1
        run = f"{self.instance}/{self._runs}"
        if not self._recovered and not self._recover():
            summary.transient_failure = True  # pulling now could count a dead run's messages again
            return summary
        if self._doubts and not self._read_back_doubts():
            summary.transient_failure = True  # pulling now could write a landed point a second time
            return summary
        held, drained = self._pull(started, deadline - min(15.0, budget_s / 3), summary)
        self._keep_alive(held)
        aggregator = WindowAggregator(self._limits, self._clock())
        live = fold(held, aggregator, self._ledger, self._limits, summary)
        dead_events = self._dead_letter([m for m in held if m.fully_dead], summary)
        end = aggregator.window_end(self._clock())
        for outcome, amount in own_counts(summary, dead_events):
            aggregator.add_counts("collector_events", (outcome,), end, amount)
        points = aggregator.points()
        lag = aggregator.lag_point()
        points += [lag] if lag is not None else []
        self._ensure_descriptors({p.metric for p in points})
        series_points = to_series_points(points, self._lanes, self._resource, self._clock())
        if self._journal is not None:
            self._journal.intend(_intent(run, live, series_points, aggregator.keys))
        report = self._writer.write(series_points, deadline)
        summary.points, summary.requests = len(report.written), report.requests
        summary.series = len({p.series for p in report.written})
        summary.write_errors = report.transient_errors + len(report.transient) + len(report.permanent)
        written = {p.contribution for p in report.written}
        permanent = {p.contribution: reason for p, reason in report.permanent}
        settle(live, aggregator.keys, written, permanent, self._ledger, summary)
        self._dead_letter([m for m in live if m.dead_letter and m.acknowledge], summary)
        self._doubts = _doubts(report.doubtful, live, aggregator.keys)
        self._doubts_run = f"{run}/read-back"
        if self._journal is not None:
            if self._doubts:  # the question outlives this run: a successor reads the points back too
                doubtful = [d.point for d in self._doubts]
                self._journal.intend(_intent(self._doubts_run, live, doubtful, aggregator.keys, partial=True))
            self._journal.record(run, self._ledger.take_changes())  # durable before any ack
            if not self._doubts:  # a compacted journal keeps no open question
                self._journal.compact_if_large(self._ledger.snapshot)
        self._acknowledge(held, summary)
        summary.heartbeat = self._write_own(report, beat=drained)
        return summary

    def _recover(self) -> bool:
        """Load the journal; settle the runs that died mid-write by asking Monitoring which of
        their points exist. False (and nothing pulled) while Monitoring cannot answer."""
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
            for key, indexes in intent.messages.items():
                landed = [intent.points[i].contribution for i in indexes if i in present]
                if len(landed) == len(indexes) and key not in intent.lettered and not intent.partial:
                    self._ledger.complete(key)
                elif not self._ledger.is_completed(key):
                    self._ledger.note_written(key, landed)
            self._journal.record(intent.run, self._ledger.take_changes())
            what = "points of uncertain fate of" if intent.partial else "points of interrupted run"
            _log.warning("%s %s: %d of %d had been written", what, intent.run, len(present), len(intent.points))
        self._journal.compact_if_large(self._ledger.snapshot, force=bool(state.open_intents))
        self._recovered = True
        return True

    def _read_back_doubts(self) -> bool:
        """Settle the points whose write may have landed in the previous run by asking Monitoring
        which exist. False (and nothing pulled) while Monitoring cannot answer."""
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
            landed = index in present
            if doubt.point.counter is not None:
                doubt.point.counter.resolve(landed)
            for key in doubt.messages if landed else ():
                if not self._ledger.is_completed(key):
                    self._ledger.note_written(key, [doubt.contribution])
        if self._journal is not None:
            self._journal.record(self._doubts_run, self._ledger.take_changes())
        _log.warning("read back %d points of uncertain fate: %d had been written", len(doubts), len(present))
        self._doubts = []
        return True

    def _ensure_descriptors(self, specs: Iterable[MetricSpec]) -> None:
        try:
            self._writer.ensure_descriptors(specs)
        except exceptions.GoogleAPIError as err:  # writes auto-create them; setup_infra fixes the rest
            _log.warning("could not create metric descriptors (%s); writing anyway", err)

    def _pull(self, started: float, pull_until: float, summary: RunSummary) -> tuple[list[PulledMessage], bool]:
        """The messages this run holds, and whether the pulls ended normally (subscription drained
        or budget spent) rather than on a Pub/Sub failure."""
        held: list[PulledMessage] = []
        self._extended_at = started
        drained = True
        while self._monotonic() < pull_until:
            try:
                pulled = self._source.pull()
            except exceptions.GoogleAPIError as err:
                if not (isinstance(err, exceptions.RetryError) or is_transient(err)):
                    raise  # a missing subscription or a permission: the run fails with the real cause
                _log.error("pull failed (%s); this run settles the %d messages it holds", err, len(held))
                summary.transient_failure = True  # Pub/Sub down: write and settle what is held
                drained = False
                break
            if not pulled:
                break
            held.extend(pulled)
            # whatever the subscription's ack deadline, this run holds its messages from now on —
            # no longer than it can need them, so a crashed run's messages come back soon
            self._source.modify_deadlines([m.ack_id for m in pulled], self._hold_seconds())
            self._keep_alive(held)
        summary.pulled = len(held)
        return held, drained

    def _hold_seconds(self) -> int:
        """Ack deadline that covers the rest of this run (Pub/Sub accepts 10 to 600 s)."""
        return max(10, min(600, math.ceil(self._deadline - self._monotonic()) + _HOLD_MARGIN_S))

    def _keep_alive(self, held: list[PulledMessage]) -> None:
        """Extend the ack deadlines of held messages once 20 s passed since the last extension, so a
        long run is not redelivered under us."""
        if held and self._monotonic() - self._extended_at > _EXTEND_EVERY_S:
            self._source.modify_deadlines([h.ack_id for h in held], self._hold_seconds())
            self._extended_at = self._monotonic()

    def _dead_letter(self, messages: list[PulledMessage], summary: RunSummary) -> int:
        """Publish these messages to the dead-letter topic with their reasons; returns the events
        in those that went (a message that could not go is handed back)."""
        events = 0
        for message in messages:
            try:
                self._source.dead_letter(message.data, dead_letter_attributes(message, self._source.path))
            except exceptions.GoogleAPICallError as err:
                _log.error("cannot dead-letter message %s (%s); it will come back", message.message_id, err)
                dead_letter_failed(message, summary)
                continue
            events += dead_lettered(message, self._ledger, summary)
            kind, reason = message.dead_letter[0]
            _log.warning("dead-lettered message %s: %s: %s", message.message_id, kind, reason)
        return events

    def _acknowledge(self, held: list[PulledMessage], summary: RunSummary) -> None:
        ack_ids = [m.ack_id for m in held if m.acknowledge]
        summary.acked = self._source.acknowledge(ack_ids)
        back = [m.ack_id for m in held if not m.acknowledge]
        summary.not_acked = len(ack_ids) - summary.acked + len(back)
        self._source.modify_deadlines(back, 0)  # deliverable again now, not at the ack deadline

    def _write_own(self, report: WriteReport, beat: bool) -> bool:
        """Best effort, in one request: this run's write errors as a point of
        ``collector_write_errors`` and, for a run that completed, the heartbeat (``collector_runs``).
        Retried for 5 s at most, whatever is left of the run's budget: a failure is logged and never
        fails or holds up the run (the next run beats again). True when the heartbeat landed."""
        transient = report.transient_errors + len(report.transient)
        now = self._clock()
        aggregator = WindowAggregator(self._limits, now)
        end = aggregator.window_end(now)
        if transient:
            aggregator.add_counts("collector_write_errors", ("transient",), end, transient)
        if report.permanent:
            aggregator.add_counts("collector_write_errors", ("permanent",), end, len(report.permanent))
        points = to_series_points(aggregator.points(), self._lanes, self._resource)
        beat_point = heartbeat(now, self._lanes, self._resource) if beat else None
        points += [beat_point] if beat_point is not None else []
        if not points:
            return False
        self._ensure_descriptors({spec(point.metric_type) for point in points})
        try:
            own = self._writer.write(points, self._monotonic() + _OWN_WRITE_S)
        except exceptions.GoogleAPIError as err:  # the writer sorts call errors; nothing else may fail the run
            _log.error("could not write the run's own metrics (%s)", err)
            return False
        for point, reason in own.transient + own.permanent:
            _log.error("the run's own point %s was not written: %s", point.metric_type, reason)
        return any(point is beat_point for point in own.written)


def _open_journal(settings: Settings) -> Journal | None:
    path = settings.journal_path
    if path is None:
        return None
    try:
        return Journal(path)
    except JournalBusy as err:
        _log.error("%s: this instance keeps its ledger in memory only", err)
        return None


@dataclass(frozen=True)
class _Doubt:
    """A point that may or may not have landed, the contribution it carries and the messages
    whose events are in it."""

    point: SeriesPoint
    contribution: ContributionKey
    messages: tuple[MessageKey, ...]


def _doubts(points: list[SeriesPoint], live: list[PulledMessage], keys: Sequence[ContributionKey]) -> list[_Doubt]:
    """The doubtful points worth reading back: those carrying some message's events."""
    carried = [p for p in points if p.contribution >= 0]
    return [
        _Doubt(
            p,
            keys[p.contribution],
            tuple(m.key for m in live if m.key is not None and m.outcome and p.contribution in m.outcome.contributions),
        )
        for p in carried
    ]


def _intent(
    run: str,
    live: list[PulledMessage],
    points: list[SeriesPoint],
    keys: Sequence[ContributionKey],
    partial: bool = False,
) -> Intent:
    """What the run is about to write (its events' points, not its own counts nor baselines) and
    which messages each point carries; ``partial``: only some of each message's points (a
    read-back question, which never completes a message)."""
    carried = [p for p in points if p.contribution >= 0]
    index_of = {p.contribution: i for i, p in enumerate(carried)}
    intended = [
        IntendedPoint(p.metric_type, p.metric_labels, p.resource_labels["task_id"], p.end_ns, keys[p.contribution])
        for p in carried
    ]
    messages = {
        m.key: indexes
        for m in live
        if m.key is not None and m.outcome is not None
        if (indexes := [index_of[c] for c in m.outcome.contributions if c in index_of]) or not partial
    }
    lettered = {m.key for m in live if m.key is not None and m.dead_letter}  # its letter may not have gone out
    return Intent(run, intended, messages, lettered, partial)
