"""cloudbuild.yaml as Cloud Build will read it: the step order, every file and substitution it
names, the entry point in main.py, and a .gcloudignore that uploads the function and nothing else."""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())


def step_text(step: dict) -> str:
    return " ".join(str(part) for part in [step.get("entrypoint", ""), *step.get("args", []), *step.get("env", [])])


def test_steps_run_in_the_order_a_deploy_needs():
    ids = [step["id"] for step in BUILD["steps"]]
    assert ids == [
        "test",
        "deploy",
        "deploy-report",
        "schedule",
        "secrets",
        "setup-infra",
        "dead-letter-iam",
        "schedule-forecast",  # after setup-infra: the forecast's descriptor exists before its first point
        "verify",
    ]
    texts = {step["id"]: step_text(step) for step in BUILD["steps"]}
    assert "CI=true make test" in texts["test"]
    assert "setup_infra apply --yes" in texts["setup-infra"]
    assert "setup_infra verify --wait" in texts["verify"]
    assert "scheduler jobs update http" in texts["schedule"]
    assert "scheduler jobs create http" in texts["schedule"]
    assert "--oidc-service-account-email" in texts["schedule"]


@pytest.mark.parametrize(
    ("step_id", "name", "entry_point"),
    [("deploy", "${_FUNCTION}", "collect_metrics"), ("deploy-report", "${_FUNCTION}-report", "performance_report")],
)
def test_each_deploy_step_names_an_entry_point_main_py_defines(step_id, name, entry_point):
    (deploy,) = [s for s in BUILD["steps"] if s["id"] == step_id]
    flags = dict(arg.removeprefix("--").split("=", 1) for arg in deploy["args"] if "=" in arg)
    assert deploy["args"][:3] == ["functions", "deploy", name]
    assert "--gen2" in deploy["args"]
    assert "--no-allow-unauthenticated" in deploy["args"]
    assert flags["source"] == "."
    tree = ast.parse((ROOT / "main.py").read_text())
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert flags["entry-point"] == entry_point
    assert entry_point in functions
    assert {"runtime", "region", "timeout", "max-instances", "service-account", "set-env-vars"} <= set(flags)
    assert "GOOGLE_CLOUD_PROJECT=$PROJECT_ID" in flags["set-env-vars"]


def test_the_forecast_is_written_on_a_schedule_by_the_report_function_and_nothing_else():
    texts = {step["id"]: step_text(step) for step in BUILD["steps"]}
    forecast = texts["schedule-forecast"]
    assert "scheduler jobs update http ${_FUNCTION}-forecast" in forecast
    assert "scheduler jobs create http ${_FUNCTION}-forecast" in forecast
    assert '--uri="$$URL?write_forecast=true"' in forecast
    assert "functions describe ${_FUNCTION}-report" in forecast
    assert "--oidc-service-account-email" in forecast
    assert BUILD["substitutions"]["_FORECAST_SCHEDULE"] == "*/5 * * * *"
    assert not any("write_forecast" in text for step, text in texts.items() if step != "schedule-forecast")


def test_every_file_and_substitution_the_build_uses_exists():
    text = (ROOT / "cloudbuild.yaml").read_text()
    for name in ("requirements.txt", "main.py", "Makefile", "deploy_secrets.sh"):
        assert (ROOT / name).exists()
    used = set(re.findall(r"\$\{(_[A-Z_]+)\}", text))
    assert used <= set(BUILD["substitutions"]), used - set(BUILD["substitutions"])
    assert set(BUILD["substitutions"]) <= used, set(BUILD["substitutions"]) - used  # none declared for nothing
    assert all(re.fullmatch(r"_[A-Z_]+", key) for key in BUILD["substitutions"])


def ignored(path: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("/") and (path + "/").startswith(pattern):
            return True
        if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).name, pattern):
            return True
    return False


def test_gcloudignore_uploads_the_function_and_leaves_the_rest():
    patterns = [
        line.strip()
        for line in (ROOT / ".gcloudignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for needed in (
        "main.py",
        "requirements.txt",
        "helios_metrics/contract/catalog.py",
        "helios_metrics/functions/collector.py",
    ):
        assert not ignored(needed, patterns), needed
    for left_out in (
        "tests/unit",
        "benchmarks/collector_bench.py",
        "helios_metrics/monitoring_emulator/_store.py",
        "helios_metrics/setup_infra/engine.py",
        "helios_metrics/publisher/metrics_publisher.py",
        "helios/services/google_cloud/performance_monitor.py",
        "_helios_fallback.py",
        "test_monitoring.py",
        "examples/store_tests/test_success_rate_alert.py",
        "docs/dashboard-helios.png",
        ".helios-stack/stack.json",
        "soak-output/soak.json",
    ):
        assert ignored(left_out, patterns), left_out


def _package(module: str) -> str:
    """The project's package a module belongs to: ``helios_metrics.functions`` for ``helios_metrics.functions.x``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "helios_metrics" else parts[0]


def project_packages(path: Path) -> set[str]:
    """The project's top-level packages ``path`` imports anywhere in its source (function bodies too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {_package(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(_package(node.module))
    return {name for name in names if (ROOT / name.replace(".", "/") / "__init__.py").exists()}


def test_the_deployed_source_holds_every_package_the_functions_import():
    patterns = [
        line.strip()
        for line in (ROOT / ".gcloudignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    needed: set[str] = set()
    todo = project_packages(ROOT / "main.py")
    while todo:
        package = todo.pop()
        needed.add(package)
        for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
            todo |= project_packages(path) - needed
    # performance_report answers from reporting
    assert needed == {"helios_metrics.contract", "helios_metrics.functions", "helios_metrics.reporting"}
    assert not ignored("helios_metrics/__init__.py", patterns)
    for package in needed:
        for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
            assert not ignored(str(path.relative_to(ROOT)), patterns), path
