"""The pytest plugin as another repository uses it: a test directory outside this checkout, run
by its own pytest process with nothing but the plugin's fixtures — the documented example passes,
and a missing gcloud skips (or, when required, fails) only the tests that need Pub/Sub."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "store_tests" / "test_success_rate_alert.py"


def run_pytest(where: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    env["PYTHONPATH"] = str(ROOT)
    if path is not None:
        env["PATH"] = path
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "helios_metrics.monitoring_emulator.pytest_plugin",
    ]
    return subprocess.run(
        [*argv, "-rs", *args, str(where)], cwd=where, env=env, capture_output=True, text=True, timeout=240
    )


def test_the_documented_example_passes_outside_the_repository(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


STORE_TESTS = """
from helios_metrics.contract import ClientFactory, Settings


def test_monitoring_alone(monitoring_emulator):
    settings = Settings(project_id="p", monitoring_emulator_host=monitoring_emulator.address)
    client = ClientFactory(settings).metric_service()
    assert monitoring_emulator.address.count(":") == 1
    request = {"name": "projects/p", "filter": 'metric.type = starts_with("custom.")'}
    assert list(client.list_metric_descriptors(request=request)) == []
    assert monitoring_emulator.incidents() == [] and monitoring_emulator.notifications() == []


def test_needs_pubsub(pubsub_emulator):
    assert pubsub_emulator.address
"""


def test_without_gcloud_only_the_pubsub_tests_skip_or_fail_when_required(tmp_path):
    (tmp_path / "test_store.py").write_text(STORE_TESTS)
    bare = tmp_path / "bin"  # a PATH with python and nothing of the Cloud SDK
    bare.mkdir()
    (bare / "python").symlink_to(sys.executable)
    skipped = run_pytest(tmp_path, path=str(bare))
    assert skipped.returncode == 0, skipped.stdout[-3000:]
    assert "1 passed, 1 skipped" in skipped.stdout
    assert (
        "the Pub/Sub emulator could not start (gcloud and Java are needed): gcloud is not installed" in skipped.stdout
    )

    required = run_pytest(tmp_path, "--emulators-required", path=str(bare))
    assert required.returncode == 1
    assert "1 passed, 1 error" in required.stdout
    assert "the Pub/Sub emulator is required here and could not start: gcloud is not installed" in required.stdout
