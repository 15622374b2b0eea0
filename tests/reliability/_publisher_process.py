"""A pipeline process that records events while Pub/Sub is down, then is SIGKILLed or waits for
Pub/Sub to come back — run on a full or read-only disk by the tests (in a mount namespace).

``python -m tests.reliability._publisher_process …`` prints one JSON line per phase: the
publisher's own counters, which the test checks against what reaches Monitoring.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from dataclasses import asdict

from helios_metrics.contract import Settings
from helios_metrics.publisher import MetricsPublisher, PublisherOptions


def _say(phase: str, metrics: MetricsPublisher, **extra: object) -> None:
    print(json.dumps({"phase": phase, **asdict(metrics.stats), **extra}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--pubsub", required=True)
    parser.add_argument("--spool", required=True)
    parser.add_argument("--at", type=int, required=True, help="event time, ns since the epoch")
    parser.add_argument("--record", type=int, default=200)
    parser.add_argument("--in-memory", type=int, default=0, help="events recorded just before the kill")
    parser.add_argument("--then", choices=("kill", "wait"), default="wait")
    args = parser.parse_args()
    settings = Settings(project_id=args.project, pubsub_emulator_host=args.pubsub)
    options = PublisherOptions(
        max_events_per_message=20,
        publish_timeout_s=0.5,
        publish_deadline_s=0.5,
        max_backoff_s=0.5,
        max_unspooled_s=0.5,
    )
    metrics = MetricsPublisher(settings=settings, options=options, spool_dir=args.spool, clock=lambda: args.at)
    for i in range(args.record):
        metrics.record_stage_metric("trend_discovery", 1.0 + i % 9)
    time.sleep(2.0)  # Pub/Sub is down: past max_unspooled_s the events go to the spool, if it takes them
    result = metrics.flush(2.0)
    _say("outage", metrics, flush_published=result.published, flush_spooled=result.spooled, flush_failed=result.failed)
    if args.then == "kill":
        for i in range(args.in_memory):
            metrics.record_stage_metric("audience_analysis", 1.0 + i % 9)
        time.sleep(0.1)  # packed, in memory, younger than max_unspooled_s
        _say("killed", metrics)
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.readline()  # the test brought Pub/Sub back
    result = metrics.flush(30.0)
    _say("recovered", metrics, flush_published=result.published, flush_failed=result.failed)
    metrics.close()


if __name__ == "__main__":
    main()
