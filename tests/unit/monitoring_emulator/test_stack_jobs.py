"""The local stack's scheduler jobs: each call is one line in the supervisor's log, and nothing a
call meets — an error status, a dead port, a body it cannot read — stops the job."""

from __future__ import annotations

import argparse
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from helios_metrics.monitoring_emulator import stack
from helios_metrics.monitoring_emulator._stack_jobs import (
    SchedulerJob,
    collection_outcome,
    forecast_outcome,
    next_call_at,
)
from helios_metrics.monitoring_emulator._stack_supervisor import PRODUCTION_WINDOW_S
from helios_metrics.monitoring_emulator.launch import free_port

REPO = Path(__file__).resolve().parents[3]


def analysis(**forecast: Any) -> bytes:
    return json.dumps(
        {"summary": {}, "forecast": {"next_hour_success_rate": None, "based_on_runs": 0, **forecast}}
    ).encode()


def test_a_forecast_call_reads_as_what_was_written_or_why_not():
    written = analysis(next_hour_success_rate=0.8431, based_on_runs=51, written=True)
    assert forecast_outcome(200, written) == "HTTP 200, wrote the forecast 84.3% (from 51 runs of the last 6 h)"
    one = analysis(next_hour_success_rate=1.0, based_on_runs=1, written=True)
    assert forecast_outcome(200, one) == "HTTP 200, wrote the forecast 100.0% (from 1 run of the last 6 h)"
    refused = analysis(next_hour_success_rate=0.5, based_on_runs=2, written=False, write_error="Points must be …")
    assert forecast_outcome(500, refused) == "HTTP 500, the forecast was not written: Points must be …"
    assert (
        forecast_outcome(200, analysis(written=False)) == "HTTP 200, nothing to write: no pipeline run in the last 6 h"
    )
    bad = json.dumps({"error": "write_forecast is true or false, got 'x'"}).encode()
    assert forecast_outcome(400, bad) == 'HTTP 400 {"error": "write_forecast is true or false, got \'x\'"}'
    assert forecast_outcome(502, b"<html>\n  Bad gateway\n</html>") == "HTTP 502 <html> Bad gateway </html>"
    assert collection_outcome(200, b'{"pulled": 0}\n') == 'HTTP 200 {"pulled": 0}'


class _Answers(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, bytes]]] = []
    paths: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.paths.append(self.path)
        status, body = self.answers.pop(0) if self.answers else (200, analysis(written=False))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    _Answers.answers, _Answers.paths = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def scheduled(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "helios.stack" and f"scheduled {name}" in r.getMessage()
    ]


def run_until(job: SchedulerJob, done: Any) -> None:
    job.start()
    deadline = time.monotonic() + 20
    try:
        while not done() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        job.stop()
    assert done()


def test_the_forecast_job_goes_on_past_refusals_bad_bodies_and_a_crashing_formatter(server, caplog):
    caplog.set_level(logging.INFO, logger="helios.stack")
    _Answers.answers = [
        (500, analysis(next_hour_success_rate=0.5, based_on_runs=2, written=False, write_error="refused")),
        (200, b"not json"),
        (200, b"boom"),  # the formatter below raises on it: a bug, logged with its traceback
        (200, analysis(next_hour_success_rate=0.75, based_on_runs=4, written=True)),
    ]

    def outcome(status: int, body: bytes) -> str:
        if body == b"boom":
            raise RuntimeError("a formatter bug")
        return forecast_outcome(status, body)

    job = SchedulerJob("forecast", server + "?write_forecast=true", 0.01, 5.0, outcome)
    run_until(job, lambda: len(scheduled(caplog, "forecast")) >= 4)
    lines = scheduled(caplog, "forecast")[:4]
    assert lines == [
        "scheduled forecast: HTTP 500, the forecast was not written: refused",
        "scheduled forecast: HTTP 200 not json",
        "scheduled forecast: the call failed unexpectedly",
        "scheduled forecast: HTTP 200, wrote the forecast 75.0% (from 4 runs of the last 6 h)",
    ]
    assert set(_Answers.paths) == {"/?write_forecast=true"}


def test_a_job_whose_function_is_down_logs_each_failed_call_and_calls_again(caplog):
    caplog.set_level(logging.INFO, logger="helios.stack")
    job = SchedulerJob("collection", f"http://127.0.0.1:{free_port()}/", 0.01, 1.0, collection_outcome)
    run_until(job, lambda: len(scheduled(caplog, "collection")) >= 3)
    assert all(line.startswith("scheduled collection failed: ") for line in scheduled(caplog, "collection"))


def test_the_first_forecast_call_waits_one_period_as_a_cron_schedule_does(server, caplog):
    """The collector's job calls at once; the forecast job first after its period (cloudbuild's
    */5 cron): while the collector's job makes three calls in turn, the forecast job makes none."""
    caplog.set_level(logging.INFO, logger="helios.stack")
    forecast = SchedulerJob(
        "forecast", server + "?write_forecast=true", 0.01, 5.0, forecast_outcome, first_after_s=3600.0
    )
    forecast.start()
    try:
        run_until(SchedulerJob("collection", server, 0.01, 5.0, collection_outcome), lambda: len(_Answers.paths) >= 3)
    finally:
        forecast.stop()
    assert scheduled(caplog, "forecast") == []
    assert "/?write_forecast=true" not in _Answers.paths


@pytest.mark.parametrize("every", ["4.9", "0", "-1"])
def test_a_forecast_period_under_five_seconds_is_refused_in_one_line(every):
    parser = argparse.ArgumentParser()
    stack.add_up_arguments(parser, stack.StackConfig(state_dir="/tmp/unused"))
    args = parser.parse_args(["--forecast-every", every])
    with pytest.raises(stack.StackError) as caught:
        stack.config_from(args)
    assert str(caught.value) == (
        "--forecast-every must be at least 5 seconds (Cloud Monitoring takes one point per series every 5 s at "
        f"most), not {float(every):g}"
    )
    assert stack.config_from(parser.parse_args(["--forecast-every", "5"])).forecast_every_s == 5.0
    assert stack.config_from(parser.parse_args([])).forecast_every_s == 300.0


def test_a_job_fires_on_the_clock_as_cron_does():
    """After its first call, the collection job fires on the minute, so the passes at :00 and :30
    of production's 30 s windows both fit in each call, whenever the stack started."""
    assert next_call_at(1_000_051.0, 60.0) == 1_000_080.0  # 31 s past a minute: the next minute
    assert next_call_at(1_000_080.0, 60.0) == 1_000_140.0  # on the minute: the one after
    assert next_call_at(12.5, 5.0) == 15.0


def parsed_config(*argv: str, environ: dict[str, str] | None = None) -> int | None:
    parser = argparse.ArgumentParser()
    stack.add_up_arguments(parser, stack.StackConfig(state_dir="/tmp/unused"))
    return stack.config_from(parser.parse_args(list(argv))).collector_window_s(environ or {})


def test_the_local_collector_runs_production_windows_when_called_once_a_minute():
    assert parsed_config() == PRODUCTION_WINDOW_S == 30
    assert parsed_config("--interval", "30") is None  # the collector's default: one pass a call
    assert parsed_config("--window", "45", "--interval", "5") == 45  # the option wins
    assert parsed_config(environ={"HELIOS_WINDOW_SECONDS": "60"}) == 60  # then the environment, as recorded
    assert parsed_config(environ={"HELIOS_WINDOW_SECONDS": "soon"}) is None  # the collector refuses it itself
    with pytest.raises(stack.StackError, match=r"^--window must be between 10 and 240 seconds"):
        parsed_config("--window", "5")


def test_production_window_is_the_deployed_one():
    deployed = re.search(r'_WINDOW_SECONDS: "(\d+)"', (REPO / "cloudbuild.yaml").read_text())
    assert deployed is not None
    assert int(deployed.group(1)) == PRODUCTION_WINDOW_S
