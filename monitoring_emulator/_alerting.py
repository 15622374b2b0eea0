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
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.cloud.monitoring_v3.types import alert
from google.protobuf import json_format

from contract.units import NS

from ._channel_service import NotificationChannelService
from ._conditions import Measurer, Outcome, evaluate_condition
from ._incident import Incident, IncidentForecast, Notice
from ._notify import Notifier
from ._objects import Projects
from ._raw import Raw
from ._resources import RESOURCE_TYPES
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
_PROMPT = alert.AlertPolicy.AlertStrategy.NotificationPrompt
_Key = tuple[str, str, str]  # policy name, condition name, series
Snoozed = Callable[[str, str, int], bool]
Covers = Callable[[str, str, int, Callable[[str], "str | None"]], bool]
"""(project, policy name, instant, the series' labels) → whether a snooze with a filter covers it."""


def _braced(labels: dict[str, str]) -> str:
    """Labels as Google's incident texts write them: ``{project_id=p, task_id=t}``."""
    return "{" + ", ".join(f"{k}={v}" for k, v in labels.items()) + "}"


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _duration_text(ns: int) -> str:
    seconds = ns // NS
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _prompts(policy: Raw) -> set[int]:
    """The policy's notification prompts; both when it lists none (Google's default)."""
    return set(policy.alert_strategy.notification_prompts) or {_PROMPT.OPENED, _PROMPT.CLOSED}


def _renotify_s(policy: Raw) -> dict[str, int]:
    """Channel name → its renotify interval in seconds, for the channels that have one."""
    found: dict[str, int] = {}
    for strategy in policy.alert_strategy.notification_channel_strategy:
        seconds = duration_ns(strategy.renotify_interval) // NS
        if seconds > 0:
            for name in strategy.notification_channel_names:
                found[name] = seconds
    return found


@dataclass
class _Outgoing:
    """One incident's notification to some channels, made at an evaluation and sent after it."""

    channels: list[str]
    notice: Notice
    at_s: int
    reminder: bool = False


@dataclass
class _Pass:
    """One evaluation, or one range of them: what it measured and what it will send."""

    measurer: Measurer
    project: str | None
    keep_policies: bool
    policies: dict[str, list[Raw]] = field(default_factory=dict)
    outgoing: list[_Outgoing] = field(default_factory=list)


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
        self._deliver(run.outgoing)
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
        self._deliver(run.outgoing)
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
                self._queue(run, incident, at)  # with no policy left, Google's default prompts: both
        for key, incident in list(self._open.items()):
            policy = live.get(key[0])
            if policy is not None and key[0] not in snoozed:
                self._renotify(run, policy, incident, at)
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
                        incident = self._open_incident(key, project, policy, condition, series, value, outcome, now)
                        opened.append(incident)
                        if _PROMPT.OPENED in _prompts(policy):
                            self._queue(run, incident, now)
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
                if _PROMPT.CLOSED in _prompts(policy):
                    self._queue(run, incident, now)

    def _covered(self, project: str, policy: Raw, now: int, series: SeriesLabels) -> bool:
        covers = self._snooze_covers
        return covers is not None and covers(project, policy.name, now, series.label_resolver())

    def _open_incident(
        self,
        key: _Key,
        project: str,
        policy: Raw,
        condition: Raw,
        series: SeriesLabels,
        value: float | None,
        outcome: Outcome,
        now: int,
    ) -> Incident:
        resource_type, resource_labels, metric_labels = (
            series.resource_type,
            dict(series.resource_labels),
            dict(series.metric_labels),
        )
        body = condition.condition_threshold
        threshold = body.threshold_value if condition.HasField("condition_threshold") else None
        incident_id = f"0.{secrets.token_hex(6)}"
        resource_display = (
            RESOURCE_TYPES[resource_type].display_name if resource_type in RESOURCE_TYPES else resource_type
        )
        resource_name = f"{project} {resource_display} labels {_braced(resource_labels)}"
        comparison = "above" if body.comparison in (1, 2) else "below"
        descriptor = self._store.descriptor(project, outcome.metric_type)
        metric_display = (descriptor.display_name if descriptor else "") or outcome.metric_type.rsplit("/", 1)[-1]
        predicted = outcome.forecast.get(series)
        horizon = duration_ns(body.forecast_options.forecast_horizon)
        subject = f"{metric_display} for {resource_name} with metric labels {_braced(metric_labels)} "
        if threshold is None:
            summary = subject + "is absent."
        elif predicted is not None:
            summary = subject + (
                f"is forecast to be {comparison} the threshold of {threshold:.3f} within "
                f"{_duration_text(horizon)}, with a forecast value of {predicted.horizon:.3f}."
            )
        else:
            summary = (
                subject
                + f"is {comparison} the threshold of {threshold:.3f}"
                + ("." if value is None else f" with a value of {value:.3f}.")
            )
        documentation = json_format.MessageToDict(policy.documentation, preserving_proto_field_name=True)
        incident = Incident(
            incident_id=incident_id,
            project=project,
            project_number=int(self._projects.number_of(project)),
            url=f"{self._console()}/incidents/{incident_id}",
            severity=alert.AlertPolicy.Severity(policy.severity).name.replace("SEVERITY_UNSPECIFIED", "No severity"),
            started_at=now // NS,
            resource_name=resource_name,
            resource_display_name=resource_labels.get("task_id", resource_display),
            resource_type_display_name=resource_display,
            resource_type=resource_type,
            resource_labels=resource_labels,
            metric_type=outcome.metric_type,
            metric_display_name=metric_display,
            metric_labels=metric_labels,
            policy_display_name=policy.display_name,
            policy_user_labels=dict(policy.user_labels),
            condition_display_name=condition.display_name,
            condition=json_format.MessageToDict(condition),
            threshold_value=_number_text(threshold),
            observed_value=_number_text(value),
            documentation={"content": "", "mime_type": "text/markdown", "subject": "", "links": [], **documentation},
            summary=summary,
            policy=policy.name,
            condition_resource=condition.name,
            series=key[2],
            notification_channels=list(policy.notification_channels),
        )
        if predicted is not None:
            incident.forecast = IncidentForecast(
                f"{horizon // NS}s", _number_text(predicted.horizon), _number_text(outcome.latest.get(series))
            )
        self._open[key] = incident
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

    # --- notifications ---------------------------------------------------------------------------
    def _queue(self, run: _Pass, incident: Incident, at: int, only: list[str] | None = None) -> None:
        """Notify the incident's channels (``only`` some, for a reminder) of the incident as it is now."""
        channels = only if only is not None else list(incident.notification_channels)
        if channels:
            run.outgoing.append(_Outgoing(channels, incident.notice(), at // NS, reminder=only is not None))

    def _renotify(self, run: _Pass, policy: Raw, incident: Incident, at: int) -> None:
        """Repeat the notification to each channel whose renotify interval has passed since it last
        heard of this incident."""
        now_s = at // NS
        notified = incident.notified_at
        due = [
            channel
            for channel, interval in _renotify_s(policy).items()
            if channel in incident.notification_channels
            and now_s - notified.get(channel, incident.started_at) >= interval
        ]
        if due:
            for channel in due:
                notified[channel] = now_s
            self._save(incident)
            self._queue(run, incident, at, only=due)

    def _deliver(self, outgoing: list[_Outgoing]) -> None:
        for item in outgoing:
            for name in item.channels:
                project, ident = self._projects.split(name, "notificationChannels", "NOTIFICATION_CHANNEL")
                channel = self._channels.channel(project, ident)
                if channel is not None:
                    self._notifier.notify(channel, item.notice, at_s=item.at_s, reminder=item.reminder)
