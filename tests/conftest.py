"""Shared fixtures: the official Pub/Sub emulator and our Monitoring emulator, one of each per session.

Each test gets its own project id, so tests never see each other's data. Under ``CI=true`` a
missing emulator is a failure, and so is any skipped test: the integration tests must really run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.monitoring_emulator.launch import (
    EmulatorUnavailable,
    MonitoringEmulatorProcess,
    PubSubEmulatorProcess,
    start_monitoring_emulator,
    start_pubsub_emulator,
)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if IN_CI and _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if IN_CI and _skipped:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped)} test(s) skipped under CI=true, where every test must run: "
            + ", ".join(_skipped[:10]),
            red=True,
        )


@pytest.fixture(scope="session")
def emulator_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emulators")


@pytest.fixture(scope="session")
def monitoring_emulator(emulator_dir: Path) -> Iterator[MonitoringEmulatorProcess]:
    process = start_monitoring_emulator(log_dir=emulator_dir, extra_args=("--evaluate-every", "0"))  # tests replay time
    yield process
    process.stop()


@pytest.fixture(scope="session")
def pubsub_emulator(emulator_dir: Path) -> Iterator[PubSubEmulatorProcess]:
    try:
        process = start_pubsub_emulator(log_dir=emulator_dir)
    except EmulatorUnavailable as err:
        if IN_CI:
            pytest.fail(f"CI=true requires the official Pub/Sub emulator: {err}")
        pytest.skip(f"official Pub/Sub emulator unavailable: {err}")
    yield process
    process.stop()


@pytest.fixture
def project_id() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def monitoring(monitoring_emulator: MonitoringEmulatorProcess) -> Iterator[MonitoringEmulatorProcess]:
    """The session's Monitoring emulator, with any fault a test armed cleared afterwards."""
    yield monitoring_emulator
    monitoring_emulator.admin.clear_faults()


@pytest.fixture
def settings(project_id: str, monitoring: MonitoringEmulatorProcess) -> Settings:
    return Settings(project_id=project_id, monitoring_emulator_host=monitoring.address)


@pytest.fixture
def factory(settings: Settings) -> ClientFactory:
    return ClientFactory(settings)
