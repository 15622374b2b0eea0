"""The parts of the project the facade uses only on request — reporting for the analysis methods,
provisioning for the set-up method — loaded on first use, so recording metrics needs neither.

A pipeline may install the publisher alone; asking it for an analysis then fails in one line that
names the missing part, instead of an ``ImportError`` from deep inside.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from helios_metrics.contract.extras import install_hint, missing_extra_module

__all__ = ["REPORTING", "SETUP", "MissingPart", "load"]

REPORTING = "the performance report (reporting)"
SETUP = "provisioning (setup_infra)"
_EXTRA = install_hint("setup")  # both parts: the Monitoring client libraries


class MissingPart(ImportError):
    """A method needs a part of the project this environment does not have."""


def load(module: str, part: str, needed_by: str) -> ModuleType:
    """``module``, imported now; :class:`MissingPart` naming ``part`` and the extra that brings it
    when it or a library it needs is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        missing = missing_extra_module(err)
        if missing is None:
            raise  # not a missing extra: a bug or a broken install keeps its traceback
        raise MissingPart(
            f"{needed_by} needs {part}, which is not installed here (no module named {missing!r}): {_EXTRA}",
            name=missing,
        ) from err
