"""``python -m functions collect --once | --loop [--interval 30]``: run the collector locally.
``python -m functions report [--window 1h] [--json] [--write-forecast]`` is ``python -m helios_metrics.reporting``
under the name the documentation has always given it: the report lives in its own package, which
the collector never imports — only this command line hands ``report`` over to it.

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

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.cli import command, command_name, run_command
from helios_metrics.contract.preflight import PreflightError, require_services

from .wiring import build_collector


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
            f"{settings.subscription}): `{command('setup_infra')} apply` creates it"
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
    parser = argparse.ArgumentParser(prog=command_name("functions"), description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    collect = commands.add_parser("collect", help="drain the subscription into Cloud Monitoring")
    mode = collect.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one run: pull until drained, write, ack, exit")
    mode.add_argument("--loop", action="store_true", help="run again every --interval seconds until stopped")
    collect.add_argument("--interval", type=float, default=30.0, help="seconds between runs with --loop")
    collect.add_argument("--budget", type=float, default=None, help="seconds one run may take")
    commands.add_parser(
        "report",
        add_help=False,
        help="the performance summary and analysis of the last window (python -m helios_metrics.reporting)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit 0, or 1 with one line on stderr for a setting, an address or an API refusal."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["report"]:
        from helios_metrics.reporting.cli import main as report

        return report(argv[1:], prog=command_name("functions") + " report")
    args = _parser().parse_args(argv)
    return run_command(lambda: _collect(Settings.from_env(), args.once, args.interval, args.budget))


if __name__ == "__main__":
    sys.exit(main())
