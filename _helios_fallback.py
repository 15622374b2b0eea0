"""The Helios monitoring design's ``helios.*`` names beside the store's own ``helios`` package.

The store's code base is a regular ``helios`` package; a regular package hides every other
directory of that name on ``sys.path``, so our ``helios/`` (a namespace portion holding only
``config``, ``cli`` and ``services.google_cloud.{performance_monitor,monitoring_dashboard}``)
would be unreachable from the store's interpreter. This finder, last on ``sys.meta_path``, is
asked only after the normal import system found nothing: a ``helios.*`` module the store does
not have comes from our directory; a module the store has stays the store's (delete an old
``helios/services/google_cloud/performance_monitor.py`` of your own to get ours). ``install()``
is what the installed distribution's ``.pth`` file runs at start-up; without a store package
(this checkout) the namespace portion is found directly and the finder is never asked.

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

_ROOT = Path(__file__).resolve().parent / "helios"


class _Fallback(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        head, *parts = fullname.split(".")
        if head != "helios":
            return None
        here = _ROOT.joinpath(*parts)
        if here.with_suffix(".py").is_file():
            return importlib.util.spec_from_file_location(fullname, here.with_suffix(".py"))
        if here.is_dir():  # a namespace package: its submodules are looked up in our directory
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = [str(here)]
            return spec
        return None


def install() -> None:
    """Append the finder once (a second call changes nothing)."""
    if not any(isinstance(finder, _Fallback) for finder in sys.meta_path):
        sys.meta_path.append(_Fallback())
