"""The names a checkout keeps — ``publisher``, ``functions``, ``setup_infra`` — as aliases of
``helios_metrics.publisher`` and its siblings, so ``from publisher import MetricsPublisher``,
``python -m setup_infra`` and ``python -m functions report`` work from the repository's root.

An alias is the very module, never a second copy: ``publisher._spool`` and
``helios_metrics.publisher._spool`` are one object (one set of process hooks, one registry, one
class for ``isinstance``). The top-level shim files put the package itself in ``sys.modules`` and
install a finder, first on ``sys.meta_path``, that answers ``publisher.*`` with the module of
``helios_metrics.publisher.*``. Not shipped in the wheel: an installed distribution has only
``helios_metrics`` (and the ``helios`` aliases of the design).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import runpy
import sys
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from types import ModuleType

__all__ = ["alias", "run"]

_HOME = "helios_metrics"


class _AliasLoader(Loader):
    """Hands back the real module; the import system's bookkeeping must not rename it."""

    def __init__(self, target: str) -> None:
        self._target = target
        self._spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self._target)
        self._spec = module.__spec__  # module_from_spec sets __spec__ to the alias's: put it back after
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self._spec  # already executed under its real name


class _AliasFinder(MetaPathFinder):
    """Answers ``publisher.*`` (and the other aliased names) with ``helios_metrics``' module."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in self.names:
            return None
        real = f"{_HOME}.{fullname}"
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real))


def _finder() -> _AliasFinder:
    """The one finder of this process, installed first on ``sys.meta_path`` on first use."""
    for finder in sys.meta_path:
        if isinstance(finder, _AliasFinder):
            return finder
    finder = _AliasFinder()
    sys.meta_path.insert(0, finder)
    return finder


def alias(name: str) -> ModuleType:
    """Make ``name`` (and every ``name.*``) the module ``helios_metrics.name`` (and its submodules)."""
    _finder().names.add(name)
    module = importlib.import_module(f"{_HOME}.{name}")
    sys.modules[name] = module
    return module


def run(name: str) -> None:
    """``python -m name``: run ``helios_metrics.name``'s ``__main__`` as the program — or, for a
    package that has none (``publisher``), say so in Python's own line, not a runpy traceback."""
    _finder().names.add(name)
    if importlib.util.find_spec(f"{_HOME}.{name}.__main__") is None:
        sys.exit(
            f"{sys.executable}: No module named {name}.__main__; '{name}' is a package and cannot be directly executed"
        )
    runpy.run_module(f"{_HOME}.{name}", run_name="__main__", alter_sys=True)
