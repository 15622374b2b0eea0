"""The ledger on disk: what a collector wrote, durable before it acknowledges, so that a collector
that dies between writing and acknowledging does not make its successor count the messages again.

An append-only file of JSON lines, fsynced at each step of a run:

- ``intent``, before the points are written: which points (metric type, labels, ``task_id``, end
  time) the run is about to write, and which messages' events are in each;
- ``done``, after the write and before the acknowledgement: the messages completed and the
  contributions written for the ones handed back.

An intent without its ``done`` is a run that died mid-write: the next collector asks Monitoring
which of its points exist (a point's series and end time are written once, so its presence is
proof) and records the answer before it pulls anything. A *question* (an intent marked
``"question": true``, :attr:`Intent.question`) is the same asked on purpose: the points of a
finished run whose fate stayed unknown, which the next run — or a successor — reads back
(present, they count as written; they never complete a message on their own). Plain file I/O;
the decisions are the collector's. One collector per journal at a time (an exclusive ``flock`` on
``<file>.lock``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .contribution import Contribution
from .ledger import LedgerChanges, MessageKey

__all__ = ["IntendedPoint", "Intent", "Journal", "JournalBusy", "JournalState"]

_COMPACT_AT_BYTES = 4 * 1024 * 1024  # or twice the last compacted size, whichever is larger


class JournalBusy(RuntimeError):
    """Another live collector holds this journal."""


@dataclass(frozen=True)
class IntendedPoint:
    metric_type: str
    metric_labels: dict[str, str]
    task_id: str
    end_ns: int
    contribution: Contribution


@dataclass
class Intent:
    run: str
    points: list[IntendedPoint]
    messages: dict[MessageKey, list[int]]
    """Each message's points, as indexes into ``points``."""
    awaiting_letter: set[MessageKey] = field(default_factory=set)
    """Messages that also need a dead letter: their points landing does not complete them."""
    question: bool = False
    """Only some of each message's points (a read-back question): landing completes nothing."""


@dataclass
class JournalState:
    completed: list[MessageKey] = field(default_factory=list)
    partial: dict[MessageKey, set[Contribution]] = field(default_factory=dict)
    open_intents: list[Intent] = field(default_factory=list)


def _contribution(raw: list[Any]) -> Contribution:
    return Contribution(raw[0], tuple(raw[1]), int(raw[2]))


def _raw(contribution: Contribution) -> list[Any]:
    """``[metric, [label values], window end ns]``: how the file keeps a contribution."""
    return [contribution.metric, list(contribution.labels), contribution.window_end_ns]


def _key(raw: list[Any]) -> MessageKey:
    return str(raw[0]), int(raw[1])


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115 - held for our lifetime
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise JournalBusy(f"{path} is held by another collector") from None
        self._file: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115
        self._compacted_bytes = 0

    # --- reading ----------------------------------------------------------------------------
    def load(self) -> JournalState:
        """Replay the file: the ledger it describes and the intents that never got their ``done``
        (a torn last line, from a crash mid-append, is ignored: its fsync never returned)."""
        completed: dict[MessageKey, None] = {}
        partial: dict[MessageKey, set[Contribution]] = {}
        intents: dict[str, Intent] = {}
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if "intent" in record:
                    points = [IntendedPoint(p[0], p[1], p[2], int(p[3]), _contribution(p[4])) for p in record["points"]]
                    messages = {_key(m[0]): list(m[1]) for m in record["messages"]}
                    awaiting = {_key(k) for k in record.get("lettered", ())}
                    question = bool(record.get("question", False))
                    intents[record["intent"]] = Intent(record["intent"], points, messages, awaiting, question)
                    continue
                intents.pop(record.get("done", ""), None)
                for raw in record.get("completed", ()):
                    key = _key(raw)
                    partial.pop(key, None)
                    completed.pop(key, None)
                    completed[key] = None
                for raw_key, contributions in record.get("partial", ()):
                    key = _key(raw_key)
                    if key not in completed:
                        partial.setdefault(key, set()).update(_contribution(c) for c in contributions)
        return JournalState(list(completed), partial, list(intents.values()))

    # --- writing ----------------------------------------------------------------------------
    def intend(self, intent: Intent) -> None:
        self._append(
            {
                "intent": intent.run,
                "points": [
                    [p.metric_type, p.metric_labels, p.task_id, p.end_ns, _raw(p.contribution)] for p in intent.points
                ],
                "messages": [[list(key), indexes] for key, indexes in intent.messages.items()],
                "lettered": [list(key) for key in intent.awaiting_letter],
                **({"question": True} if intent.question else {}),
            }
        )

    def record(self, run: str, changes: LedgerChanges) -> None:
        """The run's outcome: it closes the run's intent."""
        completed, partial = changes
        self._append({"done": run, "completed": [list(k) for k in completed], "partial": _partial(partial)})

    def compact_if_large(self, snapshot: Callable[[], LedgerChanges], force: bool = False) -> None:
        """Rewrite the file as one record of the whole ledger once it has grown past 4 MB and
        twice its last compacted size (on a Cloud Storage volume every fsync uploads the file)."""
        if not force and self.path.stat().st_size < max(_COMPACT_AT_BYTES, 2 * self._compacted_bytes):
            return
        completed, partial = snapshot()
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"completed": [list(k) for k in completed], "partial": _partial(partial)}) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        _fsync_directory(self.path.parent)
        self._compacted_bytes = self.path.stat().st_size
        self._file.close()
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    def _append(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()


def _partial(partial: Mapping[MessageKey, Iterable[Contribution]]) -> list[Any]:
    return [[list(key), [_raw(c) for c in contributions]] for key, contributions in partial.items()]


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
