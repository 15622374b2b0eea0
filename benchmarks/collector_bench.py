"""The collector, measured in one run on this machine, each figure beside its anchor.

1. ``collector_core_events_per_s``: decode + validate + aggregate on one core (CPU time, median
   of 5) vs stdlib ``json`` + a pydantic model per event (validation only, no aggregation).
2. ``end_to_end_events_per_s``: through both emulators vs draining the same messages from the
   same subscription with nothing else done (the Pub/Sub emulator's own limit).
3. ``requests_per_window``: CreateTimeSeries calls vs the minimum ⌈series/200⌉.
4. ``function_rss_mb``: peak RSS of a collector process after one collection of 100,000 events,
   beside the same process idle — what the deploy's ``--memory`` must cover.

    python -m benchmarks.collector_bench [--core-events 400000] [--e2e-events 300000] [--profile]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from pathlib import Path
from typing import Annotated, Literal

import pydantic
from google.cloud import pubsub_v1

from benchmarks._stack import emulator_stack, stack_env
from benchmarks.results import Row, table
from helios_metrics.contract import Settings
from helios_metrics.contract.wire import (
    EncodedMessage,
    Event,
    MetricEvent,
    PipelineEvent,
    StageEvent,
    decode_message,
    encode_message,
)
from helios_metrics.functions import AggregationLimits, Collector, WindowAggregator
from helios_metrics.publisher import MetricsPublisher, PublisherOptions

REPO = Path(__file__).resolve().parent.parent
STAGES = [f"stage_{i}" for i in range(250)]


def _events(count: int, now: int) -> list[Event]:
    """A pipeline's mix: per run one pipeline event, one resource sample and eight stage events."""
    out: list[Event] = []
    for i in range(count):
        t = now - (count - i) * 100_000
        if i % 10 == 0:
            out.append(PipelineEvent(t, 120.5 + i % 50, 0.85, 0.92, 0.88, 0.95, success=i % 20 != 0))
        elif i % 10 == 1:
            out.append(MetricEvent(t, "resource_utilization", (i % 100) / 100, {"resource": "cpu"}))
        else:
            data = {"trends_found": i % 40, "confidence_avg": 0.87}
            out.append(StageEvent(t, STAGES[i % 250], 0.1 * (i % 600), i % 7 != 0, i % 3, data))
    return out


def _messages(events: list[Event]) -> list[EncodedMessage]:
    return [encode_message("bench", b, events[s : s + 2000]) for b, s in enumerate(range(0, len(events), 2000))]


class _Pipeline(pydantic.BaseModel):
    kind: Literal["p"]
    t: int
    execution_time: Annotated[float, pydantic.Field(ge=0)]
    scores: list[Annotated[float, pydantic.Field(ge=0, le=1)]]
    success: bool


class _Stage(pydantic.BaseModel):
    kind: Literal["s"]
    t: int
    stage: Annotated[str, pydantic.Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    duration: Annotated[float, pydantic.Field(ge=0)]
    success: bool
    error_count: Annotated[int, pydantic.Field(ge=0)]
    data: dict[str, float] | None


class _Metric(pydantic.BaseModel):
    kind: Literal["m"]
    t: int
    name: str
    value: float
    labels: dict[str, str]


def _anchor(messages: list[EncodedMessage]) -> int:
    """What a plain implementation does per event: parse JSON, validate a pydantic model."""
    validated = 0
    for message in messages:
        for raw in json.loads(zlib.decompress(message.data))["events"]:
            if raw[0] == "p":
                _Pipeline(kind="p", t=raw[1], execution_time=raw[2], scores=raw[3:7], success=raw[7])
            elif raw[0] == "s":
                _Stage(
                    kind="s", t=raw[1], stage=raw[2], duration=raw[3], success=raw[4], error_count=raw[5], data=raw[6]
                )
            else:
                _Metric(kind="m", t=raw[1], name=raw[2], value=raw[3], labels=raw[4])
            validated += 1
    return validated


def core(count: int) -> tuple[float, float, int]:
    now = time.time_ns()
    messages = _messages(_events(count, now))
    ours, anchor = [], []
    points = 0
    for _ in range(5):
        started = time.process_time()
        aggregator = WindowAggregator(AggregationLimits(), now)
        for message in messages:
            aggregator.add_message(decode_message(message.data, message.attributes).events)
        points = len(aggregator.points())
        ours.append(count / (time.process_time() - started))
        started = time.process_time()
        _anchor(messages)
        anchor.append(count / (time.process_time() - started))
    return statistics.median(ours), statistics.median(anchor), points


def _record(settings: Settings, events: list[Event]) -> None:
    """Record ``events`` through the publisher's own calls (it stamps them with its clock)."""
    metrics = MetricsPublisher(settings=settings, options=PublisherOptions(max_stages=len(STAGES)))
    for event in events:
        if isinstance(event, StageEvent):
            metrics.record_stage_metric(event.stage, event.duration, event.success, event.error_count, event.data)
        elif isinstance(event, PipelineEvent):
            scores = (
                event.trend_opportunity_score,
                event.audience_confidence,
                event.design_generation_success,
                event.publication_success,
            )
            metrics.record_pipeline_metric(event.execution_time, *scores, success=event.success)
        else:
            metrics.record(event.name, event.value, **event.labels)
    if metrics.flush(300).failed:
        raise RuntimeError("publishing the benchmark events failed")
    metrics.close()


def _drain_only(settings: Settings, subscriber: pubsub_v1.SubscriberClient, pull_wait_s: float) -> int:
    """The anchor: pull and acknowledge until an empty pull, nothing else (the emulator's limit)."""
    drained = 0
    while True:
        reply = subscriber.pull(subscription=settings.subscription_path, max_messages=1000, timeout=pull_wait_s)
        if not reply.received_messages:
            return drained
        for message in reply.received_messages:
            drained += int(message.message.attributes.get("events", 0))
        ack_ids = [m.ack_id for m in reply.received_messages]
        subscriber.acknowledge(subscription=settings.subscription_path, ack_ids=ack_ids)


def end_to_end(count: int, work: Path) -> tuple[float, float, dict]:
    """(ours events/s, drain-only events/s, our summary): the same messages from the same subscription."""
    with emulator_stack(work, collect_budget_seconds=300, spool_dir=str(work / "spool")) as (settings, factory):
        events = _events(count, time.time_ns())
        _record(settings, events)
        collector = Collector.from_clients(
            settings, factory.subscriber(), factory.publisher_api(), factory.metric_service(), pull_wait_s=0.5
        )
        started = time.perf_counter()
        summary = collector.collect_once()  # includes the final empty pull that tells it is drained
        ours = summary.events / (time.perf_counter() - started)
        _record(settings, events)
        started = time.perf_counter()
        drained = _drain_only(settings, factory.subscriber(), 0.5)
        anchor = drained / (time.perf_counter() - started)
        if drained != count or summary.events != count:
            raise RuntimeError(f"expected {count} events, collected {summary.events}, drained {drained}")
        return ours, anchor, summary.as_dict()


_RSS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from helios_metrics.functions import build_collector
    collector = build_collector()
    summary = collector.collect_once() if sys.argv[1] == "run" else None
    # VmHWM: this process's own peak (ru_maxrss would include the parent's from before exec)
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(json.dumps({"rss_mb": peak / 1024, "summary": summary.as_dict() if summary else None}))
    """
)


def peak_rss(count: int, work: Path) -> tuple[float, float, dict]:
    with emulator_stack(work, collect_budget_seconds=300, spool_dir=str(work / "spool")) as (settings, _):
        # 200 stages x (duration, runs, errors, k1, k2) = 1,000 series
        data = ({"k1": i % 40, "k2": 0.5} for i in range(count))
        _record(settings, [StageEvent(1, STAGES[i % 200], 0.1 * (i % 600), True, i % 3, d) for i, d in enumerate(data)])
        env = {**stack_env(settings), "HELIOS_COLLECT_BUDGET_SECONDS": "300"}
        runs = {}
        for mode in ("idle", "run"):
            done = subprocess.run(
                [sys.executable, "-c", _RSS_SCRIPT, mode],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            if done.returncode not in (0,):
                raise RuntimeError(done.stderr)
            runs[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        return runs["idle"]["rss_mb"], runs["run"]["rss_mb"], runs["run"]["summary"]


def profile_core(count: int, top: int = 12) -> str:
    """Where an event's time goes in the core: cProfile of one pass, by own time."""
    import cProfile
    import io
    import pstats

    now = time.time_ns()
    messages = _messages(_events(count, now))
    profiler = cProfile.Profile()
    profiler.enable()
    aggregator = WindowAggregator(AggregationLimits(), now)
    for message in messages:
        aggregator.add_message(decode_message(message.data, message.attributes).events)
    aggregator.points()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def rows(core_events: int, e2e_events: int, rss_events: int) -> tuple[list[Row], dict[str, float]]:
    """The collector's rows, and the figures the cost model needs."""
    work = Path(tempfile.mkdtemp(prefix="bench-collector-"))
    ours, anchor, _ = core(core_events)
    rate, drain, summary = end_to_end(e2e_events, work / "e2e")
    minimum = math.ceil(summary["points"] / 200)
    idle, peak, rss_summary = peak_rss(rss_events, work / "rss")
    out = [
        Row(
            "collector_core_events_per_s",
            ours,
            anchor,
            "stdlib json + a pydantic model per event (validation only)",
            "events/s (one core, CPU time)",
            ">= 3x",
            ours >= 3 * anchor,
        ),
        Row(
            "end_to_end_events_per_s",
            rate,
            drain,
            "pull + acknowledge only, same messages, same subscription",
            "events/s",
            ">= 0.8x",
            rate >= 0.8 * drain,
            f"{summary['events']:,} events -> {summary['points']:,} points",
        ),
        Row(
            "requests_per_window",
            summary["requests"],
            minimum,
            "ceil(series/200)",
            "CreateTimeSeries calls",
            "= 1.0x",
            summary["requests"] == minimum,
        ),
        Row(
            "function_rss_mb",
            peak,
            idle,
            "the same process, clients built, nothing collected",
            "MB peak RSS",
            "<= 512 MB (the deploy's --memory)",
            peak <= 512,
            f"one collection of {rss_summary['events']:,} events into {rss_summary['points']:,} points",
        ),
    ]
    return out, {"collector_events_per_s": rate}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--core-events", type=int, default=400_000)
    parser.add_argument("--e2e-events", type=int, default=300_000)
    parser.add_argument("--rss-events", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="print where the core's time goes")
    args = parser.parse_args()
    if args.profile:
        print(profile_core(args.core_events // 4))
        return 0
    print(table(rows(args.core_events, args.e2e_events, args.rss_events)[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
