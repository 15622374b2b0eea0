"""``python -m setup_infra plan [--prune-channels] | apply [--prune-channels] [--yes] |
destroy [--delete-data] [--yes] | verify [--wait] | test-alerts SCENARIO |
snooze --for 1h --reason "deploy" [--policy KEY ...] [--start RFC3339] | snooze list | snooze cancel NAME|all``

plan exits 0 when in sync, 2 with changes pending, 1 on an error; apply and destroy show the plan
and carry it out (asking first unless ``--yes``; without a terminal they refuse). Only they delete,
and only what the plan showed: a channel not configured in this environment is kept unless
``--prune-channels``; destroy keeps the metric descriptors and their data unless ``--delete-data``.
test-alerts exits 0 when every policy did what the scenario expects with the defaults, 2 when one
did otherwise (e.g. after a threshold change). snooze silences the managed alert policies (all, or
each ``--policy``) for a while — several snoozes when there are more than Google's 16 a snooze;
``snooze list`` shows the active and scheduled ones, ``snooze cancel`` ends them now.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from helios_metrics.contract.cli import command_name, run_command
from helios_metrics.contract.preflight import require_services
from helios_metrics.contract.settings import Settings

from .adapters import Adapters
from .config import ConfigError, InfraConfig, load_config
from .engine import Infra
from .render import plan_json, plan_text, snoozes_json, snoozes_text
from .snooze import Snoozer, parse_duration, parse_time, split_note
from .verify import verify

IN_SYNC, ERROR, PENDING = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=command_name("setup_infra"), description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", help="Google Cloud project (default: GOOGLE_CLOUD_PROJECT)")
    common.add_argument("--config", help="TOML configuration file (see helios_metrics/setup_infra/config.py)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True)
    prune = argparse.ArgumentParser(add_help=False)
    prune.add_argument(
        "--prune-channels",
        action="store_true",
        help="delete the managed channels this environment does not configure (default: keep them)",
    )
    commands.add_parser("plan", parents=[common, prune], help="show what apply would change")
    yes = argparse.ArgumentParser(add_help=False)
    yes.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    commands.add_parser("apply", parents=[common, prune, yes], help="create and update until in sync")
    destroy = commands.add_parser(
        "destroy", parents=[common, yes], help="delete what setup_infra manages (descriptors only with --delete-data)"
    )
    destroy.add_argument(
        "--delete-data",
        action="store_true",
        help="also delete the metric descriptors, and with them every time series of the metrics",
    )
    verify = commands.add_parser("verify", parents=[common], help="check the provisioned stack end to end")
    verify.add_argument("--wait", action="store_true", help="wait for the deployed collector instead of running one")
    alerts = commands.add_parser("test-alerts", parents=[common], help="replay a scenario against the policies")
    alerts.add_argument("scenario", help=_scenario_help())
    snooze = commands.add_parser(
        "snooze", parents=[common], help="silence the managed alert policies for a while (list, cancel)"
    )
    snooze.add_argument("action", nargs="?", choices=("list", "cancel"), help="list or cancel (default: snooze)")
    snooze.add_argument("target", nargs="?", help="for cancel: a snooze's name or id, or all")
    snooze.add_argument("--for", dest="duration", help="how long: 30m, 1h, 1h30m, 2d")
    snooze.add_argument("--reason", help="why (the snooze's display name)")
    snooze.add_argument("--policy", action="append", default=[], help="a policy's key (repeatable; default: all)")
    snooze.add_argument("--start", help="when it starts, RFC 3339 (default: now)")
    return parser


def _scenario_help() -> str:
    """The scenarios' names for ``test-alerts --help``: read from the runner's package (which
    imports no emulator for them), or a note when it is not installed."""
    try:
        from helios_metrics.alert_scenarios.scenarios import SCENARIOS
    except ImportError:
        return "a scenario's name, or all (the scenarios are in alert_scenarios, not installed here)"
    return f"one of {', '.join(SCENARIOS)}, or all"


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        print("not a terminal: pass --yes to carry out the plan", file=sys.stderr)
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _test_alerts(name: str, config: InfraConfig, as_json: bool) -> int:
    """Run one scenario (or ``all``); exit 0 when every policy did what the scenario expects.

    The runner (``alert_scenarios``) builds on provisioning, the collector and the emulator, so it
    is imported here, by this command only."""
    try:
        from helios_metrics.alert_scenarios.runner import run_scenario
        from helios_metrics.alert_scenarios.scenarios import SCENARIOS
    except ImportError as err:
        print(
            "test-alerts needs the alert scenario runner (alert_scenarios) and the emulator and collector it "
            f"runs on, which are not all installed here (no module named {err.name!r})",
            file=sys.stderr,
        )
        return ERROR
    names = list(SCENARIOS) if name == "all" else [name]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"no scenario {unknown[0]!r}; the scenarios are {', '.join(SCENARIOS)} (or all)", file=sys.stderr)
        return ERROR
    results = [run_scenario(n, config) for n in names]
    if as_json:
        print(
            json.dumps(
                {
                    r.scenario.name: {k: {"opened": o, "closed": c} for k, (o, c) in r.incidents.items()}
                    for r in results
                },
                indent=2,
            )
        )
    else:
        for result in results:
            print("\n".join(result.lines()))
    return IN_SYNC if all(r.matches_expected for r in results) else PENDING


def _snooze(args: argparse.Namespace, settings: Settings) -> int:
    """Create, list or cancel snoozes; the options that do not belong to the action are refused."""
    creating = args.action is None
    given = [f for f, v in (("--for", args.duration), ("--reason", args.reason), ("--start", args.start)) if v]
    given += ["--policy"] if args.policy else []
    if not creating and given:
        raise ValueError(f"snooze {args.action}: {given[0]} belongs to `snooze --for … --reason …`")
    if args.target and args.action != "cancel":
        raise ValueError(f"snooze: unexpected {args.target!r} (did you mean `snooze cancel {args.target}`?)")
    if args.action == "cancel" and not args.target:
        raise ValueError("snooze cancel: name the snooze (its name or id, from `snooze list`) or say all")
    if creating and not (args.duration and args.reason):
        raise ValueError("snooze: --for and --reason are required, e.g. snooze --for 1h --reason 'deploy'")
    duration = parse_duration(args.duration) if creating else 0  # bad input fails before any call
    start = parse_time(args.start) if args.start else None
    require_services(settings, "monitoring")
    snoozer, now = Snoozer(Adapters(settings)), time.time()
    notes: list[str] = []
    if args.action == "list":
        views = snoozer.current(now)
    elif args.action == "cancel":
        views = snoozer.cancel(args.target, now)
    else:
        views = snoozer.create(duration, args.reason, args.policy, start, now)
        notes = split_note(views)
    verb = args.action or "snooze"
    print(snoozes_json(views, now, notes) if args.json else snoozes_text(verb, views, now, notes))
    return IN_SYNC


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:  # a setting, an address or an API refusal: one line (helios_metrics.contract.cli); a bad reference: below
        return run_command(lambda: _run(args), config_errors=(ConfigError,))
    except (KeyError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return ERROR


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.command == "test-alerts":
        return _test_alerts(args.scenario, config, args.json)
    settings = Settings.from_env(project_id=args.project)
    if args.command == "snooze":
        return _snooze(args, settings)
    require_services(settings, "pubsub", "monitoring")  # seconds, not a silent 10-minute retry
    infra = Infra(settings, config)
    if args.command == "verify":
        checks = verify(infra, wait=args.wait)
        for check in checks:
            print(check.line)
        failed = [c.name for c in checks if c.passed is False]
        if failed:
            print(f"verify failed: {', '.join(failed)}", file=sys.stderr)
        return ERROR if failed else IN_SYNC
    if args.command == "destroy":
        planned, verb = infra.destroy_plan(delete_data=args.delete_data), "destroy"
        verb += " --delete-data" if args.delete_data else ""
    else:
        planned, verb = infra.plan(prune_channels=args.prune_channels), "apply"
        verb += " --prune-channels" if args.prune_channels else ""
    print(plan_json(planned) if args.json else plan_text(planned, verb))
    if args.command == "plan":
        return IN_SYNC if planned.in_sync else PENDING
    if planned.in_sync or not _confirm(f"{args.command} these changes?", args.yes):
        return IN_SYNC if planned.in_sync else ERROR
    # confirmed (or --yes): the deletes the user was just shown may go ahead
    infra.apply(planned, report=(lambda line: None) if args.json else print, allow_delete=True)
    return IN_SYNC


if __name__ == "__main__":
    sys.exit(main())
