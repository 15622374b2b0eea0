"""The scenarios of ``python -m setup_infra test-alerts``: synthetic pipeline traffic, minute by minute,
that each alert should (or should not) react to — as events, which go through the collector's own
aggregation. Change a threshold and run one to see what the alert would have done.

Two kinds:

- **Minute scenarios** exercise one policy each, with the open and close minutes the default
  thresholds give, worked out by hand in each scenario's note (``expected``).
- **Store scenarios** are the store's real volume (:class:`Traffic`): a run every ~12 minutes
  (jitter of ±2 minutes around the schedule), each failing independently — drawn from a seeded
  random generator, so a scenario is the same traffic every time — at the healthy 8 % or at a
  fault's rate: a healthy week, a total outage, a slow bleed, a short burst, and the day of issue
  17. What the policies do there is measured (pages, time to page, time to close), and judged
  against the acceptance the scenario names (``acceptance``), not against hand-worked minutes.

Minute ``m``'s events happen 30 s into it, so their points end at minute ``m``; evaluation runs
at every minute of the scenario.

The collector is part of every scenario: it completes a run every minute (its heartbeat is written
30 s into the minute, as a run started by the one-minute schedule ends), unless the scenario says
otherwise — a scenario whose collector never ran would not be the day it describes, and one whose
collector stopped would page "collector has not completed a run" on top of what it tests.
"""

from __future__ import annotations

from collections.abc import Mapping

from .model import Acceptance, EventAt, Fault, Scenario, Traffic, run_event, stage_event, utilization_event

__all__ = ["SCENARIOS", "STORE_SCENARIOS"]


def _slow_runs() -> list[EventAt]:
    return [(m, run_event(420.0 if m in (10, 11) else 100.0)) for m in range(1, 31)]


def _quiet() -> list[EventAt]:
    return [(m, run_event(100.0)) for m in range(1, 61)]


def _failure_burst() -> list[EventAt]:
    events: list[EventAt] = []
    for m in range(1, 131):
        failures = 20 if 61 <= m <= 70 else 1
        events += [(m, run_event(100.0, success=i >= failures)) for i in range(20)]
    return events


def _stage_errors() -> list[EventAt]:
    events: list[EventAt] = []
    for m in range(1, 131):
        failures = 10 if 61 <= m <= 66 else 1
        events += [(m, stage_event("design_generation", success=i >= failures)) for i in range(10)]
    return events


def _resource_pressure() -> list[EventAt]:
    return [(m, utilization_event("cpu", 0.95 if 20 <= m <= 34 else 0.5)) for m in range(1, 46)]


def _resource_creep() -> list[EventAt]:
    return [(m, utilization_event("memory", round(0.40 + 0.004 * (m - 1), 4))) for m in range(1, 151)]


def _trends() -> list[EventAt]:
    found = {20: 3.0, 45: 5.0}
    return [(m, stage_event("trend_discovery", data={"trends_found": found.get(m, 0.0)})) for m in range(5, 61, 5)]


def _publications() -> list[EventAt]:
    return [(m, stage_event("publication")) for m in (15, 40)]


_COLLECTOR_STOPS = 20  # collector-dead: the last minute the collector completes a run
_LAST_PIPELINE_RUN = 85  # pipeline-stopped: runs at minutes 1, 13, …, 85, then none


def _every_twelve_minutes(until: int) -> range:
    """The store's real volume: a run every 12 minutes (minutes 1, 13, 25, …)."""
    return range(1, until + 1, 12)


def _one_stage_failure() -> list[EventAt]:
    return [(m, stage_event("design_generation", success=m != 61)) for m in _every_twelve_minutes(140)]


def _all_runs_fail() -> list[EventAt]:
    return [(m, run_event(100.0, success=False)) for m in _every_twelve_minutes(60)]


def _outage_then_recovery() -> list[EventAt]:
    return [(m, run_event(100.0, success=m > 25)) for m in _every_twelve_minutes(120)]


def _failing_then_stopped() -> list[EventAt]:
    return [(m, run_event(100.0, success=False)) for m in _every_twelve_minutes(300)]


def _until_the_collector_stops() -> list[EventAt]:
    return [(m, run_event(100.0)) for m in range(1, _COLLECTOR_STOPS + 1)]


def _collector_until_it_stops(minutes: int) -> list[int]:
    return list(range(1, _COLLECTOR_STOPS + 1))


def _twelve_minutes_apart() -> list[EventAt]:
    return [(m, run_event(100.0)) for m in _every_twelve_minutes(_LAST_PIPELINE_RUN)]


HOUR = 60  # minutes
DAY = 24 * HOUR


def _store(name: str, description: str, traffic: Traffic, *acceptance: Acceptance) -> Scenario:
    return Scenario(name, description, traffic.minutes, traffic.events, traffic=traffic, acceptance=acceptance)


STORE_SCENARIOS: tuple[Scenario, ...] = (
    _store(
        "healthy-week",
        "A week at the store's volume (840 runs, one every ~12 minutes), 8 % of them failing at random "
        "(seed 17: 76 failed, 91.0 % success, never three in a row): nothing should page.",
        Traffic(7 * DAY),
        "no-page",
        "all-close",
    ),
    _store(
        "total-outage",
        "A healthy day, then every run fails for 2 hours (10 runs), then 30 healthy hours: a page "
        "within 30 minutes of the first failed run, closed once runs succeed again.",
        Traffic(DAY + 2 * HOUR + 30 * HOUR, (Fault(DAY, DAY + 2 * HOUR, 1.0),)),
        "page-within-30-min",
        "all-close",
    ),
    _store(
        "slow-bleed",
        "A healthy day, then 30 % of runs fail for a day (a burn rate of 2: a week's budget of 126 "
        "failed runs gone in 3.5 days, a quarter of it in 21 hours), then 30 healthy hours: a page "
        "before a quarter of the budget is spent.",
        Traffic(DAY + DAY + 30 * HOUR, (Fault(DAY, 2 * DAY, 0.30),)),
        "page-before-quarter-budget",
        "all-close",
    ),
    _store(
        "short-burst",
        "A healthy day, then every run fails for 20 minutes (2 runs), then a healthy day: a blip "
        "that spends 1.6 % of the week's budget — no burn-rate page.",
        Traffic(DAY + 20 + DAY, (Fault(DAY, DAY + 20, 1.0),)),
        "no-slo-page",
        "all-close",
    ),
    _store(
        "issue-17-day",
        "The day of issue 17: 16 healthy hours, every run failing for 2 hours, 2 healthy hours, 30 % "
        "failing for 4 hours — the outage must page within 30 minutes.",
        Traffic(DAY, (Fault(16 * HOUR, 18 * HOUR, 1.0), Fault(20 * HOUR, DAY, 0.30))),
        "page-within-30-min",
    ),
)

SCENARIOS: Mapping[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "slow-runs",
            "One run a minute at 100 s; the runs of minutes 10 and 11 take 420 s. The p99 over 5 minutes is "
            "above 300 s from minute 10 to 15 (critical, no retest window): open at 10, closed at 16.",
            30,
            _slow_runs,
            {"pipeline-execution-time": ((10,), (16,))},
        ),
        Scenario(
            "failure-burst",
            "20 runs a minute, 1 failing; every run fails in minutes 61-70. Successes over the last hour fall "
            "below 85 % (1,020 of 1,200) once 7 burst minutes are in it: from minute 67 to 123. Open at 67, "
            "closed at 124.",
            130,
            _failure_burst,
            {"pipeline-success-rate": ((67,), (124,))},
        ),
        Scenario(
            "stage-errors",
            "10 design_generation runs a minute, 1 failing; all fail in minutes 61-66. Failed stage runs over "
            "the hour exceed 15 % (90 of 600) with 4 burst minutes in it (minutes 64-122); held for the "
            "5-minute warning window first: open at 69, closed at 123.",
            130,
            _stage_errors,
            {"stage-error-rate": ((69,), (123,))},
        ),
        Scenario(
            "resource-pressure",
            "CPU at 50 %, at 95 % in minutes 20-34. The 5-minute mean is above 80 % from minute 23 to 35; held "
            "for the 5-minute warning window: open at 28, closed at 36. The forecast warning does the same: a "
            "step gives no trend to see coming, and with less than an hour of data there is no forecast, so "
            "the measured values decide (a forecast condition fires on its values or its forecasts).",
            45,
            _resource_pressure,
            {"resource-utilization": ((28,), (36,)), "resource-forecast": ((28,), (36,))},
        ),
        Scenario(
            "resource-creep",
            "Memory climbing steadily, 0.4 % a minute from 40 % (80 % at minute 101). The 5-minute mean is "
            "above 80 % from minute 104; held for the 5-minute warning window: resource utilization opens at "
            "109. The forecast (1-hour horizon; a straight line through its 5-minute means over the last 2 "
            "hours, once they span an hour) has the line 24 % higher an hour ahead: above 80 % once the mean "
            "passes 56 %, which it does before the line has its hour of data — so the forecast warns from "
            "the first minute it may (61) plus its 5-minute window: open at 66, 43 minutes before the "
            "threshold. Both still open at the end (150).",
            150,
            _resource_creep,
            {"resource-utilization": ((109,), ()), "resource-forecast": ((66,), ())},
        ),
        Scenario(
            "trends-discovered",
            "Trend discovery runs every 5 minutes and finds 3 trends at minute 20 and 5 at minute 45 (none "
            "otherwise). Info: open at 20 and 45, closed by the next run (25 and 50).",
            60,
            _trends,
            {"trends-discovered": ((20, 45), (25, 50))},
        ),
        Scenario(
            "products-published",
            "Publication succeeds at minutes 15 and 40, and nothing is written in between (a zero count is "
            "written only beside a count of the other status, in a window that had runs): the info incident "
            "opens at 15 and, with no data to clear it, auto-closes 30 minutes after the last publication was "
            "in the window (minute 44): at 74.",
            80,
            _publications,
            {"products-published": ((15,), (74,))},
        ),
        Scenario("quiet-day", "A healthy hour, one 100 s run a minute: nothing fires.", 60, _quiet, {}),
        Scenario(
            "one-stage-failure",
            "The store's real volume: design generation runs every 12 minutes (minutes 1, 13, …, 133) and fails "
            "once, at minute 61. Every hour holds 5 stage runs, so that failure is 20 % of them (over 15 %) "
            "from minute 61 to 120; held for the 5-minute warning window: open at 66. At minute 121 the "
            "failure leaves the hour and the measured share is 0 %: closed at 121.",
            140,
            _one_stage_failure,
            {"stage-error-rate": ((66,), (121,))},
        ),
        Scenario(
            "all-runs-fail",
            "A pipeline whose every run fails from the first one on, one run every 12 minutes: the success "
            "share of the hour is 0 % from minute 1 (no run succeeded: a measured 0, not missing data). "
            "Critical, no retest window: open at 1, still open at the end (minute 60). The burn-rate fast page "
            "(mode both): every run of the last 36 minutes failed and at least 3 of the last 48 minutes from "
            "the third run's point (25), held a minute: open at 26, still open at the end.",
            60,
            _all_runs_fail,
            {"pipeline-success-rate": ((1,), ()), "slo-fast-burn": ((26,), ())},
        ),
        Scenario(
            "outage-then-recovery",
            "The store's real volume: runs at minutes 1, 13 and 25 fail, every later one (37, 49, …) succeeds. "
            "Burn-rate fast page: every run of the last 36 minutes failed and 3 failed in the last 48 from "
            "the third failure's point (minute 25), held a minute: open at 26; the success at 37 makes 2 of "
            "the last 3: closed at 37. Static success rate (mode both): 0 % from the first failure (open at "
            "1) until the last failure leaves the hour: closed at 85.",
            120,
            _outage_then_recovery,
            {"slo-fast-burn": ((26,), (37,)), "pipeline-success-rate": ((1,), (85,))},
        ),
        Scenario(
            "failing-then-stopped",
            "The store's real volume: every run fails (minutes 1, 13, …, 289), then the pipeline stops; the "
            "collector keeps running. Fast page: open at 26 (the third failure at 25, held a minute), closed "
            "at 313 when fewer than 3 failed runs are left in the last 48 minutes. Slow page: its 13th "
            "failed run at 145 meets all three conditions, held 2 hours: open at 265; at 529 the last 4 "
            "hours hold no run at all — no burn rate to measure, which its missing-data rule counts as not "
            "met (the 12-hour window still holds 25 failed runs): closed at 529. Ticket: the 19th failed "
            "run at 217, held an hour: open at 277, still open at the end (600; its day still holds every "
            "failure). Static success rate (mode both): 0 % from 1; once the last failure leaves the hour "
            "(349) there is nothing to measure and Google's default missing-data rule keeps it open. No "
            "pipeline run recorded: the last point at 289, absent an hour: open at 349.",
            600,
            _failing_then_stopped,
            {
                "slo-fast-burn": ((26,), (313,)),
                "slo-slow-burn": ((265,), (529,)),
                "slo-ticket": ((277,), ()),
                "pipeline-success-rate": ((1,), ()),
                "pipeline-stopped": ((349,), ()),
            },
        ),
        Scenario(
            "collector-dead",
            f"One 100 s run a minute; the collector completes a run every minute until minute {_COLLECTOR_STOPS}, "
            "then stops: no heartbeat and nothing written after it. Its last heartbeat (minute 20, 30 s in) "
            "leaves the 10-minute absence window at minute 30: open at 30, still open at the end (minute 40).",
            40,
            _until_the_collector_stops,
            {"collector-dead": ((_COLLECTOR_STOPS + 10,), ())},
            _collector_until_it_stops,
        ),
        Scenario(
            "pipeline-stopped",
            f"The store's real volume: one 100 s run every 12 minutes (minutes 1, 13, …, {_LAST_PIPELINE_RUN}), "
            "then none, while the collector runs every minute. Quiet while runs continue; the last run's "
            "point (minute 85) leaves the 1-hour absence window at minute 145: open at 145, still open at the "
            "end (minute 160).",
            160,
            _twelve_minutes_apart,
            {"pipeline-stopped": ((_LAST_PIPELINE_RUN + 60,), ())},
        ),
        *STORE_SCENARIOS,
    )
}
