"""One collection run: pull until drained, decide, write, dead-letter, acknowledge — then, for a
run whose pulls ended normally, a heartbeat (``collector_runs``).

Orchestration only, in the order the guarantees need: settle the previous runs' unsettled writes
(:mod:`helios_metrics.functions.unsettled`) before pulling; journal the intent before writing; apply the ledger's
updates and make them durable before any acknowledgement. What to acknowledge, hand back,
dead-letter and record is decided from values by :mod:`helios_metrics.functions.decisions` (pure); the Pub/Sub
calls are in ``subscription``, the Monitoring calls in ``writer``. Both clocks are injected, so a
test can run a collector at any instant.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from google.api_core import exceptions

from helios_metrics.contract.settings import Settings
from helios_metrics.contract.transient import is_transient
from helios_metrics.contract.units import NS

from .aggregate import AggregationLimits, WindowAggregator
from .decisions import Decision, WriteResult, admit, carry, event_outcomes, letters_sent, settle
from .journal import Journal, JournalBusy
from .ledger import Ledger
from .messages import DeadLetter, PulledMessage
from .own_metrics import OwnMetrics
from .subscription import MessageSource, Subscription
from .summary import RunSummary
from .timeseries import LaneBook, ResourceIdentity, to_series_points
from .unsettled import UnsettledWrites
from .writer import MonitoringWriter, WriteReport

if TYPE_CHECKING:
    from google.cloud.monitoring_v3 import MetricServiceClient
    from google.pubsub_v1 import PublisherClient, SubscriberClient

__all__ = ["Collector", "RunSummary"]

_log = logging.getLogger("functions.collector")
_HOLD_MARGIN_S = 15  # held messages stay ours until the run's deadline plus this (dead letters, acks)
_EXTEND_EVERY_S = 20.0


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
        self._ledger = Ledger(track_changes=journal is not None)
        self._unsettled = UnsettledWrites(writer, self._ledger, journal)
        self._own = OwnMetrics(writer, self._lanes, self._resource, self._limits, clock, monotonic)
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

    @property
    def settings(self) -> Settings:
        return self._settings

    # --- the run ----------------------------------------------------------------------------
    def collect_once(self, budget_s: float | None = None) -> RunSummary:
        with self._run_lock:
            return self._run(self._settings.collect_budget_seconds if budget_s is None else budget_s)

    def _run(self, budget_s: float) -> RunSummary:
        started = self._monotonic()
        deadline = self._deadline = started + budget_s
        self._runs += 1
        run = f"{self.instance}/{self._runs}"
        if not self._unsettled.settle():
            return RunSummary(transient_failure=True)
        held, drained = self._pull(started, deadline - min(15.0, budget_s / 3))
        self._keep_alive(held)
        summary = RunSummary(pulled=len(held), transient_failure=not drained)  # Pub/Sub down: settle what is held

        admission = admit(held, self._ledger)
        aggregator = WindowAggregator(self._limits, self._clock())
        outcomes = [aggregator.add_message(m.events, m.written_before) for m in admission.admitted]
        carried, counted = carry(admission.admitted, outcomes, self._limits)
        unusable = admission.decision.letters
        sent = self._publish(unusable)
        decided = admission.decision + letters_sent(unusable, sent)
        self._ledger.apply(decided.ledger)
        summary += counted + decided.adds
        end = aggregator.window_end(self._clock())
        lettered_events = sum(letter.events for letter, went in zip(unusable, sent, strict=True) if went)
        for outcome, amount in event_outcomes(summary, lettered_events):
            aggregator.add_counts("collector_events", (outcome,), end, amount)

        points = aggregator.points()
        lag = aggregator.lag_point()
        points += [lag] if lag is not None else []
        self._writer.ensure_descriptors_best_effort({p.metric for p in points})
        series_points = to_series_points(points, self._lanes, self._resource, self._clock())
        self._unsettled.intend(run, carried, series_points)
        report = self._writer.write(series_points, deadline)
        summary += _written(report)

        settled = settle(carried, WriteResult.of(report.written, report.permanent))
        self._ledger.apply(settled.ledger)
        after = letters_sent(settled.letters, self._publish(settled.letters))
        self._ledger.apply(after.ledger)
        summary += settled.adds + after.adds
        self._unsettled.record(run, carried, report.doubtful)  # durable before any acknowledgement

        summary += self._acknowledge(decided + settled + after)
        return summary + RunSummary(heartbeat=self._own.write(report, beat=drained))

    def _pull(self, started: float, pull_until: float) -> tuple[list[PulledMessage], bool]:
        """The messages this run holds, and whether the pulls ended normally (subscription drained
        or budget spent) rather than on a Pub/Sub failure."""
        held: list[PulledMessage] = []
        self._extended_at = started
        while self._monotonic() < pull_until:
            try:
                pulled = self._source.pull()
            except exceptions.GoogleAPIError as err:
                if not (isinstance(err, exceptions.RetryError) or is_transient(err)):
                    raise  # a missing subscription or a permission: the run fails with the real cause
                _log.error("pull failed (%s); this run settles the %d messages it holds", err, len(held))
                return held, False
            if not pulled:
                break
            held.extend(pulled)
            # whatever the subscription's ack deadline, this run holds its messages from now on —
            # no longer than it can need them, so a crashed run's messages come back soon
            self._source.modify_deadlines([m.ack_id for m in pulled], self._hold_seconds())
            self._keep_alive(held)
        return held, True

    def _hold_seconds(self) -> int:
        """Ack deadline that covers the rest of this run (Pub/Sub accepts 10 to 600 s)."""
        return max(10, min(600, math.ceil(self._deadline - self._monotonic()) + _HOLD_MARGIN_S))

    def _keep_alive(self, held: list[PulledMessage]) -> None:
        """Extend the ack deadlines of held messages once 20 s passed since the last extension, so a
        long run is not redelivered under us."""
        if held and self._monotonic() - self._extended_at > _EXTEND_EVERY_S:
            self._source.modify_deadlines([h.ack_id for h in held], self._hold_seconds())
            self._extended_at = self._monotonic()

    def _publish(self, letters: Sequence[DeadLetter]) -> list[bool]:
        """Publish each letter to the dead-letter topic; which went out."""
        sent = []
        for letter in letters:
            try:
                self._source.publish_dead_letter(letter.message.data, letter.attributes(self._source.path))
            except exceptions.GoogleAPICallError as err:
                _log.error("cannot dead-letter message %s (%s); it will come back", letter.message.message_id, err)
                sent.append(False)
                continue
            sent.append(True)
            reason = letter.reasons[0]
            _log.warning("dead-lettered message %s: %s: %s", letter.message.message_id, reason.kind, reason.detail)
        return sent

    def _acknowledge(self, decided: Decision) -> RunSummary:
        """Acknowledge what was decided, and hand the rest back: deliverable again now, not at the
        ack deadline."""
        acked = self._source.acknowledge(decided.ack)
        self._source.modify_deadlines(decided.hand_back, 0)
        return RunSummary(acked=acked, not_acked=len(decided.ack) - acked + len(decided.hand_back))


def _written(report: WriteReport) -> RunSummary:
    """What the write adds to the summary."""
    return RunSummary(
        points=len(report.written),
        requests=report.requests,
        series=len({p.series for p in report.written}),
        write_errors=report.transient_errors + len(report.transient) + len(report.permanent),
    )


def _open_journal(settings: Settings) -> Journal | None:
    path = settings.journal_path
    if path is None:
        return None
    try:
        return Journal(path)
    except JournalBusy as err:
        _log.error("%s: this instance keeps its ledger in memory only", err)
        return None
