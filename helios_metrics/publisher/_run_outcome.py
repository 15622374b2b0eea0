"""Whether a pipeline run succeeded, when the caller does not say: the run's stages decide.

The Helios monitoring design's ``record_pipeline_metric`` has no ``success`` argument; its stages
carry ``success=bool``. So a run fails when one of its stages was recorded with ``success=False``,
and ``record_pipeline_metric`` ends the run (the next stage starts a new one). Which stages belong
to a run:

* inside ``with metrics.run():`` (or ``async with``) — every stage recorded in the block, including
  in tasks and ``asyncio.to_thread`` calls started inside it (they carry a copy of its context);
* otherwise — the stages recorded by the same asyncio task, or the same thread outside any task,
  since its last pipeline metric. A task does not inherit a failure its parent recorded.

The state lives in a ``ContextVar`` so concurrent runs never mix. Only a failed stage and the
pipeline metric touch it: recording a successful stage costs nothing extra.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Literal

from ._scope import Scope

__all__ = ["Run", "RunScope", "RunTracker"]

_log = logging.getLogger("publisher")


def _owner() -> object:
    """The asyncio task running this code, else the thread's id: who owns an implicit run.
    (``_get_running_loop`` is asyncio's exported no-raise lookup: a raised RuntimeError costs 1 µs.)"""
    loop = asyncio._get_running_loop()
    task = None if loop is None else asyncio.current_task(loop)
    return threading.get_ident() if task is None else task


class Run:
    """One run's outcome so far. ``failed``: a stage of this run was recorded with success=False
    and no pipeline metric has been recorded since."""

    __slots__ = ("failed", "owner")

    def __init__(self, owner: object | None, failed: bool = False) -> None:
        self.owner = owner  # None: opened by run(), shared by everything started inside it
        self.failed = failed


class RunTracker:
    """The current run of each context, for one publisher (two publishers never share runs)."""

    def __init__(self) -> None:
        self.current: ContextVar[Run | None] = ContextVar("helios_run", default=None)

    def stage_failed(self) -> None:
        """A stage of the current run was recorded with success=False."""
        run = self.current.get()
        if run is not None and run.owner is None:
            run.failed = True  # the scope's run: shared on purpose
            return
        owner = _owner()
        if run is None or run.owner != owner:  # none yet, or inherited from the task that started this one
            self.current.set(Run(owner, failed=True))

    def finish(self, success: object) -> bool:
        """The outcome of the run a pipeline metric is being recorded for (``success`` if given),
        and the run's end. ``success`` must be True, False or None; checked before anything changes."""
        if success is not None and success is not True and success is not False:
            raise ValueError(f"success must be True or False (or None: the run's stages decide), got {success!r}")
        run = self.current.get()
        if run is None:
            return True if success is None else success
        if run.owner is None:
            failed, run.failed = run.failed, False  # the scope goes on: its next stage starts a new run
        else:
            failed = run.owner == _owner()  # implicit runs exist only once a stage failed
            self.current.set(None)
        return (not failed) if success is None else success

    def scope(self) -> RunScope:
        return RunScope(self)


class RunScope(Scope[Run]):
    """``with metrics.run():`` / ``async with monitor.run():`` / ``@metrics.run()``: one explicit run.

    Stages recorded anywhere the block's context reaches — the block itself, tasks created in it,
    ``asyncio.to_thread`` — belong to this run. A thread started with ``threading.Thread`` or an
    executor's ``submit``/``run_in_executor`` starts with an empty context: open ``run()`` in it,
    or pass ``contextvars.copy_context().run``. The block may record several pipeline metrics (a
    loop): each ends a run and the next stage starts another. On exit the previous run of the
    context is current again; a failed stage not yet followed by a pipeline metric is forgotten
    and logged as a warning (no run is counted without its pipeline metric).
    """

    def __init__(self, tracker: RunTracker) -> None:
        self._tracker = tracker
        self._token: Token[Run | None] | None = None
        self._previous: Run | None = None
        self._run: Run | None = None

    def fresh(self) -> RunScope:
        return RunScope(self._tracker)

    def __enter__(self) -> Run:
        if self._token is not None:
            raise RuntimeError("this run scope is already open: call run() once per run")
        var = self._tracker.current
        self._previous = var.get()
        self._run = run = Run(None)
        self._token = var.set(run)
        return run

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        token, run = self._token, self._run
        self._token = self._run = None
        var = self._tracker.current
        try:
            if token is not None:
                var.reset(token)
        except ValueError:  # exited in another context than it was entered in
            var.set(self._previous)
        if run is not None and run.failed:
            _log.warning(
                "a pipeline run ended without record_pipeline_metric after a failed stage: not counted in "
                "pipeline_runs (record the pipeline metric in a finally: block to count it)"
            )
        return False
