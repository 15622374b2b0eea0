"""The console scripts: each runs a command's ``main`` — and when the command needs a library of an
extra this environment lacks (a plain install has the publisher's only), says which extra in one
line instead of a traceback."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

from helios_metrics.contract.extras import install_hint, missing_extra_module

__all__ = ["collector", "monitoring_emulator", "report", "setup_infra"]


def _run(command: str, module: str, extra: str) -> int:
    """Run ``module``'s ``main``; exit 1 with one line when the extra it needs is missing."""
    try:
        main: Callable[[], int] = importlib.import_module(module).main
    except ImportError as err:
        missing = missing_extra_module(err)
        if missing is None:
            raise
        print(
            f'{command} needs the "{extra}" extra, which is not installed here (no module named {missing!r}): '
            + install_hint(extra),
            file=sys.stderr,
        )
        return 1
    return main()


def setup_infra() -> int:
    """``helios-setup-infra``: ``python -m setup_infra`` (plan, apply, destroy, verify, test-alerts, snooze)."""
    return _run("helios-setup-infra", "helios_metrics.setup_infra.__main__", "setup")


def collector() -> int:
    """``helios-collector``: ``python -m functions`` (collect, report)."""
    return _run("helios-collector", "helios_metrics.functions.__main__", "collector")


def report() -> int:
    """``helios-report``: ``python -m helios_metrics.reporting``, the performance report."""
    return _run("helios-report", "helios_metrics.reporting.cli", "setup")


def monitoring_emulator() -> int:
    """``helios-monitoring-emulator``: the local Cloud Monitoring API."""
    return _run("helios-monitoring-emulator", "helios_metrics.monitoring_emulator.__main__", "emulator")
