"""Reading a window of the store's metrics back from Cloud Monitoring, with the catalog's
reductions across collector instances, for the performance summary and analysis; and, only when
asked (``report --write-forecast``, ``performance_report?write_forecast=true`` — the scheduled
forecast job), writing the success forecast back as the catalog's ``pipeline_success_forecast``
and its band (``pipeline_success_forecast_band``).
A report that only reads can run as often as anyone likes: two writes into the forecast's series
within Cloud Monitoring's 5 s sampling period are refused.

Each figure is one ListTimeSeries over the whole window (the alignment period is the window), so
counts are sums of every point and distributions are merged exactly; the forecast reads a week of
run outcomes and failed stage runs in 5-minute bins (:meth:`PerformanceReporter.history`). The summary also states the
pipeline's success SLO — its error budget left over its period and how long that lasts at the
burn of the last hour and of the last six (:mod:`helios_metrics.reporting.slo_report`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from google.api_core.retry import Retry

from helios_metrics.contract.catalog import spec
from helios_metrics.contract.settings import Settings
from helios_metrics.contract.transient import is_transient
from helios_metrics.contract.units import NS
from helios_metrics.functions.timeseries import ResourceIdentity, SeriesPoint
from helios_metrics.functions.writer import MonitoringWriter

from .analysis import SCORES, AnalysisThresholds, DistributionData, StageData, WindowData, analyze, summarize
from .forecast import Bin
from .slo_report import SloReader

if TYPE_CHECKING:
    from google.cloud.monitoring_v3 import MetricServiceClient, ServiceMonitoringServiceClient

__all__ = [
    "BAND_METRIC",
    "HISTORY_S",
    "PerformanceReporter",
    "band_values",
    "http_report",
    "parse_flag",
    "parse_window",
]

HISTORY_S = 7 * 86_400
"""How much run history the forecast reads: a week, so the hour of day is learned from several days."""
HISTORY_STEP_S = 300
BAND_METRIC = "pipeline_success_forecast_band"
"""Where the forecast's intervals and the realised rate go, beside ``pipeline_success_forecast``
(the next hour's point forecast): labels ``horizon`` 1h/6h and ``line``
forecast/low_80/high_80/low_95/high_95/realised, so a chart draws the band and what happened."""


def parse_window(text: str) -> int:
    """``90s``, ``15m``, ``1h``, ``2d`` → seconds (at least 60, as alignment periods must be)."""
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not match:
        raise ValueError(f"a window is a number and a unit (s, m, h or d), such as 1h; got {text!r}")
    seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds < 60:
        raise ValueError(f"a window must be at least 60 s, got {text!r}")
    return seconds


def parse_flag(text: str, field: str) -> bool:
    """``true``/``false`` (or 1/0, yes/no), as a query parameter gives it; ValueError naming ``field``."""
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no", ""):
        return False
    raise ValueError(f"{field} is true or false, got {text!r}")


def _distribution(value: Any, metric: str) -> DistributionData | None:
    dist = value.distribution_value
    if not dist.count:
        return None
    buckets = spec(metric).buckets
    assert buckets is not None  # every distribution metric has bucket options in the catalog
    has_range = dist.range.max != 0 or dist.range.min != 0
    return DistributionData(
        buckets.bounds(),
        list(dist.bucket_counts),
        int(dist.count),
        float(dist.mean),
        float(dist.sum_of_squared_deviation),
        float(dist.range.min) if has_range else None,
        float(dist.range.max) if has_range else None,
    )


class PerformanceReporter:
    """Summary, analysis and health figures from Monitoring through injected clients.

    ``services`` reads the SLO; when not given it is built by the client factory on the first
    report that needs it (a health probe never does)."""

    def __init__(
        self,
        settings: Settings,
        client: MetricServiceClient,
        clock: Callable[[], float] = time.time,
        services: ServiceMonitoringServiceClient | None = None,
    ) -> None:
        self._settings, self._client, self._clock = settings, client, clock
        self._project = settings.require_project()
        self._retry = Retry(predicate=is_transient, initial=0.2, maximum=2.0, timeout=30.0)
        self._services = services
        self._slo = SloReader(self._project, client, self._service_client, self._retry)

    def _service_client(self) -> ServiceMonitoringServiceClient:
        if self._services is None:
            from helios_metrics.contract import ClientFactory

            self._services = ClientFactory(self._settings).service_monitoring()
        return self._services

    def slo(self, end: int | None = None) -> dict[str, Any]:
        """The success SLO at ``end`` (default now): budget left over its period, burn rates over
        the last hour and six hours, and when the budget is gone at each (``found`` False and a
        ``reason`` when the project has no such SLO)."""
        return self._slo.read(int(self._clock()) if end is None else end)

    def _query(
        self, metric: str, start: int, end: int, group_by: tuple[str, ...] = (), step: int | None = None
    ) -> list[Any]:
        reduction = spec(metric).reduction
        request = {
            "name": f"projects/{self._project}",
            "filter": f'metric.type = "{spec(metric).type}" AND resource.type = "generic_task"',
            "interval": {"start_time": {"seconds": start}, "end_time": {"seconds": end}},
            "aggregation": {
                "alignment_period": {"seconds": step or end - start},
                "per_series_aligner": reduction.aligner,
                "cross_series_reducer": reduction.reducer,
                "group_by_fields": [f"metric.labels.{key}" for key in group_by],
            },
        }
        return list(self._client.list_time_series(request=request, retry=self._retry, timeout=30.0))

    def window(self, start: int, end: int) -> WindowData:
        """Every figure of the window (start, end] (epoch seconds)."""
        runs = {
            ts.metric.labels["status"]: int(ts.points[0].value.int64_value)
            for ts in self._query("pipeline_runs", start, end, ("status",))
            if ts.points
        }
        execution = next(
            (
                _distribution(ts.points[0].value, "pipeline_execution_time")
                for ts in self._query("pipeline_execution_time", start, end)
                if ts.points
            ),
            None,
        )
        durations = {
            ts.metric.labels["stage"]: _distribution(ts.points[0].value, "stage_duration")
            for ts in self._query("stage_duration", start, end, ("stage",))
            if ts.points
        }
        stage_runs: dict[str, dict[str, int]] = {}
        for ts in self._query("stage_runs", start, end, ("stage", "status")):
            if ts.points:
                stage_runs.setdefault(ts.metric.labels["stage"], {})[ts.metric.labels["status"]] = int(
                    ts.points[0].value.int64_value
                )
        stages = {
            name: StageData(durations.get(name), stage_runs.get(name, {}))
            for name in sorted(set(durations) | set(stage_runs))
        }
        scores: dict[str, float | None] = {}
        for name in SCORES:
            found = [_distribution(ts.points[0].value, name) for ts in self._query(name, start, end) if ts.points]
            scores[name] = found[0].mean if found and found[0] is not None else None
        return WindowData(start, end, runs, execution, stages, scores)

    def history(self, start: int, end: int, step: int = HISTORY_STEP_S) -> list[Bin]:
        """Run outcomes of (start, end] in ``step``-long bins, as the forecast reads them: the runs
        by status and the failed stage runs by stage, the counts of every instance summed per bin
        (two ListTimeSeries)."""
        cells: dict[int, tuple[list[int], dict[str, int]]] = {}
        for ts in self._query("pipeline_runs", start, end, ("status",), step):
            success = ts.metric.labels["status"] == "success"
            for point in type(ts).pb(ts).points:  # the raw messages: proto-plus returns datetimes here
                counts = cells.setdefault(point.interval.end_time.seconds, ([0, 0], {}))[0]
                counts[0] += success * point.value.int64_value
                counts[1] += point.value.int64_value
        for ts in self._query("stage_runs", start, end, ("stage", "status"), step):
            if ts.metric.labels["status"] != "failure":
                continue
            stage = ts.metric.labels["stage"]
            for point in type(ts).pb(ts).points:
                if point.value.int64_value and point.interval.end_time.seconds in cells:
                    failed = cells[point.interval.end_time.seconds][1]
                    failed[stage] = failed.get(stage, 0) + point.value.int64_value
        return [Bin(t, ok, runs, stages) for t, ((ok, runs), stages) in sorted(cells.items()) if runs]

    def summary(self, window_s: int = 3600) -> dict[str, Any]:
        end = int(self._clock())
        return summarize(self.window(end - window_s, end), self.slo(end))

    def analysis(
        self, window_s: int = 3600, limits: AnalysisThresholds | None = None, write: bool = False
    ) -> dict[str, Any]:
        """Trends against the previous window, the forecast and optimization triggers — read only,
        unless ``write``: then the forecast is also written back as ``pipeline_success_forecast``
        and its band as :data:`BAND_METRIC` (``forecast.written``; ``forecast.write_error`` says
        why a write was refused)."""
        end = int(self._clock())
        current = self.window(end - window_s, end)
        previous = self.window(end - 2 * window_s, end - window_s)
        history = self.history(end - HISTORY_S, end)
        result = analyze(current, previous, history, limits, self.slo(end))
        forecast = result["forecast"]
        forecast["written"] = False
        if write and forecast["next_hour_success_rate"] is not None:
            error = self._write_forecast(forecast, end)
            forecast["written"] = error is None
            if error is not None:
                forecast["write_error"] = error
        return result

    def _write_forecast(self, forecast: Mapping[str, Any], end_s: int) -> str | None:
        """Write the forecast at ``end_s`` (and its band, see :data:`BAND_METRIC`); None when
        written, else why not."""
        resource = ResourceIdentity("analysis", location=self._settings.location).labels(0)
        metric = spec("pipeline_success_forecast")
        band = spec(BAND_METRIC)
        points = [
            SeriesPoint(
                metric.type, {}, resource, end_s * NS, metric.value_type, forecast["next_hour_success_rate"], None, 0
            ),
            *(
                SeriesPoint(band.type, labels, resource, end_s * NS, band.value_type, value, None, 0)
                for labels, value in band_values(forecast)
            ),
        ]
        writer = MonitoringWriter(self._client, self._project)
        report = writer.write(points, time.monotonic() + 10)
        if report.written:
            return None
        return next((reason for _, reason in report.permanent + report.transient), "not written")

    def last_write_age_s(self, timeout: float = 5.0) -> float | None:
        """Seconds since the collector last completed a run, within a day: the newest point of its
        heartbeat (``collector_runs``, written at the end of every completed run, also one that
        pulled nothing — an idle collector is a healthy one), across every instance and lane.
        One attempt, ``timeout`` long: this is a health probe."""
        end = int(self._clock())
        request = {
            "name": f"projects/{self._project}",
            "filter": f'metric.type = "{spec("collector_runs").type}"',
            "interval": {"start_time": {"seconds": end - 86400}, "end_time": {"seconds": end + 300}},
            "view": "FULL",
        }
        newest = max(
            (
                p.interval.end_time.seconds  # the raw messages: proto-plus returns datetimes here
                for ts in self._client.list_time_series(request=request, retry=None, timeout=timeout)
                for p in type(ts).pb(ts).points
            ),
            default=None,
        )
        return None if newest is None else max(0.0, self._clock() - newest)


def band_values(forecast: Mapping[str, Any]) -> list[tuple[dict[str, str], float]]:
    """The band's points, (labels, value): each horizon's forecast, its 80 % and 95 % bounds and
    the realised rate of the hour (or six hours) just ended — the rate the forecast made then aimed
    at. A line without a value (no runs) is left out."""
    six = forecast["next_six_hours"]
    horizons = {
        "1h": (forecast["next_hour_success_rate"], forecast["interval_80"], forecast["interval_95"]),
        "6h": (six["success_rate"], six["interval_80"], six["interval_95"]),
    }
    realised = {"1h": forecast["realised_last_hour"]["rate"], "6h": forecast["six_hour_share"]["rate"]}
    out = []
    for horizon, (rate, i80, i95) in horizons.items():
        lines = {
            "forecast": rate,
            "low_80": i80[0],
            "high_80": i80[1],
            "low_95": i95[0],
            "high_95": i95[1],
            "realised": realised[horizon],
        }
        out += [({"horizon": horizon, "line": line}, float(v)) for line, v in lines.items() if v is not None]
    return out


def http_report(reporter: PerformanceReporter, args: Mapping[str, str]) -> tuple[dict[str, Any], int]:
    """The ``performance_report`` function's answer to ``?window=1h&write_forecast=false``: the
    analysis and 200; 400 naming the bad parameter; 500 when a forecast asked to be written was
    not (so the scheduler shows the failed run)."""
    try:
        window = parse_window(args.get("window", "1h"))
        write = parse_flag(args.get("write_forecast", "false"), "write_forecast")
    except ValueError as err:
        return {"error": str(err)}, 400
    analysis = reporter.analysis(window, write=write)
    return analysis, 500 if "write_error" in analysis["forecast"] else 200
