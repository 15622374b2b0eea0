"""The collector SIGKILLed in a process of its own — before writing, halfway through writing,
between writing and acknowledging, after acknowledging — and a new process (a recycled function
instance) taking over the same subscription through the official Pub/Sub emulator.

Accounting, each case: events published = events counted in Monitoring + events dead-lettered (0
here), in the gauges and in the CUMULATIVE pipeline_run_count alike (its series' increases, read
with ALIGN_DELTA). The one case that counts twice without the journal — killed between writing and
acknowledging, the successor being a new instance — is measured: its bound is every event the
killed run held, in both counts (the successor cannot know which of the dead run's messages
landed; its own series start from zero). With ``HELIOS_LEDGER_DIR`` (the journal) the same case
counts each event once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from google.pubsub_v1.types import PubsubMessage

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.wire import encode_message
from helios_metrics.publisher import MetricsPublisher, PublisherOptions
from tests.helpers import collector_resources, minute_floor, totals

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("trend_discovery", "audience_analysis", "design_generation")
PER_STAGE_PER_WINDOW = 50
RUNS_PER_WINDOW = 10  # pipeline runs, one in five failed
STAGE_EVENTS = len(STAGES) * PER_STAGE_PER_WINDOW * 2  # two windows: 300 stage events in 30 messages
RUNS = RUNS_PER_WINDOW * 2  # and 20 runs in 2 more
EVENTS = STAGE_EVENTS + RUNS
ACK_DEADLINE_S = 10  # the smallest the API accepts
HELD_S = 4 + 15  # a run holds its messages for its budget (4 s here) plus 15 s: then a kill's come back


def _collector_process(settings: Settings, kill: str, ledger: Path | None) -> tuple[int, dict[str, Any] | None]:
    argv = [sys.executable, "-m", "tests.reliability._collector_process", "--kill", kill]
    argv += ["--project", str(settings.project_id), "--pubsub", str(settings.pubsub_emulator_host)]
    argv += ["--monitoring", str(settings.monitoring_emulator_host)]
    argv += ["--ledger-dir", str(ledger)] if ledger else []
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, json.loads(lines[-1]) if lines else None


def _publish(settings: Settings) -> int:
    start = minute_floor(900)
    for window in range(2):
        at = (start + 60 * window + 1) * 1_000_000_000
        options = PublisherOptions(max_events_per_message=10)
        metrics = MetricsPublisher(settings=settings, options=options, clock=lambda at=at: at)
        for stage in STAGES:
            for i in range(PER_STAGE_PER_WINDOW):
                metrics.record_stage_metric(stage, 1.0 + i % 7, success=i % 10 != 0)
        for i in range(RUNS_PER_WINDOW):
            metrics.record_pipeline_metric(100.0 + i, 0.8, 0.9, 0.9, 0.95, success=i % 5 != 0)
        assert metrics.flush(30).published == len(STAGES) * PER_STAGE_PER_WINDOW + RUNS_PER_WINDOW
        metrics.close()
    return start


def _successors(settings: Settings, ledger: Path | None, wait_s: float = HELD_S + 15) -> list[dict[str, Any]]:
    """New collector processes, one after another, until the redelivered messages were taken and
    a run finds nothing more."""
    runs: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        code, summary = _collector_process(settings, "none", ledger)
        assert code == 0
        assert summary is not None
        runs.append(summary)
        if summary["pulled"] == 0 and any(r["pulled"] for r in runs):
            break
        if summary["pulled"] == 0:
            time.sleep(1.0)
    return runs


def _counted(factory: ClientFactory, project: str, start: int) -> int:
    found = totals(factory.metric_service(), project, "stage_runs", start - 60, time.time() + 120, ("stage",))
    return sum(int(v) for v in found.values())


def _runs(factory: ClientFactory, project: str, start: int) -> dict[str, int]:
    """Pipeline runs by status in pipeline_runs (ALIGN_SUM), checked equal to pipeline_run_count's
    increases (ALIGN_DELTA) across every task_id."""
    client, span = factory.metric_service(), (start - 60, time.time() + 120)
    gauge = totals(client, project, "pipeline_runs", *span, ("status",))
    cumulative = totals(client, project, "pipeline_run_count", *span, ("status",), aligner=1)
    assert {k: v for k, v in cumulative.items() if v} == {k: v for k, v in gauge.items() if v}, (gauge, cumulative)
    return {key[0]: int(value) for key, value in cumulative.items() if value}


def _expected_runs(times: int) -> dict[str, int]:
    return {status: times * count for status, count in (("success", RUNS * 4 // 5), ("failure", RUNS // 5)) if times}


SOME = -1  # some of the points, not all: the process died halfway through its requests
CASES = {
    # kill step, journal: (times the dead run wrote every event, times its successors counted them
    # again, times each event is counted in the end)
    "killed before writing": ("before_write", False, 0, 1, 1),
    "killed after acknowledging": ("after_ack", False, 1, 0, 1),
    "killed between writing and acknowledging, no journal: the bound": ("after_write", False, 1, 1, 2),
    "killed between writing and acknowledging, with the journal": ("after_write", True, 1, 0, 1),
    "killed halfway through writing, with the journal": ("mid_write", True, SOME, SOME, 1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_killed_collector_loses_nothing(case, pubsub_emulator, monitoring, project_id, tmp_path):
    kill, journaled, dead_wrote, recounted, times = CASES[case]
    settings = Settings(
        project_id=project_id, pubsub_emulator_host=pubsub_emulator.address, monitoring_emulator_host=monitoring.address
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings, ack_deadline_seconds=ACK_DEADLINE_S)
    start = _publish(settings)
    ledger = tmp_path / "ledger" if journaled else None

    code, summary = _collector_process(settings, kill, ledger)
    assert code == -9
    assert summary is None
    written = _counted(factory, project_id, start)
    assert 0 < written < STAGE_EVENTS if dead_wrote == SOME else written == dead_wrote * STAGE_EVENTS
    if dead_wrote != SOME:
        assert _runs(factory, project_id, start) == _expected_runs(dead_wrote)

    successors = _successors(settings, ledger, wait_s=3 if kill == "after_ack" else HELD_S + 15)
    assert _counted(factory, project_id, start) == times * STAGE_EVENTS, successors
    assert _runs(factory, project_id, start) == _expected_runs(times), successors
    events = sum(r["events"] for r in successors)
    assert 0 < events < EVENTS if recounted == SOME else events == recounted * EVENTS, successors
    # every redelivered event was either counted again or recognised as written (a duplicate)
    assert events + sum(r["duplicates"] for r in successors) == (0 if kill == "after_ack" else EVENTS)
    assert all(r["dead_lettered"] == 0 and r["not_acked"] == 0 for r in successors)


def test_an_instance_recycled_between_runs_counts_each_event_once(pubsub_emulator, monitoring, project_id):
    """Cloud Run recycles an idle instance after its run ended: the next run is a new process."""
    settings = Settings(
        project_id=project_id, pubsub_emulator_host=pubsub_emulator.address, monitoring_emulator_host=monitoring.address
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings, ack_deadline_seconds=ACK_DEADLINE_S)
    start = _publish(settings)
    first = _collector_process(settings, "none", None)[1]
    second_start = _publish(settings)
    second = _collector_process(settings, "none", None)[1]
    assert first is not None
    assert second is not None
    assert (first["events"], second["events"], second["duplicates"]) == (EVENTS, EVENTS, 0)
    assert _counted(factory, project_id, min(start, second_start)) == 2 * STAGE_EVENTS
    assert _runs(factory, project_id, min(start, second_start)) == _expected_runs(2)


def test_a_message_due_a_dead_letter_is_not_lost_when_the_collector_dies_before_its_letter(
    pubsub_emulator, monitoring, project_id, tmp_path
):
    """Found by the soak: recovery took "all its points landed" (none, for events too old to
    write) as done, and the redelivered message was dropped as a copy, its letter never sent."""
    settings = Settings(
        project_id=project_id, pubsub_emulator_host=pubsub_emulator.address, monitoring_emulator_host=monitoring.address
    )
    factory = ClientFactory(settings)
    letters = collector_resources(factory, settings, ack_deadline_seconds=ACK_DEADLINE_S)
    start = _publish(settings)
    old = time.time_ns() - 26 * 3600 * 1_000_000_000
    expired = encode_message("old-producer", 0, [("s", old, "trend_discovery", 1.0, True, 0, None)] * 5)
    factory.publisher_api().publish(
        topic=settings.topic_path, messages=[PubsubMessage(data=expired.data, attributes=expired.attributes)]
    )
    ledger = tmp_path / "ledger"
    assert _collector_process(settings, "after_write", ledger)[0] == -9
    runs = _successors(settings, ledger)
    assert _counted(factory, project_id, start) == STAGE_EVENTS
    assert _runs(factory, project_id, start) == _expected_runs(1)
    assert sum(r["dead_lettered"] for r in runs) == 1, runs
    response = factory.subscriber().pull(subscription=letters, max_messages=10, timeout=10)
    reasons = [
        (m.message.attributes["producer"], m.message.attributes["dead_letter_reason"])
        for m in response.received_messages
    ]
    assert reasons == [("old-producer", "expired")]  # published = counted + dead-lettered
