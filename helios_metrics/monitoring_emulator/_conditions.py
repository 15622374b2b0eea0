"""Measuring alert conditions the way Cloud Monitoring does, over the stored data.

A threshold condition's measurement at instant ``t`` is its aggregation chain (applied in order,
through the same machinery as ListTimeSeries) over the alignment period ending at ``t``: one value
per resulting series. A ratio divides the numerator's value by the denominator's, series by series
(a series with no numerator, or a zero denominator, has no measurement). A condition *holds* for a
series at ``now`` when every measurement at the evaluation instants of the retest window
``[now - duration, now]`` (one a minute) satisfies the comparison — so one that does not resets
the window. Missing measurements follow ``evaluation_missing_data``. An absence condition holds for
a series that had data in the day before the window and none in it.

A filter that is an SLO selector (``select_slo_burn_rate(…)`` …) is measured like any other: its
series come from the same ``query_series`` that ListTimeSeries and charts read (a burn rate, health
or counts value is reused over a range while the SLI's points in its window stay the same).

With ``forecastOptions``, a threshold condition also holds for a series when every forecast made at
the instants of the retest window predicts a violation within the horizon (Google: "either, or
both"); the forecaster is :mod:`._forecast`, fed the condition's own aligned values.

Measurements come from :mod:`._measurer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from google.cloud.monitoring_v3.types import alert, common

from ._forecast import Forecast
from ._measurer import STEP_NS, Measurer, Values, metric_types
from ._raw import Raw
from ._series import SeriesLabels
from ._timeutil import duration_ns

__all__ = ["Outcome", "evaluate_condition"]

_CT = common.ComparisonType
_MISSING = alert.AlertPolicy.Condition.EvaluationMissingData


@dataclass
class Outcome:
    """One condition at one instant: the series it holds for (with the observed value), the
    series measured and not holding, and the series whose state is unknown (missing data, NO_OP)."""

    holding: dict[SeriesLabels, float | None] = field(default_factory=dict)
    clear: set[SeriesLabels] = field(default_factory=set)
    unknown: set[SeriesLabels] = field(default_factory=set)
    series_count: int = 0
    fires: bool = False
    metric_type: str = ""
    missing_clears: bool = False
    """``evaluation_missing_data: INACTIVE``: a series with no data at all counts as not holding."""
    forecast: dict[SeriesLabels, Forecast] = field(default_factory=dict)
    """The series that hold only because their forecast crosses the threshold (their value in
    :attr:`holding` is the forecast's, at the horizon's end)."""
    latest: Values = field(default_factory=dict)
    """The newest measurement of every measured series."""


def _satisfies(comparison: int, value: float, threshold: float) -> bool:
    if comparison == _CT.COMPARISON_GT:
        return value > threshold
    if comparison == _CT.COMPARISON_LT:
        return value < threshold
    if comparison == _CT.COMPARISON_GE:
        return value >= threshold
    if comparison == _CT.COMPARISON_LE:
        return value <= threshold
    if comparison == _CT.COMPARISON_EQ:
        return value == threshold
    return value != threshold


def _crosses(predicted: Forecast | None, comparison: int, threshold: float) -> bool:
    """A straight line violates somewhere in (now, now + horizon] iff it does at one of the ends."""
    return predicted is not None and (
        _satisfies(comparison, predicted.horizon, threshold) or _satisfies(comparison, predicted.now, threshold)
    )


def _fires(body: Raw, holding: int, total: int) -> bool:
    trigger = body.trigger
    if trigger.WhichOneof("type") == "percent":
        return total > 0 and holding * 100 >= trigger.percent * total and holding > 0
    return holding >= max(trigger.count, 1)


def _holds(body: Raw, measured: list[Values], key: SeriesLabels) -> bool | None:
    """Whether every measurement of the retest window satisfies the comparison; None when the
    newest is missing and missing data changes nothing (NO_OP)."""
    missing = body.evaluation_missing_data
    if measured[-1].get(key) is None and missing in (
        _MISSING.EVALUATION_MISSING_DATA_UNSPECIFIED,
        _MISSING.EVALUATION_MISSING_DATA_NO_OP,
    ):
        return None
    for values in measured:
        value = values.get(key)
        if value is None:
            if missing != _MISSING.EVALUATION_MISSING_DATA_ACTIVE:
                return False
        elif not _satisfies(body.comparison, value, body.threshold_value):
            return False
    return True


def _threshold(measurer: Measurer, project: str, body: Raw, now: int) -> Outcome:
    duration = duration_ns(body.duration)
    instants = [now - step * STEP_NS for step in range(duration // STEP_NS, -1, -1)]  # oldest first
    condition = measurer.condition_key(project, body)
    measured = measurer.condition_values(condition, instants)
    horizon = duration_ns(body.forecast_options.forecast_horizon) if body.HasField("forecast_options") else 0
    forecasts = measurer.forecasts(condition, instants, horizon) if horizon else []
    outcome = Outcome(latest=measured[-1])
    keys = set().union(*measured, *forecasts)
    for key in keys:
        held = _holds(body, measured, key)
        if (
            not held
            and forecasts
            and all(_crosses(f.get(key), body.comparison, body.threshold_value) for f in forecasts)
        ):
            outcome.forecast[key] = forecasts[-1][key]
            outcome.holding[key] = forecasts[-1][key].horizon
        elif held is None:
            outcome.unknown.add(key)
        elif held:
            outcome.holding[key] = measured[-1].get(key)
        else:
            outcome.clear.add(key)
    outcome.series_count = len(keys)
    outcome.missing_clears = body.evaluation_missing_data == _MISSING.EVALUATION_MISSING_DATA_INACTIVE
    return outcome


def _absence(measurer: Measurer, project: str, absent: Raw, now: int) -> Outcome:
    seen, present = measurer.absence(project, absent, now)
    outcome = Outcome(clear=set(present), series_count=len(seen | present))
    outcome.holding = dict.fromkeys(seen - present)
    return outcome


def evaluate_condition(measurer: Measurer, project: str, condition: Raw, now: int) -> Outcome:
    """The condition's outcome at ``now``; conditions the emulator does not evaluate (MQL, PromQL,
    log match, SQL) never fire."""
    which = condition.WhichOneof("condition")
    if which == "condition_threshold":
        body = condition.condition_threshold
        outcome = _threshold(measurer, project, body, now)
    elif which == "condition_absent":
        body = condition.condition_absent
        outcome = _absence(measurer, project, body, now)
    else:
        return Outcome()
    outcome.fires = _fires(body, len(outcome.holding), outcome.series_count)
    outcome.metric_type = next(iter(metric_types(body.filter)), "")
    return outcome
