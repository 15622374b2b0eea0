"""SLO time-series selectors as a filter: ``select_slo_burn_rate("projects/P/services/S/
serviceLevelObjectives/O", "1h")`` parsed into which figure, of which SLO, over which lookback.

A selector is the whole filter (SLO data has no metric type to combine it with); its arguments are
quoted; lookback periods take the units Google's docs list (ns, us, ms, s, m, h), combined as in
``1h30m``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SLO_SELECTORS", "SloSelector", "parse_lookback", "slo_selector"]

SLO_SELECTORS: dict[str, bool] = {
    "select_slo_health": False,
    "select_slo_compliance": False,
    "select_slo_budget": False,
    "select_slo_budget_fraction": False,
    "select_slo_budget_total": False,
    "select_slo_counts": False,
    "select_slo_burn_rate": True,
}
"""The SLO time-series selectors the emulator evaluates → whether it takes a lookback period."""
_SLO_CALL = re.compile(
    r"""\s*(?P<function>select_slo_\w+)\s*\(\s*(?P<name>"[^"]*"|'[^']*')\s*"""
    r"""(?:,\s*(?P<lookback>"[^"]*"|'[^']*')\s*)?\)\s*"""
)
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


@dataclass(frozen=True)
class SloSelector:
    """``function("slo name"[, "lookback"])``: which SLO figure, of which SLO, over which lookback."""

    function: str
    slo_name: str
    lookback_ns: int | None = None


def parse_lookback(text: str) -> int:
    """``"3600s"``, ``"60m"``, ``"1h30m"`` (units ns, us, ms, s, m, h) → nanoseconds, as Google's docs
    list the units; raises ValueError otherwise (a lookback must be positive)."""
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_NS[match.group(2)]
        position = match.end()
    if not text or position != len(text) or total <= 0:
        raise ValueError(f'invalid lookback period {text!r}: use a positive duration such as "3600s" or "1h"')
    return int(total)


def slo_selector(text: str) -> SloSelector | None:
    """The selector when ``text`` is a single ``select_slo_*(…)`` call; None when it is no such call."""
    match = _SLO_CALL.fullmatch(text)
    if match is None:
        if re.match(r"\s*select_slo_\w+\s*\(", text):
            raise ValueError(
                "a time-series selector is the whole filter, its arguments quoted: "
                'select_slo_burn_rate("projects/P/services/S/serviceLevelObjectives/O", "3600s")'
            )
        return None
    function = match.group("function")
    if function not in SLO_SELECTORS:
        raise ValueError(f"unknown time-series selector {function!r}; known: {', '.join(sorted(SLO_SELECTORS))}")
    name = match.group("name")[1:-1]
    if not re.fullmatch(r"projects/[^/]+/services/[^/]+/serviceLevelObjectives/[^/]+", name):
        raise ValueError(
            f"{function} takes an SLO name of the form "
            f"projects/[PROJECT_ID_OR_NUMBER]/services/[SERVICE_ID]/serviceLevelObjectives/[SLO_ID], not {name!r}"
        )
    lookback = match.group("lookback")
    if SLO_SELECTORS[function] and lookback is None:
        raise ValueError(f'{function} takes a lookback period as its second argument, e.g. "3600s"')
    if not SLO_SELECTORS[function] and lookback is not None:
        raise ValueError(f"{function} takes one argument, the SLO's name")
    return SloSelector(function, name, None if lookback is None else parse_lookback(lookback[1:-1]))
