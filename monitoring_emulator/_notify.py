"""Notifications of incidents: Cloud Monitoring's webhook JSON (schema version 1.2) POSTed to webhook
channels — loopback addresses only, retried — and, for email, Slack, PagerDuty and SMS, the message
each service would receive, written to the outbox and never sent."""

from __future__ import annotations

import base64
import ipaddress
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .breach import reading

__all__ = ["Notifier", "incident_payload", "render", "statement"]

_ATTEMPTS, _TIMEOUT_S = 3, 2.0


def incident_payload(incident: Mapping[str, Any]) -> dict[str, Any]:
    """The webhook body of an incident (open or closed), schema version 1.2."""
    return {"version": "1.2", "incident": dict(incident)}


def _headline(incident: Mapping[str, Any]) -> str:
    state = "opened" if incident["state"] == "open" else "closed"
    return f"[{state.upper()}] {incident['policy_name']}: {incident['condition_name']}"


def statement(incident: Mapping[str, Any]) -> str:
    """The breach in words a person reads: "pipeline success rate < 85%: 66.7 % < 85 %" (and, once
    closed, what it opened at)."""
    measured = reading(incident)
    if incident["state"] == "open":
        return f"{incident['condition_name']}: {measured}"
    return f"{incident['condition_name']}: back within its threshold (it opened at {measured})"


def _labelled(thing: Mapping[str, Any]) -> str:
    """``type (key=value, …)``: a metric or monitored resource on one line."""
    labels = ", ".join(f"{k}={v}" for k, v in sorted(thing.get("labels", {}).items()))
    return f"{thing.get('type', '')} ({labels})" if labels else str(thing.get("type", ""))


def _when(seconds: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds)) if seconds else ""


def render(channel_type: str, labels: Mapping[str, str], incident: Mapping[str, Any]) -> dict[str, Any]:
    """What the service behind a non-webhook channel would receive for this incident: the breach
    as :func:`statement` words it (a ratio as percentages), never the bare numbers the webhook carries."""
    measured = reading(incident)
    if channel_type == "email":
        times = f"Started {_when(incident['started_at'])}" + (
            f", ended {_when(incident['ended_at'])}" if incident.get("ended_at") else ""
        )
        metric, resource = incident.get("metric", {}), incident.get("resource", {})
        parts = [
            statement(incident),
            f"{times}. Severity: {incident['severity']}.",
            f"Metric: {_labelled(metric)}\nResource: {_labelled(resource)}",
            incident["documentation"].get("content", ""),
            f"View incident: {incident['url']}",
        ]
        return {
            "to": labels.get("email_address", ""),
            "subject": _headline(incident),
            "body": "\n\n".join(p for p in parts if p),
        }
    if channel_type == "slack":
        color = "danger" if incident["state"] == "open" else "good"
        return {
            "channel": labels.get("channel_name", ""),
            "text": _headline(incident),
            "attachments": [
                {
                    "color": color,
                    "title": incident["condition_name"],
                    "title_link": incident["url"],
                    "text": statement(incident),
                }
            ],
        }
    if channel_type == "pagerduty":
        return {
            "routing_key": "(the channel's service key)",
            "event_action": "trigger" if incident["state"] == "open" else "resolve",
            "dedup_key": incident["incident_id"],
            "payload": {
                "summary": f"{_headline(incident)} — {measured}",
                "severity": {"CRITICAL": "critical", "ERROR": "error", "WARNING": "warning"}.get(
                    incident["severity"], "info"
                ),
                "source": incident["resource_name"],
                "custom_details": {"observed": measured.observed, "threshold": measured.threshold},
            },
            "links": [{"href": incident["url"], "text": "View incident"}],
        }
    state = "OPENED" if incident["state"] == "open" else "CLOSED"
    text = f"[{state}] {incident['policy_name']}: " + (
        str(measured) if incident["state"] == "open" else f"back within its threshold (opened at {measured})"
    )
    return {"to": labels.get("number", ""), "body": text[:160]}


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Notifier:
    """Delivers or renders one incident's notifications; every attempt is kept for GET /admin/notifications."""

    def __init__(self, clock: Callable[[], int] = time.time_ns, sleep: Callable[[float], None] = time.sleep) -> None:
        self._clock, self._sleep = clock, sleep
        self.sent: list[dict[str, Any]] = []

    def notify(self, channel: Any, incident: Mapping[str, Any]) -> dict[str, Any]:
        """``channel``: the stored (unobfuscated) NotificationChannel message."""
        channel_type, labels = channel.type_, dict(channel.labels)
        record: dict[str, Any] = {
            "channel": channel.name,
            "type": channel_type,
            "incident_id": incident["incident_id"],
            "state": incident["state"],
            "at": self._clock() // 1_000_000_000,
        }
        if not channel.enabled.value and channel.HasField("enabled"):
            record.update(delivery="skipped", reason="the channel is disabled")
        elif channel_type.startswith("webhook"):
            record.update(self._post(labels, incident_payload(incident)))
        else:
            record.update(delivery="outbox", message=render(channel_type, labels, incident))
        self.sent.append(record)
        return record

    def _post(self, labels: Mapping[str, str], payload: dict[str, Any]) -> dict[str, Any]:
        url = labels.get("url", "")
        if not _loopback(url):
            return {"delivery": "refused", "url": url, "reason": "the emulator only contacts loopback addresses"}
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "helios-monitoring-emulator"}
        if labels.get("username"):
            token = base64.b64encode(f"{labels['username']}:{labels.get('password', '')}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        error = ""
        for attempt in range(1, _ATTEMPTS + 1):
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                    return {
                        "delivery": "posted",
                        "url": url,
                        "status": response.status,
                        "attempts": attempt,
                        "payload": payload,
                    }
            except urllib.error.HTTPError as err:
                error = f"HTTP {err.code}"
                if err.code < 500 and err.code != 429:
                    break  # the receiver refused it: retrying cannot help
            except OSError as err:
                error = str(err)
            if attempt < _ATTEMPTS:
                self._sleep(0.2 * 2 ** (attempt - 1))
        return {"delivery": "failed", "url": url, "error": error, "attempts": attempt, "payload": payload}
