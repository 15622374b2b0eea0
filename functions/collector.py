"""One collection run: pull until drained, decode, dedupe, aggregate, write, dead-letter, ack.

A message is acknowledged only after every point its events contributed to was written. A
transient write failure leaves its messages unacknowledged (nacked, so they come back); a message
that cannot be used — undecodable, wrong schema or types, out of range, oversized, unknown metric,
refused by Monitoring for good, or carrying events older than Monitoring accepts — is published to
the dead-letter topic with the reason, then acknowledged. One bad message never holds back the
good ones beside it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from google.api_core import exceptions
from google.api_core.retry import Retry

from contract.catalog import spec
from contract.settings import Settings
from contract.transient import is_transient
from contract.wire import InvalidMessage, decode_message

from .aggregate import AggregationLimits, MessageOutcome, WindowAggregator
from .ledger import Ledger, MessageKey
from .timeseries import LaneBook, ResourceIdentity, to_series_points
from .writer import MonitoringWriter, WriteReport

__all__ = ["Collector", "RunSummary"]

_log = logging.getLogger("functions.collector")
NS = 1_000_000_000
_MAX_PULL = 1000
_ACK_CHUNK = 1000
_ACK_EXTENSION_S = 120  # held messages get this much more time, every 20 s of a run


def _retry_pull(error: BaseException) -> bool:
    """Transient, except that a pull that ran out of time found nothing: the subscription is drained."""
    return is_transient(error) and not isinstance(error, exceptions.DeadlineExceeded)



@dataclass
class RunSummary:
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Held:
    """A pulled message this run is responsible for."""

    ack_id: str
    message_id: str
    data: bytes
    attributes: dict[str, str]
    key: MessageKey | None = None
    event_count: int = 0
    outcome: MessageOutcome | None = None
    dead_letter: list[tuple[str, str]] = field(default_factory=list)  # (kind, reason)
    fully_dead: bool = False  # nothing in it was usable
    acknowledge: bool = True  # False: leave it for redelivery


class Collector:
    """Drains the subscription into Monitoring. Build once per instance; runs are serialized."""

    def __init__(
        self,
        settings: Settings,
        subscriber: Any,
        publisher_api: Any,
        metric_client: Any,
        instance: str | None = None,
        clock: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
        pull_wait_s: float = 2.0,
    ) -> None:
        self._settings = settings
        self._subscriber, self._publisher = subscriber, publisher_api
        self._writer = MonitoringWriter(metric_client, settings.require_project())
        self.instance = instance or f"c-{secrets.token_hex(4)}"
        self._resource = ResourceIdentity(self.instance, location=settings.location)
        self._lanes = LaneBook()
        self._ledger = Ledger()
        self._limits = AggregationLimits(window_ns=settings.window_seconds * NS)
        self._clock, self._monotonic = clock, monotonic
        self._run_lock = threading.Lock()
        self._pull_wait = pull_wait_s  # an empty pull may block: this long means "drained"
        self._extended_at = 0.0
        self._pull_retry = Retry(predicate=_retry_pull, initial=0.1, maximum=1.0, timeout=10.0)

    # --- the run ----------------------------------------------------------------------------
    def collect_once(self, budget_s: float | None = None) -> RunSummary:
        with self._run_lock:
            return self._run(self._settings.collect_budget_seconds if budget_s is None else budget_s)

    def _run(self, budget_s: float) -> RunSummary:
        started = self._monotonic()
        deadline = started + budget_s
        summary = RunSummary()
        held = self._pull(started, deadline - min(15.0, budget_s / 3), summary)
        self._keep_alive(held)
        aggregator = WindowAggregator(self._limits, self._clock())
        live = self._fold(held, aggregator, summary)
        dead_events = self._dead_letter([m for m in held if m.fully_dead], summary)
        self._add_own_counts(aggregator, summary, dead_events)
        points = aggregator.points()
        series = to_series_points(points, self._lanes, self._resource)
        self._ensure_descriptors({p.metric for p in points})
        report = self._writer.write(series, deadline)
        summary.points, summary.requests = len(report.written), report.requests
        summary.series = len({p.series for p in report.written})
        summary.write_errors = report.transient_errors + len(report.transient) + len(report.permanent)
        self._settle(live, aggregator, report, summary)
        self._dead_letter([m for m in live if m.dead_letter and m.acknowledge], summary)
        self._acknowledge(held, summary)
        self._write_own_errors(report, deadline)
        return summary

    def _ensure_descriptors(self, specs: set[Any]) -> None:
        try:
            self._writer.ensure_descriptors(specs)
        except exceptions.GoogleAPICallError as err:  # writes auto-create them; setup_infra fixes the rest
            _log.warning("could not create metric descriptors (%s); writing anyway", err)

    def _pull(self, started: float, pull_until: float, summary: RunSummary) -> list[_Held]:
        held: list[_Held] = []
        self._extended_at = started
        subscription = self._settings.subscription_path
        while self._monotonic() < pull_until:
            try:
                response = self._subscriber.pull(
                    subscription=subscription, max_messages=_MAX_PULL, retry=self._pull_retry, timeout=self._pull_wait
                )
            except exceptions.DeadlineExceeded:
                break  # nothing arrived within the call's deadline: drained
            if not response.received_messages:
                break
            for received in response.received_messages:
                message = received.message
                held.append(_Held(received.ack_id, message.message_id, message.data, dict(message.attributes)))
            self._keep_alive(held)
        summary.pulled = len(held)
        return held

    def _keep_alive(self, held: list[_Held]) -> None:
        """Extend the ack deadlines of held messages once 20 s passed since the last extension (the
        subscription's own deadline is at least 60 s), so a long run is not redelivered under us."""
        if held and self._monotonic() - self._extended_at > 20.0:
            self._modify_deadlines([h.ack_id for h in held], _ACK_EXTENSION_S)
            self._extended_at = self._monotonic()

    def _fold(self, held: list[_Held], aggregator: WindowAggregator, summary: RunSummary) -> list[_Held]:
        """Decode, dedupe and aggregate; returns the messages whose events are in the aggregates."""
        live: list[_Held] = []
        seen: set[MessageKey] = set()
        for message in held:
            try:
                decoded = decode_message(message.data, message.attributes)
            except InvalidMessage as err:
                message.dead_letter.append((err.kind, err.reason))
                message.fully_dead = True
                continue
            message.key = (decoded.producer, decoded.batch)
            message.event_count = len(decoded.events)
            if message.key in seen or self._ledger.is_completed(message.key):
                summary.duplicates += message.event_count
                continue
            seen.add(message.key)
            outcome = aggregator.add_message(decoded.events, self._ledger.written_for(message.key))
            message.outcome = outcome
            summary.events += message.event_count
            summary.refused += outcome.refused
            summary.expired += outcome.expired + outcome.future
            if outcome.expired:
                message.dead_letter.append(
                    ("expired", f"{outcome.expired} events older than the 25 h Cloud Monitoring accepts")
                )
            if outcome.future:
                message.dead_letter.append(
                    ("future", f"{outcome.future} events stamped more than 5 minutes ahead (clock skew)")
                )
            live.append(message)
        return live

    def _add_own_counts(self, aggregator: WindowAggregator, summary: RunSummary, dead_events: int) -> None:
        """The collector's own metrics for this run, in the window holding ``now``."""
        end = aggregator.window_end(self._clock())
        processed = summary.events - summary.expired - summary.refused
        for outcome, amount in (
            ("processed", processed),
            ("duplicate", summary.duplicates),
            ("expired", summary.expired),
            ("refused", summary.refused),
            ("dead_lettered", dead_events),
        ):
            if amount:
                aggregator.add_counts("collector_events", (outcome,), end, amount)

    def _settle(
        self, live: list[_Held], aggregator: WindowAggregator, report: WriteReport, summary: RunSummary
    ) -> None:
        """Decide each live message's fate from the fate of the points it contributed to."""
        keys = aggregator.keys
        written = {p.contribution for p in report.written}
        permanent = {p.contribution: reason for p, reason in report.permanent}
        for message in live:
            assert message.outcome is not None
            assert message.key is not None
            mine = message.outcome.contributions
            refused = [permanent[c] for c in mine if c in permanent]
            if refused:
                message.dead_letter.append(("write_rejected", refused[0]))
            if mine <= written.union(permanent):
                if message.dead_letter:  # complete once its dead letter went out (see _dead_letter)
                    self._ledger.note_written(message.key, (keys[c] for c in mine if c in written))
                else:
                    self._ledger.complete(message.key)
                continue
            summary.transient_failure = True
            self._ledger.note_written(message.key, (keys[c] for c in mine if c in written))
            message.acknowledge = False  # it comes back, and only what is missing gets written

    def _dead_letter(self, messages: list[_Held], summary: RunSummary) -> int:
        """Publish these messages to the dead-letter topic with their reasons; returns the events
        in those that went (a message that could not go is left for redelivery)."""
        topic, events = self._settings.dead_letter_topic_path, 0
        for message in messages:
            kind, reason = message.dead_letter[0]
            attributes = {
                **message.attributes,
                "dead_letter_reason": kind,
                "dead_letter_detail": reason.encode()[:1000].decode(errors="ignore"),
                "dead_letter_all_reasons": ",".join(k for k, _ in message.dead_letter)[:1000],
                "original_message_id": message.message_id,
                "original_subscription": self._settings.subscription_path,
                "partially_written": "false" if message.fully_dead else "true",
            }
            try:
                self._publisher.publish(
                    topic=topic,
                    messages=[{"data": message.data, "attributes": attributes}],
                    retry=self._pull_retry,
                    timeout=10.0,
                )
            except exceptions.GoogleAPICallError as err:
                _log.error("cannot dead-letter message %s (%s); it will come back", message.message_id, err)
                summary.transient_failure = True
                message.acknowledge = False
                continue
            if message.key is not None:
                self._ledger.complete(message.key)
            summary.dead_lettered += 1
            declared = message.attributes.get("events", "")
            events += int(declared) if declared.isdigit() else max(message.event_count, 1)
            _log.warning("dead-lettered message %s: %s: %s", message.message_id, kind, reason)
        return events

    def _acknowledge(self, held: list[_Held], summary: RunSummary) -> None:
        ack_ids = [m.ack_id for m in held if m.acknowledge]
        for start in range(0, len(ack_ids), _ACK_CHUNK):
            chunk = ack_ids[start : start + _ACK_CHUNK]
            try:
                self._subscriber.acknowledge(
                    subscription=self._settings.subscription_path, ack_ids=chunk, retry=self._pull_retry
                )
                summary.acked += len(chunk)
            except exceptions.GoogleAPICallError as err:
                _log.error("acknowledging %d messages failed (%s); their copies will be skipped", len(chunk), err)
                summary.not_acked += len(chunk)
        back = [m.ack_id for m in held if not m.acknowledge]
        summary.not_acked += len(back)
        self._modify_deadlines(back, 0)  # nack: deliverable again now, not at the ack deadline

    def _modify_deadlines(self, ack_ids: list[str], seconds: int) -> None:
        for start in range(0, len(ack_ids), _ACK_CHUNK):
            try:
                self._subscriber.modify_ack_deadline(
                    subscription=self._settings.subscription_path,
                    ack_ids=ack_ids[start : start + _ACK_CHUNK],
                    ack_deadline_seconds=seconds,
                )
            except exceptions.GoogleAPICallError as err:
                _log.warning("modifying ack deadlines failed: %s", err)

    def _write_own_errors(self, report: WriteReport, deadline: float) -> None:
        """This run's write errors as a point of ``collector_write_errors`` (best effort)."""
        transient = report.transient_errors + len(report.transient)
        if not transient and not report.permanent:
            return
        aggregator = WindowAggregator(self._limits, self._clock())
        end = aggregator.window_end(self._clock())
        if transient:
            aggregator.add_counts("collector_write_errors", ("transient",), end, transient)
        if report.permanent:
            aggregator.add_counts("collector_write_errors", ("permanent",), end, len(report.permanent))
        points = aggregator.points()
        self._ensure_descriptors({spec("collector_write_errors")})
        self._writer.write(to_series_points(points, self._lanes, self._resource), max(deadline, self._monotonic() + 5))
