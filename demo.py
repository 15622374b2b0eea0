"""``make demo``: a day of the Helios store on the local emulators, end to end, then everything
stopped again — no process and no temporary directory left, also when it fails (in one line).

1. the official Pub/Sub emulator and the Monitoring emulator with its console start;
2. ``python -m setup_infra apply --yes`` provisions topics, descriptors, five channels (the webhook
   one points at a receiver the demo runs), the alert policies and two dashboards;
3. a day of pipeline runs is recorded through ``MetricsPublisher`` — plausible stage durations,
   occasional failures, resource samples, then a run slower than 5 minutes and an outage in the
   last 50 minutes (every run fails) — time-compressed, with event times spread over the past 24 h;
4. the collector runs as in production: functions-framework serving ``main.py``, called on a schedule;
5. alerts are evaluated; the incidents, the notifications and the performance analysis are printed;
6. screenshots of both dashboards and the incidents page are saved under ``demo-output/``.

``demo.py up`` (``make up``) starts the same stack to keep — ``helios_metrics.monitoring_emulator.stack`` — and
records the simulated day into it (``--no-seed`` to start empty); ``demo.py down`` (``make down``)
stops it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

from google.api_core import exceptions as google_exceptions

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.units import NS
from helios_metrics.monitoring_emulator import stack
from helios_metrics.monitoring_emulator.breach import reading
from helios_metrics.monitoring_emulator.launch import (
    EmulatorUnavailable,
    ManagedProcess,
    chromium,
    port_in_use,
    screenshot,
    start_function,
    start_monitoring_emulator,
    start_pubsub_emulator,
    wait_listening,
)
from helios_metrics.monitoring_emulator.webhook_receiver import WebhookReceiver
from helios_metrics.publisher import MetricsPublisher, PublisherOptions
from helios_metrics.reporting import PerformanceReporter, build_reporter, report_lines

PROJECT = "helios-demo"
STAGES = {
    "trend_discovery": (40.0, 0.3),
    "audience_analysis": (25.0, 0.25),
    "design_generation": (70.0, 0.35),
    "publication": (15.0, 0.3),
}
REPO = Path(__file__).resolve().parent
OUTPUT = REPO / "demo-output"


class DemoFailed(Exception):
    """A step of the demo failed; the message is the one line the user sees."""


def _step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def _progress(done: int, total: int, what: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    end = "\n" if done >= total or not sys.stdout.isatty() else ""
    print(f"\r   [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what}", end=end, flush=True)


def simulate_day(metrics: MetricsPublisher, clock: list[int], now_ns: int, rng: random.Random) -> dict[str, int]:
    """Record a day of runs (one every 12 minutes) with back-dated event times; every run of the last
    50 minutes fails (an outage the success SLO's fast burn pages), the last of them, two minutes
    ago, after hanging for seven."""
    runs = failures = 0
    start = now_ns - 24 * 3600 * NS
    total = 24 * 5
    for index in range(total):
        t = start + index * 12 * 60 * NS + rng.randrange(0, 60) * NS
        in_outage = t > now_ns - 50 * 60 * NS
        failed_stage = None
        if in_outage or rng.random() < 0.04:
            failed_stage = rng.choice(list(STAGES))
        elapsed = 0.0
        for stage, (median, spread) in STAGES.items():
            duration = rng.lognormvariate(math.log(median), spread)
            clock[0] = t + int(elapsed * NS)
            elapsed += duration
            failed = stage == failed_stage
            data = (
                {"trends_found": float(rng.randint(0, 4))}
                if stage == "trend_discovery"
                else {"items": float(rng.randint(3, 12))}
            )
            metrics.record_stage_metric(stage, duration, not failed, 1 if failed else 0, data)
            if failed:
                break
        clock[0] = t + int(elapsed * NS)
        metrics.record_pipeline_metric(
            execution_time=elapsed,
            trend_opportunity_score=min(1.0, max(0.0, rng.gauss(0.78, 0.08))),
            audience_confidence=min(1.0, max(0.0, rng.gauss(0.86, 0.05))),
            design_generation_success=min(1.0, max(0.0, rng.gauss(0.9, 0.05))),
            publication_success=0.0 if failed_stage == "publication" else min(1.0, max(0.0, rng.gauss(0.93, 0.04))),
        )  # the document's five arguments: the run failed if one of its stages did (no success=)
        for minute in range(0, 12, 5):
            clock[0] = t + minute * 60 * NS
            metrics.record("resource_utilization", min(1.0, max(0.0, rng.gauss(0.45, 0.1))), resource="cpu")
            metrics.record("resource_utilization", min(1.0, max(0.0, rng.gauss(0.55, 0.05))), resource="memory")
        runs += 1
        failures += failed_stage is not None
        if (index + 1) % 12 == 0:
            _progress(index + 1, total, "runs recorded")
    clock[0] = now_ns - 2 * 60 * NS  # the slow run, two minutes ago: publication hung, then failed
    metrics.record_stage_metric("publication", 400.0, False, 1)
    metrics.record_pipeline_metric(420.0, 0.7, 0.8, 0.85, 0.0)  # failed: its stage did
    return {"runs": runs + 1, "failed": failures + 1}


def _functions_framework(env: dict[str, str], work: Path, stop_later: contextlib.ExitStack) -> str:
    """The collector as deployed, listening (any request would run a collection: only connect)."""
    process, url = start_function(REPO / "main.py", "collect_metrics", env, work / "collector.log")
    stop_later.callback(process.stop)
    port = urllib.parse.urlsplit(url).port or 0
    if not wait_listening(process, port, timeout=60):
        raise DemoFailed(f"the collector (functions-framework) did not start: {_last_line(process)}")
    return url


def _last_line(process: ManagedProcess) -> str:
    lines = [line for line in process.log_tail(20).splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def _collect(url: str) -> dict[str, Any]:
    """One scheduled call of the collector: its JSON summary (HTTP 500 also carries one)."""
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            summary: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            body = err.read()
        try:
            summary = json.loads(body)
        except ValueError:
            raise DemoFailed(f"the collector answered HTTP {err.code}: {body[:200]!r}") from None
    return summary


def _screenshots(console: str, project: str) -> list[Path]:
    if chromium() is None:
        print("   chromium is not installed: no screenshots (make browser installs it)")
        return []
    OUTPUT.mkdir(exist_ok=True)
    pages = {  # name: (url, height) — Performance Intelligence is taller: its last row is the success SLO
        "dashboard-helios.png": (f"{console}/dashboards/{project}/helios-main?range=1d", 2300),
        "dashboard-performance.png": (f"{console}/dashboards/{project}/helios-performance?range=1d", 4000),
        "incidents.png": (f"{console}/incidents", 2300),
    }
    return [OUTPUT / name for name, (url, height) in pages.items() if screenshot(url, OUTPUT / name, (1280, height))]


def run_demo(console_port: int = 0) -> int:
    """The demo: everything it starts is stopped, and its directory removed, however it ends."""
    if console_port and port_in_use(console_port):
        raise DemoFailed(
            f"port {console_port} (console) is already in use: choose another with --console-port <port>, "
            "or 0 for any free one"
        )
    started = time.monotonic()
    rng = random.Random(20261201)
    # the ExitStack closes first: processes stop before their directory goes
    with tempfile.TemporaryDirectory(prefix="helios-demo-") as tmp, contextlib.ExitStack() as stop_later:
        work = Path(tmp)
        stop_later.callback(print, "stopped everything the demo started")
        _step("starting the Pub/Sub emulator and the Monitoring emulator")
        pubsub = start_pubsub_emulator(log_dir=work, on_spawn=lambda process: stop_later.callback(process.stop))
        monitoring = start_monitoring_emulator(
            log_dir=work,
            http_port=console_port,
            extra_args=("--evaluate-every", "60"),
            on_spawn=lambda process: stop_later.callback(process.stop),
        )
        received: list[dict[str, Any]] = []
        receiver = WebhookReceiver(received.append)
        stop_later.callback(receiver.stop)
        print(f"   Pub/Sub {pubsub.address} · Monitoring {monitoring.address} · console {monitoring.http_url}")
        env = {
            **os.environ,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "PUBSUB_EMULATOR_HOST": pubsub.address,
            "MONITORING_EMULATOR_HOST": monitoring.address,
            "HELIOS_METRICS_SPOOL_DIR": str(work / "spool"),
            **stack.local_channels(receiver.url),
            "HELIOS_COLLECT_BUDGET_SECONDS": "20",
        }
        _step("python -m setup_infra apply --yes")
        applied = subprocess.run(
            [sys.executable, "-m", "helios_metrics.setup_infra", "apply", "--yes"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        if applied.returncode:
            lines = (applied.stderr.strip() or applied.stdout.strip() or "no output").splitlines()
            raise DemoFailed(f"python -m setup_infra apply --yes failed: {lines[-1].strip()}")
        print("   " + (applied.stdout.strip().splitlines() or ["?"])[-1])
        settings = Settings.from_env(env)
        _step("a day of the store: pipeline runs recorded through MetricsPublisher")
        clock = [time.time_ns()]
        now_ns = clock[0]
        options = PublisherOptions(max_latency_s=0.01, resource_interval_s=1.0)  # the sampler on, too
        metrics = MetricsPublisher(settings=settings, options=options, clock=lambda: clock[0])
        day = simulate_day(metrics, clock, now_ns, rng)
        metrics.flush(30)
        metrics.close()  # the resource sampler's last samples go too
        print(f"   {day['runs']} runs ({day['failed']} failed), {metrics.stats.published} events published to Pub/Sub")
        _step("the collector, as deployed: functions-framework serving main.py, called every few seconds")
        url = _functions_framework(env, work, stop_later)
        for call in range(1, 11):
            summary = _collect(url)
            print(
                f"   run {call}: pulled {summary['pulled']} messages, {summary['events']} events, "
                f"{summary['points']} points in {summary['requests']} requests"
            )
            if summary["pulled"] == 0:
                break
            time.sleep(1)
        _step("alert evaluation")
        result = monitoring.admin.evaluate(project=PROJECT)
        for incident in result["opened"]:  # as operators read it: a ratio as "66.7 % < 85 %"
            print(f"   OPENED {incident['policy_name']} — observed {reading(incident)}")
        time.sleep(0.5)
        sent = monitoring.admin.notifications()
        print(f"   {len(sent)} notifications: " + ", ".join(sorted({f"{n['type']}:{n['delivery']}" for n in sent})))
        print(
            f"   the webhook receiver got {len(received)} incident payloads "
            f"(schema {received[0].get('version', '-') if received else '-'})"
        )
        _step("performance analysis (last 6 hours against the 6 before), its forecast written as the forecast job does")
        past = _forecast_history(settings, time.time())
        print(f"   the forecast job's writes over the day, hourly, as if it had run all along: {past} written")
        reporter = build_reporter(settings)
        analysis = reporter.analysis(6 * 3600, write=True)  # the Performance Intelligence dashboard charts it
        for line in report_lines(analysis):
            print(f"   {line}")
        if "write_error" in analysis["forecast"]:
            print(f"   the forecast was not written: {analysis['forecast']['write_error']}")
        _step("screenshots")
        for path in _screenshots(monitoring.http_url, PROJECT):
            print(f"   {path.relative_to(REPO)}")
        print(f"\nconsole: {monitoring.http_url}   ({time.monotonic() - started:.0f} s)")
    return 0


def _forecast_history(settings: Settings, now_s: float, hours: int = 20) -> int:
    """The forecast job's writes over the simulated day, once an hour up to ``now_s``, each from
    what Monitoring held at its hour, as if the job had run all along — so the Performance
    Intelligence dashboard draws the forecast beside the rate then realised. How many were written
    (an hour with too few runs behind it writes none)."""
    clients = ClientFactory(settings)
    metric, services = clients.metric_service(), clients.service_monitoring()
    written = 0
    for hours_ago in range(hours, 0, -1):
        at = now_s - hours_ago * 3600
        reporter = PerformanceReporter(settings, metric, clock=functools.partial(float, at), services=services)
        written += bool(reporter.analysis(6 * 3600, write=True)["forecast"]["written"])
    return written


def seed(record: stack.StackRecord, state_dir: Path) -> None:
    """Record the demo's simulated day into a running stack, then run its collector once and its
    forecast job once (as ``gcloud scheduler jobs run`` would) so the console shows the day and the
    forecast at once: the instance runs one collection at a time, so when the collector's call
    returns, a scheduled run it queued behind has finished too."""
    settings = Settings(
        project_id=record.project,
        pubsub_emulator_host=record.endpoints["pubsub"],
        monitoring_emulator_host=record.endpoints["monitoring"],
    )
    clock = [time.time_ns()]
    options = PublisherOptions(max_latency_s=0.01)
    metrics = MetricsPublisher(
        settings=settings, options=options, clock=lambda: clock[0], spool_dir=state_dir / "spool"
    )
    try:
        day = simulate_day(metrics, clock, clock[0], random.Random(20261201))
        metrics.flush(30)
    finally:
        metrics.close()  # the resource sampler's last samples go too
    _collect(record.endpoints["collector"])  # runs are serialized: when it returns, the day is written
    _forecast_history(settings, time.time())
    print(
        f"seeded a simulated day: {day['runs']} runs ({day['failed']} failed), {metrics.stats.published} events, "
        f"collected into Monitoring; {_write_forecast(record.endpoints['report'])}"
    )


def _write_forecast(url: str) -> str:
    """One call of the forecast job (``performance_report?write_forecast=true``): what it did, or
    why not (the day is seeded either way, and the job runs again every 5 minutes)."""
    request = urllib.request.Request(url + "?write_forecast=true", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
    except urllib.error.HTTPError as err:
        with err:
            body = err.read()
    except OSError as err:
        return f"forecast not written: {_flat(err)}"
    try:
        forecast = json.loads(body)["forecast"]
    except (ValueError, KeyError, TypeError):
        return f"forecast not written: the report function answered {body[:200]!r}"
    if forecast.get("written"):
        return f"forecast written ({forecast['next_hour_success_rate']:.1%} for the next hour)"
    return f"forecast not written: {forecast.get('write_error', 'no run in the last 6 h')}"


def up(args: argparse.Namespace) -> int:
    """``make up``: the stack (or the one already up), seeded with the simulated day when new."""
    started = time.monotonic()
    config = stack.config_from(args)
    result = stack.up(config)
    if result.started and not args.no_seed:
        try:
            seed(result.record, Path(config.state_dir))
        except (DemoFailed, OSError, google_exceptions.GoogleAPIError) as err:
            print(f"the stack is up, but seeding the simulated day failed: {_flat(err)}", file=sys.stderr)
        except KeyboardInterrupt:
            print("seeding interrupted: the stack stays up", file=sys.stderr)
    stack.print_up(result, config.state_dir, time.monotonic() - started)
    return 0


def _flat(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the demo as Ctrl-C does: through the clean-up


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="the demo, then everything stopped (the default)")
    demo.add_argument("--console-port", type=int, default=0, help="console port (default any free one)")
    start = commands.add_parser("up", help="start the local stack and leave it running (make up)")
    stack.add_up_arguments(start, stack.StackConfig(state_dir=str(stack.DEFAULT_STATE_DIR)))
    start.add_argument("--no-seed", action="store_true", help="start empty: do not record the simulated day")
    stop = commands.add_parser("down", help="stop the local stack (make down)")
    stop.add_argument("--state", default=str(stack.DEFAULT_STATE_DIR), help="the stack's directory")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if args.command == "up":
            return up(args)
        if args.command == "down":
            stack.print_down(stack.down(args.state))
            return 0
        return run_demo(getattr(args, "console_port", 0))
    except (DemoFailed, EmulatorUnavailable, stack.StackError) as err:
        print(f"error: {_flat(err)}", file=sys.stderr)
    except (OSError, subprocess.SubprocessError, google_exceptions.GoogleAPIError) as err:
        print(f"error: {type(err).__name__}: {_flat(err)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted: everything started was stopped", file=sys.stderr)
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
