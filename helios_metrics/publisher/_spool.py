"""The on-disk spool: encoded messages that could not be published yet, replayed oldest first.

One file per message, named ``<time_ns>-<producer>-<batch>-<events>.msg`` so a directory listing
sorts oldest first and tells the event count without reading. Files are written to a temporary
name and renamed, so a crash never leaves half a message. Several processes may share a spool
(a forked child, the next run of the program): a replayer claims a file by renaming it to
``….claimed-<pid>``; claims of processes that died are released when a spool is opened.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from helios_metrics.contract.wire import EncodedMessage

__all__ = ["Spool", "SpooledMessage"]

_log = logging.getLogger("publisher")
_SUFFIX = ".msg"


@dataclass(frozen=True)
class SpooledMessage:
    path: Path
    message: EncodedMessage


def _is_spooled(name: str) -> bool:
    """A spooled message's file, claimed for replay or not."""
    return name.endswith(_SUFFIX) or f"{_SUFFIX}.claimed-" in name


def _events_in(name: str) -> int:
    try:
        return int(name.split(_SUFFIX)[0].rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Spool:
    def __init__(self, directory: Path, limit_bytes: int) -> None:
        self.directory = directory
        self.limit_bytes = limit_bytes
        self.directory.mkdir(parents=True, exist_ok=True)
        self.dropped_events = 0
        self._estimate: int | None = None  # bytes on disk as of the last scan, plus our own puts since
        self._puts_since_scan = 0
        self._release_dead_claims()

    def _release_dead_claims(self) -> None:
        for path in self.directory.glob(f"*{_SUFFIX}.claimed-*"):
            pid = path.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not _pid_alive(int(pid)):
                with contextlib.suppress(OSError):
                    path.rename(path.with_name(path.name.split(".claimed-")[0]))

    def _files(self) -> list[Path]:
        return sorted(p for p in self.directory.iterdir() if p.name.endswith(_SUFFIX))

    @staticmethod
    def has_backlog(directory: Path) -> bool:
        """Whether ``directory`` holds spooled messages, including ones a crashed process had
        claimed for replay (opening the spool releases those) — without opening it."""
        try:
            return any(_is_spooled(p.name) for p in directory.iterdir())
        except OSError:
            return False

    def backlog(self) -> tuple[int, int]:
        """``(messages, events)`` in the spool, claimed ones included (all processes sharing it)."""
        files = [p for p in self.directory.iterdir() if _is_spooled(p.name)]
        return len(files), sum(_events_in(p.name.split(".claimed-")[0]) for p in files)

    def put(self, message: EncodedMessage) -> None:
        """Store a message durably; past the size limit, evict (and count) the oldest first."""
        header = json.dumps(message.attributes).encode()
        body = header + b"\n" + message.data
        self._make_room(len(body))
        attrs = message.attributes
        name = f"{time.time_ns():020d}-{attrs['producer']}-{attrs['batch']}-{message.event_count}{_SUFFIX}"
        temporary = self.directory / f".{name}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.rename(self.directory / name)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()  # a full disk must not keep half-written files
            raise

    def _make_room(self, incoming: int) -> None:
        """Evict the oldest files when the spool would pass its limit. The directory is scanned
        only when the running estimate says the limit is near, or every 256 puts (other processes
        may share the spool): a scan per put made a long outage quadratic."""
        self._puts_since_scan += 1
        estimate = self._estimate
        if estimate is None or estimate + incoming > self.limit_bytes or self._puts_since_scan >= 256:
            estimate = self._scan_and_evict(incoming)
            self._puts_since_scan = 0
        self._estimate = estimate + incoming

    def _scan_and_evict(self, incoming: int) -> int:
        """The spool's bytes after evicting the oldest files until ``incoming`` fits."""
        files = self._files()
        sizes = {p: p.stat().st_size for p in files if p.exists()}
        total = sum(sizes.values())
        for path in files:
            if total + incoming <= self.limit_bytes:
                break
            lost = _events_in(path.name)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                total -= sizes.get(path, 0)
                self.dropped_events += lost
                _log.error(
                    "metrics spool over its limit of %d bytes: dropped %d events of %s (oldest first)",
                    self.limit_bytes,
                    lost,
                    path.name,
                )
        return total

    def claim_oldest(self, limit: int) -> list[SpooledMessage]:
        """Take up to ``limit`` oldest messages for replay; other processes skip claimed ones."""
        claimed_items: list[SpooledMessage] = []
        for path in self._files():
            if len(claimed_items) >= limit:
                break
            claimed = path.with_name(f"{path.name}.claimed-{os.getpid()}")
            try:
                path.rename(claimed)
            except FileNotFoundError:
                continue  # another process claimed it first
            header, _, data = claimed.read_bytes().partition(b"\n")
            attributes = json.loads(header)
            message = EncodedMessage(data, attributes, int(attributes.get("events", 0)))
            claimed_items.append(SpooledMessage(claimed, message))
        return claimed_items

    def done(self, item: SpooledMessage) -> None:
        item.path.unlink(missing_ok=True)

    def release(self, item: SpooledMessage) -> None:
        with contextlib.suppress(FileNotFoundError):
            item.path.rename(item.path.with_name(item.path.name.split(".claimed-")[0]))
