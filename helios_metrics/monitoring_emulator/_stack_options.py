"""The options of ``up`` (``python -m helios_metrics.monitoring_emulator.stack up``, ``make up``,
``demo.py up``): parsed and checked into a :class:`StackConfig`, a wrong value refused in one line."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._stack_supervisor import StackConfig

__all__ = ["PORT_CHOICE", "StackError", "add_up_arguments", "config_from"]

_MIN_FORECAST_EVERY_S = 5.0  # the forecast is one series: two points within 5 s, and the second is refused
# how a user chooses another port: the make variable, and the flag of the commands behind it
PORT_CHOICE = {
    "Pub/Sub": ("PUBSUB_PORT", "--pubsub-port"),
    "Monitoring gRPC": ("MONITORING_PORT", "--monitoring-port"),
    "console": ("CONSOLE_PORT", "--console-port"),
}


class StackError(RuntimeError):
    """The stack could not be started (or stopped); the message is the one line to show."""


def add_up_arguments(parser: argparse.ArgumentParser, defaults: StackConfig) -> None:
    """The options of ``up`` (shared with ``demo.py up``)."""
    parser.add_argument("--state", default=defaults.state_dir, help="directory of the record and logs (%(default)s)")
    parser.add_argument("--project", default=defaults.project, help="project id (default %(default)s)")
    for name, (_, flag) in PORT_CHOICE.items():
        dest = flag[2:].replace("-", "_")
        parser.add_argument(flag, type=int, default=getattr(defaults, dest), help=f"{name} port, 0 = any free one")
    parser.add_argument(
        "--interval", type=float, default=defaults.interval_s, help="seconds between collector calls (%(default)s)"
    )
    parser.add_argument(
        "--evaluate-every", type=float, default=defaults.evaluate_every_s, help="seconds between alert evaluations"
    )
    parser.add_argument(
        "--forecast-every",
        type=float,
        default=defaults.forecast_every_s,
        help="seconds between forecast writes (performance_report?write_forecast=true; default %(default)s)",
    )
    parser.add_argument(
        "--window",
        type=int,
        default=None,
        help="the collector's aggregation window in seconds (default: 30, two passes a call, when called every 60 s "
        "as deployed; else HELIOS_WINDOW_SECONDS or 60)",
    )
    parser.add_argument("--config", default=None, help="setup_infra's --config FILE (default: its built-in config)")


def config_from(args: argparse.Namespace) -> StackConfig:
    """The parsed options as a config; :class:`StackError` naming the option a value breaks."""
    if args.interval <= 0:
        raise StackError(f"--interval must be a positive number of seconds, not {args.interval:g}")
    if args.forecast_every < _MIN_FORECAST_EVERY_S:
        raise StackError(
            f"--forecast-every must be at least {_MIN_FORECAST_EVERY_S:g} seconds (Cloud Monitoring takes one point "
            f"per series every 5 s at most), not {args.forecast_every:g}"
        )
    if args.window is not None and not 10 <= args.window <= 240:
        raise StackError(f"--window must be between 10 and 240 seconds (HELIOS_WINDOW_SECONDS), not {args.window}")
    return StackConfig(
        state_dir=str(Path(args.state).resolve()),
        project=args.project,
        pubsub_port=args.pubsub_port,
        monitoring_port=args.monitoring_port,
        console_port=args.console_port,
        interval_s=args.interval,
        evaluate_every_s=args.evaluate_every,
        forecast_every_s=args.forecast_every,
        window_s=args.window,
        setup_config=args.config,
    )
