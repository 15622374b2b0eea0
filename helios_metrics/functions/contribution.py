"""What a message's events add to one future point: the unit the collector's exactly-once
accounting counts in.

A *contribution* names one aggregate — a metric, its label values and the window it ends — that a
run writes as one point. A message is done when every contribution its events made was written;
a message redelivered after a partial failure adds only the contributions not written yet. Points
that carry no message's events (a pair's zero, a baseline, the run's own counts, the heartbeat)
have no contribution (``None``), so they are never journaled and never hold an acknowledgement.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Contribution"]


class Contribution(NamedTuple):
    """One aggregate a message's events went into: hashable, and a plain list in the journal."""

    metric: str
    """The catalog's short name, e.g. ``stage_runs``."""
    labels: tuple[str, ...]
    """Label values in the catalog's label order."""
    window_end_ns: int
