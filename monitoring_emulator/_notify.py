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

__all__ = ["Notifier", "incident_payload", "render"]

_ATTEMPTS, _TIMEOUT_S = 3, 2.0


def incident_payload(incident: Mapping[str, Any]) -> dict[str, Any]:
    """The webhook body of an incident (open or closed), schema version 1.2."""
    return {"version": "1.2", "incident": dict(incident)}


def _headline(incident: Mapping[str, Any]) -> str:
    state = "opened" if incident["state"] == "open" else "closed"
    return f"[{state.upper()}] {incident['policy_name']}: {incident['condition_name']}"


def render(channel_type: str, labels: Mapping[str, str], incident: Mapping[str, Any]) -> dict[str, Any]:
    """What the service behind a non-webhook channel would receive for this incident."""
    summary = incident["summary"]
    if channel_type == "email":
        body = "\n\n".join([summary, incident["documentation"].get("content", ""), f"View incident: {incident['url']}"])
        return {"to": labels.get("email_address", ""), "subject": _headline(incident), "body": body}
    if channel_type == "slack":
        color = "danger" if incident["state"] == "open" else "good"
        return {
            "channel": labels.get("channel_name", ""),
            "text": _headline(incident),
            "attachments": [{"color": color, "text": summary, "title_link": incident["url"]}],
        }
    if channel_type == "pagerduty":
        return {
            "routing_key": "(the channel's service key)",
            "event_action": "trigger" if incident["state"] == "open" else "resolve",
            "dedup_key": incident["incident_id"],
            "payload": {
                "summary": _headline(incident),
                "severity": {"CRITICAL": "critical", "ERROR": "error", "WARNING": "warning"}.get(
                    incident["severity"], "info"
                ),
                "source": incident["resource_name"],
                "custom_details": {
                    "observed_value": incident["observed_value"],
                    "threshold": incident["threshold_value"],
                },
            },
        }
    text = f"{_headline(incident)} observed {incident['observed_value']} (threshold {incident['threshold_value']})"
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
