"""Every command, misconfigured the way a newcomer does it, fails fast in one line and destroys nothing.

Each case runs the real command in a subprocess with a clean environment (no credentials, no
``gcloud`` configuration, ``NO_GCE_CHECK`` so nothing probes a metadata server) and must exit 1
with exactly one line on stderr — no traceback — within the subprocess timeout (30 s). The table
in docs/troubleshooting.md shows the same cases with their messages.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.monitoring_emulator.launch import free_port

REPO = Path(__file__).resolve().parents[2]
SETUP_VERBS = (["plan"], ["apply", "--yes"], ["destroy", "--yes"], ["verify"])


def _run(argv: list[str], env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home), "NO_GCE_CHECK": "True", **env}
    return subprocess.run(
        [sys.executable, *argv], cwd=REPO, env=clean, capture_output=True, text=True, timeout=30, check=False
    )


def _assert_one_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def _run_all(cases: list[tuple[list[str], dict[str, str]]], home: Path) -> list[subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda case: _run(case[0], case[1], home), cases))


COMMANDS = [
    *(["-m", "helios_metrics.setup_infra", *verb] for verb in SETUP_VERBS),
    ["-m", "helios_metrics.functions", "collect", "--once"],
    ["-m", "helios_metrics.functions", "report"],
]


SNOOZE_LIST = ["-m", "helios_metrics.setup_infra", "snooze", "list"]  # needs Monitoring only


def test_without_a_project_every_command_says_so_in_one_line(tmp_path, monitoring):
    env = {"PUBSUB_EMULATOR_HOST": "127.0.0.1:9", "MONITORING_EMULATOR_HOST": monitoring.address}
    for result in _run_all([(argv, env) for argv in [*COMMANDS, SNOOZE_LIST]], tmp_path):
        _assert_one_line(result, "no Google Cloud project", "GOOGLE_CLOUD_PROJECT")


def test_a_closed_pubsub_address_fails_fast_in_every_command_that_needs_pubsub(tmp_path, monitoring, project_id):
    closed = f"127.0.0.1:{free_port()}"
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "PUBSUB_EMULATOR_HOST": closed,
        "MONITORING_EMULATOR_HOST": monitoring.address,
    }
    needing_pubsub = [argv for argv in COMMANDS if argv[-1] != "report"]
    for result in _run_all([(argv, env) for argv in needing_pubsub], tmp_path):
        _assert_one_line(result, f"PUBSUB_EMULATOR_HOST={closed}", "connection refused")
    created = ClientFactory(Settings(project_id=project_id, monitoring_emulator_host=monitoring.address))
    listed = created.metric_service().list_metric_descriptors(
        request={"name": f"projects/{project_id}", "filter": 'metric.type = starts_with("custom.googleapis.com/")'}
    )
    assert list(listed) == []  # nothing of ours was created (Google's built-in catalogue is always listed)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("scheme", ("MONITORING_EMULATOR_HOST must be host:port", "drop the http://")),
        ("no-port", ("MONITORING_EMULATOR_HOST must be host:port", "'localhost'")),
        ("closed", ("connection refused",)),
        ("console", ("does not speak gRPC", "console")),
        ("pubsub", ("does not serve the Monitoring API", "Pub/Sub emulator")),
    ],
)
def test_a_wrong_monitoring_address_fails_fast_in_one_line(
    kind, expected, tmp_path, monitoring, pubsub_emulator, project_id
):
    address = {
        "scheme": f"http://{monitoring.address}",
        "no-port": "localhost",
        "closed": f"127.0.0.1:{free_port()}",
        "console": monitoring.http_url.split("//", 1)[1].rstrip("/"),
        "pubsub": pubsub_emulator.address,
    }[kind]
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "PUBSUB_EMULATOR_HOST": pubsub_emulator.address,
        "MONITORING_EMULATOR_HOST": address,
    }
    cases = [
        (["-m", "helios_metrics.functions", "report"], env),
        (["-m", "helios_metrics.setup_infra", "plan"], env),
        (SNOOZE_LIST, env),
    ]
    for result in _run_all(cases, tmp_path):
        _assert_one_line(result, *expected)


def test_a_pubsub_address_pointing_at_the_monitoring_emulator_is_named(tmp_path, monitoring, project_id):
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "PUBSUB_EMULATOR_HOST": monitoring.address,
        "MONITORING_EMULATOR_HOST": monitoring.address,
    }
    result = _run(["-m", "helios_metrics.functions", "collect", "--once"], env, tmp_path)
    _assert_one_line(result, "does not serve the Pub/Sub API", "Monitoring emulator")


def test_without_credentials_or_emulators_the_commands_say_what_to_set(tmp_path, project_id):
    env = {"GOOGLE_CLOUD_PROJECT": project_id}
    cases = [(["-m", "helios_metrics.functions", "report"], env), (["-m", "helios_metrics.setup_infra", "plan"], env)]
    for result in _run_all(cases, tmp_path):
        _assert_one_line(result, "no Google Cloud credentials", "MONITORING_EMULATOR_HOST")


def test_collecting_before_provisioning_names_the_missing_subscription(
    tmp_path, monitoring, pubsub_emulator, project_id
):
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "PUBSUB_EMULATOR_HOST": pubsub_emulator.address,
        "MONITORING_EMULATOR_HOST": monitoring.address,
    }
    result = _run(["-m", "helios_metrics.functions", "collect", "--once"], env, tmp_path)
    _assert_one_line(result, "helios-metrics-collector", "setup_infra apply")


def test_the_document_facade_raises_one_line_for_a_wrong_address(tmp_path, monitoring, project_id):
    from asyncio import run

    from helios_metrics.contract.preflight import PreflightError
    from helios_metrics.publisher import PerformanceMonitor, SettingsError

    closed = f"127.0.0.1:{free_port()}"
    settings = Settings(
        project_id=project_id,
        pubsub_emulator_host=closed,
        monitoring_emulator_host=monitoring.address,
        spool_dir=str(tmp_path / "spool"),
    )
    monitor = PerformanceMonitor(settings=settings)
    try:
        with pytest.raises(PreflightError, match=f"PUBSUB_EMULATOR_HOST={closed}: nothing listens") as raised:
            run(monitor.setup_monitoring_infrastructure())
        assert "\n" not in str(raised.value)
        console = monitoring.http_url.split("//", 1)[1].rstrip("/")
        report = PerformanceMonitor(settings=settings.with_overrides(monitoring_emulator_host=console))
        with pytest.raises(PreflightError, match="does not speak gRPC"):
            run(report.get_performance_summary())
        with pytest.raises(PreflightError, match="does not speak gRPC"):
            run(report.analyze_performance())
        run(report.close(1))
    finally:
        run(monitor.close(1))
    with pytest.raises(
        SettingsError, match=r"no Google Cloud project: set GOOGLE_CLOUD_PROJECT \(or pass the project explicitly\)$"
    ):
        PerformanceMonitor(settings=Settings(pubsub_emulator_host=closed, spool_dir=str(tmp_path / "s2")))
