"""The contract and the pure core import cleanly: no gRPC, no Pub/Sub or Monitoring client, no
process hooks — checked in a fresh interpreter, where nothing else has loaded them already. The
publisher's edges point one way: building and using one loads nothing of the collector, the
provisioning, the emulator or flask. Provisioning loads nothing of the emulator or of the alert
scenario runner (which builds on it) when imported, and only ``test-alerts`` reaches for the runner.
No package of the project has an import cycle, alone or with the others."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def probe(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_contract_and_the_core_load_no_client_library_and_install_no_hook():
    code = """
import json, sys
import helios_metrics.contract.catalog
import helios_metrics.contract.wire
import helios_metrics.contract.settings
import helios_metrics.contract.clients
import helios_metrics.contract.transient
from helios_metrics import contract
import helios_metrics.functions.aggregate
from helios_metrics import functions
from helios_metrics import publisher
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "grpc"
                or m.startswith(("google.cloud.pubsub_v1", "google.pubsub_v1", "google.cloud.monitoring_v3",
                                 "google.api_core")))
print(json.dumps({"loaded": loaded, "publisher_module": "helios_metrics.publisher.metrics_publisher" in sys.modules}))
"""
    assert probe(code) == {"loaded": [], "publisher_module": False}


def test_process_hooks_are_installed_by_the_first_publisher_once():
    code = """
import atexit, json
import helios_metrics.publisher._process_hooks as hooks
import helios_metrics.publisher.metrics_publisher as mp
from helios_metrics.contract import Settings
before = (hooks._hooks_installed, atexit._ncallbacks())
settings = Settings(project_id="p", pubsub_emulator_host="127.0.0.1:9")
publishers = [mp.MetricsPublisher(settings=settings, spool_dir="/tmp/helios-import-probe") for _ in range(5)]
after = (hooks._hooks_installed, atexit._ncallbacks())
for p in publishers:
    p.close(0.1)
print(json.dumps({"before": before, "after": after}))
"""
    result = probe(code)
    assert result["before"][0] is False
    assert result["after"][0] is True
    assert result["after"][1] - result["before"][1] == 1  # one exit hook for all five


OTHER_PARTS = ("helios_metrics.functions", "helios_metrics.setup_infra", "helios_metrics.monitoring_emulator", "flask")


def test_building_and_using_a_publisher_loads_no_other_part_of_the_project(tmp_path):
    """A pipeline that installs the publisher alone can record: every module of the package, a
    publisher built and used (Pub/Sub unreachable: the events go to the spool) and the design's
    facade around it load nothing of the collector, provisioning, the emulator or flask."""
    code = f"""
import json, pkgutil, sys, importlib
from helios_metrics.publisher import MetricsPublisher
from helios_metrics.contract import Settings
settings = Settings(project_id="p", pubsub_emulator_host="127.0.0.1:9")  # nothing listens there
metrics = MetricsPublisher(settings=settings, spool_dir={str(tmp_path)!r})
built = sorted(m for m in sys.modules if m.startswith({OTHER_PARTS!r}))
from helios_metrics.publisher import PerformanceMonitor, PublisherOptions
monitor = PerformanceMonitor(publisher=metrics)
with metrics.stage("trend_discovery") as stage:
    stage.add(trends_found=12)
metrics.record_pipeline_metric(120.5, 0.85, 0.92, 0.88, 0.95)
result = metrics.close(3)
from helios_metrics import publisher
for module in pkgutil.iter_modules(publisher.__path__):
    importlib.import_module(f"helios_metrics.publisher.{{module.name}}")
used = sorted(m for m in sys.modules if m.startswith({OTHER_PARTS!r}))
print(json.dumps({{"built": built, "used": used, "kept": result.published + result.spooled}}))
"""
    assert probe(code) == {"built": [], "used": [], "kept": 2}


def test_a_method_whose_part_is_missing_says_which_part(tmp_path):
    code = f"""
import asyncio, json, sys
sys.modules["google.cloud.monitoring_v3"] = None  # as in a plain install: the publisher's libraries only
from helios_metrics.publisher import PerformanceMonitor
from helios_metrics.contract import Settings
monitor = PerformanceMonitor(settings=Settings(project_id="p", pubsub_emulator_host="127.0.0.1:9"),
                             spool_dir={str(tmp_path)!r})
errors = []
for call in (monitor.get_performance_summary(), monitor.analyze_performance("15m"),
             monitor.setup_monitoring_infrastructure()):
    try:
        asyncio.run(call)
    except ImportError as err:
        errors.append(str(err))
print(json.dumps(errors))
"""
    errors = probe(code)
    assert errors == [
        "PerformanceMonitor.get_performance_summary needs the performance report (reporting), which "
        "is not installed here (no module named 'google.cloud.monitoring_v3'): "
        'pip install "<the helios-metrics checkout>[setup]"',
        "PerformanceMonitor.analyze_performance needs the performance report (reporting), which "
        "is not installed here (no module named 'google.cloud.monitoring_v3'): "
        'pip install "<the helios-metrics checkout>[setup]"',
        "PerformanceMonitor.setup_monitoring_infrastructure needs provisioning (setup_infra), which is not "
        "installed here (no module named 'google.cloud.monitoring_v3'): "
        'pip install "<the helios-metrics checkout>[setup]"',
    ]


def _imports(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports anywhere in its source, ``TYPE_CHECKING``
    blocks and function bodies included (a cycle there is still a cycle to read)."""
    files = {}
    for package in packages:
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        home = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = home[: len(home) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                found |= {f"{module}.{a.name}" if f"{module}.{a.name}" in files else module for a in node.names}
        graph[name] = {module for module in found if module in files and module != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` (as the path that closes it), or []."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for following in sorted(graph[node]):
            if state.get(following) == 1:
                return [*path[path.index(following) :], following]
            if following not in state and (found := visit(following)):
                return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycle_in_the_contract_or_the_publisher():
    graph = _imports(("helios_metrics.contract", "helios_metrics.publisher"))
    assert (
        "helios_metrics.publisher.metrics_publisher" in graph["helios_metrics.publisher"]
    )  # a TYPE_CHECKING import: counted
    assert _cycle(graph) == []
    assert (
        "helios_metrics.publisher.metrics_publisher" not in graph["helios_metrics.publisher._stage_timer"]
    )  # where the cycle once was


def test_the_collector_never_imports_the_report():
    """Reporting reads what the collector wrote (and writes the forecast through its writer): it
    imports ``functions``; the collector's modules never import it. Only the command line hands
    ``python -m functions report`` (the name the documentation gives it) over to
    ``python -m helios_metrics.reporting``."""
    graph = _imports(("helios_metrics.functions", "helios_metrics.reporting"))
    assert "helios_metrics.functions.writer" in graph["helios_metrics.reporting.report"]
    importers = sorted(
        name
        for name, found in graph.items()
        if name.startswith("helios_metrics.functions") and any(m.startswith("helios_metrics.reporting") for m in found)
    )
    assert importers == ["helios_metrics.functions.__main__"]


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


PACKAGES = tuple(
    f"helios_metrics.{name}"
    for name in ("contract", "publisher", "functions", "reporting", "setup_infra", "alert_scenarios")
)


def test_no_import_cycle_across_the_packages():
    """Function bodies and ``TYPE_CHECKING`` blocks count: a lazy import that closes a loop is
    still a loop to read."""
    assert _cycle(_imports(PACKAGES)) == []


def test_provisioning_points_away_from_the_emulator_and_the_scenario_runner():
    """The runner imports provisioning, the emulator and the collector; provisioning imports none
    of the emulator anywhere, and the runner only inside the ``test-alerts`` command."""
    graph = _imports((*PACKAGES, "helios_metrics.monitoring_emulator"))
    assert "helios_metrics.setup_infra.engine" in graph["helios_metrics.alert_scenarios.runner"]
    assert "helios_metrics.monitoring_emulator" in graph["helios_metrics.alert_scenarios.runner"]
    reaching = {
        name: sorted(m for m in found if m.split(".")[1] in ("alert_scenarios", "monitoring_emulator"))
        for name, found in graph.items()
        if name.split(".")[1] == "setup_infra"
    }
    assert {name: found for name, found in reaching.items() if found} == {
        "helios_metrics.setup_infra.__main__": [
            "helios_metrics.alert_scenarios.runner",
            "helios_metrics.alert_scenarios.scenarios",
        ]
    }
    runner_imports = [
        node
        for node in ast.parse((ROOT / "helios_metrics" / "setup_infra" / "__main__.py").read_text()).body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helios_metrics.alert_scenarios")
    ]
    assert runner_imports == []  # not at module level: inside the command (and its help) only


def test_importing_provisioning_loads_neither_the_emulator_nor_the_scenario_runner():
    code = """
import importlib, json, pkgutil, sys
from helios_metrics import setup_infra
for module in pkgutil.iter_modules(setup_infra.__path__):
    importlib.import_module(f"helios_metrics.setup_infra.{module.name}")
from helios_metrics.setup_infra.__main__ import _parser
THEM = ("helios_metrics.monitoring_emulator", "helios_metrics.alert_scenarios")
loaded = sorted(m for m in sys.modules if m.startswith(THEM))
_parser()  # the help names the scenarios: their table only, not the runner
listed = sorted(m for m in sys.modules if m.startswith(THEM))
print(json.dumps({"imported": loaded, "parser": listed}))
"""
    assert probe(code) == {
        "imported": [],
        "parser": [
            "helios_metrics.alert_scenarios",
            "helios_metrics.alert_scenarios.model",
            "helios_metrics.alert_scenarios.scenarios",
        ],
    }


def test_test_alerts_without_the_runner_says_so_in_one_line():
    code = """
import contextlib, io, json, sys
sys.modules["helios_metrics.alert_scenarios"] = None  # as if provisioning were installed without it
from helios_metrics.setup_infra.__main__ import main
err = io.StringIO()
with contextlib.redirect_stderr(err):
    code = main(["test-alerts", "slow-runs"])
print(json.dumps({"code": code, "stderr": err.getvalue()}))
"""
    result = probe(code)
    assert result["code"] == 1
    assert result["stderr"].count("\n") == 1
    assert result["stderr"].startswith("test-alerts needs the alert scenario runner (alert_scenarios)")


def test_only_a_missing_extra_reads_as_one():
    from helios_metrics.contract.extras import missing_extra_module

    assert missing_extra_module(ModuleNotFoundError("no", name="google.cloud.monitoring_v3")) == (
        "google.cloud.monitoring_v3"
    )
    assert missing_extra_module(ModuleNotFoundError("no", name="flask.json")) == "flask"
    namespace = ImportError("cannot import name 'monitoring_v3' from 'google.cloud' (unknown location)")
    namespace.name = "google.cloud"
    assert missing_extra_module(namespace) == "google.cloud.monitoring_v3"
    assert missing_extra_module(ModuleNotFoundError("no", name="helios_metrics.reporting.report")) is None  # a bug
    assert missing_extra_module(ModuleNotFoundError("no", name="google.protobuf")) is None  # a broken install
    assert missing_extra_module(ImportError("cannot import name 'x' from 'helios_metrics.contract'")) is None
