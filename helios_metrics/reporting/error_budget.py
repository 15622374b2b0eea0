"""The success SLO's error budget as an operator reads it, pure: what Cloud Monitoring's SLO
selectors answered in, the budget that remains and how long it lasts at the current burn out.

**Budget.** Over the SLO's compliance period the budget is the share of runs that may fail,
``(1 − goal)·runs`` — 15 % of the period's runs at an 85 % objective. What remains of it
(``select_slo_budget``: runs; ``select_slo_budget_fraction``: a share, negative once overspent) is
read, not recomputed.

**Time to exhaustion.** A *burn rate* ``b`` over a window is the window's failure share divided by
the budget's share (``select_slo_burn_rate``): 1.0 fails exactly the share the objective allows.
The question is "if the window's runs keep coming as they did, when is the budget gone?". Every run
adds ``1 − goal`` to the period's budget and every failed run spends one, so over the window the
budget changed by ``(1 − goal)·n − failed = −(b − 1)·(1 − goal)·n`` for its ``n`` runs: it shrinks
only when ``b > 1``, at ``(b − 1)·(1 − goal)·n`` runs per window length, and the remaining runs
``R`` last ``R / that`` windows. At ``b ≤ 1`` the budget holds or grows: "not at this burn".
Runs leaving a rolling period are not counted (what they did is history, not the current burn):
after a healthy week, whose old runs had earned more than they spent, the budget goes somewhat
sooner than this says — at 92 % healthy success and a total outage, about 8 % sooner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["BurnWindow", "SloReading", "exhaustion_s", "slo_figures", "slo_lines"]


@dataclass(frozen=True)
class BurnWindow:
    """One window's burn: its length, the burn rate over it and how many runs it held."""

    window_s: int
    burn_rate: float
    runs: float


@dataclass(frozen=True)
class SloReading:
    """What the SLO selectors answered at one instant, with the SLO's own goal and period."""

    name: str
    display_name: str
    goal: float
    period: str
    """What the budget is counted over: "7 d rolling" or "calendar WEEK"."""
    compliance: float | None
    """Good runs / all runs over the period so far; None with no run in it."""
    remaining_fraction: float
    remaining_runs: float
    total_runs: float
    """The period's budget in runs: ``(1 − goal)·runs``."""
    burns: Sequence[BurnWindow]


def exhaustion_s(remaining_runs: float, goal: float, burn: BurnWindow) -> float | None:
    """Seconds until ``remaining_runs`` of budget are spent if ``burn``'s window repeats: 0 when
    it is overspent already, None when the burn rate is at most 1 (the budget does not shrink)."""
    if not 0 < goal < 1:
        raise ValueError(f"goal must be between 0 and 1, exclusive; got {goal!r}")
    if burn.window_s <= 0:
        raise ValueError(f"window_s must be positive, got {burn.window_s!r}")
    if remaining_runs < 0:
        return 0.0
    spent_per_window = (burn.burn_rate - 1) * (1 - goal) * burn.runs
    if burn.burn_rate <= 1 or spent_per_window <= 0:
        return None
    return remaining_runs / spent_per_window * burn.window_s


def window_name(seconds: int) -> str:
    """3600 → "1h", 21600 → "6h", 1800 → "30m", 90 → "90s": the key a burn window has in JSON."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def slo_figures(reading: SloReading) -> dict[str, Any]:
    """The SLO's part of the summary (JSON): the budget left, and per burn window its burn rate,
    runs, failed runs and the seconds until the budget is gone (null: not at this burn)."""
    burns: dict[str, Any] = {}
    for burn in reading.burns:
        seconds = exhaustion_s(reading.remaining_runs, reading.goal, burn)
        burns[window_name(burn.window_s)] = {
            "window_s": burn.window_s,
            "burn_rate": burn.burn_rate,
            "runs": burn.runs,
            "failed_runs": burn.burn_rate * (1 - reading.goal) * burn.runs,
            "exhausted_in_s": seconds,
        }
    return {
        "found": True,
        "name": reading.name,
        "display_name": reading.display_name,
        "goal": reading.goal,
        "period": reading.period,
        "compliance": reading.compliance,
        "budget": {
            "remaining_fraction": reading.remaining_fraction,
            "remaining_runs": reading.remaining_runs,
            "total_runs": reading.total_runs,
            "spent_runs": reading.total_runs - reading.remaining_runs,
        },
        "burn": burns,
    }


def _span(seconds: int) -> str:
    """3600 → "1 h", 1800 → "30 min", 90 → "90 s"."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def duration_text(seconds: float) -> str:
    """A time to exhaustion as one reads it: "45 min", "13 h 50 min", "3 d 4 h"."""
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{max(minutes, 1)} min" if seconds > 0 else "0 min"


def _number(value: float) -> str:
    """4.25 → "4.25", 17.0 → "17", 0.8 → "0.8"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def slo_lines(slo: Mapping[str, Any]) -> list[str]:
    """The SLO's lines of the report: compliance and budget over the period, then one line per
    burn window with the time to exhaustion at that burn."""
    if not slo.get("found"):
        return [f"SLO: {slo.get('reason', 'none')} — skipped"]
    budget = slo["budget"]
    compliance = slo["compliance"]
    parts = slo["name"].split("/")
    key = f"{parts[3]}/{parts[5]}" if len(parts) == 6 else slo["name"]
    head = f"SLO {key}, objective {slo['goal'] * 100:.4g}% over {slo['period']}: " + (
        f"compliance {compliance:.1%}" if compliance is not None else "no runs in the period yet"
    )
    left = budget["remaining_fraction"]
    lines = [
        head,
        f"  error budget remaining {left:.1%} ({_number(budget['remaining_runs'])} of "
        f"{_number(budget['total_runs'])} runs that may fail)"
        + (" — exhausted" if budget["remaining_runs"] <= 0 and budget["total_runs"] > 0 else ""),
    ]
    for burn in slo["burn"].values():
        seconds = burn["exhausted_in_s"]
        if seconds is None:
            outcome = "not exhausted at this burn"
        elif seconds == 0:
            outcome = "already exhausted"
        else:
            outcome = f"exhausted in {duration_text(seconds)} at this burn"
        lines.append(
            f"  burn rate over the last {_span(burn['window_s'])}: {burn['burn_rate']:.2f}× "
            f"({_number(burn['failed_runs'])} of {_number(burn['runs'])} runs failed) — {outcome}"
        )
    return lines
