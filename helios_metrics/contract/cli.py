"""Every command's last line: an expected failure becomes one line on stderr and exit status 1.

Expected failures are the ones a user fixes — a setting, an address, credentials, an API's refusal
(NOT_FOUND: run ``setup_infra apply``; PERMISSION_DENIED: a role) — and they never need a traceback.
Anything else is a bug and keeps its traceback. Google's exception types are recognised by the
modules already loaded, so this module imports nothing of theirs.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from collections.abc import Callable

from .preflight import PreflightError
from .settings import SettingsError

__all__ = ["command", "command_name", "failure_line", "run_command"]

_HINTS = {
    "NotFound": "does it exist? `{setup} apply` creates what the collector needs",
    "PermissionDenied": "the caller lacks a role: see docs/deploying.md (Roles)",
    "Unauthenticated": "credentials were refused: run `gcloud auth application-default login`",
}


_SCRIPTS = {  # pyproject's console scripts
    "setup_infra": "helios-setup-infra",
    "functions": "helios-collector",
    "reporting": "helios-report",
    "monitoring_emulator": "helios-monitoring-emulator",
}
_CHECKOUT_NAMES = ("setup_infra", "functions")  # what a checkout keeps as top-level names


@functools.cache
def _in_checkout() -> bool:
    """Whether the repository's root is importable (its aliases of the old top-level names are)."""
    return importlib.util.find_spec("_checkout_aliases") is not None


def command(package: str) -> str:
    """How a user here runs ``helios_metrics.<package>``: from a checkout its ``python -m`` form
    (``python -m setup_infra``), installed its console script (``helios-setup-infra``) — so a
    message never names a command this environment does not have."""
    if _in_checkout():  # its virtualenv has the dependencies, not the distribution's scripts
        return f"python -m {package}" if package in _CHECKOUT_NAMES else f"python -m helios_metrics.{package}"
    return _SCRIPTS.get(package, f"python -m helios_metrics.{package}")


def command_name(package: str) -> str:
    """What ``--help`` calls the command: the console script it was started as, else :func:`command`."""
    started_as = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return started_as if started_as in _SCRIPTS.values() else command(package)


def _flat(text: object) -> str:
    return " ".join(str(text).split())


def _google_line(err: BaseException) -> str | None:
    exceptions = sys.modules.get("google.api_core.exceptions")
    auth = sys.modules.get("google.auth.exceptions")
    if exceptions is not None and isinstance(err, exceptions.RetryError):
        return f"error: gave up retrying: {_flat(err.cause or err.message)}"
    if exceptions is not None and isinstance(err, exceptions.GoogleAPICallError):
        hint = _HINTS.get(type(err).__name__, "").format(setup=command("setup_infra"))
        return f"error: {_flat(err)}" + (f" ({hint})" if hint else "")
    if auth is not None and isinstance(err, auth.DefaultCredentialsError):
        return (
            "error: no Google Cloud credentials: run `gcloud auth application-default login` or set "
            "GOOGLE_APPLICATION_CREDENTIALS (for the local emulators, set PUBSUB_EMULATOR_HOST and "
            "MONITORING_EMULATOR_HOST)"
        )
    return None


def failure_line(err: BaseException, config_errors: tuple[type[BaseException], ...] = ()) -> str | None:
    """The one line for an expected failure, or None for anything else."""
    if isinstance(err, (SettingsError, *config_errors)):
        return f"configuration error: {_flat(err)}"
    if isinstance(err, PreflightError):
        return f"error: {_flat(err)}"
    return _google_line(err)


def run_command(main: Callable[[], int], config_errors: tuple[type[BaseException], ...] = ()) -> int:
    """``main()``'s exit status, or 1 with one line on stderr for an expected failure (130 on Ctrl-C)."""
    try:
        return main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        line = failure_line(err, config_errors)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 1
