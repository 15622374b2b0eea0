"""Reading a CreateTimeSeries failure: which series failed, why, and whether a retry can help.

Pure. Google reports a partial failure as one status: its message lists the reasons with the
indexes they apply to (``<reason>: timeSeries[0-2,5]`` or ``Field timeSeries[3]… <reason>``) and
its ``CreateTimeSeriesSummary`` counts failures per code. A reason is transient when its code is
one a retry can fix (the summary tells when all failures share a code; otherwise the wording).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

__all__ = ["TRANSIENT_CODES", "SeriesFailure", "is_transient_code", "parse_partial_failure"]

# google.rpc.Code values
CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE = 1, 2, 4, 8, 10, 13, 14
TRANSIENT_CODES = frozenset({CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE})
AMBIGUOUS_CODES = frozenset({CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, INTERNAL})
"""A call that failed with these may still have been applied by the server."""

_PREFIX = "One or more TimeSeries could not be written: "
_TRAILING = re.compile(r"^(?P<reason>.*): timeSeries\[(?P<ranges>[\d,\-]+)\]$", re.S)
_LEADING = re.compile(r"^timeSeries\[(?P<ranges>[\d,\-]+)\]: (?P<reason>.*)$", re.S)
_FIELD = re.compile(r"^Field timeSeries\[(?P<index>\d+)\]")
_TRANSIENT_WORDING = re.compile(r"internal error|unavailable|deadline exceeded|try again", re.I)
_PERMANENT_EXHAUSTION = "too many time series"


@dataclass(frozen=True)
class SeriesFailure:
    transient: bool
    reason: str

    @property
    def out_of_order(self) -> bool:
        return self.reason.startswith("Points must be written in order")


def is_transient_code(code: int, reason: str = "") -> bool:
    if code == RESOURCE_EXHAUSTED and _PERMANENT_EXHAUSTION in reason:
        return False  # the series cap: retrying cannot help
    return code in TRANSIENT_CODES


def _indexes(ranges: str) -> list[int]:
    found: list[int] = []
    for part in ranges.split(","):
        low, _, high = part.partition("-")
        found.extend(range(int(low), int(high or low) + 1))
    return found


def parse_partial_failure(message: str, codes: Collection[int]) -> dict[int, SeriesFailure]:
    """Failures by series index; ``codes`` are the summary's error codes (may be empty)."""
    body = message[len(_PREFIX) :] if message.startswith(_PREFIX) else message
    only = next(iter(codes)) if len(set(codes)) == 1 else None
    failures: dict[int, SeriesFailure] = {}
    for piece in body.split("; "):
        field = _FIELD.match(piece)
        match = None if field else (_TRAILING.match(piece) or _LEADING.match(piece))
        if field:
            indexes, reason = [int(field.group("index"))], piece
        elif match:
            indexes, reason = _indexes(match.group("ranges")), match.group("reason")
        else:
            continue
        if only is not None:
            transient = is_transient_code(only, reason)
        else:
            transient = bool(_TRANSIENT_WORDING.search(reason)) and _PERMANENT_EXHAUSTION not in reason
        for index in indexes:
            failures[index] = SeriesFailure(transient, reason)
    return failures
