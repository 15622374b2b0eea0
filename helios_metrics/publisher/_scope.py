"""One shape for ``metrics.stage(...)`` and ``metrics.run()``: a block that is a context manager,
an async context manager and a decorator of functions and coroutine functions alike.

A subclass writes ``__enter__``, ``__exit__`` and :meth:`Scope.fresh`; the async forms and the
decorator come from here. A decorated function opens a fresh scope per call, so concurrent calls
never share one.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Generic, Literal, ParamSpec, TypeVar, overload

__all__ = ["Scope"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class Scope(Generic[T]):
    """A block whose ``with``/``async with`` value is a ``T``; also a decorator."""

    def __enter__(self) -> T:
        raise NotImplementedError

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        raise NotImplementedError

    def fresh(self) -> Scope[T]:
        """A new, unopened scope like this one: what each call of a decorated function runs in."""
        raise NotImplementedError

    async def __aenter__(self) -> T:
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
        """Decorate a function or coroutine function: each call runs in a scope of its own."""
        fresh = self.fresh
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def scoped_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                async with fresh():
                    return await func(*args, **kwargs)

            return scoped_async

        @functools.wraps(func)
        def scoped(*args: P.args, **kwargs: P.kwargs) -> Any:
            with fresh():
                return func(*args, **kwargs)

        return scoped
