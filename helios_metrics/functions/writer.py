"""The Monitoring writer: scheduled CreateTimeSeries requests, partial failures, careful retries.

Requests go out one at a time in schedule order (each series' windows oldest first). After a
partial failure only the failed series are retried, only on transient codes, with backoff, until
the run's deadline. A call that failed ambiguously (timeout, internal error) may have been applied:
if its retry is refused as "written in order" for a point we sent before, that point landed the
first time and counts as written — nothing is ever sent twice into a series. A point still
unwritten at the deadline after such an attempt may have landed: the report lists it as
*doubtful*, for the caller to read back.

A CUMULATIVE point's value is its lane counter's total plus its increase, asked of the counter when
the point is first sent — after the fate of every earlier point of its series is known, since each
series' points are in successive requests — and the counter is told the outcome after each
request (see :class:`~helios_metrics.functions.timeseries.Counter`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.cloud.monitoring_v3.types import metric, metric_service

from helios_metrics.contract.catalog import MetricSpec
from helios_metrics.contract.transient import AMBIGUOUS_CODES, code_name, is_transient_code
from helios_metrics.contract.units import NS

from ._protos import descriptor_for, time_series, timestamp
from .timeseries import SeriesPoint, schedule_requests
from .write_errors import SeriesFailure, parse_partial_failure

if TYPE_CHECKING:
    from google.cloud.monitoring_v3 import MetricServiceClient

__all__ = ["MonitoringWriter", "WriteReport", "descriptor_for"]

_log = logging.getLogger("functions.writer")
_REQUEST = metric_service.CreateTimeSeriesRequest
_SUMMARY = metric_service.CreateTimeSeriesSummary.pb()
_HELD = "held back: an earlier point of its series may have been written; it is read back first"


@dataclass
class WriteReport:
    written: list[SeriesPoint] = field(default_factory=list)
    transient: list[tuple[SeriesPoint, str]] = field(default_factory=list)
    permanent: list[tuple[SeriesPoint, str]] = field(default_factory=list)
    requests: int = 0
    transient_errors: int = 0
    """Failed attempts of points that were retried (a point retried twice counts twice)."""
    doubtful: list[SeriesPoint] = field(default_factory=list)
    """Points in ``transient`` that an ambiguous attempt carried: they may have landed."""


class MonitoringWriter:
    """Writes :class:`SeriesPoint` lists through an injected ``MetricServiceClient``."""

    def __init__(
        self,
        client: MetricServiceClient,
        project: str,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client, self._project = client, project
        self._timeout, self._clock, self._sleep = timeout_s, clock, sleep
        self._described: set[str] = set()

    def ensure_descriptors(self, specs: Iterable[MetricSpec]) -> None:
        """Create the catalog's descriptors this instance has not seen yet (Get first, Create on
        NOT_FOUND). One attempt each, never the client's retries: a write creates a missing
        descriptor anyway, so this must not hold a run up while Monitoring is unavailable."""
        for spec in specs:
            if spec.type in self._described:
                continue
            name = f"projects/{self._project}/metricDescriptors/{spec.type}"
            try:
                self._client.get_metric_descriptor(name=name, retry=None, timeout=self._timeout)
            except exceptions.NotFound:
                self._client.create_metric_descriptor(
                    name=f"projects/{self._project}",
                    metric_descriptor=descriptor_for(spec, self._project),
                    retry=None,
                    timeout=self._timeout,
                )
            self._described.add(spec.type)

    def ensure_descriptors_best_effort(self, specs: Iterable[MetricSpec]) -> None:
        """:meth:`ensure_descriptors`, a failure only logged: a write creates a missing descriptor
        anyway, and ``setup_infra`` fixes the rest."""
        try:
            self.ensure_descriptors(specs)
        except exceptions.GoogleAPIError as err:
            _log.warning("could not create metric descriptors (%s); writing anyway", err)

    def present(self, points: Sequence[tuple[str, dict[str, str], str, int]]) -> set[int]:
        """Which of these ``(metric type, metric labels, task_id, end ns)`` points Monitoring holds
        (indexes). One ListTimeSeries per metric type; a failure raises (the caller retries later)."""
        wanted: dict[str, dict[tuple[tuple[tuple[str, str], ...], str, int], int]] = {}
        for index, (metric_type, wanted_labels, task_id, end_ns) in enumerate(points):
            wanted.setdefault(metric_type, {})[(tuple(sorted(wanted_labels.items())), task_id, end_ns)] = index
        found: set[int] = set()
        for metric_type, keys in wanted.items():
            tasks = sorted({task for _, task, _ in keys})
            ends = [end for _, _, end in keys]
            quoted = ", ".join(json.dumps(t) for t in tasks)
            request = metric_service.ListTimeSeriesRequest(
                name=f"projects/{self._project}",
                filter=f'metric.type = "{metric_type}" AND resource.labels.task_id = one_of({quoted})',
                interval={"start_time": timestamp(min(ends) - NS), "end_time": timestamp(max(ends))},
            )
            for wrapped in self._client.list_time_series(request=request, timeout=self._timeout):
                series = metric.TimeSeries.pb(wrapped)
                labels = tuple(sorted(series.metric.labels.items()))
                task = series.resource.labels.get("task_id", "")
                for sample in series.points:
                    end = sample.interval.end_time
                    hit = keys.get((labels, task, end.seconds * NS + end.nanos))
                    if hit is not None:
                        found.add(hit)
        return found

    def write(self, points: Sequence[SeriesPoint], deadline: float) -> WriteReport:
        """Write everything before ``deadline`` (a ``clock()`` value) if the service allows."""
        report = WriteReport()
        for request in schedule_requests(points):
            self._write_request(request, deadline, report)
        return report

    def _send(self, points: list[SeriesPoint]) -> None:
        request = _REQUEST.pb()(name=f"projects/{self._project}")
        request.time_series.extend(time_series(p) for p in points)
        self._client.create_time_series(request=_REQUEST.wrap(request), retry=None, timeout=self._timeout)

    def _write_request(self, points: list[SeriesPoint], deadline: float, report: WriteReport) -> None:
        mark = len(report.written)
        sendable = []
        for point in points:  # a CUMULATIVE point waits while an earlier one of its lane is in doubt
            if point.counter is not None and point.counter.value(point.end_ns, point.increase) is None:
                report.transient.append((point, _HELD))
            else:
                sendable.append(point)
        unsure = self._attempt(sendable, deadline, report) if sendable else []
        report.doubtful.extend(unsure)
        landed, maybe = {id(p) for p in report.written[mark:]}, {id(p) for p in unsure}
        for point in sendable:
            counter = point.counter
            if counter is None:
                continue
            if id(point) in landed:
                counter.landed(point.end_ns, point.increase)
            elif id(point) in maybe:
                counter.unsure(point.end_ns, point.increase)
            else:
                counter.lost(point.end_ns)

    def _attempt(self, points: list[SeriesPoint], deadline: float, report: WriteReport) -> list[SeriesPoint]:
        """Send and retry one request's points; returns those left unwritten at the deadline after
        an attempt that may have been applied (the rest are sorted into the report)."""
        pending, sent_before = points, False
        attempt = 0
        while pending:
            report.requests += 1
            try:
                self._send(pending)
            except exceptions.GoogleAPICallError as err:
                pending, ambiguous = self._after_failure(err, pending, sent_before, report)
                sent_before = sent_before or ambiguous
            else:
                report.written.extend(pending)
                return []
            if not pending:
                return []
            attempt += 1
            pause = min(5.0, 0.2 * 2 ** (attempt - 1))
            if self._clock() + pause >= deadline:
                reason = f"not written before the run's deadline after {attempt} attempts"
                report.transient.extend((p, reason) for p in pending)
                return pending if sent_before else []
            report.transient_errors += len(pending)
            self._sleep(pause)
        return []

    def _after_failure(
        self, err: exceptions.GoogleAPICallError, pending: list[SeriesPoint], sent_before: bool, report: WriteReport
    ) -> tuple[list[SeriesPoint], bool]:
        """Sort the points of a failed call; return those to retry and whether it was ambiguous."""
        code = err.grpc_status_code.name if err.grpc_status_code is not None else "UNKNOWN"
        summary = _summary_of(err)
        if summary is None:  # the whole call failed
            if is_transient_code(code, err.message or ""):
                return pending, code in AMBIGUOUS_CODES
            reason = f"{code}: {err.message}"
            _log.error("CreateTimeSeries refused a whole request of %d points: %s", len(pending), reason)
            report.permanent.extend((p, reason) for p in pending)
            return [], False
        failures = parse_partial_failure(err.message or "", [e.status.code for e in summary.errors])
        unexplained = summary.total_point_count - summary.success_point_count - len(failures)
        retry: list[SeriesPoint] = []
        for index, point in enumerate(pending):
            failure = failures.get(index)
            if failure is None and unexplained > 0:
                failure = SeriesFailure(True, "failed without a stated reason")  # retried; see below
            if failure is None:
                report.written.append(point)
            elif failure.out_of_order and sent_before:
                report.written.append(point)  # an earlier ambiguous attempt had written it
            elif failure.transient:
                retry.append(point)
            else:
                _log.error("Monitoring refused %s %s: %s", point.metric_type, point.metric_labels, failure.reason)
                report.permanent.append((point, failure.reason))
        ambiguous = unexplained > 0 or any(code_name(e.status.code) in AMBIGUOUS_CODES for e in summary.errors)
        return retry, ambiguous


def _summary_of(err: exceptions.GoogleAPICallError) -> Any:  # the raw CreateTimeSeriesSummary, or None
    for detail in err.details or ():
        if hasattr(detail, "Is") and detail.Is(_SUMMARY.DESCRIPTOR):
            summary = _SUMMARY()
            detail.Unpack(summary)
            return summary
    return None
