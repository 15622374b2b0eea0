"""Alert evaluation: every enabled policy, at an instant, opening an incident per policy, condition
and failing series and closing it when the condition stops holding (or ``auto_close`` passes
without data), with notifications to the policy's channels.

Runs every ``--evaluate-every`` seconds, and on demand at any instant (``POST
/admin/alerts/evaluate {"now": …}``) or at every step of a range (``{"from": …, "to": …, "step":
"60s"}``, in-process and with the data read once: a week of minutes in seconds), so a test can
replay time.

What Google documents, and the evaluator does:

- **Snoozes** (``snoozed(project, policy name, t)``, from the snooze service): while one is active
  the policy creates no incidents and sends no notifications, and its open incidents close — without
  a notification, since a snoozed policy sends none. After it ends, evaluation resumes: a condition
  that still holds opens a new incident (and notifies). A snooze with a filter
  (``snooze_covers(project, policy name, t, labels)``) does the same to the series it matches only.
- **Notification prompts** (``alertStrategy.notificationPrompts``, default OPENED and CLOSED): an
  incident notifies on opening and on closing only for the prompts listed.
- **Repeated notifications** (``alertStrategy.notificationChannelStrategy[].renotifyInterval``):
  an incident still open ``renotifyInterval`` after it last notified one of those channels notifies
  it again, every interval, until it closes.
- **Documentation**: each notification carries the policy's documentation rendered
  (:mod:`._documentation`); the stored incident keeps it as written.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.cloud.monitoring_v3.types import alert

from helios_metrics.contract.units import NS

from ._alert_outbox import PROMPT, Outbox, prompts
from ._channel_service import NotificationChannelService
from ._conditions import Outcome, evaluate_condition
from ._incident import Incident
from ._incident_opening import new_incident
from ._measurer import Measurer
from ._notify import Notifier
from ._objects import Projects
from ._raw import Raw
from ._series import SeriesLabels
from ._snapshot import StoreSnapshot
from ._store import Store
from ._timeutil import duration_ns, format_rfc3339

__all__ = ["MAX_RANGE_EVALUATIONS", "AlertEvaluator"]

KIND = "incident"
MAX_RANGE_EVALUATIONS = 100_000
"""The most instants one range request evaluates (a week of minutes is 10,080)."""
_AND = alert.AlertPolicy.ConditionCombinerType.AND
_AND_MATCHING = alert.AlertPolicy.ConditionCombinerType.AND_WITH_MATCHING_RESOURCE
_Key = tuple[str, str, str]  # policy name, condition name, series
Snoozed = Callable[[str, str, int], bool]
Covers = Callable[[str, str, int, Callable[[str], "str | None"]], bool]
"""(project, policy name, instant, the series' labels) → whether a snooze with a filter covers it."""


@dataclass
class _Pass:
    """One evaluation, or one range of them: what it measured and what it will send."""

    measurer: Measurer
    project: str | None
    keep_policies: bool
    policies: dict[str, list[Raw]] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)


class AlertEvaluator:
    def __init__(
        self,
        store: Store,
        projects: Projects,
        policies: Callable[[str], list[Raw]],
        channels: NotificationChannelService,
        notifier: Notifier,
        console_url: Callable[[], str],
        clock: Callable[[], int] = time.time_ns,
        snoozed: Snoozed = lambda *_: False,
        snooze_covers: Covers | None = None,
    ) -> None:
        """``snoozed``: whether a snooze covers the whole policy at an instant; ``snooze_covers``:
        whether one covers a series of it (a snooze with ``criteria.filter``), when given."""
        self._store, self._projects, self._policies = store, projects, policies
        self._channels, self._notifier, self._console, self._clock = channels, notifier, console_url, clock
        self._snoozed, self._snooze_covers = snoozed, snooze_covers
        self._lock = threading.Lock()
        self._open: dict[_Key, Incident] = {}
        self._last_seen: dict[_Key, int] = {}
        for project in store.object_projects(KIND):
            for _, body in store.list_objects(KIND, project):
                incident = Incident.from_record(json.loads(body))
                if incident.state == "open":
                    self._open[incident.key] = incident

    # --- reading ---------------------------------------------------------------------------------
    def incidents(self) -> list[dict[str, Any]]:
        found = [
            json.loads(body) for p in self._store.object_projects(KIND) for _, body in self._store.list_objects(KIND, p)
        ]
        return sorted(found, key=lambda i: (i["started_at"], i["incident_id"]))

    def notifications(self) -> list[dict[str, Any]]:
        return list(self._notifier.sent)

    # --- evaluation ------------------------------------------------------------------------------
    def evaluate(self, now: int | None = None, project: str | None = None) -> dict[str, Any]:
        """Evaluate the enabled policies of every project (or of ``project``) at ``now`` (ns; default the clock)."""
        at = self._clock() if now is None else now
        with self._lock:
            run = _Pass(Measurer(self._store), project, keep_policies=False)
            opened, closed = self._step(run, at)
        run.outbox.deliver(self._projects, self._channels, self._notifier)
        return {
            "at": format_rfc3339(at),
            "opened": [i.record() for i in opened],
            "closed": [i.record() for i in closed],
        }

    def evaluate_range(self, start: int, end: int, step: int, project: str | None = None) -> dict[str, Any]:
        """Evaluate at ``start``, ``start + step``, … up to ``end`` (ns, inclusive), in order, as that
        many calls of :meth:`evaluate` would — but reading the stored points once and reusing every
        measurement whose inputs did not change, so a week of minutes takes seconds. The incidents
        opened and closed are returned as they were at that instant (``started_at`` and
        ``ended_at`` say when); notifications are sent after the last instant, in order."""
        if step <= 0:
            raise ValueError('step: must be a positive duration, e.g. "60s"')
        if end < start:
            raise ValueError(f"to: {format_rfc3339(end)} is before from ({format_rfc3339(start)})")
        count = (end - start) // step + 1
        if count > MAX_RANGE_EVALUATIONS:
            raise ValueError(
                f"step: {count} evaluations from {format_rfc3339(start)} to {format_rfc3339(end)}; "
                f"a range evaluates at most {MAX_RANGE_EVALUATIONS}"
            )
        opened: list[dict[str, Any]] = []
        closed: list[dict[str, Any]] = []
        with self._lock:
            run = _Pass(Measurer(self._store, StoreSnapshot(self._store, start, end)), project, keep_policies=True)
            for index in range(count):
                at = start + index * step
                new, ended = self._step(run, at)
                opened += [i.record() for i in new]
                closed += [i.record() for i in ended]
                run.measurer.forget_before(at)
        run.outbox.deliver(self._projects, self._channels, self._notifier)
        return {
            "from": format_rfc3339(start),
            "to": format_rfc3339(end),
            "step": f"{step / NS:g}s",
            "evaluations": count,
            "opened": opened,
            "closed": closed,
        }

    def _policies_of(self, run: _Pass, owner: str) -> list[Raw]:
        if not run.keep_policies:
            return self._policies(owner)
        if owner not in run.policies:
            run.policies[owner] = self._policies(owner)
        return run.policies[owner]

    def _step(self, run: _Pass, at: int) -> tuple[list[Incident], list[Incident]]:
        opened: list[Incident] = []
        closed: list[Incident] = []
        live: dict[str, Raw] = {}
        snoozed: set[str] = set()
        owners = self._store.object_projects("alert_policy") if run.project is None else [run.project]
        for owner in owners:
            for policy in self._policies_of(run, owner):
                if not policy.enabled.value:
                    continue
                live[policy.name] = policy
                if self._snoozed(owner, policy.name, at):
                    snoozed.add(policy.name)
                    for key, incident in list(self._open.items()):
                        if key[0] == policy.name:  # Google: a snooze closes them; a snoozed policy notifies nothing
                            closed.append(self._close(key, incident, at, "snoozed"))
                    continue
                self._evaluate_policy(run, owner, policy, at, opened, closed)
        for key, incident in list(self._open.items()):
            if run.project is not None and incident.project != run.project:
                continue
            if key[0] not in live:  # deleted or disabled: no incident stays open
                closed.append(self._close(key, incident, at, "the policy was deleted or disabled"))
                run.outbox.queue(incident, at)  # with no policy left, Google's default prompts: both
        for key, incident in list(self._open.items()):
            policy = live.get(key[0])
            if policy is not None and key[0] not in snoozed and run.outbox.remind(policy, incident, at):
                self._save(incident)
        return opened, closed

    def _evaluate_policy(
        self,
        run: _Pass,
        project: str,
        policy: Raw,
        now: int,
        opened: list[Incident],
        closed: list[Incident],
    ) -> None:
        outcomes = [(c, evaluate_condition(run.measurer, project, c, now)) for c in policy.conditions]
        all_fire = all(outcome.fires for _, outcome in outcomes)
        auto_close = duration_ns(policy.alert_strategy.auto_close) or 7 * 24 * 3600 * NS
        # AND: "an incident is created only if all the conditions are met" — one incident, carried by
        # the policy's first condition (the others only gate it), not one per condition
        leading = policy.conditions[0].name if policy.combiner == _AND and len(policy.conditions) > 1 else None
        for condition, outcome in outcomes:
            if leading is not None and condition.name != leading:
                continue
            active = outcome.fires and (policy.combiner not in (_AND, _AND_MATCHING) or all_fire)
            if active:
                for series, value in outcome.holding.items():
                    key = (policy.name, condition.name, series.text())
                    self._last_seen[key] = now
                    if key not in self._open and not self._covered(project, policy, now, series):
                        incident = self._open_incident(project, policy, condition, series, value, outcome, now)
                        opened.append(incident)
                        if PROMPT.OPENED in prompts(policy):
                            run.outbox.queue(incident, now)
            for key, incident in list(self._open.items()):
                if key[:2] != (policy.name, condition.name):
                    continue
                series = SeriesLabels.parse(key[2])
                if self._covered(project, policy, now, series):
                    closed.append(self._close(key, incident, now, "snoozed"))  # silently, as a snoozed policy
                    continue
                measured = series in outcome.holding or series in outcome.clear or series in outcome.unknown
                if series in outcome.clear or (series in outcome.holding and not active):
                    reason = "the condition stopped holding"
                elif not measured and outcome.missing_clears:
                    reason = "no data (evaluationMissingData: INACTIVE)"
                elif now - self._last_seen.get(key, now) >= auto_close:
                    reason = "autoClose: no data to clear it"
                else:
                    continue
                closed.append(self._close(key, incident, now, reason))
                if PROMPT.CLOSED in prompts(policy):
                    run.outbox.queue(incident, now)

    def _covered(self, project: str, policy: Raw, now: int, series: SeriesLabels) -> bool:
        covers = self._snooze_covers
        return covers is not None and covers(project, policy.name, now, series.label_resolver())

    def _open_incident(
        self,
        project: str,
        policy: Raw,
        condition: Raw,
        series: SeriesLabels,
        value: float | None,
        outcome: Outcome,
        now: int,
    ) -> Incident:
        number = int(self._projects.number_of(project))
        descriptor = self._store.descriptor(project, outcome.metric_type)
        console = self._console()
        incident = new_incident(project, number, console, policy, condition, series, value, outcome, descriptor, now)
        self._open[incident.key] = incident
        self._save(incident)
        return incident

    def _close(self, key: _Key, incident: Incident, now: int, reason: str) -> Incident:
        del self._open[key]
        self._last_seen.pop(key, None)
        incident.close(now // NS, reason)
        self._save(incident)
        return incident

    def _save(self, incident: Incident) -> None:
        body = json.dumps(incident.record(), sort_keys=True).encode()
        self._store.put_object(KIND, incident.project, incident.incident_id, body)
