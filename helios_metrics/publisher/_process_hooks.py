"""One fork hook and one exit hook for every open publisher of the process.

They are installed when the first publisher is built (never at import), so building many leaves
no callback per instance: a forked child gives each publisher fresh per-process state, and the
interpreter's exit closes each (flush, then spool what is left).
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from typing import Protocol

__all__ = ["ProcessBound", "forget", "register"]


class ProcessBound(Protocol):
    def after_fork_in_child(self) -> None:
        """Start over in a forked child: the parent publishes what it recorded."""

    def close_at_exit(self) -> None:
        """Flush within the exit timeout; spool what is left; stop the threads."""


_LIVE: weakref.WeakSet[ProcessBound] = weakref.WeakSet()
_HOOKS_LOCK = threading.Lock()
_hooks_installed = False


def _after_fork_in_child() -> None:
    for member in list(_LIVE):
        member.after_fork_in_child()


def _close_all_at_exit() -> None:
    for member in list(_LIVE):
        member.close_at_exit()


def register(member: ProcessBound) -> None:
    """Serve ``member`` from the process's hooks, installing them on the first call."""
    global _hooks_installed
    with _HOOKS_LOCK:
        if not _hooks_installed:
            os.register_at_fork(after_in_child=_after_fork_in_child)
            atexit.register(_close_all_at_exit)
            _hooks_installed = True
    _LIVE.add(member)


def forget(member: ProcessBound) -> None:
    _LIVE.discard(member)
