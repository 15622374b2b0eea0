"""Notifications of incidents: Cloud Monitoring's webhook JSON (schema version 1.2) POSTed to webhook
channels — loopback addresses only, retried — and, for email, Slack, PagerDuty and SMS, the message
each service would receive, written to the outbox and never sent. Every one carries the policy's
documentation as the evaluator rendered it (variables substituted, subject cut to 255 bytes)."""

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

from helios_metrics.contract.units import NS

from ._incident import Notice
from .breach import reading, window

__all__ = ["Notifier", "render", "statement"]

_ATTEMPTS, _TIMEOUT_S = 3, 2.0


def _headline(incident: Mapping[str, Any], reminder: bool = False) -> str:
    """The documentation's subject (rendered) when the policy has one, as Google uses it for the
    subject of notifications; otherwise ``[OPENED] policy: condition``."""
    subject = str((incident.get("documentation") or {}).get("subject") or "")
    if subject:
        return subject
    state = "still open" if reminder else "opened" if incident["state"] == "open" else "closed"
    return f"[{state.upper()}] {incident['policy_name']}: {incident['condition_name']}"


def statement(incident: Mapping[str, Any]) -> str:
    """The breach in words a person reads: "pipeline success rate < 85%: 66.7 % < 85 %" (and, once
    closed, what it opened at), with the window the condition measured over when it has one:
    "burn rate 1 h: 7.5 > 6 (lookback 1 h, aligned over 1 min)"."""
    measured, span = reading(incident), window(incident)
    shown = f"{measured} ({span})" if span else str(measured)
    if incident["state"] == "open":
        return f"{incident['condition_name']}: {shown}"
    return f"{incident['condition_name']}: back within its threshold (it opened at {shown})"


def _labelled(thing: Mapping[str, Any]) -> str:
    """``type (key=value, …)``: a metric or monitored resource on one line."""
    labels = ", ".join(f"{k}={v}" for k, v in sorted(thing.get("labels", {}).items()))
    return f"{thing.get('type', '')} ({labels})" if labels else str(thing.get("type", ""))


def _when(seconds: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds)) if seconds else ""


def _links(incident: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The documentation's links as (display name, url)."""
    found = (incident.get("documentation") or {}).get("links") or []
    return [
        (str(link.get("display_name") or link.get("displayName") or ""), str(link.get("url", ""))) for link in found
    ]


def render(
    channel_type: str, labels: Mapping[str, str], incident: Mapping[str, Any], reminder: bool = False
) -> dict[str, Any]:
    """What the service behind a non-webhook channel would receive for this incident (its
    documentation already rendered): the breach as :func:`statement` words it (a ratio as
    percentages), never the bare numbers the webhook carries; the documentation's subject where a
    message has a subject line or summary (email, Slack, PagerDuty, SMS), its content and links
    where Google puts them (email, Slack, PagerDuty — not SMS). ``reminder``: a repeated
    notification of an incident still open."""
    measured = reading(incident)
    documentation = incident.get("documentation") or {}
    content = str(documentation.get("content") or "")
    links = _links(incident)
    headline = _headline(incident, reminder)
    if channel_type == "email":
        times = f"Started {_when(incident['started_at'])}" + (
            f", ended {_when(incident['ended_at'])}" if incident.get("ended_at") else ""
        )
        metric, resource = incident.get("metric", {}), incident.get("resource", {})
        parts = [
            ("Still open: " if reminder else "") + statement(incident),
            f"{times}. Severity: {incident['severity']}.",
            f"Metric: {_labelled(metric)}\nResource: {_labelled(resource)}",
            content,
            "Links:\n" + "\n".join(f"- {name}: {url}" for name, url in links) if links else "",
            f"View incident: {incident['url']}",
        ]
        return {
            "to": labels.get("email_address", ""),
            "subject": headline,
            "body": "\n\n".join(p for p in parts if p),
        }
    if channel_type == "slack":
        color = "danger" if incident["state"] == "open" else "good"
        fields = [{"title": "Documentation", "value": content, "short": False}] if content else []
        if links:
            fields.append(
                {"title": "Links", "value": "\n".join(f"<{url}|{name}>" for name, url in links), "short": False}
            )
        return {
            "channel": labels.get("channel_name", ""),
            "text": headline,
            "attachments": [
                {
                    "color": color,
                    "title": incident["condition_name"],
                    "title_link": incident["url"],
                    "text": ("Still open: " if reminder else "") + statement(incident),
                    "fields": fields,
                }
            ],
        }
    if channel_type == "pagerduty":
        details: dict[str, Any] = {"observed": measured.observed, "threshold": measured.threshold}
        span = window(incident)
        if span:
            details["window"] = span
        if content:
            details["documentation"] = content
        subject = str(documentation.get("subject") or "")
        return {
            "routing_key": "(the channel's service key)",
            "event_action": "trigger" if incident["state"] == "open" else "resolve",
            "dedup_key": incident["incident_id"],
            "payload": {
                "summary": subject or f"{headline} — {measured}",
                "severity": {"CRITICAL": "critical", "ERROR": "error", "WARNING": "warning"}.get(
                    incident["severity"], "info"
                ),
                "source": incident["resource_name"],
                "custom_details": details,
            },
            "links": [{"href": incident["url"], "text": "View incident"}]
            + [{"href": url, "text": name} for name, url in links],
        }
    state = "STILL OPEN" if reminder else "OPENED" if incident["state"] == "open" else "CLOSED"
    named = str(documentation.get("subject") or "") or str(incident["policy_name"])
    text = f"[{state}] {named}: " + (
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

    def notify(self, channel: Any, notice: Notice, at_s: int | None = None, reminder: bool = False) -> dict[str, Any]:
        """``channel``: the stored (unobfuscated) NotificationChannel message; ``notice``: the
        incident as the notification carries it; ``at_s``: the evaluation instant that sent it
        (default the clock); ``reminder``: a repeated notification of an open incident."""
        channel_type, labels = channel.type_, dict(channel.labels)
        incident = notice.fields
        record: dict[str, Any] = {
            "channel": channel.name,
            "type": channel_type,
            "incident_id": incident["incident_id"],
            "state": incident["state"],
            "at": self._clock() // NS if at_s is None else at_s,
        }
        if reminder:
            record["reminder"] = True
        if not channel.enabled.value and channel.HasField("enabled"):
            record.update(delivery="skipped", reason="the channel is disabled")
        elif channel_type.startswith("webhook"):
            record.update(self._post(labels, notice.payload()))
        else:
            record.update(delivery="outbox", message=render(channel_type, labels, notice.rendering(), reminder))
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
