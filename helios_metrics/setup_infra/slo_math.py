"""The arithmetic behind the pipeline's success SLO and its burn-rate alerts — pure: numbers in,
numbers out, no clock, no Google library.

A *burn rate* is the share of failed runs over a window divided by the error budget
(``1 − objective``): 1.0 spends the budget exactly over the period, ``1 / budget`` (6.7× at 85 %)
is every run failing — the highest there is, so Google's textbook 14.4× / 6× pairs (made for a
99.9 % objective) can never fire here. At the store's volume a window holds few runs (one every
~12 minutes: 3 in 36 minutes, 60 in 12 hours), so a threshold is really a count of failed runs,
and each alert is stated both ways and ANDed in its policy:

- the **burn rate** over the window keeps its meaning if the volume changes;
- a **minimum number of failed runs** in the same window, because a burn rate over few runs is
  noise: a window that happens to hold two runs, both failed, measures the maximum burn rate, and
  at 8 % healthy failures two failures in a row happen about five times a week.

The windows and thresholds are derived (:func:`derive`) from the objective, the volume and the
healthy failure rate; :func:`false_alerts_per_week`, :func:`outage_minutes` and, replayed,
:func:`helios_metrics.setup_infra.slo_replay.bleed` say what a choice costs — the numbers docs/alerting.md
tabulates. Failures are i.i.d. at the healthy rate; runs are evenly spaced; a window of ``k``
intervals holds ``k`` runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "DAY",
    "HOUR",
    "WEEK",
    "BurnAlert",
    "Objective",
    "Volume",
    "Window",
    "derive",
    "false_alerts_per_week",
    "outage_minutes",
]

HOUR = 3600
DAY = 24 * HOUR
WEEK = 7 * DAY

FAST_ALLOWANCE_S = 120
"""Between a run's end and its page: the collector's one-minute window, then the one-minute
retest window every burn-rate condition has (its missing-data rule needs one)."""
SLOW_FALSE_PAGES = 0.1
"""The slow page's share of false pages: at most one in ten healthy weeks before its retest
window (which lowers it further)."""
RETEST_S = 2 * HOUR
"""The slow page's retest window: the condition must hold for two hours, so a count hovering at
its threshold does not open an incident at every crossing."""
TICKET_RETEST_S = HOUR
"""The ticket's: an hour, so its day-long window and retest window stay within the 25 hours
Cloud Monitoring accepts for an alignment period and a duration together."""


@dataclass(frozen=True)
class Volume:
    """The store's traffic: how many runs an hour, and the share that fails on a healthy day."""

    runs_per_hour: float = 5.0
    healthy_failure_rate: float = 0.08

    @property
    def interval_s(self) -> float:
        return HOUR / self.runs_per_hour

    @property
    def runs_per_week(self) -> float:
        return self.runs_per_hour * WEEK / HOUR

    def runs_in(self, seconds: float) -> int:
        """How many runs a window of ``seconds`` holds (at least one)."""
        return max(1, round(seconds / self.interval_s))


@dataclass(frozen=True)
class Objective:
    """The SLO: the share of runs that must succeed (``goal``) over a rolling ``period_s``."""

    goal: float = 0.85
    period_s: int = 7 * DAY

    @property
    def budget(self) -> float:
        """The share of runs that may fail: 0.15 at 85 %."""
        return 1.0 - self.goal

    @property
    def max_burn(self) -> float:
        """The burn rate of every run failing: 1 / budget (6.7 at 85 %)."""
        return 1.0 / self.budget

    def burn(self, failure_rate: float) -> float:
        return failure_rate / self.budget

    def budget_runs(self, volume: Volume) -> float:
        """Failed runs the period's budget allows: 126 in a week at 85 % and 5 runs an hour."""
        return self.budget * volume.runs_per_hour * self.period_s / HOUR


@dataclass(frozen=True)
class Window:
    """A burn-rate condition: the burn rate over ``lookback_s`` above ``burn``."""

    lookback_s: int
    burn: float

    def failures_needed(self, objective: Objective, volume: Volume) -> int:
        """The fewest failed runs among the window's runs that put the burn rate above ``burn``."""
        share = self.burn * objective.budget
        return math.floor(share * volume.runs_in(self.lookback_s) + 1e-9) + 1


@dataclass(frozen=True)
class BurnAlert:
    """One burn-rate policy, its conditions ANDed and each held for ``retest_s``: the burn rate over
    the ``long`` window, at least ``min_failures`` failed runs over ``count_window_s`` (0: the long
    window), and optionally the burn rate over a ``short`` window."""

    key: str
    severity: str
    long: Window
    min_failures: int
    retest_s: int
    short: Window | None = None
    count_window_s: int = 0

    @property
    def count_window(self) -> int:
        return self.count_window_s or self.long.lookback_s

    def failures_needed(self, objective: Objective, volume: Volume) -> int:
        """Failed runs the long window must hold for its conditions (burn rate, and the count when
        it is over the same window) to be met."""
        needed = self.long.failures_needed(objective, volume)
        return max(needed, self.min_failures) if self.count_window == self.long.lookback_s else needed

    def constraints(self, objective: Objective, volume: Volume) -> list[tuple[int, int]]:
        """The conditions as (runs, failed runs at least) over the last runs: one per distinct
        window, longest first (a window's shorter companion is the last runs of it)."""
        needs: dict[int, int] = {}
        windows = [(self.long.lookback_s, self.long.failures_needed(objective, volume))]
        windows.append((self.count_window, self.min_failures))
        if self.short is not None:
            windows.append((self.short.lookback_s, self.short.failures_needed(objective, volume)))
        for seconds, failures in windows:
            runs = volume.runs_in(seconds)
            needs[runs] = max(needs.get(runs, 0), failures)
        return sorted(needs.items(), reverse=True)


def _binomial(n: int, k: int, p: float) -> float:
    return math.comb(n, k) * p**k * (1 - p) ** (n - k) if 0 <= k <= n else 0.0


def _bernoulli(x: int, p: float) -> float:
    return p if x else 1 - p


def false_alerts_per_week(alert: BurnAlert, objective: Objective, volume: Volume) -> float:
    """Expected incidents a healthy week opens (failures i.i.d. at the healthy rate).

    Exact for evenly spaced runs without the retest window (which only lowers it): an incident
    opens at a run that makes the conditions hold when they did not at the run before. With a
    long window of ``n`` runs and a shorter one of ``m`` (its last runs), the runs split into the
    new one, the short window's other ``m - 1``, the run leaving the short window, the long
    window's ``n - m - 1`` older ones and the run leaving it — each part binomial."""
    constraints = alert.constraints(objective, volume)
    if len(constraints) > 2:
        raise ValueError("false_alerts_per_week: at most two distinct windows")
    n_long, k_long = constraints[0]
    n_short, k_short = constraints[1] if len(constraints) == 2 else (1, 0)
    p, rate = volume.healthy_failure_rate, 0.0
    middle = n_long - n_short - 1  # long-window runs older than the short window, newer than the leaving one
    for new in (0, 1):
        for leaving_short in (0, 1):
            for leaving_long in (0, 1):
                edge = _bernoulli(new, p) * _bernoulli(leaving_short, p) * _bernoulli(leaving_long, p)
                for s in range(n_short):
                    for m in range(middle + 1):
                        now = new + s >= k_short and new + s + leaving_short + m >= k_long
                        before = leaving_short + s >= k_short and leaving_long + m + leaving_short + s >= k_long
                        if now and not before:
                            rate += edge * _binomial(n_short - 1, s, p) * _binomial(middle, m, p)
    return rate * volume.runs_per_week


def outage_minutes(alert: BurnAlert, objective: Objective, volume: Volume) -> float:
    """Minutes from the first failed run of a total outage to the alert, at the latest: every run
    before the outage succeeded, so the evidence is the outage's own failed runs; then the run's
    collection window and the retest window."""
    constraints = alert.constraints(objective, volume)
    if any(failures > runs for runs, failures in constraints):
        return math.inf
    needed = max(failures for _, failures in constraints)
    return ((needed - 1) * volume.interval_s + 60 + alert.retest_s) / 60


def derive(
    objective: Objective,
    volume: Volume,
    page_within_s: int = 1800,
    slow_window_s: int = 12 * HOUR,
    ticket_window_s: int = 24 * HOUR,
) -> tuple[BurnAlert, BurnAlert, BurnAlert]:
    """The fast page, the slow page and the ticket for ``objective`` at ``volume``.

    - **Fast page** (a total outage): the failed runs an outage writes within ``page_within_s``
      (less the collection and retest minutes and a sixth of an interval of jitter) are all the
      evidence there can be by then — ``j`` of them. Every run of the last ``j`` intervals failed
      (a burn rate above the share of ``j`` out of ``j + 1``, should jitter squeeze one more run
      in) AND at least ``j`` failed runs over ``j + 1`` intervals — one more, because runs that
      arrive late leave only ``j - 1`` in ``j`` intervals, and an outage's page must not close then.
    - **Slow page** (a bleed): over ``slow_window_s``, the fewest failed runs whose false pages
      per healthy week stay under :data:`SLOW_FALSE_PAGES`; ANDed with a short window of a third
      of it burning above 1.0 (failures still arriving faster than the budget allows), so that it
      closes within hours of recovery rather than the long window's; held :data:`RETEST_S`.
    - **Ticket**: over ``ticket_window_s``, a burn rate above 1.0 — the day spent more than its
      share of the budget; held :data:`TICKET_RETEST_S`.
    """
    interval = volume.interval_s
    jitter = interval / 6
    j = max(2, math.floor((page_within_s - FAST_ALLOWANCE_S - jitter) / interval) + 1)
    every = (j / (j + 1) + 1) / 2  # above the share of j failed runs out of j + 1: all of them failed
    fast = BurnAlert(
        "slo-fast-burn",
        "critical",
        Window(_minutes(j * interval), math.floor(every / objective.budget * 100 + 1e-9) / 100),
        min_failures=j,
        retest_s=60,
        count_window_s=_minutes((j + 1) * interval),
    )
    n_slow = volume.runs_in(slow_window_s)
    k_slow = n_slow + 1  # the fewest failed runs from which every higher count is rare enough
    while k_slow > 1 and _slow_false_pages(k_slow - 1, n_slow, slow_window_s, objective, volume) <= SLOW_FALSE_PAGES:
        k_slow -= 1
    burn = (k_slow - 0.5) / n_slow / objective.budget
    if Window(slow_window_s, round(burn, 2)).failures_needed(objective, volume) == k_slow:
        burn = round(burn, 2)  # a readable threshold, unless rounding moves it across a whole run
    slow = BurnAlert(
        "slo-slow-burn",
        "critical",
        Window(slow_window_s, burn),
        min_failures=k_slow,
        retest_s=RETEST_S,
        short=Window(_minutes(slow_window_s / 3), 1.0),
    )
    ticket_window = Window(ticket_window_s, 1.0)
    ticket = BurnAlert(
        "slo-ticket",
        "warning",
        ticket_window,
        min_failures=ticket_window.failures_needed(objective, volume),
        retest_s=TICKET_RETEST_S,
    )
    return fast, slow, ticket


def _slow_false_pages(k: int, n: int, window_s: int, objective: Objective, volume: Volume) -> float:
    """False pages per healthy week of ``k`` failed runs out of ``n`` over ``window_s``."""
    probe = BurnAlert("probe", "critical", Window(window_s, (k - 0.5) / n / objective.budget), k, 0)
    return false_alerts_per_week(probe, objective, volume)


def _minutes(seconds: float) -> int:
    """``seconds`` rounded to whole minutes (Monitoring's lookbacks and alignment periods)."""
    return max(60, round(seconds / 60) * 60)
