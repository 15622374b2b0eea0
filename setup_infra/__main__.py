"""``python -m setup_infra plan | apply [--yes] | destroy [--yes] | verify [--wait] | test-alerts SCENARIO``

plan exits 0 when in sync, 2 with changes pending, 1 on an error; apply and destroy show the plan
and carry it out (asking first unless ``--yes``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from google.api_core import exceptions

from contract.settings import Settings, SettingsError

from .config import ConfigError, load_config
from .engine import Infra
from .render import plan_json, plan_text
from .verify import verify

IN_SYNC, ERROR, PENDING = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m setup_infra", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", help="Google Cloud project (default: GOOGLE_CLOUD_PROJECT)")
    common.add_argument("--config", help="TOML configuration file (see setup_infra/config.py)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plan", parents=[common], help="show what apply would change")
    for name, what in (("apply", "create and update until in sync"), ("destroy", "delete what setup_infra manages")):
        command = commands.add_parser(name, parents=[common], help=what)
        command.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    verify = commands.add_parser("verify", parents=[common], help="check the provisioned stack end to end")
    verify.add_argument("--wait", action="store_true", help="wait for the deployed collector instead of running one")
    alerts = commands.add_parser("test-alerts", parents=[common], help="replay a scenario against the policies")
    alerts.add_argument("scenario")
    return parser


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        print("not a terminal: pass --yes to carry out the plan", file=sys.stderr)
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(project_id=args.project)
        settings.require_project()
        config = load_config(args.config)
        if args.command == "test-alerts":
            print("setup_infra test-alerts is not built yet", file=sys.stderr)
            return ERROR
        infra = Infra(settings, config)
        if args.command == "verify":
            checks = verify(infra, wait=args.wait)
            for check in checks:
                print(check.line)
            failed = [c.name for c in checks if c.passed is False]
            if failed:
                print(f"verify failed: {', '.join(failed)}", file=sys.stderr)
            return ERROR if failed else IN_SYNC
        planned = infra.destroy_plan() if args.command == "destroy" else infra.plan()
        print(
            plan_json(planned) if args.json else plan_text(planned, args.command if args.command != "plan" else "apply")
        )
        if args.command == "plan":
            return IN_SYNC if planned.in_sync else PENDING
        if planned.in_sync or not _confirm(f"{args.command} these changes?", args.yes):
            return IN_SYNC if planned.in_sync else ERROR
        infra.apply(planned, report=(lambda line: None) if args.json else print)
        return IN_SYNC
    except (ConfigError, SettingsError) as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return ERROR
    except (exceptions.GoogleAPICallError, KeyError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return ERROR


if __name__ == "__main__":
    sys.exit(main())
