"""``python -m helios_metrics.reporting [--window 1h] [--json] [--write-forecast]`` (and its alias ``python -m
functions report``): the performance summary and analysis, read only; ``--write-forecast`` also
writes the success forecast the Performance Intelligence dashboard charts (what the scheduled
forecast job does). Exit 0, or 1 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from helios_metrics.contract import Settings
from helios_metrics.contract.cli import command_name, run_command
from helios_metrics.contract.preflight import require_services

from .report import parse_window
from .text import report_lines
from .wiring import build_reporter

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The report's options, on ``parser`` (this command's, or ``python -m functions report``'s)."""
    parser.add_argument("--window", default="1h", help="e.g. 30m, 1h, 1d (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="the whole analysis as JSON")
    parser.add_argument(
        "--write-forecast",
        action="store_true",
        help="also write the success forecast to Cloud Monitoring (pipeline_success_forecast and its band, "
        "pipeline_success_forecast_band); without it, only reads",
    )


def report(settings: Settings, window: str, as_json: bool, write_forecast: bool) -> int:
    """Print the analysis of the last ``window``; 1 when the window is malformed or a forecast
    asked to be written was refused."""
    try:
        seconds = parse_window(window)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    require_services(settings, "monitoring")
    analysis = build_reporter(settings).analysis(seconds, write=write_forecast)
    print(json.dumps(analysis, indent=2) if as_json else "\n".join(report_lines(analysis)))
    refused = analysis["forecast"].get("write_error")
    if refused:
        print(f"error: the forecast was not written: {refused}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """The command; ``prog`` is the name ``--help`` shows when another command delegates here."""
    parser = argparse.ArgumentParser(prog=prog or command_name("reporting"), description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run_command(lambda: report(Settings.from_env(), args.window, args.json, args.write_forecast))
