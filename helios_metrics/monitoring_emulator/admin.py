"""A small client for the emulator's HTTP admin API: fault injection, counters, alert evaluation
(at one instant, or at every step of a range)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

__all__ = ["EmulatorAdmin", "EmulatorAdminError"]


class EmulatorAdminError(RuntimeError):
    """The admin API refused a request (e.g. an unknown status code); the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class EmulatorAdmin:
    def __init__(self, http_url: str, timeout: float = 10.0) -> None:
        self.http_url = http_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, payload: Any = None, timeout: float | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.http_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            with err:
                detail = json.loads(err.read() or b"{}").get("error", err.reason)
            raise EmulatorAdminError(err.code, str(detail)) from None

    def inject(
        self,
        method: str,
        code: str = "UNAVAILABLE",
        times: int = 1,
        series_filter: str | None = None,
        message: str | None = None,
        delay_s: float = 0.0,
        grammar: str | None = None,
    ) -> dict[str, Any]:
        """Fail the next ``times`` calls of ``method`` with ``code`` — or, with ``series_filter``,
        fail the next ``times`` series matching it inside otherwise successful CreateTimeSeries calls,
        worded in ``grammar`` (trailing, field, leading or resource)."""
        spec: dict[str, Any] = {"method": method, "code": code, "times": times, "delay_s": delay_s}
        if series_filter is not None:
            spec["series_filter"] = series_filter
        if message is not None:
            spec["message"] = message
        if grammar is not None:
            spec["grammar"] = grammar
        return self._call("POST", "/admin/faults", spec)[0]

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/admin/faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "/admin/faults")

    def stats(self) -> dict[str, Any]:
        """``{"calls": {method: n}, "points_written": n, "series_received": n, "rejections": {reason: n}}``."""
        return self._call("GET", "/admin/stats")

    def reset_stats(self) -> None:
        self._call("POST", "/admin/stats/reset")

    def evaluate(self, now: str | None = None, project: str | None = None) -> dict[str, Any]:
        """Evaluate every alert policy (of ``project``, or of all) at ``now`` (RFC 3339; default the
        emulator's clock): ``{"at": …, "opened": [incident, …], "closed": [incident, …]}``."""
        body = {k: v for k, v in (("now", now), ("project", project)) if v is not None}
        return self._call("POST", "/admin/alerts/evaluate", body)

    def evaluate_range(
        self, start: str, end: str, step: str = "60s", project: str | None = None, timeout: float = 600.0
    ) -> dict[str, Any]:
        """Evaluate at every ``step`` from ``start`` to ``end`` (RFC 3339, both included), in the
        emulator, in one call: ``{"from", "to", "step", "evaluations", "opened": [incident, …],
        "closed": [incident, …]}``, each incident as it was at that instant (``started_at`` /
        ``ended_at`` say when). A week of minutes takes seconds, hence the longer ``timeout``."""
        body: dict[str, Any] = {"from": start, "to": end, "step": step}
        if project is not None:
            body["project"] = project
        return self._call("POST", "/admin/alerts/evaluate", body, timeout=timeout)

    def incidents(self) -> list[dict[str, Any]]:
        return self._call("GET", "/admin/incidents")

    def notifications(self) -> list[dict[str, Any]]:
        """Every notification sent (webhooks) or written to the outbox (email, Slack, PagerDuty, SMS)."""
        return self._call("GET", "/admin/notifications")
