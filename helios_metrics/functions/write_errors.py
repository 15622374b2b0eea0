"""Reading a CreateTimeSeries failure: which series failed, why, and whether a retry can help.

Pure. Google reports a partial failure as one status: its message lists the reasons with the
indexes of the series they apply to, in one of several grammars (the emulator emits each):

- ``<reason>: timeSeries[0-2,5]`` (a reason may itself start ``Field timeSeries[3]…``);
- ``Field timeSeries[3]… <reason>`` on its own, or followed by ``: timeSeries[3]``;
- ``timeSeries[0-2]: write for resource=generic_task{…} failed with: <reason>`` (newer servers);
- ``<reason>: generic_task{…} timeSeries[3]: custom.googleapis.com/x{…}`` (older servers).

Its ``CreateTimeSeriesSummary`` counts failures per code. A reason is transient when its code is
one a retry can fix (the summary tells when all failures share a code; otherwise the wording).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from helios_metrics.contract.transient import is_transient_code

__all__ = ["SeriesFailure", "parse_partial_failure"]

_PREFIX = "One or more TimeSeries could not be written: "
_INDEXES = r"timeSeries\[(?P<ranges>\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*)\]"
_FIELD = re.compile(r"^Field timeSeries\[(?P<index>\d+)\]")
_FIELD_TAIL = re.compile(r": timeSeries\[\d+\]$")
_RESOURCE = re.compile(rf"^(?P<reason>.*): [a-z_]+\{{[^{{}}]*\}} {_INDEXES}: \S+?\{{.*\}}$", re.S)
_TRAILING = re.compile(rf"^(?P<reason>.*): {_INDEXES}$", re.S)
_LEADING = re.compile(rf"^{_INDEXES}: (?:write for resource=\S+?\{{[^{{}}]*\}} failed with: )?(?P<reason>.*)$", re.S)
_TRANSIENT_WORDING = re.compile(r"internal error|unavailable|deadline exceeded|try again", re.I)


@dataclass(frozen=True)
class SeriesFailure:
    transient: bool
    reason: str

    @property
    def out_of_order(self) -> bool:
        return "Points must be written in order" in self.reason


def _indexes(ranges: str) -> list[int]:
    found: list[int] = []
    for part in ranges.split(","):
        low, _, high = part.partition("-")
        found.extend(range(int(low), int(high or low) + 1))
    return found


def _place(piece: str) -> tuple[list[int], str] | None:
    """The series indexes a piece of the message names, and its reason."""
    field = _FIELD.match(piece)
    if field:
        return [int(field.group("index"))], _FIELD_TAIL.sub("", piece)
    match = _RESOURCE.match(piece) or _TRAILING.match(piece) or _LEADING.match(piece)
    if match is None:
        return None
    return _indexes(match.group("ranges")), match.group("reason")


def parse_partial_failure(message: str, codes: Collection[int]) -> dict[int, SeriesFailure]:
    """Failures by series index; ``codes`` are the summary's error codes (may be empty)."""
    body = message.removeprefix(_PREFIX)
    only = next(iter(codes)) if len(set(codes)) == 1 else None
    failures: dict[int, SeriesFailure] = {}
    for piece in body.split("; "):
        placed = _place(piece)
        if placed is None:
            continue
        indexes, reason = placed
        if only is not None:
            transient = is_transient_code(only, reason)
        else:
            transient = bool(_TRANSIENT_WORDING.search(reason)) and is_transient_code("UNAVAILABLE", reason)
        for index in indexes:
            failures[index] = SeriesFailure(transient, reason)
    return failures
