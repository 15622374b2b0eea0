"""The built wheel, installed outside the checkout and run from a directory that is not the
repository: a plain install records through Pub/Sub with the publisher's libraries only; the
``[all]`` install runs the design's quick start verbatim against both emulators, passes
``python -m helios.cli test-monitoring`` on the stack it provisioned, and a store's test directory
passes with nothing but the installed pytest plugin's fixtures. The design's ``helios.*`` aliases
ship inside ``helios_metrics`` and still answer beside a store's own ``helios`` package."""

from __future__ import annotations

import re
import shutil
import textwrap
import time
import zipfile
from pathlib import Path

from helios_metrics.contract import ClientFactory, Settings
from tests.helpers import drain_events, pubsub_topic, totals

ROOT = Path(__file__).resolve().parents[2]
COLLECTOR_AND_SETUP = {"functions-framework", "flask", "google-cloud-monitoring", "google-cloud-monitoring-dashboards"}


def test_the_wheel_holds_one_distinctive_package_and_the_finder_with_the_aliases_inside(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.startswith("helios_metrics-")}
    # no top-level helios/: a store's own helios distribution would overwrite its files (or ours)
    assert top == {"helios_metrics", "_helios_fallback.py", "helios_metrics_fallback.pth"}
    aliases = {name for name in names if name.startswith("helios_metrics/_design/helios/")}
    assert {
        "helios_metrics/_design/helios/config.py",
        "helios_metrics/_design/helios/cli.py",
        "helios_metrics/_design/helios/services/google_cloud/performance_monitor.py",
        "helios_metrics/_design/helios/services/google_cloud/monitoring_dashboard.py",
    } == aliases
    assert "helios_metrics/py.typed" in names
    assert not [name for name in names if "__pycache__" in name or name.startswith(("tests/", "publisher"))]
    pth = zipfile.ZipFile(wheel).read("helios_metrics_fallback.pth").decode()
    assert pth == "import _helios_fallback; _helios_fallback.install()\n"


PUBLISH = """
from helios_metrics.publisher import MetricsPublisher

metrics = MetricsPublisher()
metrics.record_stage_metric(stage="trend_discovery", duration=45.2, success=True)
metrics.record_pipeline_metric(120.5, 0.85, 0.92, 0.88, 0.95)
result = metrics.flush(10)
metrics.close(5)
print(result.published, result.spooled, result.failed)
"""


def test_a_plain_install_publishes_to_pubsub_with_the_publishers_libraries_only(
    plain_venv, pubsub_emulator, project_id
):
    settings = Settings(project_id=project_id, pubsub_emulator_host=pubsub_emulator.address)
    factory = ClientFactory(settings)
    subscription = pubsub_topic(factory, settings)
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "PUBSUB_EMULATOR_HOST": pubsub_emulator.address,
        "HELIOS_METRICS_SPOOL_DIR": str(plain_venv.home / "spool"),
    }
    done = plain_venv.run(str(plain_venv.python), "-c", PUBLISH, **env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["2", "0", "0"]
    events = drain_events(factory, subscription, 2)
    assert sorted(type(event).__name__ for _, event in events) == ["PipelineEvent", "StageEvent"]

    installed = plain_venv.distributions()
    assert "helios-metrics" in installed
    assert {"google-cloud-pubsub", "msgspec"} <= installed
    assert not installed & COLLECTOR_AND_SETUP, installed & COLLECTOR_AND_SETUP

    generic = plain_venv.run(str(plain_venv.python), "-c", "import publisher")
    assert "No module named 'publisher'" in generic.stderr  # no generic top-level name installed

    for argv, extra in (
        ([str(plain_venv.bin / "helios-setup-infra"), "plan"], "setup"),
        ([str(plain_venv.python), "-m", "helios.cli", "test-monitoring"], "setup"),
    ):
        missing = plain_venv.run(*argv, **env)
        assert missing.returncode == 1, missing.stdout + missing.stderr
        assert missing.stderr.count("\n") == 1, missing.stderr
        assert f'pip install "<the helios-metrics checkout>[{extra}]"' in missing.stderr


STORE = {  # a stand-in for the store's own code base: a regular helios package
    "helios/__init__.py": 'NAME = "the store"\n',
    "helios/core.py": 'def pipeline():\n    return "the store\'s pipeline"\n',
    "helios/config.py": 'def load_config():\n    return "the store\'s config"\n',
    "helios/services/__init__.py": "",
}

COEXIST = """
import helios, helios.core
from helios.config import load_config
from helios.services.google_cloud.performance_monitor import PerformanceMonitor
from helios_metrics.publisher import PerformanceMonitor as real
print(helios.NAME, "|", helios.core.pipeline(), "|", load_config(), "|", PerformanceMonitor is real)
"""

ALONE = """
import helios, helios.config
from helios.config import load_config
from helios.services.google_cloud.performance_monitor import PerformanceMonitor
print(list(helios.__path__)[0], "|", helios.config.__file__, "|", load_config(project_id="p").project_id)
"""


def test_an_installed_helios_alias_answers_with_and_without_a_store_helios_package(plain_venv):
    assert not list(plain_venv.root.glob("lib/python*/site-packages/helios"))  # nothing at the store's paths

    alone = plain_venv.run(str(plain_venv.python), "-c", ALONE)
    assert alone.returncode == 0, alone.stderr[-3000:]
    package, config, project = alone.stdout.strip().split(" | ")
    assert package.endswith("/site-packages/helios_metrics/_design/helios"), package
    assert config == f"{package}/config.py"
    assert project == "p"

    store = plain_venv.home / "store"
    for name, text in STORE.items():
        (store / name).parent.mkdir(parents=True, exist_ok=True)
        (store / name).write_text(text)
    beside = plain_venv.run(str(plain_venv.python), "-c", COEXIST, PYTHONPATH=str(store))
    assert beside.returncode == 0, beside.stderr[-3000:]
    assert beside.stdout.strip() == "the store | the store's pipeline | the store's config | True"
    usage = plain_venv.run(str(plain_venv.python), "-m", "helios.cli", "--help", PYTHONPATH=str(store))
    assert usage.returncode == 0, usage.stderr[-3000:]
    assert usage.stdout.startswith("usage: python -m helios.cli [-h] {test-monitoring} ...")


def quick_start() -> str:
    page = (ROOT / "docs" / "design-names.md").read_text()
    section = page.split("## The quick start, verbatim", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_all_runs_the_quick_start_verbatim_and_test_monitoring_passes(
    all_venv, pubsub_emulator, monitoring, project_id
):
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "PUBSUB_EMULATOR_HOST": pubsub_emulator.address,
        "MONITORING_EMULATOR_HOST": monitoring.address,
        "HELIOS_METRICS_SPOOL_DIR": str(all_venv.home / "spool"),
    }
    fresh = all_venv.run(str(all_venv.python), "-m", "helios.cli", "test-monitoring", **env)
    assert fresh.returncode == 1, fresh.stdout + fresh.stderr  # nothing provisioned yet

    script = all_venv.home / "quick_start.py"
    script.write_text(
        "import asyncio\n\nasync def main():\n"
        + textwrap.indent(quick_start(), "    ")
        + "    result = await monitor.flush_metrics()\n    assert result.complete, result\n\nasyncio.run(main())\n"
    )
    done = all_venv.run(str(all_venv.python), str(script), **env)
    assert done.returncode == 0, done.stderr[-3000:]

    time.sleep(1)  # the run's window (the current minute) closes before the collector writes it
    collected = all_venv.run(str(all_venv.bin / "helios-collector"), "collect", "--once", **env)
    assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr[-2000:]
    seen = totals(
        ClientFactory(Settings(project_id=project_id, monitoring_emulator_host=monitoring.address)).metric_service(),
        project_id,
        "pipeline_runs",
        time.time() - 3600,
        time.time() + 120,
        ("status",),
    )
    assert seen[("success",)] == 1  # the quick start's run

    plan = all_venv.run(str(all_venv.bin / "helios-setup-infra"), "plan", **env)
    assert plan.returncode == 0, plan.stdout[-2000:] + plan.stderr[-2000:]
    provisioned = all_venv.run(str(all_venv.python), "-m", "helios.cli", "test-monitoring", **env)
    assert provisioned.returncode == 0, provisioned.stdout[-3000:] + provisioned.stderr[-2000:]
    assert "FAIL" not in provisioned.stdout
    assert provisioned.stdout.count("PASS") >= 2


def test_a_store_test_directory_passes_with_the_installed_plugin_alone(all_venv):
    # the pins were constraints only: nothing of requirements-dev.txt but pytest came along
    assert not all_venv.distributions() & {"mypy", "ruff", "pydantic", "hypothesis", "pytest-xdist"}
    store_tests = all_venv.home / "store_tests"
    shutil.copytree(ROOT / "examples" / "store_tests", store_tests)
    pytest = (str(all_venv.python), "-m", "pytest", "-q", "-p", "no:cacheprovider")
    done = all_venv.run(*pytest, str(store_tests))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"^1 passed in ", done.stdout, re.M), done.stdout[-2000:]  # no warning either

    # naming the plugin as well, as docs/testing-alerts.md shows, finds it already registered
    named = all_venv.run(*pytest, "-p", "helios_metrics.monitoring_emulator.pytest_plugin", str(store_tests))
    assert named.returncode == 0, named.stdout[-3000:] + named.stderr[-2000:]
    assert re.search(r"^1 passed in ", named.stdout, re.M), named.stdout[-2000:]
