"""The type of the raw ``google.monitoring.v3`` protobuf messages the emulator works on.

The emulator handles raw messages (proto-plus wrappers cost ~10× more to walk), and those classes
are built by proto-plus at import time: they exist at run time but have no static type a checker
can see. ``Raw`` names them honestly instead of pretending they are ``object``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Raw"]

Raw = Any
"""A raw google.monitoring.v3 message (request, response, TimeSeries, TypedValue, Aggregation…)."""
