"""What each point of a DELTA or CUMULATIVE series adds, and over which interval.

A DELTA point adds its value over its own interval ``(start, end]``. A CUMULATIVE point adds its
growth since the series' previous point, over ``(previous end, end]``, when it shares that point's
start time and did not drop below it; otherwise the counter restarted — a new start time, or a lower
value — and it adds its whole value, counted from zero since its start, over ``(start, end]``
(``(previous end, end]`` when the start is older than that). A series' first point adds its whole
value over ``(start, end]``. One rule for ALIGN_DELTA and ALIGN_RATE (``_align``) and for the SLO
counters (``_slo_counts``), so charts, alerts and SLOs count the same events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Increment", "increments"]

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Increment(Generic[V]):
    """``value`` added over ``(after, until]``."""

    after: int
    until: int
    value: V


def increments(
    points: Sequence[tuple[int, int, V]],
    cumulative: bool,
    minus: Callable[[V, V], V],
    dropped: Callable[[V, V], bool],
) -> list[Increment[V]]:
    """The increments of ``points`` — ``(end, start, value)``, oldest first. ``minus(new, old)`` is
    the growth between two values; ``dropped(new, old)`` says the counter went down (a restart)."""
    out: list[Increment[V]] = []
    previous: tuple[int, int, V] | None = None
    for end, start, value in points:
        if not cumulative:
            out.append(Increment(start, end, value))
        elif previous is not None and previous[1] == start and not dropped(value, previous[2]):
            out.append(Increment(previous[0], end, minus(value, previous[2])))
        else:
            out.append(Increment(start if previous is None else max(start, previous[0]), end, value))
        previous = (end, start, value)
    return out
