"""The Helios monitoring design's own names, against both emulators: its quick start runs
verbatim (read from docs/design-names.md), ``CloudMonitoringDashboard``'s five methods each do
their part and only it, ``python -m helios.cli test-monitoring`` and ``python test_monitoring.py``
pass on a provisioned project and fail on a missing one, and the aliases live beside a store's
own regular ``helios`` package."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helios.services.google_cloud.monitoring_dashboard import CloudMonitoringDashboard
from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.functions import build_collector
from helios_metrics.setup_infra import Infra, load_config
from tests.helpers import totals

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(pubsub_emulator, monitoring, project_id, tmp_path) -> Settings:
    return Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring.address,
        spool_dir=str(tmp_path / "spool"),
    )


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELIOS_", "GOOGLE_", "PUBSUB_", "MONITORING_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        GOOGLE_CLOUD_PROJECT=settings.require_project(),
        PUBSUB_EMULATOR_HOST=settings.pubsub_emulator_host or "",
        MONITORING_EMULATOR_HOST=settings.monitoring_emulator_host or "",
        HELIOS_METRICS_SPOOL_DIR=settings.spool_dir or "",
    )
    return env


def run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=240)


def quick_start() -> str:
    page = (ROOT / "docs" / "design-names.md").read_text()
    section = page.split("## The quick start, verbatim", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_design_quick_start_runs_verbatim_and_its_run_reaches_monitoring(settings, tmp_path):
    block = quick_start()
    assert block.startswith("from helios.config import load_config\n")
    assert "await monitor.setup_monitoring_infrastructure()" in block
    script = tmp_path / "quick_start.py"  # outside the checkout: the names come from the path alone
    script.write_text(
        "import asyncio\n\nasync def main():\n"
        + textwrap.indent(block, "    ")
        + "    result = await monitor.flush_metrics()\n    assert result.complete, result\n\nasyncio.run(main())\n"
    )
    done = run([sys.executable, str(script)], environment(settings), tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

    time.sleep(1)  # the run's window (the current minute) closes before the collector writes it
    build_collector(settings).collect_once()
    seen = totals(
        ClientFactory(settings).metric_service(),
        settings.require_project(),
        "pipeline_runs",
        time.time() - 3600,
        time.time() + 120,
        ("status",),
    )
    assert seen[("success",)] == 1  # the quick start's run, its stage a success
    assert seen.get(("failure",), 0) == 0


def test_each_dashboard_method_does_its_part_only_and_twice_changes_nothing(settings):
    dashboard = CloudMonitoringDashboard(settings)

    def kinds(lines: list[str]) -> set[str]:
        return {line.split()[1] for line in lines}

    assert kinds(asyncio.run(dashboard.setup_custom_metrics())) == {"metric_descriptor"}
    assert asyncio.run(dashboard.setup_custom_metrics()) == []
    alerting = asyncio.run(dashboard.create_alerting_policies())
    assert (
        {"service", "slo", "alert_policy"}
        <= kinds(alerting)
        <= {"notification_channel", "service", "slo", "alert_policy"}
    )
    assert asyncio.run(dashboard.create_alerting_policies()) == []
    assert asyncio.run(dashboard.create_helios_dashboard()) == ["created dashboard helios-main"]
    assert asyncio.run(dashboard.create_performance_dashboard()) == ["created dashboard helios-performance"]
    assert asyncio.run(dashboard.create_helios_dashboard()) == []
    assert kinds(asyncio.run(dashboard.setup_complete_monitoring())) == {"topic", "subscription"}
    assert asyncio.run(dashboard.setup_complete_monitoring()) == []
    assert Infra(settings, load_config(None, env={})).plan().in_sync


def test_a_dashboard_first_brings_the_policies_its_alert_charts_name(settings):
    dashboard = CloudMonitoringDashboard(settings)
    made = asyncio.run(dashboard.create_performance_dashboard())
    assert made[-1] == "created dashboard helios-performance"
    made_kinds = {line.split()[1] for line in made[:-1]}
    assert {"metric_descriptor", "alert_policy"} <= made_kinds  # a policy brings the descriptors it reads
    assert made_kinds <= {"metric_descriptor", "notification_channel", "service", "slo", "alert_policy"}
    assert "created dashboard helios-main" not in made


def test_the_design_commands_pass_on_a_provisioned_project_and_fail_in_one_line_without_one(settings, tmp_path):
    env = environment(settings)
    fresh = run([sys.executable, "-m", "helios.cli", "test-monitoring"], env, tmp_path)
    assert fresh.returncode == 1, fresh.stdout + fresh.stderr  # nothing provisioned yet
    assert "FAIL" in fresh.stdout

    complete = run([sys.executable, str(ROOT / "test_monitoring.py")], env, tmp_path)
    assert complete.returncode == 0, complete.stdout[-2000:] + complete.stderr[-2000:]
    assert "recorded one run: 5 events published, 0 not" in complete.stdout
    assert "FAIL" not in complete.stdout

    provisioned = run([sys.executable, "-m", "helios.cli", "test-monitoring"], env, tmp_path)
    assert provisioned.returncode == 0, provisioned.stdout + provisioned.stderr
    assert provisioned.stdout.count("PASS") >= 2

    no_project = {k: v for k, v in env.items() if k != "GOOGLE_CLOUD_PROJECT"}
    for argv in (
        [sys.executable, "-m", "helios.cli", "test-monitoring"],
        [sys.executable, str(ROOT / "test_monitoring.py")],
    ):
        missing = run(argv, no_project, tmp_path)
        assert missing.returncode == 1
        assert missing.stderr.count("\n") == 1, missing.stderr
        assert "GOOGLE_CLOUD_PROJECT" in missing.stderr


STORE = {
    "helios/__init__.py": 'NAME = "the store"\n',
    "helios/core.py": 'def pipeline():\n    return "the store\'s pipeline"\n',
    "helios/config.py": 'def load_config():\n    return "the store\'s config"\n',
    "helios/services/__init__.py": "",
}


def test_the_aliases_live_beside_a_store_package_of_the_same_name(tmp_path):
    store = tmp_path / "store"
    for name, text in STORE.items():
        (store / name).parent.mkdir(parents=True, exist_ok=True)
        (store / name).write_text(text)
    site = tmp_path / "site"  # as the installed distribution's .pth file runs the finder at start-up
    site.mkdir()
    (site / "helios-fallback.pth").write_text("import _helios_fallback; _helios_fallback.install()\n")
    probe = f"""
import site, sys, runpy, io, contextlib
site.addsitedir({str(site)!r})
import helios, helios.core
from helios.config import load_config
from helios.services.google_cloud.performance_monitor import PerformanceMonitor
from helios.services.google_cloud.monitoring_dashboard import CloudMonitoringDashboard
from helios_metrics import publisher
same = PerformanceMonitor is publisher.PerformanceMonitor
print(helios.NAME, "|", helios.core.pipeline(), "|", load_config(), "|", same)
sys.argv = ["helios.cli", "--help"]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        runpy.run_module("helios.cli", run_name="__main__", alter_sys=True)
    except SystemExit as done:
        print("exit", done.code)
print(out.getvalue().splitlines()[0])
"""
    env = {**os.environ, "PYTHONPATH": f"{store}{os.pathsep}{ROOT}"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "the store | the store's pipeline | the store's config | True"
    assert lines[1] == "usage: python -m helios.cli [-h] {test-monitoring} ..."
