"""``python -m helios.cli test-monitoring``, the Helios monitoring design's command: the checks of
``python -m setup_infra verify`` — every provisioned resource as desired, a probe metric recorded
through Pub/Sub and read back from Cloud Monitoring, the permissions — PASS or FAIL per check;
exit 0 when every check passed, 1 otherwise (or on a missing project or an unreachable service,
in one line). An alias over the real command, not a second implementation.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from helios_metrics.contract.extras import install_hint, missing_extra_module

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helios.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("test-monitoring", help="check the provisioned monitoring end to end")
    check.add_argument("--config", help="setup_infra's configuration file (TOML)")
    check.add_argument("--wait", action="store_true", help="wait for the deployed collector instead of running one")
    args = parser.parse_args(argv)
    try:
        from helios_metrics.setup_infra.__main__ import main as setup_infra
    except ImportError as err:  # a plain install: the publisher's libraries only
        missing = missing_extra_module(err)
        if missing is None:
            raise
        print(
            f"test-monitoring needs provisioning, which is not installed here (no module named {missing!r}): "
            + install_hint("setup"),
            file=sys.stderr,
        )
        return 1

    verify = ["verify", *(["--config", args.config] if args.config else []), *(["--wait"] if args.wait else [])]
    return setup_infra(verify)


if __name__ == "__main__":
    sys.exit(main())
