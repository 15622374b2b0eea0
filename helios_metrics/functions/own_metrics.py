"""The run's own points after its acknowledgements: its write errors (``collector_write_errors``)
and, for a run that completed, its heartbeat (``collector_runs``) — whose absence is how an
operator learns that the collector stopped, which no other alert can tell from a quiet day.

Best effort, in one request, retried for 5 s at most whatever is left of the run's budget: a
failure is logged and never fails or holds up the run (the next run beats again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from google.api_core import exceptions

from helios_metrics.contract.catalog import spec

from .aggregate import AggregationLimits, WindowAggregator
from .timeseries import LaneBook, ResourceIdentity, heartbeat, to_series_points
from .writer import MonitoringWriter, WriteReport

__all__ = ["OwnMetrics"]

_log = logging.getLogger("functions.collector")
_OWN_WRITE_S = 5.0  # the run's own points are retried this long at most


class OwnMetrics:
    """Writes a run's own points on the instance's lanes (``lanes``, shared with the collector);
    ``clock`` is the wall clock in ns, ``monotonic`` the writer's."""

    def __init__(
        self,
        writer: MonitoringWriter,
        lanes: LaneBook,
        resource: ResourceIdentity,
        limits: AggregationLimits,
        clock: Callable[[], int],
        monotonic: Callable[[], float],
    ) -> None:
        self._writer, self._lanes, self._resource, self._limits = writer, lanes, resource, limits
        self._clock, self._monotonic = clock, monotonic

    def write(self, report: WriteReport, beat: bool) -> bool:
        """This run's write errors as counted in ``report`` and, with ``beat``, the heartbeat
        stamped now. True when the heartbeat landed."""
        transient = report.transient_errors + len(report.transient)
        now = self._clock()
        aggregator = WindowAggregator(self._limits, now)
        end = aggregator.window_end(now)
        if transient:
            aggregator.add_counts("collector_write_errors", ("transient",), end, transient)
        if report.permanent:
            aggregator.add_counts("collector_write_errors", ("permanent",), end, len(report.permanent))
        points = to_series_points(aggregator.points(), self._lanes, self._resource)
        beat_point = heartbeat(now, self._lanes, self._resource) if beat else None
        points += [beat_point] if beat_point is not None else []
        if not points:
            return False
        self._writer.ensure_descriptors_best_effort({spec(point.metric_type) for point in points})
        try:
            own = self._writer.write(points, self._monotonic() + _OWN_WRITE_S)
        except exceptions.GoogleAPIError as err:  # the writer sorts call errors; nothing else may fail the run
            _log.error("could not write the run's own metrics (%s)", err)
            return False
        for point, reason in own.transient + own.permanent:
            _log.error("the run's own point %s was not written: %s", point.metric_type, reason)
        return any(point is beat_point for point in own.written)
