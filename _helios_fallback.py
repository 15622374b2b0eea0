"""The Helios monitoring design's ``helios.*`` names beside the store's own ``helios`` package.

The store's code base is a regular ``helios`` package; a regular package hides every other
directory of that name on ``sys.path``, so our ``helios/`` (a namespace portion holding only
``config``, ``cli`` and ``services.google_cloud.{performance_monitor,monitoring_dashboard}``)
would be unreachable from the store's interpreter. This finder, last on ``sys.meta_path``, is
asked only after the normal import system found nothing: a ``helios.*`` module the store does
not have comes from our directory — ``helios/`` beside this file in a checkout,
``helios_metrics/_design/helios/`` once installed (the wheel ships no top-level ``helios/``,
whose files a store's own ``helios`` distribution would overwrite, or overwrite ours); a module
the store has stays the store's (delete an old ``helios/services/google_cloud/performance_monitor.py``
of your own to get ours). ``install()`` is what the installed distribution's ``.pth`` file runs at
start-up. In a checkout without a store package the namespace portion at the root is found
directly and the finder is never asked; installed, ``helios`` itself comes from the finder.

PYTEST_DONT_REWRITE: the .pth imports this module before pytest starts (pytest would warn that it
cannot rewrite an already-imported module of a distribution that carries a plugin).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from pathlib import Path
from types import ModuleType

__all__ = ["install"]

_HERE = Path(__file__).resolve().parent
# the checkout's directory, then the installed distribution's (whichever exist)
_ROOTS = (_HERE / "helios", _HERE / "helios_metrics" / "_design" / "helios")


class _Fallback(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        head, *parts = fullname.split(".")
        if head != "helios":
            return None
        candidates = [root.joinpath(*parts) for root in _ROOTS]
        for here in candidates:
            if here.with_suffix(".py").is_file():
                return importlib.util.spec_from_file_location(fullname, here.with_suffix(".py"))
        directories = [str(here) for here in candidates if here.is_dir()]
        if directories:  # a namespace package: its submodules are looked up in our directories
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = directories
            return spec
        return None


def install() -> None:
    """Append the finder once (a second call changes nothing)."""
    if not any(isinstance(finder, _Fallback) for finder in sys.meta_path):
        sys.meta_path.append(_Fallback())
