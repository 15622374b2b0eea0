"""What one collection run did, as the sum of what each of its steps adds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["RunSummary"]


@dataclass(frozen=True)
class RunSummary:
    """Printed as one JSON line by ``python -m functions collect`` and answered by ``collect_metrics``.

    Each decision returns the part it adds; ``a + b`` adds the counts and ORs the flags."""

    pulled: int = 0
    events: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    """Messages published to the dead-letter topic (then acknowledged)."""
    series: int = 0
    requests: int = 0
    points: int = 0
    acked: int = 0
    not_acked: int = 0
    expired: int = 0
    refused: int = 0
    write_errors: int = 0
    transient_failure: bool = False
    """Something this run could not finish will come back (HTTP 500, exit 1)."""
    heartbeat: bool = False
    """The run completed (its pulls ended normally) and sent its heartbeat (best effort)."""

    def __add__(self, other: RunSummary) -> RunSummary:
        added: dict[str, Any] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            added[f.name] = (mine or theirs) if isinstance(mine, bool) else mine + theirs
        return RunSummary(**added)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
