"""The local stack's supervisor: one process, in its own session, that owns the running stack.

It starts the official Pub/Sub emulator, the Monitoring emulator (console, alerts evaluated every
minute) and the two functions as deployed (functions-framework serving ``main.collect_metrics``
and ``main.performance_report``), provisions them with ``python -m setup_infra apply --yes``, then
stays up as the things Google would otherwise provide: Cloud Scheduler's two jobs (a POST to the
collector every ``interval_s``, the first at once, the next on the clock's multiples as cron fires
— with production's 30 s windows when that is once a minute; a POST to the report function with
``?write_forecast=true`` every ``forecast_every_s``, the first after one period as a cron schedule
would — cloudbuild.yaml's forecast job) and the operator's webhook endpoint the webhook channel
points at. Each call's outcome is one line in ``supervisor.log``; a failed call is logged and the
job goes on. Each process is written to the stack record the moment it exists. A function that
exits is started again on its port, as Cloud Run would; an emulator that exits takes its data with
it, so the supervisor then stops the stack and says why in the record. SIGTERM stops everything
it started.

Run by ``helios_metrics.monitoring_emulator.stack`` as
``python -m helios_metrics.monitoring_emulator._stack_supervisor CONFIG_JSON``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from ._stack_jobs import SchedulerJob, collection_outcome, forecast_outcome
from ._stack_record import StackRecord
from .launch import (
    EmulatorUnavailable,
    ManagedProcess,
    start_function,
    start_monitoring_emulator,
    start_pubsub_emulator,
    wait_listening,
)
from .webhook_receiver import WebhookReceiver

__all__ = ["LABELS", "RECORD_NAME", "StackConfig", "config_argument", "local_channels"]

RECORD_NAME = "stack.json"
_REPO = Path(__file__).resolve().parents[2]
_log = logging.getLogger("helios.stack")

LABELS = {
    "supervisor": "supervisor (scheduler + webhook receiver)",
    "pubsub": "Pub/Sub emulator (gcloud + java)",
    "monitoring": "Monitoring emulator",
    "collector": "collector (functions-framework, main.collect_metrics)",
    "report": "report function (functions-framework, main.performance_report)",
}
SCHEDULE_PERIOD_S = 60.0  # Cloud Scheduler's finest cron period, the deployed collector's schedule
PRODUCTION_WINDOW_S = 30  # cloudbuild.yaml's _WINDOW_SECONDS
_FUNCTIONS = {"collector": "collect_metrics", "report": "performance_report"}  # role -> main.py entry point


@dataclass(frozen=True)
class StackConfig:
    """How to run the stack; a port of 0 means any free one (the tests), otherwise that port or fail."""

    state_dir: str
    project: str = "helios-local"
    pubsub_port: int = 8085
    monitoring_port: int = 8086
    console_port: int = 8087
    interval_s: float = 60.0
    evaluate_every_s: float = 60.0
    forecast_every_s: float = 300.0  # cloudbuild.yaml's _FORECAST_SCHEDULE: every 5 minutes
    window_s: int | None = None  # HELIOS_WINDOW_SECONDS; None: see collector_window_s
    setup_config: str | None = None  # python -m setup_infra apply --config FILE
    start_timeout_s: float = 180.0

    def collector_window_s(self, environ: Mapping[str, str]) -> int | None:
        """The collector's aggregation window: the option, else ``HELIOS_WINDOW_SECONDS`` of the
        environment, else — called once a minute, as deployed — production's 30 s windows (two
        passes a call, cloudbuild.yaml's ``_WINDOW_SECONDS``). None leaves the collector's default
        (60 s, one pass a call), which suits the faster schedules tests use."""
        if self.window_s is not None:
            return self.window_s
        if "HELIOS_WINDOW_SECONDS" in environ:
            try:
                return int(environ["HELIOS_WINDOW_SECONDS"])  # recorded as the collector will read it
            except ValueError:
                return None  # the collector's settings will refuse it, in its own words
        return PRODUCTION_WINDOW_S if self.interval_s == SCHEDULE_PERIOD_S else None

    def ports(self) -> dict[str, int]:
        """The fixed ports the stack needs, by what they are for (free ones are not listed)."""
        named = {"Pub/Sub": self.pubsub_port, "Monitoring gRPC": self.monitoring_port, "console": self.console_port}
        return {name: port for name, port in named.items() if port}


def local_channels(webhook_url: str) -> dict[str, str]:
    """The five alert channels a local stack provisions: the Monitoring emulator's outbox takes the
    email, SMS, Slack and PagerDuty notifications; the webhook goes to ``webhook_url``."""
    return {
        "HELIOS_ALERT_EMAIL": "oncall@helios.example",
        "HELIOS_ALERT_SMS": "+15551234567",
        "HELIOS_SLACK_CHANNEL": "#helios-alerts",
        "HELIOS_SLACK_TOKEN": "xoxb-demo-token-0000000000",
        "HELIOS_PAGERDUTY_SERVICE_KEY": "demo0000000000000000000000000000",
        "HELIOS_ALERT_WEBHOOK_URL": webhook_url,
    }


class _StartFailed(Exception):
    """A step of the start failed; the message is the one line the user sees."""


class _Stopped(Exception):
    """SIGTERM/SIGINT arrived while the stack was still starting."""


class Supervisor:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.state = Path(config.state_dir)
        self.record_path = self.state / RECORD_NAME
        self.record = StackRecord(
            project=config.project,
            interval_s=config.interval_s,
            evaluate_every_s=config.evaluate_every_s,
            forecast_every_s=config.forecast_every_s,
            window_s=config.collector_window_s(os.environ),
        )
        self.children: dict[str, ManagedProcess] = {}
        self._starting = True
        self._stop = threading.Event()
        self._receiver: WebhookReceiver | None = None
        self._jobs: list[SchedulerJob] = []
        self._env: dict[str, str] = {}
        self._ports = dict.fromkeys(_FUNCTIONS, 0)  # a function restarted keeps its port

    # -- the record -------------------------------------------------------------------------------
    def _recorded(self, role: str, process: ManagedProcess) -> None:
        self.children[role] = process
        self.record.add(role, process.pid, LABELS[role])
        self.record.save(self.record_path)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()
        if self._starting:
            raise _Stopped()

    # -- start --------------------------------------------------------------------------------------
    def run(self) -> int:
        self.record.add("supervisor", os.getpid(), LABELS["supervisor"])
        self.record.save(self.record_path)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        try:
            self._start()  # ends with self._starting = False: from then on a signal only sets _stop
        except (_StartFailed, EmulatorUnavailable) as err:
            return self._fail(str(err))
        except _Stopped:
            self._starting = False
            self._shutdown()
            return 0
        except Exception as err:  # a bug: the traceback goes to the log, one line to the record
            _log.exception("the stack did not start")
            return self._fail(f"{type(err).__name__}: {err} (see {self.state / 'supervisor.log'})")
        endpoints, timeout = self.record.endpoints, self._call_timeout()
        self._jobs = [
            SchedulerJob("collection", endpoints["collector"], self.config.interval_s, timeout, collection_outcome),
            SchedulerJob(
                "forecast",
                endpoints["report"] + "?write_forecast=true",
                self.config.forecast_every_s,
                timeout,
                forecast_outcome,
                first_after_s=self.config.forecast_every_s,
            ),
        ]
        for job in self._jobs:
            job.start()
        _log.info("ready: %s", json.dumps(self.record.endpoints))
        failure = self._watch()
        self._shutdown()
        if failure:
            self.record.phase, self.record.error = "failed", failure
            self.record.save(self.record_path)
            return 1
        return 0

    def _start(self) -> None:
        config = self.config
        self._receiver = WebhookReceiver(self._received)
        self.record.endpoints["receiver"] = self._receiver.url
        pubsub = start_pubsub_emulator(
            port=config.pubsub_port or None,
            log_dir=self.state,
            on_spawn=lambda process: self._recorded("pubsub", process),
        )
        self.children["pubsub"] = pubsub
        self.record.endpoints["pubsub"] = pubsub.address
        monitoring = start_monitoring_emulator(
            port=config.monitoring_port,
            http_port=config.console_port,
            log_dir=self.state,
            extra_args=("--evaluate-every", f"{config.evaluate_every_s:g}"),
            on_spawn=lambda process: self._recorded("monitoring", process),
        )
        self.children["monitoring"] = monitoring
        self.record.endpoints.update(monitoring=monitoring.address, console=monitoring.http_url + "/")
        self.record.save(self.record_path)
        self._env = {
            **os.environ,
            "GOOGLE_CLOUD_PROJECT": config.project,
            "PUBSUB_EMULATOR_HOST": pubsub.address,
            "MONITORING_EMULATOR_HOST": monitoring.address,
            **local_channels(self._receiver.url),
        }
        if self.record.window_s is not None:
            self._env["HELIOS_WINDOW_SECONDS"] = str(self.record.window_s)
        for role in _FUNCTIONS:  # they import while setup_infra provisions
            self._start_function(role)
        self._provision()
        for role in _FUNCTIONS:
            port = self._ports[role]
            if not wait_listening(self.children[role], port, timeout=60):
                log = self.children[role].log_path
                raise _StartFailed(f"the {LABELS[role]} did not start on port {port} (log: {log})")
        self.record.phase = "ready"
        self.record.save(self.record_path)
        self._starting = False

    def _start_function(self, role: str) -> None:
        log = self.state / f"{role}.log"
        process, url = start_function(_REPO / "main.py", _FUNCTIONS[role], self._env, log, self._ports[role])
        self._ports[role] = urllib.parse.urlsplit(url).port or 0
        self.record.endpoints[role] = url
        self._recorded(role, process)

    def _provision(self) -> None:
        argv = [sys.executable, "-m", "helios_metrics.setup_infra", "apply", "--yes"]
        if self.config.setup_config:
            argv += ["--config", self.config.setup_config]
        done = subprocess.run(argv, cwd=_REPO, env=self._env, capture_output=True, text=True, timeout=300)
        (self.state / "setup-infra.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            lines = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()
            raise _StartFailed(f"python -m setup_infra apply --yes failed: {lines[-1].strip()}")
        _log.info("provisioned: %s", (done.stdout.strip().splitlines() or ["?"])[-1])

    def _call_timeout(self) -> float:
        """A scheduled call may take the collector's whole budget, and some."""
        try:
            budget = float(self._env.get("HELIOS_COLLECT_BUDGET_SECONDS", "40"))
        except ValueError:
            budget = 40.0
        return budget + 30.0

    def _received(self, payload: dict[str, Any]) -> None:
        with open(self.state / "webhooks.jsonl", "a") as out:
            out.write(json.dumps({"received_at": time.time(), "payload": payload}) + "\n")
        incident = payload.get("incident")
        name = incident.get("policy_name") if isinstance(incident, dict) else None
        _log.info("webhook received%s", f": {name}" if name else "")

    # -- running ------------------------------------------------------------------------------------
    def _watch(self) -> str | None:
        """Until SIGTERM: restart a function that exited; an emulator that exited ends the stack."""
        while not self._stop.wait(1.0):
            for role in ("pubsub", "monitoring"):
                code = self.children[role].process.poll()
                if code is not None:
                    return f"the {LABELS[role]} exited (status {code}): make up starts a new stack"
            for role in _FUNCTIONS:
                code = self.children[role].process.poll()
                if code is not None:
                    _log.warning("the %s exited (status %s): starting it again on its port", LABELS[role], code)
                    self.children[role].stop()
                    self._start_function(role)
        return None

    def _shutdown(self) -> None:
        for job in self._jobs:
            job.stop()
        if self._receiver is not None:
            self._receiver.stop()
        for role in ("report", "collector", "monitoring", "pubsub"):
            process = self.children.get(role)
            if process is not None:
                process.stop()
                _log.info("stopped the %s", LABELS[role])

    def _fail(self, message: str) -> int:
        self._starting = False  # a signal now only sets _stop: the shutdown below happens anyway
        _log.error("%s", message)
        self.record.phase, self.record.error = "failed", message
        self.record.save(self.record_path)
        self._shutdown()
        return 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = StackConfig(**json.loads(args[0]))
    return Supervisor(config).run()


def config_argument(config: StackConfig) -> str:
    """The supervisor's one argument."""
    return json.dumps(asdict(config))


if __name__ == "__main__":
    sys.exit(main())
