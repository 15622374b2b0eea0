"""``metrics.stage("name")``: time a block or a function as one stage execution."""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import Literal, Protocol

from ._run_outcome import RunTracker
from ._scope import Scope

__all__ = ["StageRecorder", "StageTimer"]

_log = logging.getLogger("publisher")


class StageRecorder(Protocol):
    """What a timer needs of the publisher: the two calls a hand-written stage record makes."""

    def validate_stage(self, name: str) -> None: ...

    def record_stage_metric(
        self,
        stage: str,
        duration: float,
        success: bool = ...,
        error_count: int = ...,
        additional_data: dict[str, float] | None = ...,
    ) -> None: ...


class StageTimer(Scope["StageTimer"]):
    """A context manager (sync and async) and decorator recording one ``record_stage_metric``.

    The block's duration is measured with a monotonic clock; an exception marks the stage as
    failed, counts as one more error, and is re-raised — and so fails the current pipeline run
    (see ``MetricsPublisher.run``), even when the stage's own metrics were invalid. Inside the
    block, ``timer.data`` (or ``timer.add(key=value)``) collects additional data and
    ``timer.error_count`` counts handled errors (which leave the stage, and the run, successful).
    """

    def __init__(self, recorder: StageRecorder, runs: RunTracker, name: str) -> None:
        recorder.validate_stage(name)
        self._recorder, self._runs, self.name = recorder, runs, name
        self.data: dict[str, float] = {}
        self.error_count = 0
        self._started: float | None = None

    def fresh(self) -> StageTimer:
        return StageTimer(self._recorder, self._runs, self.name)

    def add(self, **data: float) -> None:
        self.data.update(data)

    def __enter__(self) -> StageTimer:
        self._started = time.perf_counter()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        duration = time.perf_counter() - (self._started or time.perf_counter())
        failed = exc_type is not None
        try:
            self._recorder.record_stage_metric(
                self.name,
                duration,
                success=not failed,
                error_count=self.error_count + (1 if failed else 0),
                additional_data=self.data or None,
            )
        except ValueError:
            if not failed:
                raise
            self._runs.stage_failed()  # the stage failed even if its metrics were bad
            _log.exception("stage %s: its metrics were invalid; the stage's own exception follows", self.name)
        return False
