"""What ServiceMonitoringService refuses, in the API's terms: services of a known type, and SLOs
whose goal, period and SLI Google would accept.

The rules come from the API's reference (the ``service.proto`` comments): ``0 < goal <= 0.9999``; a
rolling period a whole number of days, 1 to 30; a calendar period DAY, WEEK, FORTNIGHT or MONTH; a
``TimeSeriesRatio`` with exactly two of good, bad and total, each a DELTA or CUMULATIVE series of
INT64 or DOUBLE; a ``DistributionCut`` over a DELTA or CUMULATIVE DISTRIBUTION; a windows-based SLI's
window a whole fraction of a day of at least 60 s. The kind and value type of a filter's metric
are checked when its descriptor (or a built-in metric) is known; an unknown metric is accepted,
since its data may come later. The exact wording of Google's messages is not public; these follow
the ``Field … had an invalid value …`` form the rest of the emulator uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from google.api import metric_pb2
from google.type import calendar_period_pb2

from helios_metrics.contract.units import NS

from ._errors import invalid_argument
from ._filters import api_filter
from ._objects import check_user_labels
from ._raw import Raw
from ._timeutil import duration_ns

__all__ = ["BASIC_SERVICE_LABELS", "Describe", "validate_service", "validate_slo"]

MD = metric_pb2.MetricDescriptor
Describe = Callable[[str], tuple[int, int] | None]
"""A filter → the (kind, value type) of the metric it names, when its descriptor exists."""

_DAY_NS = 86_400 * NS
_CALENDAR = calendar_period_pb2.CalendarPeriod
_CALENDARS = (_CALENDAR.DAY, _CALENDAR.WEEK, _CALENDAR.FORTNIGHT, _CALENDAR.MONTH)
_COUNTED = (MD.DELTA, MD.CUMULATIVE)
BASIC_SERVICE_LABELS: dict[str, tuple[str, ...]] = {
    "APP_ENGINE": ("module_id",),
    "CLOUD_ENDPOINTS": ("service",),
    "CLUSTER_ISTIO": ("location", "cluster_name", "service_namespace", "service_name"),
    "ISTIO_CANONICAL_SERVICE": ("mesh_uid", "canonical_service_namespace", "canonical_service"),
    "CLOUD_RUN": ("service_name", "location"),
    "GKE_NAMESPACE": ("project_id", "location", "cluster_name", "namespace_name"),
    "GKE_WORKLOAD": (
        "project_id",
        "location",
        "cluster_name",
        "namespace_name",
        "top_level_controller_type",
        "top_level_controller_name",
    ),
    "GKE_SERVICE": ("project_id", "location", "cluster_name", "namespace_name", "service_name"),
}
"""The basic service types and the service labels each requires (the SLO API's "Constructs" page)."""


def _seconds(ns: int) -> str:
    """A duration as the API writes one: ``3600s``, ``0.5s``."""
    whole, rest = divmod(ns, NS)
    return f"{whole}s" if not rest else f"{whole}.{rest:09d}".rstrip("0") + "s"


def validate_service(service: Raw, field: str = "service") -> None:
    """A service must say what it is: ``custom``, another identifier, or a basic service."""
    if len(service.display_name) > 512:
        raise invalid_argument(
            f"Field {field}.displayName had an invalid value: A display name can be at most 512 characters long."
        )
    identifier = service.WhichOneof("identifier")
    if service.HasField("basic_service"):
        if identifier is not None:
            raise invalid_argument(
                f"Field {field}.basicService had an invalid value: A basic service takes no other service type "
                f"(the service also sets {identifier})."
            )
        basic = service.basic_service
        required = BASIC_SERVICE_LABELS.get(basic.service_type)
        if required is None:
            raise invalid_argument(
                f'Field {field}.basicService.serviceType had an invalid value of "{basic.service_type}": Valid '
                f"service types are {', '.join(sorted(BASIC_SERVICE_LABELS))}."
            )
        missing = [label for label in required if not basic.service_labels.get(label)]
        if missing:
            raise invalid_argument(
                f"Field {field}.basicService.serviceLabels had an invalid value: A {basic.service_type} service "
                f"requires the labels {', '.join(required)} (missing {', '.join(missing)})."
            )
    elif identifier is None:
        raise invalid_argument(
            f"Field {field} had an invalid value: The service must have a type; set custom (for a service of "
            "your own) or basicService."
        )
    check_user_labels(service.user_labels, f"{field}.userLabels")


def _check_ratio_filter(field: str, text: str, describe: Describe, value_types: tuple[int, ...]) -> None:
    parsed = api_filter(text, field)
    types = parsed.pinned_values("metric.type")
    if parsed.slo_selector is not None or not types or len(types) != 1:
        raise invalid_argument(
            f'Field {field} had an invalid value of "{text}": The filter must specify exactly one metric.type.'
        )
    described = describe(text)
    if described is None:
        return
    kind, value_type = described
    if kind not in _COUNTED or value_type not in value_types:
        wanted = " or ".join(MD.ValueType.Name(v) for v in value_types)
        raise invalid_argument(
            f'Field {field} had an invalid value of "{text}": The time series must have MetricKind DELTA or '
            f"CUMULATIVE and ValueType {wanted}, but {next(iter(types))} is {MD.MetricKind.Name(kind)} "
            f"{MD.ValueType.Name(value_type)}."
        )


def _check_range(field: str, bounds: Raw) -> None:
    low, high = bounds.min_, bounds.max_  # proto-plus names them so (min and max on the wire)
    if math.isnan(low) or math.isnan(high) or not low < high:
        raise invalid_argument(
            f"Field {field} had an invalid value: The range must have min < max (set one bound to an infinite "
            "value for a one-sided range)."
        )


def _check_request_based(field: str, sli: Raw, describe: Describe) -> None:
    method = sli.WhichOneof("method")
    if method == "good_total_ratio":
        ratio = sli.good_total_ratio
        given = [
            (name, text)
            for name, text in (
                ("goodServiceFilter", ratio.good_service_filter),
                ("badServiceFilter", ratio.bad_service_filter),
                ("totalServiceFilter", ratio.total_service_filter),
            )
            if text
        ]
        if len(given) != 2:
            raise invalid_argument(
                f"Field {field}.goodTotalRatio had an invalid value: A TimeSeriesRatio must specify exactly two of "
                f"goodServiceFilter, badServiceFilter and totalServiceFilter, but specifies {len(given)}."
            )
        for name, text in given:
            _check_ratio_filter(f"{field}.goodTotalRatio.{name}", text, describe, (MD.INT64, MD.DOUBLE))
    elif method == "distribution_cut":
        cut = sli.distribution_cut
        if not cut.distribution_filter:
            raise invalid_argument(
                f"Field {field}.distributionCut.distributionFilter had an invalid value: A distribution filter is "
                "required."
            )
        _check_ratio_filter(
            f"{field}.distributionCut.distributionFilter", cut.distribution_filter, describe, (MD.DISTRIBUTION,)
        )
        _check_range(f"{field}.distributionCut.range", cut.range_)
    else:
        raise invalid_argument(
            f"Field {field} had an invalid value: A request-based SLI needs goodTotalRatio or distributionCut."
        )


def _check_windows_based(field: str, sli: Raw, describe: Describe) -> None:
    window = duration_ns(sli.window_period)
    if window < 60 * NS or _DAY_NS % window:
        raise invalid_argument(
            f'Field {field}.windowPeriod had an invalid value of "{_seconds(window)}": The window period must '
            "be an integer fraction of a day and at least 60s."
        )
    criterion = sli.WhichOneof("window_criterion")
    if criterion == "good_bad_metric_filter":
        parsed = api_filter(sli.good_bad_metric_filter, f"{field}.goodBadMetricFilter")
        described = describe(sli.good_bad_metric_filter)
        if not parsed.pinned_values("metric.type") or (described is not None and described[1] != MD.BOOL):
            raise invalid_argument(
                f'Field {field}.goodBadMetricFilter had an invalid value of "{sli.good_bad_metric_filter}": The '
                "filter must specify one metric.type of ValueType BOOL."
            )
    elif criterion == "good_total_ratio_threshold":
        threshold = sli.good_total_ratio_threshold
        if not 0 <= threshold.threshold <= 1:
            raise invalid_argument(
                f"Field {field}.goodTotalRatioThreshold.threshold had an invalid value of {threshold.threshold:g}: "
                "The threshold must be between 0 and 1."
            )
        if threshold.WhichOneof("type") == "performance":
            _check_request_based(f"{field}.goodTotalRatioThreshold.performance", threshold.performance, describe)
        elif threshold.WhichOneof("type") is None:
            raise invalid_argument(
                f"Field {field}.goodTotalRatioThreshold had an invalid value: A performance SLI is required."
            )
    elif criterion in ("metric_mean_in_range", "metric_sum_in_range"):
        ranged = getattr(sli, criterion)
        name = "metricMeanInRange" if criterion == "metric_mean_in_range" else "metricSumInRange"
        parsed = api_filter(ranged.time_series, f"{field}.{name}.timeSeries")
        described = describe(ranged.time_series)
        if not parsed.pinned_values("metric.type") or (
            described is not None and (described[0] != MD.GAUGE or described[1] not in (MD.INT64, MD.DOUBLE))
        ):
            raise invalid_argument(
                f'Field {field}.{name}.timeSeries had an invalid value of "{ranged.time_series}": The filter must '
                "specify one metric.type of MetricKind GAUGE and ValueType INT64 or DOUBLE."
            )
        _check_range(f"{field}.{name}.range", ranged.range_)
    else:
        raise invalid_argument(f"Field {field} had an invalid value: A windows-based SLI needs a window criterion.")


def validate_slo(slo: Raw, custom_service: bool, describe: Describe, field: str = "serviceLevelObjective") -> None:
    """Raise the API's INVALID_ARGUMENT for an SLO Google would refuse."""
    if not 0 < slo.goal <= 0.9999:
        raise invalid_argument(
            f'Field {field}.goal had an invalid value of "{slo.goal:g}": The goal must be greater than 0 and at '
            "most 0.9999."
        )
    period = slo.WhichOneof("period")
    if period is None:
        raise invalid_argument(f"Field {field} had an invalid value: A rollingPeriod or a calendarPeriod is required.")
    if period == "rolling_period":
        rolling = duration_ns(slo.rolling_period)
        if rolling % _DAY_NS or not 1 <= rolling // _DAY_NS <= 30:
            raise invalid_argument(
                f'Field {field}.rollingPeriod had an invalid value of "{_seconds(rolling)}": The rolling period '
                "must be a whole number of days, from 1 to 30 days (86400s to 2592000s)."
            )
    elif slo.calendar_period not in _CALENDARS:
        raise invalid_argument(
            f'Field {field}.calendarPeriod had an invalid value of "{_CALENDAR.Name(slo.calendar_period)}": Only '
            "DAY, WEEK, FORTNIGHT and MONTH are supported."
        )
    if len(slo.display_name) > 512:
        raise invalid_argument(
            f"Field {field}.displayName had an invalid value: A display name can be at most 512 characters long."
        )
    sli = slo.service_level_indicator
    which = sli.WhichOneof("type")
    if which is None:
        raise invalid_argument(
            f"Field {field}.serviceLevelIndicator had an invalid value: An SLI is required: basicSli, requestBased "
            "or windowsBased."
        )
    if which == "basic_sli" and custom_service:
        raise invalid_argument(
            f"Field {field}.serviceLevelIndicator.basicSli had an invalid value: A basic SLI is not available for "
            "a custom service; use requestBased or windowsBased."
        )
    if which == "request_based":
        _check_request_based(f"{field}.serviceLevelIndicator.requestBased", sli.request_based, describe)
    elif which == "windows_based":
        _check_windows_based(f"{field}.serviceLevelIndicator.windowsBased", sli.windows_based, describe)
    check_user_labels(slo.user_labels, f"{field}.userLabels")
