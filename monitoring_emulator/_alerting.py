"""Alert evaluation: every enabled policy, at an instant, opening an incident per policy, condition
and failing series and closing it when the condition stops holding (or ``auto_close`` passes
without data), with a notification to each of the policy's channels on both.

Runs every ``--evaluate-every`` seconds, and on demand at any instant (``POST
/admin/alerts/evaluate {"now": …}``), so a test can replay time.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from google.cloud.monitoring_v3.types import alert
from google.protobuf import json_format

from ._channel_service import NotificationChannelService
from ._conditions import Outcome, SeriesKey, evaluate_condition
from ._notify import Notifier
from ._objects import Projects
from ._raw import Raw
from ._resources import RESOURCE_TYPES
from ._store import Store
from ._timeutil import NS_PER_S, duration_ns, format_rfc3339

__all__ = ["AlertEvaluator"]

KIND = "incident"
_AND = alert.AlertPolicy.ConditionCombinerType.AND
_AND_MATCHING = alert.AlertPolicy.ConditionCombinerType.AND_WITH_MATCHING_RESOURCE
_INTERNAL = ("policy", "condition_resource", "series")
_Key = tuple[str, str, str]  # policy name, condition name, series


def _series_id(key: SeriesKey) -> str:
    return json.dumps(key)


def _series_of(text: str) -> SeriesKey:
    resource_type, resource_labels, metric_labels = json.loads(text)
    return resource_type, tuple((k, v) for k, v in resource_labels), tuple((k, v) for k, v in metric_labels)


def _braced(labels: dict[str, str]) -> str:
    """Labels as Google's incident texts write them: ``{project_id=p, task_id=t}``."""
    return "{" + ", ".join(f"{k}={v}" for k, v in labels.items()) + "}"


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


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
    ) -> None:
        self._store, self._projects, self._policies = store, projects, policies
        self._channels, self._notifier, self._console, self._clock = channels, notifier, console_url, clock
        self._lock = threading.Lock()
        self._open: dict[_Key, dict[str, Any]] = {}
        self._last_seen: dict[_Key, int] = {}
        for project in store.object_projects(KIND):
            for _, body in store.list_objects(KIND, project):
                incident = json.loads(body)
                if incident["state"] == "open":
                    self._open[(incident["policy"], incident["condition_resource"], incident["series"])] = incident

    # --- reading ---------------------------------------------------------------------------------
    def incidents(self) -> list[dict[str, Any]]:
        with self._store.lock:
            found = [
                json.loads(body)
                for p in self._store.object_projects(KIND)
                for _, body in self._store.list_objects(KIND, p)
            ]
        return sorted(found, key=lambda i: (i["started_at"], i["incident_id"]))

    def notifications(self) -> list[dict[str, Any]]:
        return list(self._notifier.sent)

    # --- evaluation ------------------------------------------------------------------------------
    def evaluate(self, now: int | None = None, project: str | None = None) -> dict[str, Any]:
        """Evaluate the enabled policies of every project (or of ``project``) at ``now`` (ns; default the clock)."""
        at = self._clock() if now is None else now
        opened: list[dict[str, Any]] = []
        closed: list[dict[str, Any]] = []
        with self._lock:
            live: set[str] = set()
            projects = self._store.object_projects("alert_policy") if project is None else [project]
            for owner in projects:
                for policy in self._policies(owner):
                    if not policy.enabled.value:
                        continue
                    live.add(policy.name)
                    self._evaluate_policy(owner, policy, at, opened, closed)
            for key, incident in list(self._open.items()):
                if project is not None and incident["scoping_project_id"] != project:
                    continue
                if key[0] not in live:  # deleted or disabled: no incident stays open
                    closed.append(self._close(key, incident, at))
        for incident in opened + closed:
            self._notify(incident)
        return {"at": format_rfc3339(at), "opened": opened, "closed": closed}

    def _evaluate_policy(
        self, project: str, policy: Raw, now: int, opened: list[dict[str, Any]], closed: list[dict[str, Any]]
    ) -> None:
        outcomes = [(c, evaluate_condition(self._store, project, c, now)) for c in policy.conditions]
        all_fire = all(outcome.fires for _, outcome in outcomes)
        auto_close = duration_ns(policy.alert_strategy.auto_close) or 7 * 24 * 3600 * NS_PER_S
        for condition, outcome in outcomes:
            active = outcome.fires and (policy.combiner not in (_AND, _AND_MATCHING) or all_fire)
            if active:
                for series, value in outcome.holding.items():
                    key = (policy.name, condition.name, _series_id(series))
                    self._last_seen[key] = now
                    if key not in self._open:
                        opened.append(self._open_incident(key, project, policy, condition, series, value, outcome, now))
            for key, incident in list(self._open.items()):
                if key[:2] != (policy.name, condition.name):
                    continue
                series = _series_of(key[2])
                measured = series in outcome.holding or series in outcome.clear or series in outcome.unknown
                if (
                    series in outcome.clear
                    or (series in outcome.holding and not active)  # e.g. too few series for the trigger
                    or (not measured and outcome.missing_clears)
                    or now - self._last_seen.get(key, now) >= auto_close  # no data to clear it: auto_close
                ):
                    closed.append(self._close(key, incident, now))

    def _open_incident(
        self,
        key: _Key,
        project: str,
        policy: Raw,
        condition: Raw,
        series: SeriesKey,
        value: float | None,
        outcome: Outcome,
        now: int,
    ) -> dict[str, Any]:
        resource_type, resource_labels, metric_labels = series[0], dict(series[1]), dict(series[2])
        threshold = condition.condition_threshold.threshold_value if condition.HasField("condition_threshold") else None
        incident_id = f"0.{secrets.token_hex(6)}"
        resource_display = (
            RESOURCE_TYPES[resource_type].display_name if resource_type in RESOURCE_TYPES else resource_type
        )
        resource_name = f"{project} {resource_display} labels {_braced(resource_labels)}"
        comparison = "above" if condition.condition_threshold.comparison in (1, 2) else "below"
        descriptor = self._store.descriptors.get((project, outcome.metric_type))
        metric_display = (descriptor.display_name if descriptor else "") or outcome.metric_type.rsplit("/", 1)[-1]
        summary = f"{metric_display} for {resource_name} with metric labels {_braced(metric_labels)} " + (
            f"is {comparison} the threshold of {threshold:.3f}"
            + ("." if value is None else f" with a value of {value:.3f}.")
            if threshold is not None
            else "is absent."
        )
        documentation = json_format.MessageToDict(policy.documentation, preserving_proto_field_name=True)
        incident = {
            "incident_id": incident_id,
            "scoping_project_id": project,
            "scoping_project_number": int(self._projects.number_of(project)),
            "url": f"{self._console()}/incidents/{incident_id}",
            "severity": alert.AlertPolicy.Severity(policy.severity).name.replace("SEVERITY_UNSPECIFIED", "No severity"),
            "state": "open",
            "started_at": now // NS_PER_S,
            "ended_at": None,
            "resource_id": "",
            "resource_name": resource_name,
            "resource_display_name": resource_labels.get("task_id", resource_display),
            "resource_type_display_name": resource_display,
            "resource": {"type": resource_type, "labels": resource_labels},
            "metric": {
                "type": outcome.metric_type,
                "displayName": metric_display,
                "labels": metric_labels,
            },
            "metadata": {"system_labels": {}, "user_labels": {}},
            "policy_name": policy.display_name,
            "policy_user_labels": dict(policy.user_labels),
            "condition_name": condition.display_name,
            "condition": json_format.MessageToDict(condition),
            "threshold_value": _number_text(threshold),
            "observed_value": _number_text(value),
            "documentation": {"content": "", "mime_type": "text/markdown", "subject": "", "links": [], **documentation},
            "summary": summary,
            "policy": policy.name,
            "condition_resource": condition.name,
            "series": key[2],
            "notification_channels": list(policy.notification_channels),
        }
        self._open[key] = incident
        self._save(incident)
        return incident

    def _close(self, key: _Key, incident: dict[str, Any], now: int) -> dict[str, Any]:
        del self._open[key]
        self._last_seen.pop(key, None)
        incident.update(state="closed", ended_at=now // NS_PER_S)
        self._save(incident)
        return incident

    def _save(self, incident: dict[str, Any]) -> None:
        with self._store.lock, self._store.transaction():
            body = json.dumps(incident, sort_keys=True).encode()
            self._store.put_object(KIND, incident["scoping_project_id"], incident["incident_id"], body)

    def _notify(self, incident: dict[str, Any]) -> None:
        public = {k: v for k, v in incident.items() if k not in (*_INTERNAL, "notification_channels")}
        for name in incident.get("notification_channels", []):
            project, ident = self._projects.split(name, "notificationChannels", "NOTIFICATION_CHANNEL")
            channel = self._channels.channel(project, ident)
            if channel is not None:
                self._notifier.notify(channel, public)
