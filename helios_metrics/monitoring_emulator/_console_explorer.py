"""The metric explorer: any metric with a filter, an aligner and a reducer the emulator implements,
plotted through the same code as ListTimeSeries; it opens on a query that works and checks its
inputs with a message naming the field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from google.api import metric_pb2
from google.cloud.monitoring_v3.types import common

from ._aggregation import ALIGNERS, REDUCERS, aligner_applies, spec_from_pb
from ._charts import line_chart
from ._console_html import RANGES, e, legend, page, range_bounds
from ._errors import ApiError
from ._filters import FilterError, parse_filter
from ._measurer import typed_number
from ._reads import query_series
from ._store import Store

__all__ = ["Explorer"]

_A, _R = common.Aggregation.Aligner, common.Aggregation.Reducer
_MD = metric_pb2.MetricDescriptor


class Explorer:
    def __init__(self, store: Store, clock: Callable[[], int]) -> None:
        self._store, self._clock = store, clock

    def render(self, query: Mapping[str, list[str]]) -> str:
        """Any metric with a filter, an aligner and a reducer the emulator implements; opens on a
        query that works (the first metric, with an aligner its value type accepts)."""

        def arg(name: str, default: str = "") -> str:
            return query.get(name, [default])[0].strip() or default

        projects = sorted(self._store.known_projects())
        described = self._store.described_projects()
        project = arg("project", described[0] if described else (projects[0] if projects else ""))
        metrics = sorted(self._store.descriptors(project))
        metric = arg("metric", metrics[0] if metrics else "")
        descriptor = self._store.descriptor(project, metric)
        kind, value_type = (descriptor.metric_kind, descriptor.value_type) if descriptor else (None, None)
        aligners = [
            _A(a).name for a in ALIGNERS if kind is None or value_type is None or aligner_applies(a, kind, value_type)
        ]
        aligner = arg("aligner", _default_aligner(kind, value_type))
        reducer = arg("reducer", "REDUCE_NONE")
        group_by, extra, period = arg("group_by"), arg("filter"), arg("period", "300")
        chosen, start, end = range_bounds(query, self._clock)

        def select(name: str, options: list[str], current: str) -> str:
            items = "".join(f"<option{' selected' if o == current else ''}>{e(o)}</option>" for o in options)
            return f'<label>{name} <select name="{name}">{items}</select></label>'

        form = (
            '<form method="get" action="/explorer">'
            + select("project", projects, project)
            + select("metric", metrics, metric)
            + select("aligner", aligners, aligner)
            + select("reducer", [_R(r).name for r in REDUCERS], reducer)
            + f'<label>group by <input name="group_by" value="{e(group_by)}" '
            + 'placeholder="metric.labels.stage"></label>'
            + f'<label>filter <input name="filter" value="{e(extra)}" size="30" '
            + 'placeholder="metric.labels.status = &quot;failure&quot;"></label>'
            + f'<label>period (s) <input name="period" value="{e(period)}" size="5" inputmode="numeric"></label>'
            + select("range", list(RANGES), chosen)
            + "<button>Plot</button></form>"
        )
        if not metric:
            return page("Metric explorer", form + '<p class="empty">No metrics yet.</p>', refresh_s=None)
        try:
            aggregation = _explorer_aggregation(aligner, reducer, period, group_by)
            if metric not in metrics:
                raise ValueError(f"metric: project {project!r} has no metric {metric!r}")
            try:
                parse_filter(extra)  # alone, so a position is a position in what was typed
            except FilterError as err:
                raise FilterError(f"filter: {err}") from None
            text = f'metric.type = "{metric}"' + (f" AND ({extra})" if extra else "")
            spec = spec_from_pb(aggregation) if aggregation is not None else None
            data, unit = query_series(self._store, project, parse_filter(text), [spec] if spec else [], start, end)
            lines = [
                (
                    ", ".join(f"{k}={v}" for k, v in s.metric_labels.items()) or metric.rsplit("/", 1)[-1],
                    [(t, typed_number(v)) for t, _, v in s.points],
                )
                for s in data
            ]
            if aggregation is not None and aggregation.per_series_aligner == _A.ALIGN_PERCENT_CHANGE:
                unit = "% change"
            chart = (
                line_chart(lines, start, end, unit, (), 1100, 320) + legend(lines)
                if any(p for _, p in lines)
                else '<p class="empty">No data for this query in the selected range.</p>'
            )
        except (ApiError, FilterError, ValueError) as err:
            chart = f'<p class="empty error">The query fails: {e(err)}</p>'
        link = "/explorer?" + urlencode({"project": project, "metric": metric})
        return page(
            "Metric explorer",
            f'{form}<div class="tile" id="plot">{chart}</div><p><a href="{e(link)}">reset</a></p>',
            refresh_s=None,
        )


def _default_aligner(kind: int | None, value_type: int | None) -> str:
    """An aligner the metric accepts, so the explorer opens on a valid query: by value type, or a
    cumulative counter's rate (a mean of running totals is refused, as Google refuses it)."""
    defaults: dict[int, str] = {
        _MD.DISTRIBUTION: "ALIGN_PERCENTILE_50",
        _MD.BOOL: "ALIGN_FRACTION_TRUE",
        _MD.STRING: "ALIGN_NONE",
    }
    preferred = defaults.get(value_type or _MD.DOUBLE, "ALIGN_MEAN")
    if kind is None or value_type is None:
        return preferred
    for name in (preferred, "ALIGN_RATE", "ALIGN_DELTA"):
        if aligner_applies(int(getattr(_A, name)), kind, value_type):
            return name
    return "ALIGN_NONE"


def _explorer_aggregation(aligner: str, reducer: str, period: str, group_by: str) -> Any:
    """The explorer's form as an Aggregation (None: raw points), each field checked with a message
    that names it."""
    aligners, reducers = _A.__members__, _R.__members__
    if aligner not in aligners or aligners[aligner] not in ALIGNERS:
        raise ValueError(f"aligner: {aligner!r} is not one the emulator implements")
    if reducer not in reducers or reducers[reducer] not in REDUCERS:
        raise ValueError(f"reducer: {reducer!r} is not one the emulator implements")
    if not period.isdigit():
        raise ValueError(f"period: a whole number of seconds, at least 60, is needed; got {period!r}")
    seconds = int(period)
    if seconds < 60:
        raise ValueError(f"period: alignment periods are at least 60 seconds; got {seconds}")
    fields = [g.strip() for g in group_by.split(",") if g.strip()]
    if aligners[aligner] == _A.ALIGN_NONE and reducers[reducer] == _R.REDUCE_NONE:
        if fields:
            raise ValueError("group by: grouping needs an aligner and a reducer")
        return None
    aggregation = common.Aggregation.pb()(
        per_series_aligner=aligners[aligner].value, cross_series_reducer=reducers[reducer].value
    )
    aggregation.alignment_period.seconds = seconds
    aggregation.group_by_fields.extend(fields)
    return aggregation
