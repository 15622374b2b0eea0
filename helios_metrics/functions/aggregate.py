"""The pure aggregation core: decoded events in, one aggregate per (metric, labels, window) out.

No I/O, no clock, no environment: the caller passes the time. Event time decides the window
(``[start, start + window)``, aligned to the epoch), so late, replayed or back-dated events land
where they happened. State grows with the number of series and windows, not with events.

Counts of runs (``pipeline_runs``, ``pipeline_run_count``, ``stage_runs``) come in pairs: in every
window where a series had runs, the other status gets a zero-valued point, so a share of runs
(successes over all, failures over all) exists whenever there were runs — a window with no failures
measures 0 % failures instead of having no failure point at all, and an incident on that share can
close. A zero adds nothing to any sum, so it belongs to no message: it is never journaled and never
holds an acknowledgement.

Every point here is one window's own value, whatever the metric's kind: for the CUMULATIVE
``pipeline_run_count`` it is the window's increase (its runs), which :mod:`helios_metrics.functions.timeseries`
adds to the series' running total when the point is written.

The per-event loop is the collector's hot path (targets: 300,000 events/s with decoding, on one
core). Events of one kind, stage and window share a *cell* holding references to all the
accumulators they feed (:mod:`helios_metrics.functions._cell_book`), so an event costs one dict lookup plus the
arithmetic. What a message added is reported as the :class:`~helios_metrics.functions.contribution.Contribution`
values it touched, which is what the collector's accounting works in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from helios_metrics.contract.catalog import MetricSpec, spec
from helios_metrics.contract.units import NS
from helios_metrics.contract.wire import Event, MetricEvent, PipelineEvent, StageEvent

from ._accumulators import FOLD_AT, DistributionValue, Mean
from ._cell_book import CellBook
from .contribution import Contribution

__all__ = [
    "AggregatedPoint",
    "AggregationLimits",
    "DistributionValue",
    "MessageOutcome",
    "WindowAggregator",
    "paired_zeros",
]

_OTHER_STATUS = {"failure": "success", "success": "failure"}
_LAG = spec("collector_lag")
_PAIRED = frozenset({"pipeline_runs", "pipeline_run_count", "stage_runs"})  # counts of runs by status: in pairs


@dataclass(frozen=True)
class AggregationLimits:
    window_ns: int = 60 * NS
    max_past_ns: int = (25 * 3600 - 300) * NS
    """Windows ending earlier than now minus this are expired: Monitoring refuses points older
    than 25 h (with 5 minutes' margin for the run itself)."""
    max_future_ns: int = 270 * NS
    """Windows ending later than now plus this come from a skewed clock: Monitoring refuses points
    more than 5 minutes ahead."""
    max_stages: int = 256
    max_data_keys: int = 32


@dataclass(frozen=True)
class AggregatedPoint:
    metric: MetricSpec
    labels: dict[str, str]
    window_end_ns: int
    value: int | float | DistributionValue
    contribution: Contribution | None = None
    """The aggregate it is (what :class:`MessageOutcome` lists); None for a point that carries no
    message's events (a pair's zero, the collector's lag)."""


@dataclass(frozen=True)
class MessageOutcome:
    """What one message added: the contributions its events went into and how its events fared."""

    contributions: frozenset[Contribution]
    processed: int = 0
    expired: int = 0
    future: int = 0
    refused: int = 0


class WindowAggregator:
    """Accumulates events of many messages; :meth:`points` gives one value per contribution."""

    def __init__(self, limits: AggregationLimits, now_ns: int) -> None:
        self._window = limits.window_ns
        self._oldest_end = now_ns - limits.max_past_ns
        self._newest_end = now_ns + limits.max_future_ns
        self._now = now_ns
        self._book = CellBook(limits.max_stages, limits.max_data_keys)
        self._own: set[int] = set()  # ids only the collector's own counts went into
        self._serial = 0
        lag = _LAG.buckets
        assert lag is not None
        self.lag = DistributionValue(lag, lag.bounds())

    def window_end(self, t_ns: int) -> int:
        return t_ns - t_ns % self._window + self._window

    # --- adding events ------------------------------------------------------------------------
    def add_message(self, events: Sequence[Event], skip: Collection[Contribution] = ()) -> MessageOutcome:
        """Add one message's events. ``skip``: contributions already written for this message in
        an earlier run (a redelivery after a partial failure) — not added a second time."""
        self._serial += 1
        serial = self._serial
        touched: set[int] = set()
        expired = future = refused = 0
        window, oldest, newest = self._window, self._oldest_end, self._newest_end
        book = self._book
        stage_cells, pipeline_cells, live = book.stage_cells, book.pipeline_cells, book.live
        filled: list[DistributionValue] = []  # distributions this message added to: folded at its end
        processed = seen = times = 0
        for event in events:
            t = event.t
            end = t - t % window + window
            if end < oldest:
                expired += 1
                continue
            if end > newest:
                future += 1
                continue
            seen += 1
            times += t
            if skip:
                done, refusals = book.add_skipping(event, end, skip, touched)
                processed += done
                refused += refusals
            elif type(event) is StageEvent:
                stage = event.stage
                cell = stage_cells.get((stage, event.success, end))
                if cell is None:
                    cell = book.stage_cell(stage, event.success, end)
                    if cell is None:
                        refused += 1
                        continue
                processed += 1
                cell.duration.pending.append(event.duration)
                cell.runs += 1
                cell.errors += event.error_count
                if cell.stamp != serial:
                    cell.stamp = serial
                    touched.update(cell.ids)
                    live.update(cell.ids)
                    filled.append(cell.duration)
                data = event.data
                if data:
                    means = cell.means
                    for key, value in data.items():
                        mean = means.get(key) or book.mean_cell(stage, key, end)
                        if mean is None:
                            refused += 1
                            continue
                        mean.total += value
                        mean.count += 1
                        if mean.stamp != serial:
                            mean.stamp = serial
                            touched.add(mean.ident)
                            live.add(mean.ident)
            elif type(event) is MetricEvent:
                metric_cell = book.metric_cell(event, end)
                processed += 1
                metric_cell.add(event.value)
                if metric_cell.stamp != serial:
                    metric_cell.stamp = serial
                    touched.add(metric_cell.ident)
                    live.add(metric_cell.ident)
            elif type(event) is PipelineEvent:
                run = pipeline_cells.get((event.success, end)) or book.pipeline_cell(event.success, end)
                processed += 1
                run.execution.pending.append(event.execution_time)
                run.runs += 1
                scores = run.scores
                scores[0].pending.append(event.trend_opportunity_score)
                scores[1].pending.append(event.audience_confidence)
                scores[2].pending.append(event.design_generation_success)
                scores[3].pending.append(event.publication_success)
                if run.stamp != serial:
                    run.stamp = serial
                    touched.update(run.ids)
                    live.update(run.ids)
                    filled.append(run.execution)
                    filled.extend(scores)
        for distribution in filled:
            if len(distribution.pending) >= FOLD_AT:
                distribution.fold()
        if seen and self._now * seen > times:  # the lag, once per message: its events were published together
            self.lag.add_many((self._now - times / seen) / NS, seen)
        keys = book.keys
        contributions = frozenset([keys[ident] for ident in touched])
        return MessageOutcome(contributions, processed, expired, future, refused)

    def add_counts(self, metric_name: str, labels: tuple[str, ...], end_ns: int, amount: int) -> None:
        """Add to a count or sum directly (the collector's own metrics): a point of no message."""
        metric = spec(metric_name)
        ident = self._book.slot(Contribution(metric.name, labels, end_ns), metric)
        self._book.add_to_count(ident, amount)
        self._own.add(ident)

    # --- results ---------------------------------------------------------------------------------
    def points(self) -> list[AggregatedPoint]:
        """One point per contribution that something contributed to, and the pairs' zeros."""
        book = self._book
        book.drain_cells()
        self.lag.fold()
        out = []
        for ident in sorted(book.live | self._own):
            key = book.keys[ident]
            value = book.values[ident]
            metric = spec(key.metric)
            labelled = dict(zip(metric.label_keys, key.labels, strict=True))
            final = value.total / value.count if isinstance(value, Mean) else value
            carried = key if ident in book.live else None  # some message's events are in it
            out.append(AggregatedPoint(metric, labelled, key.window_end_ns, final, carried))
        return out + paired_zeros(out)

    def lag_point(self) -> AggregatedPoint | None:
        """The collector's own ``collector_lag`` for the messages added so far (how late their
        events arrived), in the window of now; None when nothing was added."""
        self.lag.fold()
        return AggregatedPoint(_LAG, {}, self.window_end(self._now), self.lag) if self.lag.count else None


def paired_zeros(points: Sequence[AggregatedPoint]) -> list[AggregatedPoint]:
    """For each run count among ``points`` whose other status has no point in the same window (same
    stage), a zero point of that other status; they carry no contribution."""
    counted = [p for p in points if p.metric.name in _PAIRED]
    present = {(p.metric.name, tuple(p.labels.items()), p.window_end_ns) for p in counted}
    zeros: list[AggregatedPoint] = []
    for point in counted:
        other = {**point.labels, "status": _OTHER_STATUS[point.labels["status"]]}
        key = (point.metric.name, tuple(other.items()), point.window_end_ns)
        if key not in present:
            present.add(key)
            zeros.append(AggregatedPoint(point.metric, other, point.window_end_ns, 0))
    return zeros
