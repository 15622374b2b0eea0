"""Settlement: which events are settled — published, spooled or dropped — and how, for ``flush``.

Events are numbered 0, 1, 2, … in the order they leave the caller's buffer, and settle in ranges,
one per packed message. Ranges may settle out of order (a newer message is spilled while an older
one is still in flight), so the ledger keeps a *prefix* — every event below it is settled — and
the ranges settled past it. A waiting ``flush`` or ``stop`` opens a :class:`Tally` of the events
recorded before it; each range that joins the prefix adds to every open tally, so a flush reports
how its own events ended without keeping a record per event.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from .options import FlushResult

__all__ = ["OUTCOMES", "Outcome", "Settlement", "Tally"]

Outcome = Literal["published", "spooled", "dropped"]
OUTCOMES: tuple[Outcome, ...] = ("published", "spooled", "dropped")


@dataclass(slots=True, eq=False)  # identity: two waiters may count the same range
class Tally:
    """How the events numbered [start, target) were settled, for one waiting flush or stop."""

    start: int
    target: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    @property
    def empty(self) -> bool:
        return self.start >= self.target

    def add(self, low: int, high: int, outcome: str) -> None:
        overlap = min(high, self.target) - max(low, self.start)
        if overlap > 0:
            self.counts[outcome] += overlap

    def result(self, ahead: dict[int, tuple[int, str]]) -> FlushResult:
        """Counted so far, plus the settled ranges past the prefix (a flush that timed out)."""
        counts = dict(self.counts)
        for low, (high, outcome) in ahead.items():
            overlap = min(high, self.target) - max(low, self.start)
            if overlap > 0:
                counts[outcome] += overlap
        settled = counts["published"] + counts["spooled"]
        return FlushResult(counts["published"], counts["spooled"], self.target - self.start - settled)


class Settlement:
    """The ledger of settled ranges, the open tallies, and the process's running counts."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._prefix = 0  # every event numbered below this is settled
        self._ahead: dict[int, tuple[int, str]] = {}  # settled ranges past the prefix: start -> (end, how)
        self._tallies: list[Tally] = []
        self.published = 0  # includes replays of spooled messages
        self.dropped = 0

    @property
    def prefix(self) -> int:
        return self._prefix

    @property
    def waiting(self) -> int:
        """Flushes (and a stop) waiting for their events: the sender hurries while there are any."""
        return len(self._tallies)

    def is_settled(self, first: int) -> bool:
        """Whether the range starting at event ``first`` (one packed message's) is settled."""
        with self._cv:
            return first < self._prefix or first in self._ahead

    def settle(self, first: int, count: int, outcome: Outcome) -> bool:
        """Record how the events [first, first + count) ended. A range settles once: when two
        paths race (a stuck call returns after the exit path spooled its message), the second
        changes nothing and gets False."""
        with self._cv:
            if first < self._prefix or first in self._ahead:
                return False
            if outcome == "dropped":
                self.dropped += count
            elif outcome == "published":
                self.published += count
            self._ahead[first] = (first + count, outcome)
            while self._prefix in self._ahead:
                end, how = self._ahead.pop(self._prefix)
                for tally in self._tallies:
                    tally.add(self._prefix, end, how)
                self._prefix = end
            self._cv.notify_all()
            return True

    def replayed(self, count: int) -> None:
        """Spooled events (numbered by the process that spooled them) that are now published."""
        with self._cv:
            self.published += count

    @contextmanager
    def tally(self, target: int) -> Iterator[Tally]:
        """Count, while the block runs, how the events below ``target`` not yet settled end."""
        with self._cv:
            tally = Tally(min(self._prefix, target), target)
            self._tallies.append(tally)
        try:
            yield tally
        finally:
            with self._cv:
                self._tallies.remove(tally)

    def wait(self, tally: Tally, timeout: float | None) -> FlushResult:
        """Wait up to ``timeout`` until every event of ``tally`` is settled; how they ended."""
        with self._cv:
            self._cv.wait_for(lambda: self._prefix >= tally.target, timeout)
            return tally.result(self._ahead)

    def result(self, tally: Tally) -> FlushResult:
        with self._cv:
            return tally.result(self._ahead)
