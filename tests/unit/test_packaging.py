"""The distribution's metadata agrees with the checkout: every exact pin of requirements.txt and
requirements-dev.txt lies in pyproject's range for that distribution (and every ranged distribution
is pinned), the version lives in one place and heads the changelog, every console script names a
function, and the pytest plugin — which pytest loads wherever the distribution is installed —
imports nothing a plain install lacks."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import helios_metrics

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(path: Path) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line (following ``-r``)."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found |= pins(path.parent / line[3:].strip())
        elif line:
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not an exact pin"
            found[canonicalize_name(name)] = version.strip()
    return found


def ranges() -> list[Requirement]:
    listed = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in PROJECT["optional-dependencies"].values():
        listed += [Requirement(r) for r in extra]
    return [r for r in listed if canonicalize_name(r.name) != "helios-metrics"]


@pytest.mark.parametrize("requirements", ["requirements.txt", "requirements-dev.txt"])
def test_every_pin_satisfies_the_range_pyproject_gives_its_distribution(requirements):
    pinned = pins(ROOT / requirements)
    for requirement in ranges():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} has a range in pyproject.toml but no pin in {requirements}"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{requirements} pins {name}=={pinned[name]}, outside pyproject.toml's {requirement}"
        )


def test_the_pin_check_catches_a_pin_outside_its_range():
    assert not Requirement("google-cloud-pubsub>=2.44,<3").specifier.contains("3.0.0")


def test_the_plain_install_is_the_publisher_and_the_contract_only():
    plain = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    assert plain == {"google-cloud-pubsub", "msgspec", "google-api-core", "google-auth", "grpcio"}
    extras = PROJECT["optional-dependencies"]
    assert set(extras) == {"collector", "setup", "emulator", "all"}
    assert extras["all"] == ["helios-metrics[collector,setup,emulator]"]


# which distribution provides an imported name (the longest matching prefix wins)
PROVIDERS = {
    "msgspec": "msgspec",
    "grpc": "grpcio",
    "grpc_status": "grpcio-status",
    "google.auth": "google-auth",
    "google.api_core": "google-api-core",
    "google.protobuf": "protobuf",
    "google.api": "googleapis-common-protos",
    "google.rpc": "googleapis-common-protos",
    "google.type": "googleapis-common-protos",
    "google.pubsub_v1": "google-cloud-pubsub",
    "google.cloud.pubsub_v1": "google-cloud-pubsub",
    "google.cloud.monitoring_v3": "google-cloud-monitoring",
    "google.cloud.monitoring_dashboard_v1": "google-cloud-monitoring-dashboards",
    "functions_framework": "functions-framework",
    "flask": "flask",
}
RUNNER = {"pytest", "_pytest"}  # the pytest plugin runs inside pytest
# each part of the distribution, and the extras that install what it needs (the rest is the plain install)
PARTS = {
    "helios_metrics/functions": {"collector"},
    "helios_metrics/reporting": {"collector", "setup"},
    "helios_metrics/setup_infra": {"setup"},
    "helios_metrics/monitoring_emulator": {"emulator"},
}


def imported_names(source: Path) -> set[str]:
    """Every module a file imports, wherever the import sits, except under ``if TYPE_CHECKING:``."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source.read_text()))
    return found


def provider(name: str) -> str | None:
    """The distribution an import comes from; None for the standard library, our code and the runner."""
    head = name.split(".")[0]
    if head in sys.stdlib_module_names or head in ("helios_metrics", "helios") or head in RUNNER:
        return None
    parts = name.split(".")
    for size in range(len(parts), 0, -1):
        if ".".join(parts[:size]) in PROVIDERS:
            return PROVIDERS[".".join(parts[:size])]
    raise AssertionError(f"no distribution known for the import {name!r}: add it to PROVIDERS and pyproject.toml")


def test_every_distribution_the_code_imports_is_declared_where_that_code_is_installed():
    plain = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    extras = {
        name: {canonicalize_name(Requirement(r).name) for r in listed}
        for name, listed in PROJECT["optional-dependencies"].items()
    }
    sources = sorted((ROOT / "helios_metrics").rglob("*.py")) + sorted((ROOT / "helios").rglob("*.py"))
    undeclared = []
    for source in sources:
        relative = source.relative_to(ROOT).as_posix()
        part = next((extras_of for prefix, extras_of in PARTS.items() if relative.startswith(f"{prefix}/")), set())
        for name in sorted(imported_names(source)):
            wanted = provider(name)
            if wanted is None or wanted in plain:
                continue
            missing = [extra for extra in sorted(part) if wanted not in extras[extra]]
            if not part or missing:
                undeclared.append(f"{relative} imports {name} ({wanted}), not in {missing or 'the plain install'}")
    assert not undeclared, "\n".join(undeclared)


def test_the_import_check_sees_an_undeclared_distribution(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import flask\n"
        "def f():\n    from google.rpc import status_pb2\n"
    )
    assert imported_names(module) == {"typing.TYPE_CHECKING", "google.rpc.status_pb2"}
    assert provider("google.rpc.status_pb2") == "googleapis-common-protos"
    assert provider("json") is None


def test_the_version_lives_in_one_place_and_heads_the_changelog():
    assert "version" not in PROJECT
    assert PROJECT["dynamic"] == ["version"]
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["version"]
    assert build == {"path": "helios_metrics/__init__.py"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", helios_metrics.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    first = re.search(r"^## \[?(\d+\.\d+\.\d+)", changelog, re.M)
    assert first is not None
    assert first.group(1) == helios_metrics.__version__


def test_every_console_script_and_the_plugin_name_something_that_exists():
    import importlib

    for script, target in PROJECT["scripts"].items():
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function)), script
    plugin = "helios_metrics.monitoring_emulator.pytest_plugin"
    assert PROJECT["entry-points"]["pytest11"] == {plugin: plugin}  # -p or pytest_plugins may name it too
    assert (ROOT / "helios_metrics" / "py.typed").exists()


def probe(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_pytest_plugin_loads_no_monitoring_library():
    done = probe(
        "import json, sys\n"
        "import helios_metrics.monitoring_emulator.pytest_plugin\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('google.cloud.monitoring', 'grpc')))))\n"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_a_console_script_without_its_extra_says_which_in_one_line():
    done = probe(
        "import sys\n"
        "sys.modules['google.cloud.monitoring_v3'] = None  # as in a plain install\n"
        "from helios_metrics._cli import setup_infra\n"
        "sys.exit(setup_infra())\n"
    )
    assert done.returncode == 1
    assert done.stderr == (
        'helios-setup-infra needs the "setup" extra, which is not installed here '
        "(no module named 'google.cloud.monitoring_v3'): pip install \"<the helios-metrics checkout>[setup]\"\n"
    )


def test_a_monitoring_client_without_its_library_names_the_extra():
    done = probe(
        "import sys\n"
        "sys.modules['google.cloud.monitoring_v3'] = None\n"
        "from helios_metrics.contract import ClientFactory, Settings\n"
        "ClientFactory(Settings(project_id='p', monitoring_emulator_host='127.0.0.1:9')).metric_service()\n"
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "helios_metrics.contract.clients.MissingClientLibrary: google-cloud-monitoring is not installed here "
        "(no module named 'google.cloud.monitoring_v3'): "
        'pip install "<the helios-metrics checkout>[setup]" (or [collector], [emulator], [all])'
    )
