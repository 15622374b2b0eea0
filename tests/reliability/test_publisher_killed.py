"""The publisher's process faults, each in a process of its own against the official Pub/Sub
emulator: SIGKILLed during an outage with events in the spool and in memory; recording on a full
disk (a 16 KiB tmpfs) and on a read-only spool directory (a read-only bind mount) while Pub/Sub is
down. The disks are real: the process runs in a user and mount namespace (``unshare -rm``).

Accounting: what the publisher reported published or spooled is counted in Monitoring exactly
once; what a SIGKILL can lose is what it held in memory only — at most ``max_unspooled_s`` of
events — and the test measures it; a full or read-only disk loses nothing, the events wait in
memory until Pub/Sub is back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.functions import Collector
from helios_metrics.monitoring_emulator.launch import free_port
from helios_metrics.publisher import MetricsPublisher
from tests.conftest import IN_CI
from tests.helpers import TcpRelay, collector_resources, minute_floor, totals

ROOT = Path(__file__).resolve().parents[2]
RECORDED = 200
IN_MEMORY = 60


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=10)
    return probe.returncode == 0


def _need_namespaces() -> None:
    if not _namespaces_work():
        if IN_CI:
            pytest.fail("CI=true: `unshare -rm` (user + mount namespaces) is needed for the full and read-only disks")
        pytest.skip("user and mount namespaces are unavailable: cannot make a real full or read-only disk")


def _start(args: list[str], mount: str = "") -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "tests.reliability._publisher_process", *args]
    if mount:
        argv = ["unshare", "-rm", "sh", "-c", f'{mount} && exec "$@"', "sh", *argv]
    return subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _line(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, f"the publisher process ended early (code {process.wait()})"
    return json.loads(line)


def _stack(pubsub: str, monitoring: str, project: str) -> tuple[Settings, ClientFactory]:
    settings = Settings(
        project_id=project, pubsub_emulator_host=pubsub, monitoring_emulator_host=monitoring, collect_budget_seconds=5
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings)
    return settings, factory


def _collect_and_count(settings: Settings, factory: ClientFactory, start: int) -> dict[str, int]:
    collector = Collector.from_clients(
        settings, factory.subscriber(), factory.publisher_api(), factory.metric_service(), pull_wait_s=0.5
    )
    pulled, deadline = 0, time.monotonic() + 20
    while time.monotonic() < deadline:  # until something came and a run then finds nothing more
        got = collector.collect_once().pulled
        pulled += got
        if pulled and not got:
            break
    found = totals(
        factory.metric_service(), settings.project_id, "stage_runs", start - 60, time.time() + 120, ("stage",)
    )
    return {key[0]: int(value) for key, value in found.items()}


def _args(project: str, pubsub: str, spool: Path, start: int) -> list[str]:
    return ["--project", project, "--pubsub", pubsub, "--spool", str(spool), "--at", str((start + 1) * 10**9)]


def test_killed_during_an_outage_the_spool_survives_and_only_the_last_moments_are_lost(
    pubsub_emulator, monitoring, project_id, tmp_path
):
    settings, factory = _stack(pubsub_emulator.address, monitoring.address, project_id)
    start = minute_floor(600)
    nowhere = f"127.0.0.1:{free_port()}"  # Pub/Sub unreachable
    spool = tmp_path / "spool"
    args = [*_args(project_id, nowhere, spool, start), "--then", "kill", "--in-memory", str(IN_MEMORY)]
    with _start(args) as process:
        outage, killed = _line(process), _line(process)
        assert process.wait(30) == -9
    assert (outage["spooled"], outage["pending"], outage["dropped"]) == (RECORDED, 0, 0)
    assert (killed["spooled"], killed["pending"]) == (RECORDED, IN_MEMORY)  # younger than max_unspooled_s

    # the next run of the program, Pub/Sub reachable, replays the dead one's spool
    successor = MetricsPublisher(settings=settings, spool_dir=spool)
    deadline = time.monotonic() + 30
    while successor.stats.spooled and time.monotonic() < deadline:
        time.sleep(0.1)
    successor.close()
    counted = _collect_and_count(settings, factory, start)
    # published = counted; lost = exactly what was in memory only when the SIGKILL came
    assert counted == {"trend_discovery": RECORDED}
    assert RECORDED + IN_MEMORY - sum(counted.values()) == killed["pending"]


@pytest.mark.parametrize(
    "disk",
    [
        "full: a 16 KiB tmpfs, filled",
        "read-only: a read-only bind mount",
    ],
)
def test_an_unwritable_spool_keeps_events_in_memory_until_pubsub_is_back(
    disk, pubsub_emulator, monitoring, project_id, tmp_path
):
    _need_namespaces()
    settings, factory = _stack(pubsub_emulator.address, monitoring.address, project_id)
    start = minute_floor(600)
    spool = tmp_path / "spool"
    spool.mkdir()
    if disk.startswith("full"):
        mount = f"mount -t tmpfs -o size=16k tmpfs {spool} && (cat /dev/zero > {spool}/filler 2>/dev/null; true)"
    else:
        mount = f"mkdir -p {spool}/{project_id}/helios-metrics && mount --bind -o ro {spool} {spool}"
    relay = TcpRelay(pubsub_emulator.address)
    relay.close_door()  # Pub/Sub down
    try:
        with _start(_args(project_id, relay.address, spool, start), mount=mount) as process:
            outage = _line(process)
            # nothing could be spooled, nothing was dropped: the events wait in memory
            assert (outage["spooled"], outage["dropped"], outage["pending"]) == (0, 0, RECORDED)
            assert (outage["flush_spooled"], outage["flush_failed"]) == (0, RECORDED)
            relay.open_door()
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
            recovered = _line(process)
            assert process.wait(30) == 0
    finally:
        relay.stop()
    assert (recovered["flush_published"], recovered["flush_failed"], recovered["dropped"]) == (RECORDED, 0, 0)
    assert _collect_and_count(settings, factory, start) == {"trend_discovery": RECORDED}
