"""Fault injection: make the next N calls of a method fail, or fail chosen series inside a write.

Tests reach this through the HTTP admin API (``POST /admin/faults``), so the emulator under
test can stay a separate process, exactly like the real service.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from ._filters import Filter, Resolver, parse_filter
from ._partial import GRAMMARS

__all__ = ["Fault", "Faults"]

_DEFAULT_MESSAGES = {
    grpc.StatusCode.INTERNAL: "An internal error occurred.",
    grpc.StatusCode.UNAVAILABLE: "The service is currently unavailable.",
    grpc.StatusCode.DEADLINE_EXCEEDED: "Deadline exceeded.",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "Quota exceeded for this method; try again later.",
    grpc.StatusCode.ABORTED: "The operation was aborted.",
}


@dataclass
class Fault:
    """One armed fault. ``series_filter`` set: it fails matching series, not whole calls."""

    id: int
    method: str
    code: grpc.StatusCode
    remaining: int
    message: str
    series_filter: Filter | None = None
    delay_s: float = 0.0
    grammar: str = "trailing"
    """How a series fault is worded in the partial-failure message (see ``_partial``)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "code": self.code.name,
            "remaining": self.remaining,
            "message": self.message,
            "series_filter": None if self.series_filter is None else self.series_filter.text,
            "delay_s": self.delay_s,
            "grammar": self.grammar,
        }


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._faults: list[Fault] = []

    def add(self, spec: Mapping[str, Any]) -> Fault:
        """Arm a fault from ``{method, code, times=1, message?, series_filter?, delay_s?, grammar?}``."""
        unknown = set(spec) - {"method", "code", "times", "message", "series_filter", "delay_s", "grammar"}
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        method = str(spec.get("method", ""))
        if not method:
            raise ValueError("a fault needs 'method', e.g. CreateTimeSeries")
        try:
            code = grpc.StatusCode[str(spec.get("code", "UNAVAILABLE")).upper()]
        except KeyError as err:
            raise ValueError(f"unknown status code {spec.get('code')!r}") from err
        if code == grpc.StatusCode.OK and (float(spec.get("delay_s", 0.0)) <= 0 or spec.get("series_filter")):
            raise ValueError("code OK is a slow success: it needs delay_s > 0 and no series_filter")
        times = int(spec.get("times", 1))
        if times < 1:
            raise ValueError("'times' must be at least 1")
        text = spec.get("series_filter")
        grammar = str(spec.get("grammar", "trailing"))
        if grammar not in GRAMMARS:
            raise ValueError(f"unknown grammar {grammar!r}; one of {', '.join(GRAMMARS)}")
        fault = Fault(
            id=next(self._ids),
            method=method,
            code=code,
            remaining=times,
            message=str(spec.get("message") or _DEFAULT_MESSAGES.get(code, f"Injected {code.name} fault.")),
            series_filter=None if text is None else parse_filter(str(text)),
            delay_s=float(spec.get("delay_s", 0.0)),
            grammar=grammar,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def _take(self, method: str, resolve: Resolver | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                wanted = fault.series_filter
                if fault.method != method or (wanted is None) != (resolve is None):
                    continue
                if wanted is not None and resolve is not None and not wanted.matches(resolve):
                    continue
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def has_series_faults(self, method: str) -> bool:
        """A cheap check so writes pay for series matching only while such a fault is armed."""
        return any(f.method == method and f.series_filter is not None for f in self._faults)

    def take_call_fault(self, method: str) -> Fault | None:
        """The fault this call of ``method`` must fail with, if one is armed."""
        return self._take(method, None)

    def take_series_fault(self, method: str, resolve: Resolver) -> Fault | None:
        """The fault a series (seen through ``resolve``) must fail with inside this write."""
        return self._take(method, resolve)
