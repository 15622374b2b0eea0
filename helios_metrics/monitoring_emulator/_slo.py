"""The SLO time-series selectors, evaluated over the stored data of the SLO's SLI.

A selector answers with one synthetic series (``select_slo_counts``: two, ``event_type`` good and
bad), DOUBLE GAUGE, metric type the selector's name, resource ``global``: one point per alignment
period, at each period's end, stepping back from the interval's end (the period of the query's
first aggregation, else 60 s). Aligners and reducers are not applied — SLO data is retrieved by its
filter alone, as Google's docs say of SLO alert conditions — so a chart's ALIGN_NEXT_OLDER or
ALIGN_MEAN reads the same values. With ``goal`` g, good G and total T in a window:

- ``select_slo_health``: G/T over the alignment period ending at the point (the SLI's value);
- ``select_slo_compliance``: G/T over the compliance period so far: ``(t - rolling, t]``, or from the
  start of the calendar DAY, WEEK (from Monday), FORTNIGHT (pairs of weeks from Monday 1970-01-05)
  or MONTH containing ``t`` (UTC);
- ``select_slo_budget_total``: the period's error budget in events, ``(1 - g)·T``;
- ``select_slo_budget``: what remains of it, ``(1 - g)·T - (T - G)`` (negative once overspent);
- ``select_slo_budget_fraction``: the remaining share, ``1 - (T - G) / ((1 - g)·T)``;
- ``select_slo_burn_rate(slo, L)``: ``((T - G)/T) / (1 - g)`` over ``(t - L, t]``;
- ``select_slo_counts``: G and T - G over the alignment period.

No service in a window: health and compliance have no point there (a ratio of nothing is not 0);
the budget fraction is 1 and the budget 0 (nothing spent of nothing); the burn rate is 0 — no error
event consumed any budget, which is how Google's docs define a burn rate of zero, and what lets a
burn-rate incident close once the failures leave the lookback, however few the runs.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Sequence

from google.api import metric_pb2
from google.cloud.monitoring_v3.types import common, service
from google.type import calendar_period_pb2

from helios_metrics.contract.units import NS

from ._aggregation import AggregationSpec, SeriesData
from ._filters import SloSelector
from ._objects import Projects
from ._raw import Raw
from ._service_monitoring import SLO_KIND
from ._slo_counts import Counter, counter_for
from ._store import Reader
from ._timeutil import duration_ns

__all__ = ["DEFAULT_PERIOD_NS", "find_slo", "selector_series"]

MD = metric_pb2.MetricDescriptor
DEFAULT_PERIOD_NS = 60 * NS
_SLO = service.ServiceLevelObjective.pb()
_TYPED_VALUE = common.TypedValue.pb()
_CAL = calendar_period_pb2.CalendarPeriod
_DAY_S = 86_400
_FORTNIGHT_EPOCH_S = 4 * _DAY_S  # Monday 1970-01-05


def find_slo(store: Reader, project: str, slo_name: str) -> tuple[str, Raw] | None:
    """(the SLO's project id, the SLO) for a name whose project is ``project``'s id or number, or
    another project the store knows."""
    _, written, _, service_id, _, slo_id = slo_name.split("/")
    owner = written
    if written in (project, Projects.number_of(project)):
        owner = project
    elif written.isdigit():
        owner = next((p for p in store.known_projects() if Projects.number_of(p) == written), written)
    body = store.get_object(SLO_KIND, owner, f"{service_id}/{slo_id}")
    return None if body is None else (owner, _SLO.FromString(body))


def _calendar_start_s(seconds: int, period: int) -> int:
    """Start (UTC epoch seconds) of the calendar period holding ``seconds``."""
    day = seconds - seconds % _DAY_S
    if period == _CAL.DAY:
        return day
    if period == _CAL.WEEK:
        return day - _dt.datetime.fromtimestamp(day, _dt.UTC).weekday() * _DAY_S
    if period == _CAL.FORTNIGHT:
        return seconds - (seconds - _FORTNIGHT_EPOCH_S) % (14 * _DAY_S)
    moment = _dt.datetime.fromtimestamp(seconds, _dt.UTC)
    return calendar.timegm((moment.year, moment.month, 1, 0, 0, 0))


def _compliance_after(slo: Raw, t: int) -> int:
    """The exclusive lower bound of the compliance period that ``t`` falls in."""
    if slo.WhichOneof("period") == "rolling_period":
        return t - duration_ns(slo.rolling_period)
    return _calendar_start_s(t // NS, slo.calendar_period) * NS - 1


def _window_after(selector: SloSelector, slo: Raw, period: int, t: int) -> int:
    if selector.function in ("select_slo_health", "select_slo_counts"):
        return t - period
    if selector.function == "select_slo_burn_rate":
        return t - (selector.lookback_ns or 0)
    return _compliance_after(slo, t)


def _value(function: str, goal: float, good: float, total: float) -> float | None:
    bad, budget = total - good, (1 - goal) * total
    if function in ("select_slo_health", "select_slo_compliance"):
        return good / total if total else None
    if function == "select_slo_budget_total":
        return budget
    if function == "select_slo_budget":
        return budget - bad
    if function == "select_slo_budget_fraction":
        return 1 - bad / budget if budget else 1.0
    if function == "select_slo_burn_rate":
        return bad / total / (1 - goal) if total else 0.0
    raise AssertionError(f"unhandled selector {function}")


def _typed(number: float) -> Raw:
    return _TYPED_VALUE(double_value=number)


def _series(selector: SloSelector, project: str, labels: dict[str, str]) -> SeriesData:
    return SeriesData(selector.function, labels, "global", {"project_id": project}, MD.GAUGE, MD.DOUBLE)


def _instants(start: int, end: int, period: int) -> list[int]:
    """Period ends in ``(start, end]``, newest first."""
    count = max(0, (end - start + period - 1) // period)
    return [end - k * period for k in range(count)]


def selector_series(
    store: Reader, project: str, selector: SloSelector, specs: Sequence[AggregationSpec], start: int, end: int
) -> list[SeriesData]:
    """The selector's series over ``(start, end]``; none for an unknown SLO or an SLI the emulator
    does not evaluate (basic and windows-based SLIs)."""
    found = find_slo(store, project, selector.slo_name)
    if found is None:
        return []
    owner, slo = found
    period = specs[0].period_ns if specs else DEFAULT_PERIOD_NS
    instants = _instants(start, end, period)
    if not instants:
        return []
    counter: Counter | None = counter_for(store, owner, slo.service_level_indicator)
    if counter is None:
        return []
    if selector.function == "select_slo_counts":
        good_series, bad_series = (
            _series(selector, project, {"event_type": "good"}),
            _series(selector, project, {"event_type": "bad"}),
        )
        for t in instants:
            good, total = counter.counts(t - period, t)
            good_series.points.append((t, t, _typed(good)))
            bad_series.points.append((t, t, _typed(total - good)))
        return [good_series, bad_series]
    out = _series(selector, project, {})
    for t in instants:
        good, total = counter.counts(_window_after(selector, slo, period, t), t)
        value = _value(selector.function, slo.goal, good, total)
        if value is not None:
            out.points.append((t, t, _typed(value)))
    return [out] if out.points else []
