"""``make demo``: a day of the Helios store on the local emulators, end to end, then everything
stopped again (``make up`` keeps the stack running instead).

1. the official Pub/Sub emulator and the Monitoring emulator with its console start;
2. ``python -m setup_infra apply --yes`` provisions topics, descriptors, five channels (the webhook
   one points at a receiver the demo runs), six alert policies and two dashboards;
3. a day of pipeline runs is recorded through ``MetricsPublisher`` — plausible stage durations,
   occasional failures, resource samples, then a run slower than 5 minutes and a burst of failures
   in the last hour — time-compressed, with event times spread over the past 24 h;
4. the collector runs as in production: functions-framework serving ``main.py``, called on a schedule;
5. alerts are evaluated; the incidents, the notifications and the performance analysis are printed;
6. screenshots of both dashboards and the incidents page are saved under ``demo-output/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from contract import ClientFactory, Settings
from functions.report import PerformanceReporter, report_lines
from monitoring_emulator.launch import (
    ManagedProcess,
    chromium,
    screenshot,
    start_function,
    start_monitoring_emulator,
    start_pubsub_emulator,
)
from publisher import MetricsPublisher, PublisherOptions

PROJECT = "helios-demo"
STAGES = {
    "trend_discovery": (40.0, 0.3),
    "audience_analysis": (25.0, 0.25),
    "design_generation": (70.0, 0.35),
    "publication": (15.0, 0.3),
}
REPO = Path(__file__).resolve().parent
OUTPUT = REPO / "demo-output"
STACK = REPO / ".helios-stack"  # what make up left running, for make down
NS = 1_000_000_000


class _Receiver:
    """The webhook endpoint the demo's webhook channel points at (loopback)."""

    def __init__(self) -> None:
        received: list[dict[str, object]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/helios-alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def _progress(done: int, total: int, what: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    end = "\n" if done >= total or not sys.stdout.isatty() else ""
    print(f"\r   [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what}", end=end, flush=True)


def simulate_day(metrics: MetricsPublisher, clock: list[int], now_ns: int, rng: random.Random) -> dict[str, int]:
    """Record a day of runs (one every 12 minutes) with back-dated event times; the last hour has a
    burst of failures and, two minutes ago, a run slower than five minutes."""
    runs = failures = 0
    start = now_ns - 24 * 3600 * NS
    total = 24 * 5
    for index in range(total):
        t = start + index * 12 * 60 * NS + rng.randrange(0, 60) * NS
        in_burst = t > now_ns - 50 * 60 * NS
        failed_stage = None
        if (in_burst and rng.random() < 0.6) or rng.random() < 0.04:
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
            success=failed_stage is None,
        )
        for minute in range(0, 12, 5):
            clock[0] = t + minute * 60 * NS
            metrics.record("resource_utilization", min(1.0, max(0.0, rng.gauss(0.45, 0.1))), resource="cpu")
            metrics.record("resource_utilization", min(1.0, max(0.0, rng.gauss(0.55, 0.05))), resource="memory")
        runs += 1
        failures += failed_stage is not None
        if (index + 1) % 12 == 0:
            _progress(index + 1, total, "runs recorded")
    clock[0] = now_ns - 2 * 60 * NS  # the slow run: 7 minutes, two minutes ago
    metrics.record_pipeline_metric(420.0, 0.7, 0.8, 0.85, 0.9, True)
    return {"runs": runs + 1, "failed": failures}


def _functions_framework(env: dict[str, str], work: Path) -> tuple[ManagedProcess, str]:
    process, url = start_function(REPO / "main.py", "collect_metrics", env, work / "collector.log")
    port = urllib.parse.urlsplit(url).port
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port or 0), timeout=1).close()
            break  # listening (any request would run a collection: only connect)
        except OSError:
            time.sleep(0.2)
    return process, url


def _screenshots(console: str, project: str) -> list[Path]:
    if chromium() is None:
        print("   chromium is not installed: no screenshots (make browser installs it)")
        return []
    OUTPUT.mkdir(exist_ok=True)
    pages = {
        "dashboard-helios.png": f"{console}/dashboards/{project}/helios-main?range=1d",
        "dashboard-performance.png": f"{console}/dashboards/{project}/helios-performance?range=1d",
        "incidents.png": f"{console}/incidents",
    }
    return [OUTPUT / name for name, url in pages.items() if screenshot(url, OUTPUT / name, (1280, 2300))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-running", action="store_true", help="leave the stack running (make up)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="helios-demo-"))
    rng = random.Random(20261201)
    _step("starting the Pub/Sub emulator and the Monitoring emulator")
    pubsub = start_pubsub_emulator(log_dir=work)
    monitoring = start_monitoring_emulator(
        log_dir=work, http_port=int(os.environ.get("HELIOS_CONSOLE_PORT", "0")), extra_args=("--evaluate-every", "60")
    )
    receiver = _Receiver()
    collector: ManagedProcess | None = None
    try:
        print(f"   Pub/Sub {pubsub.address} · Monitoring {monitoring.address} · console {monitoring.http_url}")
        env = {
            **os.environ,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "PUBSUB_EMULATOR_HOST": pubsub.address,
            "MONITORING_EMULATOR_HOST": monitoring.address,
            "HELIOS_METRICS_SPOOL_DIR": str(work / "spool"),
            "HELIOS_ALERT_EMAIL": "oncall@helios.example",
            "HELIOS_ALERT_SMS": "+15551234567",
            "HELIOS_SLACK_CHANNEL": "#helios-alerts",
            "HELIOS_SLACK_TOKEN": "xoxb-demo-token-0000000000",
            "HELIOS_PAGERDUTY_SERVICE_KEY": "demo0000000000000000000000000000",
            "HELIOS_ALERT_WEBHOOK_URL": receiver.url,
            "HELIOS_COLLECT_BUDGET_SECONDS": "20",
        }
        _step("python -m setup_infra apply --yes")
        applied = subprocess.run(
            [sys.executable, "-m", "setup_infra", "apply", "--yes"], cwd=REPO, env=env, capture_output=True, text=True
        )
        print("   " + (applied.stdout.strip().splitlines() or ["?"])[-1])
        if applied.returncode:
            print(applied.stderr, file=sys.stderr)
            return 1
        settings = Settings.from_env(env)
        _step("a day of the store: pipeline runs recorded through MetricsPublisher")
        clock = [time.time_ns()]
        now_ns = clock[0]
        options = PublisherOptions(max_latency_s=0.01, resource_interval_s=1.0)  # the sampler on, too
        metrics = MetricsPublisher(settings=settings, options=options, clock=lambda: clock[0])
        day = simulate_day(metrics, clock, now_ns, rng)
        flushed = metrics.flush(30)
        metrics.close()
        print(f"   {day['runs']} runs ({day['failed']} failed), {flushed.published} events published to Pub/Sub")
        _step("the collector, as deployed: functions-framework serving main.py, called every few seconds")
        collector, url = _functions_framework(env, work)
        pulled_total = 0
        for call in range(1, 11):
            request = urllib.request.Request(url, data=b"", method="POST")
            with urllib.request.urlopen(request, timeout=120) as response:
                summary = json.loads(response.read())
            pulled_total += summary["pulled"]
            print(
                f"   run {call}: pulled {summary['pulled']} messages, {summary['events']} events, "
                f"{summary['points']} points in {summary['requests']} requests"
            )
            if summary["pulled"] == 0:
                break
            time.sleep(1)
        _step("alert evaluation")
        result = monitoring.admin.evaluate(project=PROJECT)
        for incident in result["opened"]:
            print(
                f"   OPENED {incident['policy_name']} — observed {incident['observed_value']} "
                f"(threshold {incident['threshold_value']})"
            )
        time.sleep(0.5)
        sent = monitoring.admin.notifications()
        print(f"   {len(sent)} notifications: " + ", ".join(sorted({f"{n['type']}:{n['delivery']}" for n in sent})))
        print(
            f"   the webhook receiver got {len(receiver.received)} incident payloads "
            f"(schema {receiver.received[0]['version'] if receiver.received else '-'})"
        )
        _step("performance analysis (last 6 hours against the 6 before)")
        reporter = PerformanceReporter(settings, ClientFactory(settings).metric_service())
        for line in report_lines(reporter.analysis(6 * 3600)):
            print(f"   {line}")
        _step("screenshots")
        for path in _screenshots(monitoring.http_url, PROJECT):
            print(f"   {path.relative_to(REPO)}")
        print(f"\nconsole: {monitoring.http_url}   ({time.monotonic() - started:.0f} s)")
        if args.keep_running:
            pids = [pubsub.pid, monitoring.pid, collector.pid]
            STACK.write_text(json.dumps({"pids": pids, "console": monitoring.http_url}))
            print("the stack keeps running (alerts are evaluated every minute): make down stops it")
        return 0
    finally:
        if not args.keep_running:
            if collector is not None:
                collector.stop()
            receiver.stop()
            monitoring.stop()
            pubsub.stop()
            print("emulators stopped")


def down() -> int:
    """``make down``: stop what ``make up`` left running (each process group, by its recorded id)."""
    if not STACK.exists():
        print("nothing is running (no .helios-stack)")
        return 0
    for pid in json.loads(STACK.read_text())["pids"]:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    STACK.unlink()
    print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(down() if sys.argv[1:] == ["down"] else main())
