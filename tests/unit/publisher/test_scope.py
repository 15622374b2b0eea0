"""The shape ``stage()`` and ``run()`` share, alone: one subclass is a context manager, an async
context manager and a decorator of functions and coroutines, with a fresh scope per call; and a
stage timer works for any recorder, not only the publisher."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Literal

import pytest

from helios_metrics.publisher._run_outcome import RunTracker
from helios_metrics.publisher._scope import Scope
from helios_metrics.publisher._stage_timer import StageTimer


class Traced(Scope[str]):
    def __init__(self, log: list[str], name: str = "scope") -> None:
        self.log, self.name, self.opened = log, name, False

    def fresh(self) -> Traced:
        return Traced(self.log, f"{self.name}'")

    def __enter__(self) -> str:
        assert not self.opened, "a scope is opened once: decorated calls each get a fresh one"
        self.opened = True
        self.log.append(f"enter {self.name}")
        return self.name

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        self.log.append(f"exit {self.name} {exc_type.__name__ if exc_type else 'ok'}")
        return False


def test_with_and_async_with_enter_and_exit_once_and_never_swallow():
    log: list[str] = []
    with Traced(log) as value:
        assert value == "scope"

    async def main() -> None:
        async with Traced(log, "async") as value:
            assert value == "async"
        with pytest.raises(KeyError):
            async with Traced(log, "failing"):
                raise KeyError("x")

    asyncio.run(main())
    assert log == [
        "enter scope",
        "exit scope ok",
        "enter async",
        "exit async ok",
        "enter failing",
        "exit failing KeyError",
    ]


def test_a_decorated_function_or_coroutine_runs_each_call_in_a_fresh_scope():
    log: list[str] = []
    scope = Traced(log)

    @scope
    def double(x: int) -> int:
        log.append("body")
        return 2 * x

    @scope
    async def triple(x: int) -> int:
        await asyncio.sleep(0)
        return 3 * x

    assert double(2) == 4
    assert double(3) == 6
    assert asyncio.run(triple(1)) == 3
    assert double.__name__ == "double"
    assert asyncio.iscoroutinefunction(triple)
    assert log == ["enter scope'", "body", "exit scope' ok"] * 2 + ["enter scope'", "exit scope' ok"]
    assert not scope.opened  # the decorating scope itself is never opened


class Recorder:
    """Anything with the two calls a timer makes: no publisher, no Pub/Sub."""

    def __init__(self) -> None:
        self.records: list[tuple] = []

    def validate_stage(self, name: str) -> None:
        if not name.islower():
            raise ValueError(f"stage {name!r}")

    def record_stage_metric(self, stage, duration, success=True, error_count=0, additional_data=None) -> None:
        self.records.append((stage, duration >= 0, success, error_count, additional_data))


def test_a_stage_timer_records_through_any_recorder():
    recorder, runs = Recorder(), RunTracker()
    with StageTimer(recorder, runs, "trend_discovery") as stage:
        stage.add(trends_found=12)
    with pytest.raises(RuntimeError), StageTimer(recorder, runs, "publication"):
        raise RuntimeError("boom")
    assert recorder.records == [
        ("trend_discovery", True, True, 0, {"trends_found": 12}),
        ("publication", True, False, 1, None),
    ]
    with pytest.raises(ValueError, match="Bad"):
        StageTimer(recorder, runs, "Bad")
