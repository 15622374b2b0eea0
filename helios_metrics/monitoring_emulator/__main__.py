"""``python -m helios_metrics.monitoring_emulator``: serve the local Cloud Monitoring API until SIGTERM/SIGINT.

Prints one JSON line when ready, e.g. ``{"event": "ready", "grpc": "127.0.0.1:8086", "http": …}``;
pass ``--port 0 --http-port 0`` to let the system choose free ports and read them from that line.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from helios_metrics.contract.cli import command_name

from ._server import Emulator, EmulatorConfig, ListenError


def _parse(argv: list[str] | None) -> EmulatorConfig:
    defaults = EmulatorConfig()
    parser = argparse.ArgumentParser(prog=command_name("monitoring_emulator"), description=__doc__)
    parser.add_argument("--host", default=defaults.host, help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=defaults.port, help="gRPC port, 0 = any free (default %(default)s)")
    parser.add_argument(
        "--http-port",
        type=int,
        default=defaults.http_port,
        help="admin/console port, 0 = any free (default %(default)s)",
    )
    parser.add_argument("--data", default=None, help="SQLite file to keep data in (default: memory only)")
    parser.add_argument(
        "--min-sampling-period",
        type=float,
        default=defaults.min_sampling_period_s,
        help="seconds required between points of one series (default %(default)s, as Google)",
    )
    parser.add_argument(
        "--max-active-series",
        type=int,
        default=defaults.max_active_series,
        help="active series per monitored resource (default %(default)s, as Google)",
    )
    parser.add_argument(
        "--evaluate-every",
        type=float,
        default=defaults.evaluate_every_s,
        help="seconds between alert evaluations; 0 = only on POST /admin/alerts/evaluate (default %(default)s)",
    )
    args = parser.parse_args(argv)
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        http_port=args.http_port,
        data=args.data,
        min_sampling_period_s=args.min_sampling_period,
        max_active_series=args.max_active_series,
        evaluate_every_s=args.evaluate_every,
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        emulator = Emulator(_parse(argv))
        emulator.start()
    except ListenError as err:  # a taken port: one line, no traceback
        print(f"python -m helios_metrics.monitoring_emulator: error: {err}", file=sys.stderr)
        return 1
    print(json.dumps({"event": "ready", "grpc": emulator.address, "http": emulator.http_url}), flush=True)
    stop.wait()
    emulator.stop()
    print(json.dumps({"event": "stopped"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
