"""Timestamps as integer nanoseconds, and the two text formats Google's messages use."""

from __future__ import annotations

import datetime as _dt

from google.protobuf import duration_pb2, timestamp_pb2

from helios_metrics.contract.units import NS

__all__ = [
    "ACTIVE_ONLY_WINDOW_NS",
    "ACTIVE_SERIES_WINDOW_NS",
    "duration_ns",
    "format_rfc3339",
    "format_sampling",
    "parse_rfc3339",
    "set_timestamp",
    "timestamp_ns",
]

# Google documents two different notions of "active", and the emulator keeps both, side by side:
ACTIVE_SERIES_WINDOW_NS = 24 * 3600 * NS
"""The series quota counts series with a point in the last 24 hours (the quotas page)."""
ACTIVE_ONLY_WINDOW_NS = 25 * 3600 * NS
"""``ListMetricDescriptors(active_only=True)`` keeps metrics with "recent data (within roughly 25
hours)" (the ``ListMetricDescriptorsRequest`` proto)."""


def timestamp_ns(ts: timestamp_pb2.Timestamp) -> int:
    return ts.seconds * NS + ts.nanos


def duration_ns(d: duration_pb2.Duration) -> int:
    return d.seconds * NS + d.nanos


def set_timestamp(target: timestamp_pb2.Timestamp, ns: int) -> None:
    target.seconds, target.nanos = divmod(ns, NS)


def _datetime(ns: int) -> _dt.datetime:
    seconds, rest = divmod(ns, NS)
    base = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
    return base + _dt.timedelta(seconds=seconds, microseconds=rest // 1000)


def parse_rfc3339(text: str) -> int:
    """``2026-12-01T20:00:00Z`` (or with an offset, or fractional seconds) → ns since the epoch."""
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ValueError(f"not an RFC 3339 time: {text!r}") from err
    if moment.tzinfo is None:
        raise ValueError(f"an RFC 3339 time needs a zone (Z or an offset): {text!r}")
    return int(moment.timestamp()) * NS + moment.microsecond * 1000


def format_rfc3339(ns: int) -> str:
    """``2024-05-01T12:00:00.5Z`` — the form Google quotes in ``Field … invalid value of "…"``."""
    seconds, rest = divmod(ns, NS)
    text = _datetime(seconds * NS).strftime("%Y-%m-%dT%H:%M:%S")
    if rest:
        text += "." + f"{rest:09d}".rstrip("0")
    return text + "Z"


def format_sampling(ns: int) -> str:
    """``2019/06/21-12:29:46.439`` — the form of the sampling-period error's timestamps."""
    moment = _datetime(ns)
    return moment.strftime("%Y/%m/%d-%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
