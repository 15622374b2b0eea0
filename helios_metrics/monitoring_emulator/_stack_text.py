"""What ``up``, ``down`` and ``env`` print: where each part of the stack runs and the lines to paste
into a shell."""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

from ._stack_record import DownResult, StackRecord, UpResult

__all__ = ["describe", "env_lines", "print_down", "print_up"]


def env_lines(record: StackRecord) -> list[str]:
    """The lines to paste into a shell so the publisher, ``setup_infra`` and ``functions`` use the stack."""
    values = {
        "GOOGLE_CLOUD_PROJECT": record.project,
        "PUBSUB_EMULATOR_HOST": record.endpoints.get("pubsub", ""),
        "MONITORING_EMULATOR_HOST": record.endpoints.get("monitoring", ""),
    }
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def describe(record: StackRecord, state_dir: str | os.PathLike[str]) -> list[str]:
    """What is running where, and the environment lines."""
    endpoints = record.endpoints
    every, evaluated = f"{record.interval_s:g} s", f"{record.evaluate_every_s:g} s"
    if record.window_s is not None:
        every += f" on the clock, a pass at every {record.window_s} s window's end"
    forecast = f"{record.forecast_every_s:g} s"
    return [
        f"  console     {endpoints.get('console', '?')}",
        f"  Pub/Sub     {endpoints.get('pubsub', '?')}  (the official emulator)",
        f"  Monitoring  {endpoints.get('monitoring', '?')}  (gRPC; alerts evaluated every {evaluated})",
        f"  collector   {endpoints.get('collector', '?')}  (functions-framework serving main.collect_metrics, "
        f"called every {every} as Cloud Scheduler would)",
        f"  report      {endpoints.get('report', '?')}  (functions-framework serving main.performance_report: "
        f"?window=1h; called with ?write_forecast=true every {forecast} as the forecast job would)",
        f"  webhook     {endpoints.get('receiver', '?')}  (the webhook channel's receiver; what it gets is appended "
        f"to {Path(state_dir) / 'webhooks.jsonl'})",
        f"  project     {record.project}",
        f"  logs        {Path(state_dir)}/",
        "To record metrics to it, paste into a shell:",
        *(f"  {line}" for line in env_lines(record)),
    ]


def print_up(result: UpResult, state_dir: str | os.PathLike[str], elapsed_s: float) -> None:
    """What ``up`` did: started, or found the stack up (and what a broken earlier one left)."""
    if result.cleaned or result.note:
        stopped = ", ".join(f"{entry.label} (pid {entry.pid})" for entry in result.cleaned) or "nothing was left"
        print(f"an earlier stack was no longer whole ({result.note}); stopped: {stopped}")
    if result.started:
        print(f"the local stack is up ({elapsed_s:.0f} s):")
    else:
        since = time.strftime("%H:%M:%S", time.localtime(result.record.started_at))
        print(f"the local stack is already up (since {since}): nothing started")
    print("\n".join(describe(result.record, state_dir)))
    print("make down stops it.")


def print_down(result: DownResult) -> None:
    """What ``down`` stopped, or why there was nothing to stop."""
    if result.stopped:
        print("stopped " + ", ".join(f"{entry.label} (pid {entry.pid})" for entry in result.stopped))
    elif result.recorded:
        print("nothing was running" + (f" (the stack had stopped: {result.note})" if result.note else ""))
    else:
        print("nothing is running (no stack recorded)")
