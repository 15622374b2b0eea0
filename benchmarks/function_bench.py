"""The deployed function's start-up: a fresh functions-framework process serving ``main.py``,
timed from spawn to the answer of its first ``collect_metrics`` (empty subscription), beside a
bare functions-framework app that answers "ok" — plus a warm invocation, which the cost model
bills once a minute.

    python -m benchmarks.function_bench [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks._stack import emulator_stack, stack_env
from helios_metrics.monitoring_emulator.launch import ManagedProcess, start_function

__all__ = ["cold_starts"]

REPO = Path(__file__).resolve().parent.parent
_BARE = 'import functions_framework\n\n\n@functions_framework.http\ndef ok(request):\n    return "ok"\n'


def _first_answer(url: str, process: ManagedProcess, deadline_s: float = 60) -> None:
    """POST until the server answers; connection refused means it is still starting."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"the function exited: {process.log_tail()}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=b"{}", method="POST"), timeout=60) as reply:
                if reply.status != 200:
                    raise RuntimeError(f"the function answered {reply.status}")
                return
        except urllib.error.URLError as err:
            if not isinstance(err.reason, ConnectionRefusedError):
                raise
            time.sleep(0.005)
    raise RuntimeError("the function did not answer within the deadline")


def _timed(source: Path, target: str, env: dict[str, str], log: Path, warm: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    process, url = start_function(source, target, env, log)
    try:
        _first_answer(url, process)
        cold = time.perf_counter() - started
        warms = []
        for _ in range(warm):
            began = time.perf_counter()
            _first_answer(url, process)
            warms.append(time.perf_counter() - began)
        return cold, warms
    finally:
        process.stop()


def cold_starts(repeats: int, work: Path) -> dict[str, float]:
    """Median cold start of ours and of the bare app, and our median warm idle invocation."""
    work.mkdir(parents=True, exist_ok=True)
    bare = work / "bare" / "main.py"
    bare.parent.mkdir(exist_ok=True)
    bare.write_text(_BARE)
    with emulator_stack(work, "bench-cold") as (settings, _):
        env = stack_env(settings)
        ours, anchor, warm = [], [], []
        for _ in range(repeats):  # interleaved, so a slow phase of the machine hits both
            cold, warms = _timed(REPO / "main.py", "collect_metrics", env, work / "ours.log", warm=2)
            ours.append(cold)
            warm.extend(warms)
            anchor.append(_timed(bare, "ok", env, work / "bare.log", warm=0)[0])
        return {
            "ours_s": statistics.median(ours),
            "bare_s": statistics.median(anchor),
            "warm_idle_s": statistics.median(warm),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    figures = cold_starts(args.repeats, Path(tempfile.mkdtemp(prefix="bench-function-")))
    print(
        f"cold start: ours {figures['ours_s']:.2f} s, bare functions-framework app {figures['bare_s']:.2f} s "
        f"({figures['ours_s'] / figures['bare_s']:.2f}x); warm idle collect_metrics {figures['warm_idle_s']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
