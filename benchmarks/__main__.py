"""``make bench``: every figure users pay for, each beside its anchor, in one run.

Prints one table (Markdown, the README carries it) with each row's details, and writes
``bench-results.json`` at the repository root: a list of rows ``{id, ours, anchor, anchor_name,
ratio, unit, target, met, ...}``. Absolute rates move 2x between runs on a shared machine, so
every target is a ratio against an anchor measured in the same run, or a bound the user pays in.

    python -m benchmarks [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path

from benchmarks import (
    collector_bench,
    cost_model,
    emulator_throughput,
    freshness,
    function_bench,
    publisher_bench,
    time_to_page,
)
from benchmarks.results import Row, machine, table, write_json

REPO = Path(__file__).resolve().parent.parent


def _cost_rows(measured: cost_model.Measured) -> list[Row]:
    """The shipped design (a pass at each 30 s window end) and, as its anchor row, today's one pass a
    minute — each beside the cheaper of the other two architectures."""
    out = []
    for scale, suffix in ((1, ""), (100, "_100x")):
        load = cost_model.Load(runs_per_slot=scale)
        bills = cost_model.bills(load, measured)
        today, otel, plain = bills["ours"], bills["otel_exporter"], bills["point_per_event"]
        chosen = cost_model.freshness_bills(load, measured)[cost_model.CHOSEN]
        cheapest = min(otel, plain, key=lambda b: b.total)
        name = "OpenTelemetry exporter every 60 s" if cheapest is otel else "one point per event"
        for row_id, ours, label in (
            (f"monthly_cost_usd{suffix}", chosen, "ours (2 passes a minute, 30 s windows)"),
            (f"monthly_cost_usd_60s_schedule{suffix}", today, "ours (one pass a minute, 60 s windows)"),
        ):
            out.append(
                Row(
                    row_id,
                    ours.total,
                    cheapest.total,
                    f"cheaper of the other two: {name}",
                    f"USD/month at {scale}x the demo's load",
                    "lowest of the three",
                    ours.total <= min(otel.total, plain.total),
                    "; ".join(
                        f"{who} ${bill.total:,.2f} (Monitoring ${bill.monitoring:,.2f}, Pub/Sub ${bill.pubsub:,.2f}, "
                        f"functions ${bill.functions:,.2f}; {bill.points_per_month:,} points)"
                        for who, bill in ((label, ours), ("OTel", otel), ("point per event", plain))
                    ),
                )
            )
    return out


def _scorecard_rows(quick: bool) -> list[Row]:
    """The success forecast's scorecard (``benchmarks/forecast_scorecard.py``) as rows."""
    from benchmarks import forecast_scorecard

    return scorecard_rows(forecast_scorecard.scorecard(quick))


_BASELINES = {"six_hour": "last six hours' share", "all_history": "all-history share"}


def scorecard_rows(card: dict[str, float]) -> list[Row]:
    """Each figure beside its anchor: the forecast's Brier score beside each naive baseline's (the
    ratio is 1 − skill; the detail carries the skill's bootstrap interval; met when the forecast is
    not worse within that interval), each interval's coverage beside its nominal level, the skill by
    kind of history, the tested triggers beside the plain thresholds."""
    rows = []
    for horizon in ("1h", "6h"):
        for baseline, label in _BASELINES.items():
            skill = f"forecast_skill_{horizon}_vs_{baseline}"
            ours, anchor = card[f"forecast_brier_{horizon}"], card[f"forecast_brier_{horizon}_{baseline}_share"]
            detail = (
                f"Brier skill {card[skill]:+.1%} (95 % interval {card[skill + '_low95']:+.1%} to "
                f"{card[skill + '_high95']:+.1%})"
            )
            rows.append(
                Row(f"forecast_brier_{horizon}_vs_{baseline}", ours, anchor, label, "Brier score",
                    "<= anchor within the skill's 95 % interval", card[skill + "_high95"] >= 0, detail)
            )  # fmt: skip
        for level in (80, 95):
            covered = card[f"forecast_coverage_{level}_{horizon}"]
            rows.append(
                Row(f"forecast_coverage_{level}_{horizon}", covered, level / 100, f"the nominal {level} %",
                    "share of hours", "within ±0.05 of the anchor", abs(covered - level / 100) <= 0.05)
            )  # fmt: skip
    by_history = sorted(name for name in card if name.startswith("forecast_skill_1h_vs_six_hour_"))
    rows += [  # the skill by kind of history (the low-volume one is the store's), reported beside no anchor
        Row(name, card[name], 0.0, "skill is relative to the six-hour share", "Brier skill", "reported", True)
        for name in by_history
        if not name.endswith(("_low95", "_high95"))
    ]
    plain = "the plain thresholds"
    alarms, plain_alarms = card["trigger_false_alarms_per_day"], card["trigger_false_alarms_per_day_plain"]
    rows.append(
        Row("trigger_false_alarms_per_day", alarms, plain_alarms, plain, "per day",
            "<= 0.15 (about one a week) and < anchor", alarms <= 0.15 and alarms < plain_alarms)
    )  # fmt: skip
    misses = card["trigger_miss_rate"]
    rows.append(
        Row("trigger_miss_rate", misses, card["trigger_miss_rate_plain"], plain, "share of regressions", "<= 0.2",
            misses <= 0.2)
    )  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller runs, for trying the harness")
    parser.add_argument("--output", type=Path, default=REPO / "bench-results.json")
    args = parser.parse_args()
    quick = args.quick
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    rows: list[Row] = []

    def step(name: str) -> None:
        print(f"[{time.monotonic() - began:5.0f} s] {name}", flush=True)

    step("publisher: per-call cost, sustained publish, outage memory")
    publisher_rows, publisher_figures = publisher_bench.rows(
        calls=10_000 if quick else 50_000,
        events=50_000 if quick else 300_000,
        outage_events=500_000 if quick else publisher_bench.OUTAGE_EVENTS,
    )
    rows += publisher_rows
    step("collector: core, end to end, requests, function memory")
    collector_rows, collector_figures = collector_bench.rows(
        core_events=100_000 if quick else 400_000,
        e2e_events=50_000 if quick else 300_000,
        rss_events=100_000,
    )
    rows += collector_rows
    step("freshness under the production schedule")
    fresh_samples = freshness.measure(5 if quick else 20, work / "fresh")
    fresh = freshness.freshness(0, work, fresh_samples)
    step("cold start of the function")
    cold = function_bench.cold_starts(2 if quick else 3, work / "cold")
    rows.append(
        Row(
            "cold_start_s",
            cold["ours_s"],
            cold["bare_s"],
            'bare functions-framework app answering "ok"',
            "s, spawn to first collect_metrics answer",
            "<= 2x",
            cold["ours_s"] <= 2 * cold["bare_s"],
            f"a warm collect_metrics on the empty subscription takes {cold['warm_idle_s']:.2f} s (its final pull "
            f"waits to be sure): start-up alone is {cold['ours_s'] - cold['warm_idle_s']:.2f} s",
        )
    )
    step("emulator: CreateTimeSeries throughput")
    rows += emulator_throughput.rows(runs=2 if quick else 5, requests=100 if quick else 300)
    measured = cost_model.Measured(
        idle_invocation_s=cold["warm_idle_s"],
        collector_events_per_s=collector_figures["collector_events_per_s"],
        ours_pubsub_bytes_per_event=publisher_figures["ours_bytes_per_event"],
        plain_pubsub_bytes_per_event=publisher_figures["plain_bytes_per_event"],
        point_write_s=fresh["direct_median_s"],
    )
    rows += _cost_rows(measured)
    rows += freshness.rows(fresh_samples, measured)
    step("time to page: a fault in the recording to the webhook")
    rows += time_to_page.rows(quick, work / "page")
    step("forecast scorecard")
    rows += _scorecard_rows(quick)

    order = [
        "record_stage_us",
        "record_pipeline_us",
        "publish_events_per_s",
        "collector_core_events_per_s",
        "end_to_end_events_per_s",
        "requests_per_window",
        "freshness_p95_s",
        "freshness_p95_s_60s_schedule",
        "time_to_page_median_s",
        "time_to_page_p95_s",
        "cold_start_s",
        "function_rss_mb",
        "monthly_cost_usd",
        "monthly_cost_usd_100x",
        "monthly_cost_usd_60s_schedule",
        "monthly_cost_usd_60s_schedule_100x",
        "fresh_design_cost_usd",
        "fresh_design_cost_usd_100x",
        "publisher_outage_rss_mb",
        "emulator_requests_per_s",
    ]
    rows.sort(key=lambda row: order.index(row.id) if row.id in order else len(order))
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_json(rows, args.output, when)
    print()
    print(f"Measured {when} on {machine()}; {time.monotonic() - began:.0f} s.")
    print()
    print(table(rows))
    print()
    for row in rows:
        if row.detail:
            print(f"- `{row.id}`: {row.detail}")
    print(f"\n{sum(r.met for r in rows)} of {len(rows)} targets met; written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
