"""``make up`` / ``make down``: the production stack, locally, running until stopped.

``up`` starts a supervisor in its own session (see ``_stack_supervisor``): the official Pub/Sub
emulator, the Monitoring emulator with its console (alerts evaluated every minute), the collector
and the report function as deployed (functions-framework serving ``main.collect_metrics`` and
``main.performance_report``, provisioned by ``python -m setup_infra apply --yes``), each called on
a schedule as production's two Cloud Scheduler jobs do — the collector every minute, the report
with ``?write_forecast=true`` every 5 minutes — and the webhook receiver the webhook channel
points at. It waits until the stack is ready, prints its addresses and the lines to paste into a
shell, and returns; the stack keeps running. Run again, it says the stack is already up and
starts nothing. ``down`` stops every process group the stack record names — also those of a start
that failed or a supervisor that died.

The record and the logs live in one directory (``.helios-stack/`` in the checkout by default);
commands on the same directory take turns (a lock). A port the stack needs that is taken fails the
start in one line before anything runs. ``python -m helios_metrics.monitoring_emulator.stack up|down|env``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ._stack_options import PORT_CHOICE, StackError, add_up_arguments, config_from
from ._stack_record import DownResult, ProcessEntry, StackRecord, UpResult, alive, process_start, stop_group
from ._stack_supervisor import LABELS, RECORD_NAME, StackConfig, config_argument, local_channels
from ._stack_text import describe, env_lines, print_down, print_up
from .launch import port_in_use

__all__ = [
    "DEFAULT_STATE_DIR",
    "DownResult",
    "StackConfig",
    "StackError",
    "StackRecord",
    "UpResult",
    "add_up_arguments",
    "config_from",
    "describe",
    "down",
    "env_lines",
    "local_channels",
    "print_down",
    "print_up",
    "up",
]

_REPO = Path(__file__).resolve().parents[2]
DEFAULT_STATE_DIR = _REPO / ".helios-stack"
_LOCK_WAIT_S = 240.0


@contextlib.contextmanager
def _locked(state: Path) -> Iterator[None]:
    """One ``up``/``down`` at a time per stack directory; a second one waits its turn."""
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "w") as handle:
        deadline = time.monotonic() + _LOCK_WAIT_S
        waited = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StackError(
                        f"another make up/down on {state} has not finished within {_LOCK_WAIT_S:.0f} s"
                    ) from None
                if not waited:
                    print(f"waiting for another make up/down on {state} …", file=sys.stderr, flush=True)
                    waited = True
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _legacy(state: Path) -> list[ProcessEntry]:
    """Stop what an older ``make up`` recorded in a plain file at the directory's path (pids only),
    where each pid is still one of ours (an emulator, gcloud or functions-framework); then remove it."""
    try:
        pids = [int(pid) for pid in json.loads(state.read_text()).get("pids", [])]
    except (OSError, ValueError, AttributeError, TypeError):
        pids = []
    stopped = []
    for pid in pids:
        label = "a process group of an older make up"
        entry = ProcessEntry(role="legacy", pid=pid, started=process_start(pid), label=label)
        try:
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            command = "monitoring_emulator"  # the leader is gone: only our group can still carry its id
        ours = any(mark in command for mark in ("gcloud", "monitoring_emulator", "functions_framework", "java"))
        if ours and stop_group(entry):
            stopped.append(entry)
    state.unlink(missing_ok=True)
    return stopped


def _stop_all(entries: list[ProcessEntry]) -> list[ProcessEntry]:
    """Stop the groups — the supervisor first (it stops its children gently), then the others in
    the reverse of their start, so a collection in flight still has its emulators — and return
    those that were running."""
    running = [entry for entry in entries if alive(entry)]
    order = [e for e in entries if e.role == "supervisor"] + [e for e in reversed(entries) if e.role != "supervisor"]
    for entry in order:
        stop_group(entry, grace_s=30.0 if entry.role == "supervisor" else 10.0)
    left = [entry for entry in entries if alive(entry)]
    if left:
        names = ", ".join(f"{entry.label} (pid {entry.pid})" for entry in left)
        raise StackError(f"could not stop {names}: stop them by hand (kill -KILL -- -<pid>)")
    return running


def _clear(state: Path) -> None:
    """Remove an old stack's record, logs and data (the lock stays: we hold it)."""
    for path in state.iterdir():
        if path.name == "lock":
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _busy_port(config: StackConfig) -> str | None:
    for name, port in config.ports().items():
        if port_in_use(port):
            make_var, flag = PORT_CHOICE[name]
            return (
                f"port {port} ({name}) is already in use: stop what listens there, or choose another port "
                f"with make up {make_var}=<port> ({flag} <port>)"
            )
    return None


def _spawn(config: StackConfig, log: Path) -> int:
    """Start the supervisor in its own session, detached: no Popen object is left to wait for it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_REPO), env.get("PYTHONPATH", "")) if p)
    argv = [sys.executable, "-m", "helios_metrics.monitoring_emulator._stack_supervisor", config_argument(config)]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    return os.posix_spawn(sys.executable, argv, env, file_actions=actions, setsid=True)


def _exited(pid: int) -> int | None:
    """The supervisor's exit status once it has exited (reaped here), else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status) if done else None


def _last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    return lines[-1] if lines else "no output"


def _wait_ready(config: StackConfig, pid: int) -> StackRecord:
    state = Path(config.state_dir)
    record_path = state / RECORD_NAME
    supervisor = ProcessEntry("supervisor", pid, process_start(pid), LABELS["supervisor"])
    deadline = time.monotonic() + config.start_timeout_s
    try:
        while True:
            record = StackRecord.load(record_path)
            if record is not None and record.phase == "ready":
                return record
            status = _exited(pid)
            failed = record is not None and record.phase == "failed"
            if failed or status is not None or time.monotonic() > deadline:
                _stop_all([supervisor, *(record.processes if record else [])])
                _forget(state)
                if record is not None and record.error:
                    raise StackError(record.error)
                if status is not None:
                    log = state / "supervisor.log"
                    raise StackError(f"the stack's supervisor exited (status {status}): {_last_line(log)} (log: {log})")
                raise StackError(f"the stack did not start within {config.start_timeout_s:.0f} s (logs in {state})")
            time.sleep(0.1)
    except KeyboardInterrupt:
        record = StackRecord.load(record_path)
        _stop_all([supervisor, *(record.processes if record else [])])
        _forget(state)
        raise


def _forget(state: Path) -> None:
    """Once nothing of a stack runs: remove its record, the Pub/Sub emulator's data and the seeding
    publisher's spool; keep the logs."""
    (state / RECORD_NAME).unlink(missing_ok=True)
    for data in [*state.glob("pubsub-data-*"), state / "spool"]:
        shutil.rmtree(data, ignore_errors=True)


def up(config: StackConfig) -> UpResult:
    """Start the stack unless it is already up; raise StackError (one line) if it cannot start —
    having stopped whatever the attempt started."""
    if not (_REPO / "main.py").is_file():  # an installed copy: the functions' entry points live in a checkout
        raise StackError(
            "the local stack serves the repository's main.py and runs from a checkout (make up); this is an installed "
            f"copy at {_REPO}"
        )
    state = Path(config.state_dir)
    cleaned: list[ProcessEntry] = []
    note = None
    if state.is_file():
        cleaned, note = _legacy(state), "recorded by an older make up"
    with _locked(state):
        record = StackRecord.load(state / RECORD_NAME)
        if record is not None:
            running = record.running()
            if record.phase == "ready" and len(running) == len(record.processes):
                return UpResult(record, started=False)
            gone = [entry.label for entry in record.processes if entry not in running]
            note = record.error or (f"{', '.join(gone)} had exited" if gone else f"it was still {record.phase}")
            cleaned += _stop_all(record.processes)
        busy = _busy_port(config)
        if busy:
            raise StackError(busy)
        _clear(state)
        pid = _spawn(config, state / "supervisor.log")
        return UpResult(_wait_ready(config, pid), started=True, cleaned=cleaned, note=note)


def down(state_dir: str | os.PathLike[str] = DEFAULT_STATE_DIR) -> DownResult:
    """Stop every process group the record names (supervisor first); remove the record and the
    Pub/Sub emulator's data, keep the logs."""
    state = Path(state_dir)
    if state.is_file():
        return DownResult(_legacy(state), recorded=True, note="recorded by an older make up")
    if not state.is_dir():
        return DownResult([], recorded=False)
    with _locked(state):
        record = StackRecord.load(state / RECORD_NAME)
        if record is None:
            return DownResult([], recorded=False)
        stopped = _stop_all(record.processes)
        _forget(state)
        return DownResult(stopped, recorded=True, note=None if stopped else record.error)


def _parser() -> argparse.ArgumentParser:
    defaults = StackConfig(state_dir=str(DEFAULT_STATE_DIR))
    parser = argparse.ArgumentParser(prog="python -m helios_metrics.monitoring_emulator.stack", description=__doc__)
    parser.add_argument("command", choices=("up", "down", "env"))
    add_up_arguments(parser, defaults)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "down":
            print_down(down(args.state))
            return 0
        if args.command == "env":
            record = StackRecord.load(Path(args.state) / RECORD_NAME)
            if record is None or record.phase != "ready":
                raise StackError("the local stack is not up (make up starts it)")
            print("\n".join(env_lines(record)))
            return 0
        started = time.monotonic()
        config = config_from(args)
        print_up(up(config), config.state_dir, time.monotonic() - started)
        return 0
    except StackError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: stopped what had started", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
