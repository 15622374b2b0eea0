"""Counters the tests read: calls per method, points written, rejections per reason."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["Stats"]


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._rejections: Counter[str] = Counter()
        self._points_written = 0
        self._series_received = 0

    def call(self, method: str) -> None:
        with self._lock:
            self._calls[method] += 1

    def wrote(self, received: int, points: int, rejections: Counter[str]) -> None:
        with self._lock:
            self._series_received += received
            self._points_written += points
            self._rejections.update(rejections)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": dict(self._calls),
                "points_written": self._points_written,
                "series_received": self._series_received,
                "rejections": dict(self._rejections),
            }

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._rejections.clear()
            self._points_written = 0
            self._series_received = 0
