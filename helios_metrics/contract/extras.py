"""Which ImportError means "an extra is not installed" — and only that, so a bug in our own imports
or a broken install of a required library keeps its traceback instead of wrong advice."""

from __future__ import annotations

__all__ = ["install_hint", "missing_extra_module"]

_EXTRA_MODULES = (  # what the extras bring and a plain install lacks (pyproject's optional-dependencies)
    "google.cloud.monitoring_v3",
    "google.cloud.monitoring_dashboard",
    "google.cloud.monitoring_dashboard_v1",
    "functions_framework",
    "flask",
)


def install_hint(extra: str) -> str:
    """The command that brings ``extra``. The distribution is installed from its checkout (it is
    not on PyPI, where the name could be anyone's), so the hint names the checkout, not an index."""
    return f'pip install "<the helios-metrics checkout>[{extra}]"'


def missing_extra_module(err: ImportError) -> str | None:
    """The extra's library ``err`` says is missing (its top module), or None when it is about something else.
    ``from google.cloud import monitoring_v3`` without the library raises a plain ImportError
    naming the ``google.cloud`` namespace; a missing module raises ModuleNotFoundError naming it."""
    name = err.name or ""
    if isinstance(err, ModuleNotFoundError):
        return next((m for m in _EXTRA_MODULES if name == m or name.startswith(m + ".")), None)
    if name == "google.cloud":
        return next((m for m in _EXTRA_MODULES if m.startswith("google.cloud.") and m[13:] in str(err)), None)
    return None
