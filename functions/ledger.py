"""What this collector instance has already written, so redelivered messages are counted once.

A message is known by its ``(producer, batch)``: every copy of it — a Pub/Sub redelivery, or a
batch both published and spooled by a publisher under stress — carries the same one. ``completed``
remembers messages whose every contribution was written; ``partial`` remembers, for messages a
transient failure left unacked, which (metric, labels, window) contributions were written already.
In memory, per instance: a new instance starts empty (see the README's guarantees).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from .aggregate import ContributionKey

__all__ = ["Ledger", "MessageKey"]

MessageKey = tuple[str, int]


class Ledger:
    def __init__(self, max_completed: int = 500_000) -> None:
        self._lock = threading.Lock()
        self._completed: OrderedDict[MessageKey, None] = OrderedDict()
        self._partial: dict[MessageKey, set[ContributionKey]] = {}
        self._max = max_completed

    def is_completed(self, key: MessageKey) -> bool:
        with self._lock:
            return key in self._completed

    def written_for(self, key: MessageKey) -> frozenset[ContributionKey]:
        with self._lock:
            return frozenset(self._partial.get(key, ()))

    def complete(self, key: MessageKey) -> None:
        with self._lock:
            self._partial.pop(key, None)
            self._completed[key] = None
            self._completed.move_to_end(key)
            while len(self._completed) > self._max:
                self._completed.popitem(last=False)

    def note_written(self, key: MessageKey, contributions: Iterable[ContributionKey]) -> None:
        with self._lock:
            self._partial.setdefault(key, set()).update(contributions)
