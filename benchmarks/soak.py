"""``make soak``: a simulated week of pipeline traffic through the whole system, with faults.

One pipeline process (``_soak_pipeline``) records ≥ 10,000,000 events through the publisher into
the official Pub/Sub emulator; the collector is ``main.py`` served by functions-framework (as Cloud
Run serves it), called every window like Cloud Scheduler would, journaling to
``HELIOS_LEDGER_DIR``; it writes to our Monitoring emulator. The week is compressed in rate (each
wall-clock second carries ~34 simulated minutes of traffic); events carry the wall clock, since
Monitoring refuses points older than 25 hours.

Along the way it injects, at fixed simulated hours: network partitions between the publisher and
Pub/Sub and between the collector and Pub/Sub (a loopback relay cut, then restored), Cloud
Monitoring failing whole requests (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED), partial
failures in each of Google's grammars, a write slower than the client's deadline that lands anyway,
the collector process SIGKILLed mid-run and restarted, and every simulated hour a malformed message
and a message of events too old to write.

At the end it compares, window by window, the pipeline's own tally with what Monitoring holds, and
reads the dead-letter topic: events in = counted + dead-lettered, lost, double-counted. Each
process's RSS is sampled every second. Output in ``soak-output/``: ``soak-results.json``,
``soak-memory.png`` (headless chromium; ``soak-memory.html`` always).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.cloud import monitoring_v3
from google.pubsub_v1.types import PubsubMessage

from benchmarks._stack import emulators, provision, stack_env
from benchmarks.results import machine
from benchmarks.soak_report import Sample, account, memory_page, rss_summary
from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.wire import InvalidMessage, StageEvent, decode_message, encode_message
from helios_metrics.monitoring_emulator.admin import EmulatorAdmin
from helios_metrics.monitoring_emulator.launch import ManagedProcess, screenshot, start_function
from helios_metrics.monitoring_emulator.relay import TcpRelay

REPO = Path(__file__).resolve().parent.parent
WEEK_HOURS = 7 * 24
BUDGET_S = 8  # each collector run's budget
HELD_S = BUDGET_S + 15  # how long a run holds its messages: a killed run's come back after this
WINDOW_S = 10  # the collector's window, and the schedule: one run per window, as 60 s/60 s in production
HOSTILE_EXPIRED_EVENTS = 5
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_by_group(pgids: set[int]) -> dict[int, float]:
    """Resident memory (MB) of every process in each of these groups, in one pass over /proc (the
    Pub/Sub emulator is gcloud + java); a group with no live process is left out."""
    totals: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            group = int(fields[2])
            if group not in pgids or fields[0] == "Z":  # other groups, and zombies (no memory)
                continue
            totals[group] = totals.get(group, 0) + int(Path(entry.path, "statm").read_text().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            continue
    return {group: total / 1e6 for group, total in totals.items()}


@dataclass
class _Fault:
    hour: float
    name: str
    act: Callable[[], str]


class Soak:
    def __init__(
        self, settings: Settings, factory: ClientFactory, work: Path, events: int, seconds: float, admin: EmulatorAdmin
    ) -> None:
        self.settings, self.factory, self.work, self.admin = settings, factory, work, admin
        self.events, self.seconds = events, seconds
        pubsub = settings.pubsub_emulator_host or ""
        self.publisher_line, self.collector_line = TcpRelay(pubsub), TcpRelay(pubsub)
        self.rng = random.Random(20261201)
        self.started = time.monotonic()
        self.samples: list[Sample] = []
        self.summaries: list[dict[str, Any]] = []
        self.failed_calls = 0
        self.faults: list[dict[str, Any]] = []
        self.later: list[tuple[float, Callable[[], None]]] = []
        self.progress: list[dict[str, Any]] = []
        self.final: dict[str, Any] | None = None
        self.hostile_messages = self.hostile_events = 0
        self.restarts = 0
        self.last_kill = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.function, self.url = self._start_function()
        self.pipeline = self._start_pipeline()

    # --- processes --------------------------------------------------------------------------
    def _start_function(self) -> tuple[ManagedProcess, str]:
        env = stack_env(self.settings)
        env.update(
            PUBSUB_EMULATOR_HOST=self.collector_line.address,
            HELIOS_WINDOW_SECONDS=str(WINDOW_S),
            HELIOS_COLLECT_BUDGET_SECONDS=str(BUDGET_S),
            HELIOS_LEDGER_DIR=str(self.work / "ledger"),
        )
        process, url = start_function(REPO / "main.py", "collect_metrics", env, self.work / "function.log")
        return process, url

    def _start_pipeline(self) -> subprocess.Popen[str]:
        argv = [sys.executable, "-m", "benchmarks._soak_pipeline", "--project", str(self.settings.project_id)]
        argv += ["--pubsub", self.publisher_line.address, "--spool", str(self.work / "spool")]
        argv += ["--events", str(self.events), "--seconds", str(self.seconds), "--window", str(WINDOW_S)]
        log = open(self.work / "pipeline.log", "ab")  # noqa: SIM115 - the child keeps it
        process = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True
        )
        log.close()
        threading.Thread(target=self._read_pipeline, args=(process,), daemon=True).start()
        return process

    def _read_pipeline(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            record = json.loads(line)
            with self._lock:
                if record.get("final"):
                    self.final = record
                else:
                    self.progress.append(record)

    # --- time -------------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def hour(self) -> float:
        return min(WEEK_HOURS, self.elapsed() / self.seconds * WEEK_HOURS)

    # --- the collector, as Cloud Scheduler calls it -----------------------------------------
    def call_collector(self) -> dict[str, Any] | None:
        request = urllib.request.Request(self.url, data=b"{}", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                body = response.read()
        except urllib.error.HTTPError as err:  # 500: a transient failure, the summary is in the body
            body = err.read()
        except OSError:
            with self._lock:
                self.failed_calls += 1  # the instance died under the call
            return None
        summary = json.loads(body)
        with self._lock:
            self.summaries.append(summary)
        return summary

    # --- faults -----------------------------------------------------------------------------
    def _partition(self, relay: TcpRelay, seconds: float) -> str:
        relay.close_door()
        self.later.append((self.elapsed() + seconds, relay.open_door))
        return f"cut for {seconds:.0f} s (~{seconds / self.seconds * WEEK_HOURS:.1f} simulated hours)"

    def _monitoring(self, **fault: Any) -> str:
        self.admin.inject("CreateTimeSeries", **fault)
        return ", ".join(f"{k}={v}" for k, v in fault.items())

    def _kill_collector(self) -> str:
        """SIGKILL the function instance in the middle of a run, then start a new one."""
        call = threading.Thread(target=self.call_collector)
        call.start()
        delay = self.rng.uniform(0.3, 2.5)
        time.sleep(delay)
        self.function.kill()
        call.join(60)
        self.function, self.url = self._start_function()
        self.restarts += 1
        self.last_kill = self.elapsed()
        return f"SIGKILL {delay:.1f} s into a run; a new instance took over"

    def _hostile(self) -> str:
        """One malformed message and one of events too old for Monitoring, straight to the topic."""
        publisher = self.factory.publisher_api()
        garbage = PubsubMessage(data=self.rng.randbytes(200), attributes={"producer": "hostile"})
        old = time.time_ns() - 26 * 3600 * 1_000_000_000
        events = [StageEvent(old, "trend_discovery", 1.0, True, 0)] * HOSTILE_EXPIRED_EVENTS
        expired = encode_message("hostile-expired", self.hostile_messages, events)
        publisher.publish(
            topic=self.settings.topic_path,
            messages=[garbage, PubsubMessage(data=expired.data, attributes=expired.attributes)],
        )
        self.hostile_messages += 2
        self.hostile_events += HOSTILE_EXPIRED_EVENTS
        return "a malformed message and 5 events 26 h old"

    def schedule(self) -> list[_Fault]:
        pub, col = self.publisher_line, self.collector_line
        grammar = [
            _Fault(84 + 2 * i, f"partial failures, {g} grammar", functools.partial(self._partial, g))
            for i, g in enumerate(("trailing", "field", "leading", "resource"))
        ]
        faults = [
            _Fault(30, "Pub/Sub unreachable from the publisher", lambda: self._partition(pub, 15)),
            _Fault(40, "collector killed mid-run", self._kill_collector),
            _Fault(48, "Monitoring UNAVAILABLE", lambda: self._monitoring(code="UNAVAILABLE", times=20)),
            _Fault(60, "Monitoring RESOURCE_EXHAUSTED", lambda: self._monitoring(code="RESOURCE_EXHAUSTED", times=10)),
            _Fault(66, "Monitoring DEADLINE_EXCEEDED", lambda: self._monitoring(code="DEADLINE_EXCEEDED", times=10)),
            _Fault(72, "collector killed mid-run", self._kill_collector),
            *grammar,
            _Fault(100, "Pub/Sub unreachable from the publisher", lambda: self._partition(pub, 20)),
            _Fault(110, "collector killed mid-run", self._kill_collector),
            _Fault(120, "Pub/Sub unreachable from the collector", lambda: self._partition(col, 15)),
            _Fault(130, "collector killed mid-run", self._kill_collector),
            _Fault(140, "Monitoring slower than the deadline", lambda: self._monitoring(code="OK", delay_s=11.0)),
        ]
        faults += [_Fault(h + 0.5, "hostile messages", self._hostile) for h in range(WEEK_HOURS - 2)]
        return sorted(faults, key=lambda f: f.hour)

    def _partial(self, grammar: str) -> str:
        return self._monitoring(
            code="UNAVAILABLE", times=10, series_filter='metric.labels.stage = "design_generation"', grammar=grammar
        )

    # --- memory -----------------------------------------------------------------------------
    def _sample_forever(self, groups: Callable[[], dict[str, int]]) -> None:
        while not self._stop.wait(1.0):
            roles = groups()
            found = _rss_by_group(set(roles.values()))
            rss = {role: found[pgid] for role, pgid in roles.items() if pgid in found}
            self.samples.append(Sample(round(self.elapsed(), 1), round(self.hour(), 2), rss))

    # --- the run ----------------------------------------------------------------------------
    def run(self, emulator_pgids: dict[str, int]) -> None:
        def groups() -> dict[str, int]:
            return {**emulator_pgids, "collector (function)": self.function.pid, "pipeline": self.pipeline.pid}

        sampler = threading.Thread(target=self._sample_forever, args=(groups,), daemon=True)
        sampler.start()
        pending = self.schedule()
        next_call = self.elapsed() + WINDOW_S
        quiet_runs = 0
        while True:
            now = self.elapsed()
            for at, action in [item for item in self.later if item[0] <= now]:
                action()
                self.later.remove((at, action))
            while pending and pending[0].hour <= self.hour() and self.pipeline.poll() is None:
                fault = pending.pop(0)
                detail = fault.act()
                if fault.name != "hostile messages":
                    print(f"  simulated day {fault.hour / 24 + 1:.1f}: {fault.name}: {detail}", flush=True)
                self.faults.append({"hour": fault.hour, "fault": fault.name, "detail": detail})
            if now >= next_call:
                next_call = now + WINDOW_S
                summary = self.call_collector()
                if self.pipeline.poll() is not None and not self.later:
                    # drained: nothing pulled twice running, and a killed run's messages are back
                    pulled = summary["pulled"] if summary else 1
                    quiet_runs = quiet_runs + 1 if pulled == 0 else 0
                    if quiet_runs >= 2 and now - self.last_kill > HELD_S + 10:
                        break
                    next_call = now + 2.0  # the week is over: drain quickly
            time.sleep(0.2)
        self._stop.set()
        sampler.join(5)

    def stop(self) -> None:
        self._stop.set()
        for relay in (self.publisher_line, self.collector_line):
            relay.stop()
        self.function.stop()
        if self.pipeline.poll() is None:
            os.killpg(self.pipeline.pid, signal.SIGKILL)
        self.pipeline.wait(10)


# --- reading the results back -----------------------------------------------------------------
def _counted(factory: ClientFactory, project: str, start: float, end: float) -> dict[tuple[str, int], int]:
    """Points of stage_runs and pipeline_runs, summed per (stage or "pipeline", window end)."""
    client = factory.metric_service()
    counted: dict[tuple[str, int], int] = {}
    for metric in ("stage_runs", "pipeline_runs"):
        request = monitoring_v3.ListTimeSeriesRequest(
            name=f"projects/{project}",
            filter=f'metric.type = "custom.googleapis.com/helios/{metric}"',
            interval={"start_time": {"seconds": int(start)}, "end_time": {"seconds": int(end)}},
        )
        for wrapped in client.list_time_series(request=request):
            series = monitoring_v3.TimeSeries.pb(wrapped)
            kind = series.metric.labels.get("stage", "pipeline") if metric == "stage_runs" else "pipeline"
            for point in series.points:
                key = (kind, point.interval.end_time.seconds)
                counted[key] = counted.get(key, 0) + point.value.int64_value
    return counted


def _letters(factory: ClientFactory, subscription: str) -> tuple[list[tuple[str, int, bool]], int]:
    """Each dead-lettered message once — its reason, its events, whether the soak injected it — and
    how many letters repeated one (a collector killed after the letter went out but before the ack
    sends it again when the message comes back: at-least-once, like Pub/Sub's own)."""
    subscriber = factory.subscriber()
    letters: dict[str, tuple[str, int, bool]] = {}
    repeats = empty = 0
    while empty < 3:
        response = subscriber.pull(subscription=subscription, max_messages=1000, timeout=5)
        if not response.received_messages:
            empty += 1
            continue
        empty = 0
        for received in response.received_messages:
            message = received.message
            attributes = dict(message.attributes)
            original = attributes.get("original_message_id") or message.message_id
            if original in letters:
                repeats += 1
                continue
            reason = attributes.get("dead_letter_reason") or "delivery attempts exhausted (subscription policy)"
            try:
                events = len(decode_message(message.data, attributes).events)
            except InvalidMessage:
                events = 0
            letters[original] = (reason, events, attributes.get("producer", "").startswith("hostile"))
        subscriber.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in response.received_messages])
    return list(letters.values()), repeats


def _render(samples: list[Sample], out: Path, title: str) -> Path | None:
    week_start = (int(time.time()) // 86400 - 7) * 86400 * 1_000_000_000  # a Monday-free label origin
    page = out / "soak-memory.html"
    page.write_text(memory_page(samples, title, week_start))
    png = out / "soak-memory.png"
    return png if screenshot(page.as_uri(), png, (940, 430)) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=float, default=300.0, help="wall-clock length of the simulated week")
    parser.add_argument("--out", type=Path, default=REPO / "soak-output")
    args = parser.parse_args(argv)
    out: Path = args.out
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)  # a spool or journal left by an earlier soak would replay into this one
    out.mkdir(parents=True, exist_ok=True)
    began = time.time()
    print(f"soak: {args.events:,} events, a simulated week in {args.seconds:.0f} s, with faults", flush=True)
    with emulators(work) as (pubsub, monitoring):
        settings = Settings(
            project_id="soak", pubsub_emulator_host=pubsub.address, monitoring_emulator_host=monitoring.address
        )
        factory = ClientFactory(settings)
        provision(settings, factory, ack_deadline_seconds=60, max_delivery_attempts=10)  # as setup_infra, 60 s
        letters_path = f"projects/{settings.project_id}/subscriptions/soak-dead-letters"
        factory.subscriber().create_subscription(name=letters_path, topic=settings.dead_letter_topic_path)
        soak = Soak(settings, factory, work, args.events, args.seconds, monitoring.admin)
        try:
            soak.run({"Pub/Sub emulator": pubsub.pid, "Monitoring emulator": monitoring.pid})
        finally:
            soak.stop()
        final = soak.final or {}
        recorded = {(kind, end // 1_000_000_000): n for kind, end, n in final.get("tally", [])}
        counted = _counted(factory, str(settings.project_id), began - 60, time.time() + 120)
        letters, repeated_letters = _letters(factory, letters_path)
    books = account(recorded, counted, soak.hostile_events, letters)
    memory = rss_summary(soak.samples)
    summaries = soak.summaries
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(began)),
        "machine": machine(),
        "wall_seconds": round(time.time() - began, 1),
        "simulated_days": 7,
        **books.as_dict(),
        "hostile_messages": soak.hostile_messages,
        "repeated_dead_letters": repeated_letters,
        "duplicates_dropped": sum(s["duplicates"] for s in summaries),
        "collector_runs": len(summaries),
        "collector_calls_cut_by_a_kill": soak.failed_calls,
        "collector_restarts": soak.restarts,
        "write_errors": sum(s["write_errors"] for s in summaries),
        "refused": sum(s["refused"] for s in summaries),
        "runs_with_transient_failure": sum(1 for s in summaries if s["transient_failure"]),
        "publisher": {k: v for k, v in final.items() if k not in ("tally", "final")},
        "publisher_each_second": soak.progress,
        "faults": [f for f in soak.faults if f["fault"] != "hostile messages"],
        "rss_mb": memory,
        "samples": [{"t": s.t, "simulated_hour": s.simulated_hour, **s.rss_mb} for s in soak.samples],
    }
    (out / "soak-results.json").write_text(json.dumps(results, indent=1) + "\n")
    title = f"RSS per process over the simulated week — {books.events_in:,} events, {results['date']}"
    png = _render(soak.samples, out, title)
    print(
        f"events in {books.events_in:,} = counted {books.counted:,} + dead-lettered {books.dead_lettered_events:,}"
        f" | lost {books.lost:,} | double-counted {books.double_counted:,}"
        f" | copies dropped {results['duplicates_dropped']:,} | write errors {results['write_errors']:,}"
    )
    for role, figures in memory.items():
        print(f"  RSS {role}: {figures}")
    print(f"wrote {out / 'soak-results.json'}" + (f" and {png}" if png else " (no chromium: no PNG)"))
    ok = books.lost == 0 and books.double_counted == 0 and final.get("dropped", 1) == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
