"""Small builders the conformance cases share: times, intervals, points and sample files."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from google.cloud import monitoring_v3

SAMPLES = Path(__file__).parent / "samples"


def unique(prefix: str) -> str:
    """A fresh metric type under ``prefix``, as Google's snippets make one (``my_metric<uuid>``)."""
    return f"{prefix}{uuid.uuid4().hex}"


def stamp(seconds: float) -> dict[str, int]:
    return {"seconds": int(seconds), "nanos": round((seconds % 1) * 1e9) % 1_000_000_000}


def interval(start: float, end: float) -> monitoring_v3.TimeInterval:
    return monitoring_v3.TimeInterval({"start_time": stamp(start), "end_time": stamp(end)})


def last(seconds: float) -> monitoring_v3.TimeInterval:
    """The last ``seconds`` up to now, as the snippets read (``now - 1200`` .. ``now``)."""
    now = time.time()
    return interval(now - seconds, now)


def point(value: Any, end: float, start: float | None = None) -> monitoring_v3.Point:
    key = {bool: "bool_value", int: "int64_value", float: "double_value", str: "string_value"}[type(value)]
    span: dict[str, Any] = {"end_time": stamp(end)}
    if start is not None:
        span["start_time"] = stamp(start)
    return monitoring_v3.Point({"interval": span, "value": {key: value}})


def minute_origin(minutes_ago: int = 30) -> int:
    """A whole minute ``minutes_ago`` minutes back: alignment periods then start on known instants."""
    return (int(time.time()) // 60 - minutes_ago) * 60


def sample(path: str) -> str:
    """The text of a sample file under ``samples/`` (see its README for where each came from)."""
    return (SAMPLES / path).read_text()


def sample_json(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(sample(path))
    return loaded
