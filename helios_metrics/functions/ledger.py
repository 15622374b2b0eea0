"""What this collector has already written, so redelivered messages are counted once.

A message is known by its ``(producer, batch)``: every copy of it — a Pub/Sub redelivery, or a
batch both published and spooled by a publisher under stress — carries the same one. ``completed``
remembers messages whose every contribution was written; ``partial`` remembers, for messages a
transient failure left unacked, which (metric, labels, window) contributions were written already.
In memory, per instance; with a :class:`~helios_metrics.functions.journal.Journal` the changes of each run are
also made durable, so a collector restarted after a crash starts where the dead one stopped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from .contribution import Contribution

__all__ = ["Ledger", "LedgerChanges", "LedgerUpdate", "LedgerView", "MessageKey"]

MessageKey = tuple[str, int]
"""A message's ``(producer, batch)``: the same for every copy of it."""
LedgerChanges = tuple[list[MessageKey], dict[MessageKey, set[Contribution]]]
"""Completed keys (in order) and partial notes since the last :meth:`Ledger.take_changes`."""


@dataclass(frozen=True)
class LedgerUpdate:
    """What a decision records: messages now done, and contributions written for messages that
    are not (a redelivery skips them). Completion wins over a note of the same message."""

    completed: tuple[MessageKey, ...] = ()
    written: Mapping[MessageKey, frozenset[Contribution]] = field(default_factory=dict)

    def __add__(self, other: LedgerUpdate) -> LedgerUpdate:
        written = dict(self.written)
        for key, contributions in other.written.items():
            written[key] = written.get(key, frozenset()) | contributions
        return LedgerUpdate(self.completed + other.completed, written)


class LedgerView(Protocol):
    """What the decisions read of the ledger."""

    def is_completed(self, key: MessageKey) -> bool: ...

    def written_for(self, key: MessageKey) -> frozenset[Contribution]: ...


class Ledger:
    def __init__(self, max_completed: int = 500_000, track_changes: bool = False) -> None:
        self._lock = threading.Lock()
        self._completed: OrderedDict[MessageKey, None] = OrderedDict()
        self._partial: dict[MessageKey, set[Contribution]] = {}
        self._max = max_completed
        self._track = track_changes
        self._new_completed: list[MessageKey] = []
        self._new_partial: dict[MessageKey, set[Contribution]] = {}

    def is_completed(self, key: MessageKey) -> bool:
        with self._lock:
            return key in self._completed

    def written_for(self, key: MessageKey) -> frozenset[Contribution]:
        with self._lock:
            return frozenset(self._partial.get(key, ()))

    def apply(self, update: LedgerUpdate) -> None:
        """Record a decision's update: its notes, then its completions."""
        for key, contributions in update.written.items():
            self.note_written(key, contributions)
        for key in update.completed:
            self.complete(key)

    def complete(self, key: MessageKey) -> None:
        with self._lock:
            self._complete(key)
            if self._track:
                self._new_partial.pop(key, None)
                self._new_completed.append(key)

    def _complete(self, key: MessageKey) -> None:
        self._partial.pop(key, None)
        self._completed[key] = None
        self._completed.move_to_end(key)
        while len(self._completed) > self._max:
            self._completed.popitem(last=False)

    def note_written(self, key: MessageKey, contributions: Iterable[Contribution]) -> None:
        contributions = set(contributions)
        with self._lock:
            self._partial.setdefault(key, set()).update(contributions)
            if self._track and contributions:
                self._new_partial.setdefault(key, set()).update(contributions)

    def take_changes(self) -> LedgerChanges:
        """What changed since the last call (only with ``track_changes``), for the journal."""
        with self._lock:
            changes = self._new_completed, self._new_partial
            self._new_completed, self._new_partial = [], {}
            return changes

    def snapshot(self) -> LedgerChanges:
        """Everything it holds, oldest completed first (what a compacted journal keeps)."""
        with self._lock:
            return list(self._completed), {k: set(v) for k, v in self._partial.items()}

    def restore(self, completed: Iterable[MessageKey], partial: dict[MessageKey, set[Contribution]]) -> None:
        """Load a journal's state (not tracked as changes: it is durable already)."""
        with self._lock:
            for key in completed:
                self._complete(key)
            for key, contributions in partial.items():
                if key not in self._completed:
                    self._partial.setdefault(key, set()).update(contributions)
