"""Units every component shares: event times, windows and deadlines are integer nanoseconds since
the epoch (what ``time.time_ns`` returns and what the wire carries)."""

from __future__ import annotations

__all__ = ["NS"]

NS = 1_000_000_000
"""Nanoseconds in a second."""
