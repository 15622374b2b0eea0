"""What a local stack started, on disk, and how to end it: one JSON record per stack directory.

The supervisor writes the record (atomically) the moment it starts anything, so whatever a start
left behind — a crashed supervisor, a Ctrl-C, a failed provisioning — can be found and stopped by
the next ``up`` or ``down``. Each process was started in its own session, so its pid is its
process group's id; stopping signals the whole group (gcloud's Java child included). A group is
only signalled while its leader is still the process recorded (same start time) or gone: a pid the
system has since given to someone else is left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ProcessEntry", "StackRecord", "alive", "process_start", "stop_group"]

_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessEntry:
    """One started process: its role, pid (= process group id) and start time (clock ticks since boot)."""

    role: str
    pid: int
    started: int | None
    label: str


@dataclass
class StackRecord:
    """Everything ``down`` needs, and everything ``up`` prints again when the stack is already up."""

    phase: str = "starting"  # starting | ready | failed
    error: str | None = None
    project: str = ""
    interval_s: float = 60.0
    evaluate_every_s: float = 60.0
    forecast_every_s: float = 300.0
    window_s: int | None = None  # the collector's HELIOS_WINDOW_SECONDS when the stack set it
    started_at: float = field(default_factory=time.time)
    endpoints: dict[str, str] = field(default_factory=dict)  # console, pubsub, monitoring, collector, report, receiver
    processes: list[ProcessEntry] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> StackRecord | None:
        """The record at ``path``, or None when there is none (or it is unreadable: then nothing can be trusted)."""
        try:
            raw: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        processes = [ProcessEntry(**entry) for entry in raw.pop("processes", [])]
        known = {key: value for key, value in raw.items() if key in cls.__dataclass_fields__}
        return cls(**known, processes=processes)

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old record or the new one, never half of one."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(asdict(self), indent=1))
        os.replace(partial, path)

    def add(self, role: str, pid: int, label: str) -> ProcessEntry:
        """Record a process just started (replacing an earlier one in the same role, e.g. a restart)."""
        entry = ProcessEntry(role=role, pid=pid, started=process_start(pid), label=label)
        self.processes = [p for p in self.processes if p.role != role] + [entry]
        return entry

    def running(self) -> list[ProcessEntry]:
        return [entry for entry in self.processes if alive(entry)]


def process_start(pid: int) -> int | None:
    """The start time of ``pid`` in clock ticks since boot (``/proc/<pid>/stat`` field 22), or None."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) ": state is field 3
    return int(fields[19])


def _group_members(pgid: int) -> list[int] | None:
    """Live (non-zombie) processes of group ``pgid``, from /proc; None where there is no /proc."""
    if not _PROC.is_dir():
        return None
    members = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _ours(entry: ProcessEntry) -> bool:
    """Whether the group may be signalled: its leader is the process recorded, or has exited."""
    now = process_start(entry.pid)
    return now is None or entry.started is None or now == entry.started


def alive(entry: ProcessEntry) -> bool:
    """Whether any process of the recorded group still runs (zombies do not count)."""
    if not _ours(entry):
        return False
    members = _group_members(entry.pid)
    if members is not None:
        return bool(members)
    try:
        os.killpg(entry.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def stop_group(entry: ProcessEntry, grace_s: float = 10.0) -> bool:
    """SIGTERM the group, SIGKILL it after ``grace_s``; True if anything of it was running."""
    if not alive(entry):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(entry.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and alive(entry):
        time.sleep(0.05)
    if alive(entry):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(entry.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and alive(entry):
            time.sleep(0.05)
    return True


@dataclass
class UpResult:
    record: StackRecord
    started: bool  # False: it was already up, nothing was started
    cleaned: list[ProcessEntry] = field(default_factory=list)  # what a broken earlier stack left, stopped
    note: str | None = None  # why that earlier stack was no longer whole


@dataclass
class DownResult:
    stopped: list[ProcessEntry]
    recorded: bool  # False: there was no record at all
    note: str | None = None
