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

from .report import parse_window, report_lines
from .wiring import build_collector, build_reporter


def _report(window: str, as_json: bool, write_forecast: bool) -> int:
    try:
        seconds = parse_window(window)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    analysis = build_reporter().analysis(seconds, write=write_forecast)
    print(json.dumps(analysis, indent=2) if as_json else "\n".join(report_lines(analysis)))
    refused = analysis["forecast"].get("write_error")
    if refused:
        print(f"error: the forecast was not written: {refused}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    if args.command == "report":
        return _report(args.window, args.json, args.write_forecast)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    collector = build_collector()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while True:
        summary = collector.collect_once(args.budget)
        print(json.dumps(summary.as_dict()), flush=True)
        if args.once:
            return 1 if summary.transient_failure else 0
        if stop.wait(args.interval):
            return 0


if __name__ == "__main__":
    sys.exit(main())
