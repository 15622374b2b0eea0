"""The distribution as pipeline code and a store's test suite get it: the wheel, built once per
session (shared by the xdist workers under a file lock), installed into fresh virtualenvs outside
the checkout from the package index ``make venv`` uses, with this checkout's pins as constraints
(constraints only: a ``-r`` line inside a constraints file would make pip install every pin, and a
dependency an extra forgot would arrive anyway)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIP = (sys.executable, "-m", "pip")


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every worker of this run sees (the run's base temp; its parent under xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared = _shared_dir(tmp_path_factory)
    out = shared / "helios-wheel"
    with open(shared / "helios-wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds, the other waits and reuses it
        built = sorted(out.glob("helios_metrics-*.whl"))
        if not built:
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(ROOT)],
                check=True,
                capture_output=True,
                text=True,
                cwd=shared,
            )
            built = sorted(out.glob("helios_metrics-*.whl"))
    assert len(built) == 1, built
    return built[0]


@pytest.fixture(scope="session")
def constraints(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ...]:
    """``requirements.txt`` and the pins of ``requirements-dev.txt`` alone: pip reads a ``-r`` line
    in a constraints file as a requirement, so the generated copy keeps the ``name==version``
    lines and drops ``-r``, ``-c`` and every other option line."""
    dev = tmp_path_factory.mktemp("constraints") / "requirements-dev-pins.txt"
    lines = (line.split("#", 1)[0].strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines())
    dev.write_text("".join(f"{line}\n" for line in lines if line and not line.startswith("-")))
    return ROOT / "requirements.txt", dev


class Venv:
    """A virtualenv outside the checkout; commands run from ``home``, a directory of its own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.python = self.bin / "python"
        self.home = root.parent / f"{root.name}-home"
        self.home.mkdir()

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS")}
        env.update(PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}", **extra)
        return env

    def run(self, *argv: str, timeout: float = 240, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv), cwd=self.home, env=self.env(**env), capture_output=True, text=True, timeout=timeout
        )

    def distributions(self) -> set[str]:
        listed = self.run(
            str(self.python),
            "-c",
            "import importlib.metadata as m; print('\\n'.join(d.name for d in m.distributions()))",
        )
        assert listed.returncode == 0, listed.stderr
        return {line.strip().lower().replace("_", "-") for line in listed.stdout.splitlines() if line.strip()}


def make_venv(root: Path, requirement: str, constraints: tuple[Path, ...], *extra: str) -> Venv:
    """``python -m venv`` (no pip of its own: the checkout's pip installs into it) and one ``pip install``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    installed = subprocess.run(
        [
            *PIP,
            "--python",
            str(root / "bin" / "python"),
            "install",
            "--quiet",
            *(arg for path in constraints for arg in ("-c", str(path))),
            requirement,
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=root.parent,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return Venv(root)


@pytest.fixture(scope="session")
def plain_venv(wheel: Path, constraints: tuple[Path, ...], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    """``pip install /path/to/helios-metrics-collector``: what pipeline code installs."""
    root = tmp_path_factory.mktemp("venvs") / "plain"
    yield make_venv(root, f"helios-metrics @ {wheel.as_uri()}", constraints)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def all_venv(wheel: Path, constraints: tuple[Path, ...], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    """``pip install "helios-metrics[all]"`` and pytest: a store's test suite."""
    root = tmp_path_factory.mktemp("venvs") / "all"
    yield make_venv(root, f"helios-metrics[all] @ {wheel.as_uri()}", constraints, "pytest")
    shutil.rmtree(root, ignore_errors=True)
