"""``metrics.stage("name")``: time a block or a function as one stage execution."""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, overload

if TYPE_CHECKING:
    from .metrics_publisher import MetricsPublisher

__all__ = ["StageTimer"]

_log = logging.getLogger("publisher")
P = ParamSpec("P")
R = TypeVar("R")


class StageTimer:
    """A context manager (sync and async) and decorator recording one ``record_stage_metric``.

    The block's duration is measured with a monotonic clock; an exception marks the stage as
    failed, counts as one more error, and is re-raised — and so fails the current pipeline run
    (see ``MetricsPublisher.run``), even when the stage's own metrics were invalid. Inside the
    block, ``timer.data`` (or ``timer.add(key=value)``) collects additional data and
    ``timer.error_count`` counts handled errors (which leave the stage, and the run, successful).
    """

    def __init__(self, publisher: MetricsPublisher, name: str) -> None:
        publisher.validate_stage(name)
        self._publisher, self.name = publisher, name
        self.data: dict[str, float] = {}
        self.error_count = 0
        self._started: float | None = None

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
            self._publisher.record_stage_metric(
                self.name,
                duration,
                success=not failed,
                error_count=self.error_count + (1 if failed else 0),
                additional_data=self.data or None,
            )
        except ValueError:
            if not failed:
                raise
            self._publisher._runs.stage_failed()  # the stage failed even if its metrics were bad
            _log.exception("stage %s: its metrics were invalid; the stage's own exception follows", self.name)
        return False

    async def __aenter__(self) -> StageTimer:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        return self.__exit__(exc_type, exc, tb)

    @overload
    def __call__(self, func: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]: ...

    @overload
    def __call__(self, func: Callable[P, R]) -> Callable[P, R]: ...

    def __call__(self, func: Callable[P, Any]) -> Callable[P, Any]:
        """Decorate a function or coroutine function: each call is timed as one stage run."""
        publisher, name = self._publisher, self.name
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def timed_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                async with StageTimer(publisher, name):
                    return await func(*args, **kwargs)

            return timed_async

        @functools.wraps(func)
        def timed(*args: P.args, **kwargs: P.kwargs) -> Any:
            with StageTimer(publisher, name):
                return func(*args, **kwargs)

        return timed
