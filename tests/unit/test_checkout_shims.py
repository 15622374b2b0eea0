"""From a checkout, the names the design fixes — ``publisher``, ``functions``, ``setup_infra`` —
are the modules of ``helios_metrics``, never second copies, and their ``python -m`` forms run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_an_alias_and_its_module_are_one_object_whichever_is_imported_first():
    code = """
import json, sys
import publisher._spool as alias_first
import helios_metrics.publisher._spool as real
import helios_metrics.functions.passes as real_first
import functions.passes as alias_second
from publisher import MetricsPublisher
from helios_metrics.publisher.metrics_publisher import MetricsPublisher as Real
import setup_infra, helios_metrics.setup_infra
from setup_infra.engine import Infra
copies = sorted(m for m in sys.modules if m.startswith(("publisher.", "functions.", "setup_infra."))
                and sys.modules[m] is not sys.modules["helios_metrics." + m])
print(json.dumps({
    "same": [alias_first is real, real_first is alias_second, MetricsPublisher is Real,
             setup_infra is helios_metrics.setup_infra, Infra is helios_metrics.setup_infra.engine.Infra],
    "names": [alias_first.__name__, alias_first.__spec__.name, setup_infra.__name__],
    "copies": copies,
}))
"""
    done = run("-c", code)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["same"] == [True] * 5
    assert result["names"] == ["helios_metrics.publisher._spool"] * 2 + ["helios_metrics.setup_infra"]
    assert result["copies"] == []


def test_the_python_m_forms_run_from_the_checkout():
    setup = run("-m", "setup_infra", "--help")
    assert setup.returncode == 0, setup.stderr
    assert setup.stdout.startswith("usage: python -m setup_infra")
    functions = run("-m", "functions", "--help")
    assert functions.returncode == 0, functions.stderr
    assert "{collect,report}" in functions.stdout
    report = run("-m", "functions", "report", "--help")
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("usage: python -m functions report")
    publisher = run("-m", "publisher")  # a package without __main__: Python's one line, no traceback
    assert publisher.returncode == 1
    assert publisher.stderr == (
        f"{sys.executable}: No module named publisher.__main__; 'publisher' is a package and cannot be directly "
        "executed\n"
    )


def test_the_deployed_entry_point_imports_without_the_aliases(tmp_path):
    """main.py imports helios_metrics only: the upload needs none of the checkout's alias files."""
    for name in ("main.py", "helios_metrics"):
        (tmp_path / name).symlink_to(ROOT / name)
    done = run(
        "-c", "import main, sys; print(sorted(n for n in ('publisher', 'functions') if n in sys.modules))", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
