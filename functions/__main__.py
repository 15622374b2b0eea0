"""``python -m functions collect --once | --loop [--interval 30]``: run the collector locally;
``python -m functions report [--window 1h] [--json] [--write-forecast]``: the performance summary and
analysis, read only; ``--write-forecast`` also writes the success forecast the Performance
Intelligence dashboard charts (what the scheduled forecast job does).

Each run prints one JSON line: pulled, events, duplicates, dead_lettered, series, requests, points,
acked, not_acked (and expired, refused, write_errors, transient_failure).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from contract import ClientFactory, Settings
from contract.cli import run_command
from contract.preflight import PreflightError, require_services

from .report import parse_window, report_lines
from .wiring import build_collector, build_reporter


def _report(settings: Settings, window: str, as_json: bool, write_forecast: bool) -> int:
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


def _require_subscription(settings: Settings) -> None:
    """Name the subscription when it does not exist (the pull's own NOT_FOUND does not). A role
    without ``pubsub.subscriptions.get`` (roles/pubsub.subscriber has none) leaves it to the pull."""
    from google.api_core import exceptions

    try:
        ClientFactory(settings).subscriber().get_subscription(subscription=settings.subscription_path, timeout=10)
    except exceptions.PermissionDenied:
        return
    except exceptions.NotFound:
        raise PreflightError(
            f"the subscription {settings.subscription_path} does not exist (HELIOS_METRICS_SUBSCRIPTION="
            f"{settings.subscription}): `python -m setup_infra apply` creates it"
        ) from None


def _collect(settings: Settings, once: bool, interval: float, budget: float | None) -> int:
    require_services(settings, "pubsub", "monitoring")
    _require_subscription(settings)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    collector = build_collector(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while True:
        summary = collector.collect_once(budget)
        print(json.dumps(summary.as_dict()), flush=True)
        if once:
            return 1 if summary.transient_failure else 0
        if stop.wait(interval):
            return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m functions", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    collect = commands.add_parser("collect", help="drain the subscription into Cloud Monitoring")
    mode = collect.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one run: pull until drained, write, ack, exit")
    mode.add_argument("--loop", action="store_true", help="run again every --interval seconds until stopped")
    collect.add_argument("--interval", type=float, default=30.0, help="seconds between runs with --loop")
    collect.add_argument("--budget", type=float, default=None, help="seconds one run may take")
    report = commands.add_parser("report", help="the performance summary and analysis of the last window")
    report.add_argument("--window", default="1h", help="e.g. 30m, 1h, 1d (default %(default)s)")
    report.add_argument("--json", action="store_true", help="the whole analysis as JSON")
    report.add_argument(
        "--write-forecast",
        action="store_true",
        help="also write the success forecast to Cloud Monitoring (pipeline_success_forecast); without it, only reads",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit 0, or 1 with one line on stderr for a setting, an address or an API refusal."""
    args = _parser().parse_args(argv)

    def run() -> int:
        settings = Settings.from_env()
        if args.command == "report":
            return _report(settings, args.window, args.json, args.write_forecast)
        return _collect(settings, args.once, args.interval, args.budget)

    return run_command(run)


if __name__ == "__main__":
    sys.exit(main())
