"""An alert policy checked as the API checks it: what Google is shown to refuse is refused with
Google's code (INVALID_ARGUMENT) and, where it is published, Google's wording; what Google's own
samples do (``groupByFields: ["project"]`` and quoted or metadata labels, a log-match policy with a
notification rate limit) is accepted.
"""

from __future__ import annotations

from collections.abc import Callable

from google.cloud.monitoring_v3.types import alert, common

from helios_metrics.contract.units import NS

from ._aggregation import applicable, spec_from_pb
from ._descriptors import BUILTIN_METRICS
from ._errors import invalid_argument
from ._filters import api_filter, parse_filter
from ._objects import check_user_labels
from ._policy_notices import check_alert_strategy, check_documentation
from ._raw import Raw
from ._store import Store
from ._timeutil import duration_ns

__all__ = ["Describe", "checked_aggregation", "describer", "validate"]

_CT = common.ComparisonType
_ALONE = ("condition_monitoring_query_language", "condition_prometheus_query_language")
_MAX_ALERT_PERIOD_NS = 90_000 * NS  # 25 h: the longest alignment period alerting accepts
_MIN_ABSENCE_S, _MAX_ABSENCE_S = 120, 84_600  # an absence condition: 2 minutes to 23.5 hours
_MIN_HORIZON_S, _MAX_HORIZON_S = 3600, 216_000  # forecastOptions.forecastHorizon: 1 to 60 hours

Describe = Callable[[str], tuple[int, int] | None]
"""A filter → the (kind, value type) of the metric it names, when its descriptor exists."""


def describer(store: Store, project: str) -> Describe:
    """Look up the metric a filter names in the project's descriptors, then the built-in ones."""

    def describe(text: str) -> tuple[int, int] | None:
        types = sorted(parse_filter(text).pinned_values("metric.type") or ())
        descriptor = next((store.descriptor(project, t) for t in types), None)
        if descriptor is not None:
            return descriptor.metric_kind, descriptor.value_type
        builtin = next((BUILTIN_METRICS[t] for t in types if t in BUILTIN_METRICS), None)
        return None if builtin is None else (builtin[0], builtin[1])

    return describe


def checked_aggregation(aggregation: Raw) -> Raw:
    """A chart's aggregation as its aligner and reducer are checked: without its group-by fields,
    which name labels (``project``, ``resource.label."zone"``, ``metadata.system_labels."x"`` in
    Google's samples) and do not change what the aligner and reducer may apply to. (A policy's
    are checked as the evaluator reads them: one it could not evaluate is refused.)"""
    if not aggregation.group_by_fields:
        return aggregation
    copy = type(aggregation)()
    copy.CopyFrom(aggregation)
    del copy.group_by_fields[:]
    return copy


def _check_duration(field: str, value: Raw, minimum_s: int = 0, maximum_s: int | None = None) -> None:
    """Whole minutes within bounds; an absence's (which has a ``maximum_s``) ignores its nanos, as
    the API documents for MetricAbsence."""
    ns = duration_ns(value)
    if maximum_s is not None:
        ns -= ns % NS
    if ns % (60 * NS) or ns < minimum_s * NS or (maximum_s is not None and ns > maximum_s * NS):
        least = f" of at least {minimum_s}s" if minimum_s else ""
        most = f" and at most {maximum_s}s" if maximum_s is not None else ""
        raise invalid_argument(
            f'Field {field} had an invalid value of "{_seconds(ns)}": The duration must be a multiple of 60s'
            f"{least}{most}."
        )


def _seconds(ns: int) -> str:
    return f"{ns / NS:g}s"


def _check_filter(field: str, text: str) -> None:
    if len(text) > 2048:
        raise invalid_argument(f"Field {field} had an invalid value: A filter can be at most 2048 characters long.")
    parsed = api_filter(text, field)
    for selector in ("metric.type", "resource.type"):
        if not parsed.pinned_values(selector):
            raise invalid_argument(
                f'Field {field} had an invalid value of "{text}": The filter must specify a {selector}.'
            )


def _check_aggregations(field: str, aggregations: Raw, text: str, describe: Describe) -> int | None:
    """Each must be valid, and apply to the metric when its descriptor is known (in order: each
    works on what the previous one produced); returns the first alignment period (a ratio's must match)."""
    period, described = None, describe(text)
    for index, aggregation in enumerate(aggregations):
        spec = spec_from_pb(aggregation, f"{field}[{index}]")  # group-by fields as the evaluator reads them
        if spec is None:
            continue
        if described is not None:
            described = applicable(spec, *described, f"{field}[{index}]")
        if spec.period_ns > _MAX_ALERT_PERIOD_NS:
            raise invalid_argument(
                f"Field {field}[{index}].alignmentPeriod had an invalid value: Alerting accepts alignment periods "
                "of at most 90000s."
            )
        period = spec.period_ns if period is None else period
    return period


def _check_missing_data(field: str, body: Raw) -> None:
    """Google's rule and words: evaluation_missing_data needs a non-zero duration."""
    if body.evaluation_missing_data and duration_ns(body.duration) == 0:
        name = type(body).DESCRIPTOR.fields_by_name["evaluation_missing_data"].enum_type
        value = name.values_by_number[body.evaluation_missing_data].name
        raise invalid_argument(
            f'Field {field}.evaluation_missing_data had an invalid value of "{value}": Conditions setting '
            "evaluation_missing_data must have a non-zero duration."
        )


def _check_threshold(field: str, threshold: Raw, describe: Describe) -> None:
    _check_filter(f"{field}.filter", threshold.filter)
    period = _check_aggregations(f"{field}.aggregations", threshold.aggregations, threshold.filter, describe)
    if threshold.denominator_filter:
        _check_filter(f"{field}.denominatorFilter", threshold.denominator_filter)
        other = _check_aggregations(
            f"{field}.denominatorAggregations",
            threshold.denominator_aggregations,
            threshold.denominator_filter,
            describe,
        )
        if other != period:
            raise invalid_argument(
                f"Field {field}.denominatorAggregations had an invalid value: The numerator and denominator must "
                "use the same alignment period."
            )
    elif threshold.denominator_aggregations:
        raise invalid_argument(
            f"Field {field}.denominatorAggregations had an invalid value: Denominator aggregations require a "
            "denominator filter."
        )
    if threshold.comparison not in (_CT.COMPARISON_GT, _CT.COMPARISON_LT):
        raise invalid_argument(
            f'Field {field}.comparison had an invalid value of "{_CT(threshold.comparison).name}": Only '
            "COMPARISON_GT and COMPARISON_LT are supported."
        )
    _check_duration(f"{field}.duration", threshold.duration)
    if threshold.HasField("forecast_options"):
        _check_forecast(f"{field}.forecastOptions.forecastHorizon", threshold.forecast_options.forecast_horizon)
    _check_trigger(f"{field}.trigger", threshold)


def _check_forecast(field: str, horizon: Raw) -> None:
    """Required, 1 to 60 hours (the ForecastOptions proto; the console's "2.5 days")."""
    ns = duration_ns(horizon)
    if not _MIN_HORIZON_S * NS <= ns <= _MAX_HORIZON_S * NS:
        raise invalid_argument(
            f'Field {field} had an invalid value of "{_seconds(ns)}": The forecast horizon must be between '
            f"{_MIN_HORIZON_S}s (1 hour) and {_MAX_HORIZON_S}s (60 hours)."
        )


def _check_trigger(field: str, condition: Raw) -> None:
    trigger = condition.trigger
    which = trigger.WhichOneof("type")
    if which == "count" and trigger.count < 0:
        raise invalid_argument(f"Field {field}.count had an invalid value of {trigger.count}: must be at least 0.")
    if which == "percent" and not 0 <= trigger.percent <= 100:
        raise invalid_argument(f"Field {field}.percent had an invalid value of {trigger.percent:g}: must be 0 to 100.")


def _check_condition(index: int, condition: Raw, count: int, describe: Describe) -> None:
    field = f"alertPolicy.conditions[{index}]"
    which = condition.WhichOneof("condition")
    if which is None:
        raise invalid_argument(
            f'Field alert_policy.conditions[{index}].condition_case had an invalid value of "0": Condition subtype '
            '(e.g. "condition_absent","condition_threshold", etc.) is absent or unknown.'
        )
    if not condition.display_name:
        raise invalid_argument(f"Field {field}.displayName had an invalid value: A display name is required.")
    if which == "condition_matched_log" and count > 1:
        raise invalid_argument("Alert policies with a log matching condition can only have a single condition.")
    if which in _ALONE and count > 1:
        raise invalid_argument(f"Field {field} had an invalid value: A {which} must be the only condition.")
    snake = f"alert_policy.conditions[{index}].{which}"
    if which == "condition_threshold":
        _check_threshold(f"{field}.conditionThreshold", condition.condition_threshold, describe)
        _check_missing_data(snake, condition.condition_threshold)
    elif which == "condition_absent":
        absent = condition.condition_absent
        _check_filter(f"{field}.conditionAbsent.filter", absent.filter)
        _check_aggregations(f"{field}.conditionAbsent.aggregations", absent.aggregations, absent.filter, describe)
        _check_duration(f"{field}.conditionAbsent.duration", absent.duration, _MIN_ABSENCE_S, _MAX_ABSENCE_S)
        _check_trigger(f"{field}.conditionAbsent.trigger", absent)
    elif which == "condition_monitoring_query_language":
        _check_missing_data(snake, condition.condition_monitoring_query_language)


def validate(
    policy: Raw, channel_exists: Callable[[str], bool], describe: Describe, canonical: Callable[[str], str] = str
) -> None:
    """Raise the API's INVALID_ARGUMENT for a policy Google would refuse. ``canonical``: a channel
    name in the form the server returns it (a policy may name its channels by id or number)."""
    if not policy.display_name or len(policy.display_name) > 512:
        raise invalid_argument(
            "Field alertPolicy.displayName had an invalid value: A display name of 1 to 512 characters is required."
        )
    conditions = policy.conditions
    if not 1 <= len(conditions) <= 6:
        raise invalid_argument(
            f"Field alertPolicy.conditions had an invalid value: A policy must have between 1 and 6 conditions, "
            f"but has {len(conditions)}."
        )
    for index, condition in enumerate(conditions):
        _check_condition(index, condition, len(conditions), describe)
    if len(conditions) > 1 and policy.combiner == alert.AlertPolicy.ConditionCombinerType.COMBINE_UNSPECIFIED:
        raise invalid_argument(
            "Field alertPolicy.combiner had an invalid value: A combiner is required when a policy has more than "
            "one condition."
        )
    check_documentation(policy.documentation)
    check_user_labels(policy.user_labels, "alertPolicy.userLabels")
    for index, channel in enumerate(policy.notification_channels):
        if not channel_exists(channel):
            raise invalid_argument(
                f'Field alertPolicy.notificationChannels[{index}] had an invalid value of "{channel}": The '
                "notification channel does not exist."
            )
    check_alert_strategy(policy, canonical)
