"""``make up`` / ``make down`` / ``make demo`` as a user runs them: real processes, free ports, a
short schedule. What the stack started is read from its record and checked in /proc (every
process of each recorded group, gcloud's Java child included), independently of the code under test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.monitoring_emulator.admin import EmulatorAdmin
from helios_metrics.publisher import MetricsPublisher
from tests.helpers import HELIOS, read

REPO = Path(__file__).resolve().parents[2]
FREE_PORTS = ["--pubsub-port", "0", "--monitoring-port", "0", "--console-port", "0"]
pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process groups from /proc")


def stack(*args: str, timeout: float = 200) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helios_metrics.monitoring_emulator.stack", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def up(state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return stack("up", "--state", str(state), *FREE_PORTS, "--interval", "2", "--forecast-every", "5", *extra)


def record(state: Path) -> dict:
    return json.loads((state / "stack.json").read_text())


def exports(stdout: str) -> dict[str, str]:
    pairs = (line.strip().removeprefix("export ").split("=", 1) for line in stdout.splitlines())
    return {
        name: value
        for name, value in (pair for pair in pairs if len(pair) == 2)
        if name in ("GOOGLE_CLOUD_PROJECT", "PUBSUB_EMULATOR_HOST", "MONITORING_EMULATOR_HOST")
    }


def group(pgid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every live process of group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append((int(entry.name), command))
    return members


def processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in command:
                found.append(command)
    return found


def listening(address: str) -> bool:
    host, port = address.replace("http://", "").split("/")[0].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


def endpoints(state: Path) -> list[str]:
    return list(record(state)["endpoints"].values())


@pytest.fixture
def state(tmp_path: Path):
    """The stack's directory; whatever a failing test left running is stopped."""
    directory = tmp_path / "stack"
    yield directory
    stack("down", "--state", str(directory))


def test_up_runs_the_production_stack_until_down(state, tmp_path):
    started = up(state)
    assert started.returncode == 0, started.stderr
    assert "the local stack is up" in started.stdout
    env = exports(started.stdout)
    assert set(env) == {"GOOGLE_CLOUD_PROJECT", "PUBSUB_EMULATOR_HOST", "MONITORING_EMULATOR_HOST"}
    console = record(state)["endpoints"]["console"]
    assert console in started.stdout

    # an event recorded with the printed environment reaches Monitoring with nothing else run
    settings = Settings.from_env(env)
    clock = [time.time_ns()]
    metrics = MetricsPublisher(settings=settings, spool_dir=tmp_path / "spool", clock=lambda: clock[0])
    metrics.record_pipeline_metric(420.0, 0.8, 0.9, 0.9, 0.95, success=True)  # slower than the 300 s policy
    clock[0] -= 1800 * 1_000_000_000  # and one half an hour ago, whose window has ended: the forecast's
    metrics.record_pipeline_metric(100.0, 0.8, 0.9, 0.9, 0.95, success=True)
    assert metrics.flush(10).published == 2
    metrics.close()
    client = ClientFactory(settings).metric_service()
    deadline = time.monotonic() + 120
    found = []
    while not found and time.monotonic() < deadline:
        now = time.time()
        found = read(client, settings.project_id, f"{HELIOS}/pipeline_runs", now - 600, now + 300)
        time.sleep(0.5)
    runs = {ts.metric.labels["status"]: ts.points[0].value.int64_value for ts in found}
    assert runs.get("success") == 1
    assert runs.get("failure", 0) == 0

    # the forecast job calls the report function with ?write_forecast=true, as production's second
    # scheduler job does: the forecast of those successful runs is written, and each call is logged
    log = state / "supervisor.log"
    forecast: list = []
    deadline = time.monotonic() + 60
    while not forecast and time.monotonic() < deadline:
        time.sleep(0.5)
        now = time.time()
        forecast = read(client, settings.project_id, f"{HELIOS}/pipeline_success_forecast", now - 600, now + 60)
    assert [p.value.double_value for ts in forecast for p in ts.points][:1] == [1.0]
    # and its band beside it, which the Performance Intelligence dashboard's success predictions draw
    band = read(client, settings.project_id, f"{HELIOS}/pipeline_success_forecast_band", now - 600, now + 60)
    lines = {(ts.metric.labels["horizon"], ts.metric.labels["line"]): ts.points[0].value.double_value for ts in band}
    assert lines[("1h", "forecast")] == lines[("1h", "realised")] == lines[("6h", "realised")] == 1.0
    assert {line for _, line in lines} == {"forecast", "low_80", "high_80", "low_95", "high_95", "realised"}
    assert "scheduled forecast: HTTP 200, wrote the forecast 100.0% (from " in log.read_text()
    assert "Traceback" not in log.read_text()

    # the webhook channel's receiver is still up after `up` returned: the incident reaches it (evaluated
    # a little ahead: a point may be stamped with the end of its collection window)
    ahead = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 70))
    EmulatorAdmin(console).evaluate(now=ahead, project=settings.project_id)
    webhooks = state / "webhooks.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "execution time" not in (webhooks.read_text() if webhooks.exists() else ""):
        time.sleep(0.2)
    policies = [json.loads(line)["payload"]["incident"]["policy_name"] for line in webhooks.read_text().splitlines()]
    assert any("execution time" in name for name in policies)

    # a second `up`: already up, the same addresses, nothing started
    before = record(state)["processes"]
    again = up(state)
    assert again.returncode == 0, again.stderr
    assert "already up" in again.stdout
    assert exports(again.stdout) == env
    assert record(state)["processes"] == before
    assert len(processes_mentioning(f'_stack_supervisor {{"state_dir": "{state}')) == 1

    roles = {entry["role"]: entry["pid"] for entry in before}
    assert set(roles) == {"supervisor", "pubsub", "monitoring", "collector", "report"}
    assert record(state)["endpoints"]["report"] in started.stdout
    assert any("java" in command for _, command in group(roles["pubsub"]))  # the emulator itself
    addresses = endpoints(state)

    # down: every process of every recorded group gone, every port closed
    stopped = stack("down", "--state", str(state))
    assert stopped.returncode == 0, stopped.stderr
    for entry in before:
        assert f"{entry['label']} (pid {entry['pid']})" in stopped.stdout
        assert group(entry["pid"]) == []
    assert [address for address in addresses if listening(address)] == []
    assert not (state / "stack.json").exists()
    assert stack("down", "--state", str(state)).stdout.strip() == "nothing is running (no stack recorded)"


def test_a_busy_port_fails_in_one_line_and_starts_nothing(state):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = stack("up", "--state", str(state), *FREE_PORTS[:4], "--console-port", str(port))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: port {port} (console) is already in use: stop what listens there, or choose another port "
        f"with make up CONSOLE_PORT=<port> (--console-port <port>)"
    ]
    assert not (state / "stack.json").exists()
    assert processes_mentioning(str(state)) == []


def test_a_start_that_fails_midway_leaves_nothing_running(state, tmp_path):
    seen: dict[str, int] = {}
    done = threading.Event()

    def watch() -> None:  # every process must be in the record while the start is still going on
        while not done.is_set():
            try:
                seen.update({p["role"]: p["pid"] for p in record(state)["processes"]})
            except (OSError, ValueError):
                pass
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = up(state, "--config", str(tmp_path / "missing.toml"))  # setup_infra apply fails
    finally:
        done.set()
        watcher.join()
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: python -m setup_infra apply --yes failed: ")
    assert "missing.toml" in line
    assert set(seen) == {"supervisor", "pubsub", "monitoring", "collector", "report"}  # it failed with all up
    assert {role: group(pid) for role, pid in seen.items()} == {role: [] for role in seen}
    assert not (state / "stack.json").exists()


def test_down_stops_what_a_dead_supervisor_left_and_up_replaces_a_broken_stack(state):
    assert up(state).returncode == 0
    for role in ("collector", "report"):  # a function crashes: started again on its port, as Cloud Run would
        crashed = {entry["role"]: entry["pid"] for entry in record(state)["processes"]}[role]
        os.killpg(crashed, signal.SIGKILL)
        deadline = time.monotonic() + 30
        restarted = crashed
        while restarted == crashed and time.monotonic() < deadline:
            time.sleep(0.2)
            restarted = {entry["role"]: entry["pid"] for entry in record(state)["processes"]}[role]
        assert restarted != crashed
        assert group(restarted)
        url = record(state)["endpoints"][role]
        deadline = time.monotonic() + 30
        while not listening(url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert listening(url)

    first = record(state)
    os.kill(first["processes"][0]["pid"], signal.SIGKILL)  # the supervisor; its children run on

    replaced = up(state)
    assert replaced.returncode == 0, replaced.stderr
    assert "an earlier stack was no longer whole (supervisor (scheduler + webhook receiver) had exited)" in (
        replaced.stdout
    )
    assert "the local stack is up" in replaced.stdout
    assert all(group(entry["pid"]) == [] for entry in first["processes"])

    second = record(state)
    os.kill(second["processes"][0]["pid"], signal.SIGKILL)
    orphans = [entry for entry in second["processes"] if entry["role"] != "supervisor"]
    assert all(group(entry["pid"]) for entry in orphans)
    addresses = endpoints(state)
    stopped = stack("down", "--state", str(state))
    assert stopped.returncode == 0
    assert stopped.stdout.startswith("stopped Pub/Sub emulator (gcloud + java)")  # the record's order
    assert all(group(entry["pid"]) == [] for entry in second["processes"])
    assert [address for address in addresses if listening(address)] == []


@pytest.mark.parametrize("failure", ["no gcloud", "busy console port", "setup_infra fails"])
def test_the_demo_fails_in_one_line_and_leaves_no_directory_or_process(failure, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    argv = [sys.executable, "demo.py"]
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    if failure == "no gcloud":
        env["PATH"] = str(tmp_path / "empty")
    elif failure == "busy console port":
        argv += ["demo", "--console-port", str(port)]
    else:
        env["HELIOS_METRICS_TOPIC"] = "no spaces allowed"  # both emulators are up when apply fails
    with taken:
        result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    expected = {
        "no gcloud": "error: gcloud is not installed",
        "busy console port": f"error: port {port} (console) is already in use",
        "setup_infra fails": "error: python -m setup_infra apply --yes failed: ",
    }[failure]
    assert line.startswith(expected), line
    assert "Traceback" not in result.stdout
    assert list(temp.iterdir()) == []
    assert processes_mentioning(str(temp)) == []
    for address in (word for word in result.stdout.split() if word.startswith(("127.0.0.1:", "http://127.0.0.1:"))):
        assert not listening(address)


def test_down_stops_what_an_older_make_up_recorded(tmp_path):
    """Before the stack record, ``make up`` left a plain file of process-group ids at the same path."""
    legacy = tmp_path / "stack"
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "monitoring_emulator"], start_new_session=True
    )
    try:
        legacy.write_text(json.dumps({"pids": [sleeper.pid], "console": "http://127.0.0.1:8087"}))
        result = stack("down", "--state", str(legacy))
        assert result.returncode == 0
        assert result.stdout.strip() == f"stopped a process group of an older make up (pid {sleeper.pid})"
        assert sleeper.wait(5) == -signal.SIGTERM
        assert not legacy.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
