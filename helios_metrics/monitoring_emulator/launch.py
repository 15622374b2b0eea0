"""Start and stop the local emulators as child processes (used by the tests, the demo and benchmarks).

Each child runs in its own process group and is stopped by signalling the whole group: killing
the ``gcloud`` wrapper alone would leave the Pub/Sub emulator's Java child listening.
Ports default to free ones chosen at start. ``on_spawn`` hands the caller
each child the moment it exists, before its readiness wait, so a long-lived stack can record it
(and a failed start can be cleaned up). A working directory made here (no ``log_dir``) is removed
when its process stops.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .admin import EmulatorAdmin

__all__ = [
    "EmulatorUnavailable",
    "ManagedProcess",
    "MonitoringEmulatorProcess",
    "PubSubEmulatorProcess",
    "chromium",
    "free_port",
    "port_in_use",
    "screenshot",
    "start_function",
    "start_monitoring_emulator",
    "start_pubsub_emulator",
    "wait_listening",
]

_REPO_ROOT = Path(__file__).resolve().parents[2]


class EmulatorUnavailable(RuntimeError):
    """The emulator cannot run on this machine (e.g. no ``gcloud``), or did not come up. The
    message is one line (the cause, and where the log is when it outlives the attempt);
    ``log_tail`` keeps the log's last lines for whoever wants more."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on ``port``: a bind fails. SO_REUSEADDR so that a socket of a
    recently stopped server in TIME_WAIT does not count; no SO_REUSEPORT, so that a gRPC server
    (which sets it) does count — gRPC would otherwise share the port without a word."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _cause(log_text: str) -> str:
    """The line of a log that says why a process failed: the last exception or error line, else
    the last line."""
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    for line in reversed(lines):
        if "Exception" in line or "Error" in line or "error:" in line:
            return line
    return lines[-1] if lines else "(no output)"


def _port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


class ManagedProcess:
    """A child process in its own session; :meth:`stop` ends its whole process group (and removes
    ``owned_dir``, a working directory made for it alone)."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path, owned_dir: Path | None = None) -> None:
        self.process = process
        self.log_path = log_path
        self.owned_dir = owned_dir

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30, since: int = 0) -> str:
        """The last ``lines`` lines of the log, from byte ``since`` on (a restart appends to it)."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(since)
                text = log.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the whole group at once, as a crash would; nothing gets to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the group, then SIGKILL it if it has not exited within ``timeout`` seconds."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        with contextlib.suppress(ProcessLookupError):  # children that outlived their parent
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.stdout:
            self.process.stdout.close()
        if self.owned_dir is not None:
            shutil.rmtree(self.owned_dir, ignore_errors=True)
        return self.process.returncode

    def __enter__(self) -> ManagedProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class MonitoringEmulatorProcess(ManagedProcess):
    def __init__(
        self,
        process: subprocess.Popen[bytes],
        log_path: Path,
        address: str,
        http_url: str,
        owned_dir: Path | None = None,
    ) -> None:
        super().__init__(process, log_path, owned_dir)
        self.address = address
        self.http_url = http_url
        self.admin = EmulatorAdmin(http_url)


class PubSubEmulatorProcess(ManagedProcess):
    def __init__(
        self, process: subprocess.Popen[bytes], log_path: Path, address: str, owned_dir: Path | None = None
    ) -> None:
        super().__init__(process, log_path, owned_dir)
        self.address = address


def _work_dir(log_dir: str | Path | None) -> tuple[Path, Path | None]:
    """The directory for a child's log and data, and that directory again when it is ours to remove."""
    if log_dir:
        directory = Path(log_dir)
        directory.mkdir(parents=True, exist_ok=True)
        return directory, None
    made = Path(tempfile.mkdtemp(prefix="helios-emulators-"))
    return made, made


def _log_hint(log_path: Path, owned_dir: Path | None) -> str:
    return "" if owned_dir is not None else f" (log: {log_path})"


def start_monitoring_emulator(
    data: str | Path | None = None,
    port: int = 0,
    http_port: int = 0,
    extra_args: tuple[str, ...] = (),
    log_dir: str | Path | None = None,
    timeout: float = 30.0,
    on_spawn: Callable[[ManagedProcess], object] | None = None,
) -> MonitoringEmulatorProcess:
    """Run ``python -m helios_metrics.monitoring_emulator`` and wait for its ready line."""
    argv = [
        sys.executable,
        "-m",
        "helios_metrics.monitoring_emulator",
        "--port",
        str(port),
        "--http-port",
        str(http_port),
    ]
    if data:
        argv += ["--data", str(data)]
    argv += list(extra_args)
    work_dir, owned_dir = _work_dir(log_dir)
    log_path = work_dir / "monitoring-emulator.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            argv, cwd=_REPO_ROOT, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
    handle = ManagedProcess(process, log_path, owned_dir)
    if on_spawn is not None:
        on_spawn(handle)
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        readable, _, _ = select.select([process.stdout], [], [], 0.1)
        if readable:
            line = process.stdout.readline()
            if not line:
                break
            ready = json.loads(line)
            if ready.get("event") == "ready":
                return MonitoringEmulatorProcess(process, log_path, ready["grpc"], ready["http"], owned_dir)
        if process.poll() is not None:
            break
    hint = _log_hint(log_path, owned_dir)
    tail = handle.log_tail()
    handle.stop()
    cause = _cause(tail) if tail else f"no ready line within {timeout:.0f} s"
    raise EmulatorUnavailable(f"the Monitoring emulator did not start: {cause}{hint}", tail)


def start_pubsub_emulator(
    port: int | None = None,
    log_dir: str | Path | None = None,
    timeout: float = 90.0,
    on_spawn: Callable[[ManagedProcess], object] | None = None,
) -> PubSubEmulatorProcess:
    """Run the official emulator (``gcloud beta emulators pubsub start``) on a free port, or on
    ``port`` again after a crash. It keeps nothing across restarts: topics, subscriptions and
    unacknowledged messages die with it (real Pub/Sub keeps them)."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise EmulatorUnavailable(
            "gcloud is not installed: the official Pub/Sub emulator cannot run "
            "(install the Google Cloud SDK, then: gcloud components install beta pubsub-emulator)"
        )
    port = port or free_port()
    work_dir, owned_dir = _work_dir(log_dir)
    log_path = work_dir / f"pubsub-emulator-{port}.log"
    since = log_path.stat().st_size if log_path.exists() else 0  # a restart on the same port appends
    data_dir = tempfile.mkdtemp(prefix="pubsub-data-", dir=work_dir)
    argv = [gcloud, "beta", "emulators", "pubsub", "start", f"--host-port=127.0.0.1:{port}", f"--data-dir={data_dir}"]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    handle = PubSubEmulatorProcess(process, log_path, f"127.0.0.1:{port}", owned_dir)
    if on_spawn is not None:
        on_spawn(handle)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log_text = handle.log_tail(200, since)
        if "BindException" in log_text or process.poll() is not None:
            break
        if "Server started" in log_text and _port_open("127.0.0.1", port):
            return handle
        time.sleep(0.1)
    hint = _log_hint(log_path, owned_dir)
    tail = handle.log_tail(200, since)
    handle.stop()
    if "BindException" in tail:
        cause = f"port {port} is already in use"
    elif process.returncode not in (None, 0) or tail:
        cause = _cause(tail)
    else:
        cause = f"not ready within {timeout:.0f} s"
    raise EmulatorUnavailable(f"the Pub/Sub emulator did not start on port {port}: {cause}{hint}", tail)


def start_function(
    source: Path, target: str, env: dict[str, str], log_path: Path, port: int = 0
) -> tuple[ManagedProcess, str]:
    """Serve ``target`` of ``source`` with functions-framework on ``port`` (default a free one), as
    Cloud Run would; returns at once with the process and its URL (the caller decides how to wait:
    any request may run real work)."""
    port = port or free_port()
    command = [sys.executable, "-m", "functions_framework", "--target", target, "--source", str(source)]
    with open(log_path, "ab") as handle:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],  # loopback only, not every interface
            cwd=source.parent,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return ManagedProcess(process, log_path), f"http://127.0.0.1:{port}/"


def wait_listening(process: ManagedProcess, port: int, timeout: float = 60.0) -> bool:
    """Wait until ``process`` accepts connections on ``port`` (connect only: a request to a
    function may run real work); False if it exited or the time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.process.poll() is None:
        if _port_open("127.0.0.1", port):
            return True
        time.sleep(0.1)
    return False


def chromium() -> str | None:
    """Debian's chromium, if installed (``make browser`` installs it)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(url: str, target: Path, window: tuple[int, int]) -> bool:
    """Save a PNG of ``url`` (a loopback or file URL) with headless chromium; False without it."""
    browser = chromium()
    if browser is None:
        return False
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars"]
    subprocess.run(
        [browser, *flags, f"--window-size={window[0]},{window[1]}", f"--screenshot={target}", url],
        capture_output=True,
        timeout=90,
        check=False,
    )
    return target.exists()
