"""What an incident measured, as an operator reads it: "66.7 % < 85 %".

An incident carries Google's fields — ``observed_value`` and ``threshold_value`` as bare numbers
and the condition as the API returns it — and those stay as Google sends them (the webhook's
payload). People read a rendering of them instead: a ratio condition (one with a
``denominatorFilter``) measures a share, so both numbers are percentages; every threshold shows
its comparison sign, so "observed 0.333333 (threshold 0.15)" can no longer be misread as a success
rate of 33 % against 15 %. Pure: plain values in, text out; the console, the notification
renderings and the demo all print this one wording.

A condition that opened on a forecast reads as one ("forecast 93 % within 1 h > 90 %"), and
:func:`window` names what the condition measured over — an SLO selector's lookback, the alignment
period, the retest window, the forecast horizon — so of two burn-rate conditions that differ only
by window, an operator sees which one tripped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._filters import FilterError, parse_filter

__all__ = ["Reading", "percent", "reading", "window"]

_SIGNS = {
    "COMPARISON_GT": ">",
    "COMPARISON_GE": ">=",
    "COMPARISON_LT": "<",
    "COMPARISON_LE": "<=",
    "COMPARISON_EQ": "=",
    "COMPARISON_NE": "!=",
}


@dataclass(frozen=True)
class Reading:
    """``observed`` ("66.7 %", "412", "no data") and ``threshold`` with its sign ("< 85 %")."""

    observed: str
    threshold: str

    def __str__(self) -> str:
        return f"{self.observed} {self.threshold}".strip()


def _float(text: object) -> float | None:
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value


def percent(share: float, digits: int = 1) -> str:
    """0.6667 → "66.7 %", 0.85 → "85 %" (at most ``digits`` decimals, no trailing zeros)."""
    if not math.isfinite(share):
        return f"{share * 100} %"
    text = f"{share * 100:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{'0' if text == '-0' else text} %"


def _distinct_percents(observed: float, threshold: float) -> tuple[str, str]:
    """Both as percentages, with enough decimals that different values never read the same."""
    for digits in (1, 2, 3, 4):
        pair = percent(observed, digits), percent(threshold, digits)
        if pair[0] != pair[1] or observed == threshold:
            return pair
    return pair


def _seconds(duration: object) -> str:
    """``"3600s"`` → "1 h", ``"600s"`` → "10 min", ``"90s"`` → "90 s"."""
    seconds = _float(str(duration).removesuffix("s")) or 0.0
    if seconds and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def reading(incident: Mapping[str, Any]) -> Reading:
    """The incident's measurement against its condition (the condition as the API returns it, in
    the incident's ``condition``; the values as Google's strings)."""
    condition = incident.get("condition") or {}
    observed_text, threshold_text = str(incident.get("observed_value", "")), str(incident.get("threshold_value", ""))
    absent = condition.get("conditionAbsent")
    if absent is not None:
        return Reading("no data", f"for {_seconds(absent.get('duration', '0s'))}")
    body = condition.get("conditionThreshold")
    if body is None:
        return Reading(observed_text, "")
    sign = _SIGNS.get(str(body.get("comparison", "")), "?")
    observed, threshold = _float(observed_text), _float(threshold_text)
    if threshold is None:
        threshold = _float(body.get("thresholdValue", 0.0)) or 0.0
        threshold_text = f"{threshold:.6g}"
    forecast = incident.get("forecast")
    if forecast:
        value = _float(forecast.get("value", ""))
        within = f"within {_seconds(forecast.get('horizon', '0s'))}"
        if value is not None and body.get("denominatorFilter"):
            shown, limit = _distinct_percents(value, threshold)
            return Reading(f"forecast {shown} {within}", f"{sign} {limit}")
        return Reading(f"forecast {forecast.get('value', '')} {within}", f"{sign} {threshold_text}")
    if body.get("denominatorFilter"):
        if observed is None:
            return Reading("no data", f"{sign} {percent(threshold)}")
        shown, limit = _distinct_percents(observed, threshold)
        return Reading(shown, f"{sign} {limit}")
    return Reading(observed_text or "no data", f"{sign} {threshold_text}")


def _lookback(text: str) -> str | None:
    """An SLO selector's lookback (``select_slo_burn_rate(…, "3600s")``) as a duration string."""
    try:
        selector = getattr(parse_filter(text), "slo_selector", None)
    except (FilterError, ValueError):
        return None
    lookback = getattr(selector, "lookback_ns", None)
    return None if not lookback else f"{lookback / 1e9:g}s"


def window(incident: Mapping[str, Any]) -> str:
    """What the incident's condition measured over, from the condition as the API returns it:
    "lookback 1 h, aligned over 1 min, for 5 min" (an SLO selector's lookback, the first
    aggregation's alignment period, a threshold's retest window), "forecast 1 h ahead"; "" when it
    names none of them."""
    condition = incident.get("condition") or {}
    threshold = condition.get("conditionThreshold")
    body = threshold if threshold is not None else condition.get("conditionAbsent")
    if not body:
        return ""
    parts = []
    lookback = _lookback(str(body.get("filter", "")))
    if lookback:
        parts.append(f"lookback {_seconds(lookback)}")
    aggregations = body.get("aggregations") or []
    if aggregations and aggregations[0].get("alignmentPeriod"):
        parts.append(f"aligned over {_seconds(aggregations[0]['alignmentPeriod'])}")
    duration = str(body.get("duration", "0s"))
    if threshold is not None and (_float(duration.removesuffix("s")) or 0.0) > 0:
        parts.append(f"for {_seconds(duration)}")
    horizon = (body.get("forecastOptions") or {}).get("forecastHorizon")
    if threshold is not None and horizon:
        parts.append(f"forecast {_seconds(horizon)} ahead")
    return ", ".join(parts)
