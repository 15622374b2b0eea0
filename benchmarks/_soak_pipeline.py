"""The soak's pipeline: one long-lived process recording a simulated week of pipeline runs.

``python -m benchmarks._soak_pipeline --events N --seconds S …`` records N events in S seconds of
wall time, following a daily rhythm seven times over (quiet nights, busy days). Each pipeline run
is four stage events and one pipeline event. Events carry the wall clock (Monitoring refuses
points older than 25 hours, so the week is compressed in rate, not back-dated). It prints one
JSON progress line a second and, at the end, its counters and its own tally of events per
(kind, window end): the ground truth the soak compares Monitoring against.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from helios_metrics.contract import Settings
from helios_metrics.publisher import MetricsPublisher, PublisherOptions

STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")
DAYS = 7
_SWING = 0.6  # the rate runs from 40 % of its mean at night to 160 % in the afternoon


def due_fraction(u: float) -> float:
    """Share of the week's events due by fraction ``u`` of it: the integral of the daily rhythm
    ``1 - SWING cos(2π·7u)`` (exactly 0 at the start and 1 at the end)."""
    w = 2 * math.pi * DAYS
    return u - _SWING * math.sin(w * u) / w


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--pubsub", required=True)
    parser.add_argument("--spool", required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--window", type=int, required=True)
    args = parser.parse_args()
    settings = Settings(project_id=args.project, pubsub_emulator_host=args.pubsub)
    now = [time.time_ns()]
    options = PublisherOptions(max_backoff_s=2.0)  # a compressed week: 30 s would be 14 simulated hours
    metrics = MetricsPublisher(settings=settings, options=options, spool_dir=Path(args.spool), clock=lambda: now[0])
    window_ns = args.window * 1_000_000_000
    tally: Counter[tuple[str, int]] = Counter()
    rng = random.Random(7)
    runs = args.events // 5
    started = time.monotonic()
    next_report = started
    done = 0
    while done < runs:
        elapsed = time.monotonic() - started
        due = min(runs, math.ceil(runs * due_fraction(min(1.0, elapsed / args.seconds))))
        now[0] = time.time_ns()
        window_end = now[0] - now[0] % window_ns + window_ns
        for _ in range(due - done):
            ok = rng.random() > 0.04
            for stage in STAGES:
                metrics.record_stage_metric(stage, rng.uniform(0.5, 40.0), success=ok or stage != "publication")
                tally[(stage, window_end)] += 1
            metrics.record_pipeline_metric(rng.uniform(30, 320), 0.7, 0.8, 0.9 if ok else 0.0, 0.95, success=ok)
            tally[("pipeline", window_end)] += 1
        done = due
        if time.monotonic() >= next_report:
            next_report += 1.0
            print(json.dumps({"t": elapsed, **asdict(metrics.stats)}), flush=True)
        time.sleep(0.02)
    settle_by = time.monotonic() + 120  # a service keeps running: give the spool time to replay
    while (metrics.stats.spooled or metrics.stats.pending) and time.monotonic() < settle_by:
        time.sleep(0.2)
    result = metrics.close(120.0)
    final = {
        "final": True,
        **asdict(metrics.stats),
        "close_failed": result.failed,
        "tally": [[kind, end, count] for (kind, end), count in sorted(tally.items())],
    }
    print(json.dumps(final), flush=True)


if __name__ == "__main__":
    main()
