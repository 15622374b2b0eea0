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
``pipeline_run_count`` it is the window's increase (its runs), which :mod:`functions.timeseries`
adds to the series' running total when the point is written.

The per-event loop is the collector's hot path (targets: 300,000 events/s with decoding, on one
core). Events of one kind, stage and window share a *cell* holding references to all the
accumulators they feed, so an event costs one dict lookup plus the arithmetic.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import cast

from contract.catalog import MetricSpec, spec
from contract.units import NS
from contract.wire import Event, MetricEvent, PipelineEvent, StageEvent

from ._accumulators import FOLD_AT, DistributionValue, Mean, MetricCell, PipelineCell, StageCell

__all__ = [
    "AggregatedPoint",
    "AggregationLimits",
    "ContributionKey",
    "DistributionValue",
    "MessageOutcome",
    "WindowAggregator",
    "paired_zeros",
]

ContributionKey = tuple[str, tuple[str, ...], int]
"""(metric name, label values in catalog order, window end in ns): one future point."""

_Value = int | float | DistributionValue | Mean  # what a contribution accumulates into
_STATUS = ("failure", "success")  # indexed by the bool
_OTHER_STATUS = {"failure": "success", "success": "failure"}
_PIPELINE = spec("pipeline_execution_time")
_SCORES = tuple(
    spec(name)
    for name in ("trend_opportunity_score", "audience_confidence", "design_generation_success", "publication_success")
)
_LAG = spec("collector_lag")
_RUNS, _RUN_COUNT, _STAGE_DURATION, _STAGE_RUNS, _STAGE_ERRORS, _STAGE_VALUE = (
    spec(n)
    for n in ("pipeline_runs", "pipeline_run_count", "stage_duration", "stage_runs", "stage_errors", "stage_value")
)
_PAIRED = frozenset({_RUNS.name, _RUN_COUNT.name, _STAGE_RUNS.name})  # counts of runs by status: in pairs


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
    ident: int = -1
    """The contribution id (what :class:`MessageOutcome` lists); -1 for points made elsewhere."""


@dataclass
class MessageOutcome:
    """What one message contributed: the points it touched (ids) and how its events fared."""

    contributions: set[int] = field(default_factory=set)
    processed: int = 0
    expired: int = 0
    future: int = 0
    refused: int = 0


class WindowAggregator:
    """Accumulates events of many messages; :meth:`points` gives one value per contribution key."""

    def __init__(self, limits: AggregationLimits, now_ns: int) -> None:
        self._limits = limits
        self._window = limits.window_ns
        self._oldest_end = now_ns - limits.max_past_ns
        self._newest_end = now_ns + limits.max_future_ns
        self._now = now_ns
        self._ids: dict[ContributionKey, int] = {}
        self._keys: list[ContributionKey] = []
        self._values: list[_Value] = []
        self._stage_keys: dict[str, set[str]] = {}
        self._stage_cells: dict[tuple[str, bool, int], StageCell] = {}
        self._pipeline_cells: dict[tuple[bool, int], PipelineCell] = {}
        self._stage_means: dict[tuple[str, int], dict[str, Mean]] = {}
        self._metric_cells: dict[tuple[str, tuple[tuple[str, str], ...], int], MetricCell] = {}
        self._serial = 0
        self._live: set[int] = set()  # ids some event (or count) contributed to
        lag = spec("collector_lag").buckets
        assert lag is not None
        self.lag = DistributionValue(lag, lag.bounds())

    @property
    def keys(self) -> Sequence[ContributionKey]:
        return self._keys

    def window_end(self, t_ns: int) -> int:
        return t_ns - t_ns % self._window + self._window

    # --- accumulators -----------------------------------------------------------------------
    def _slot(self, key: ContributionKey, metric: MetricSpec) -> int:
        """The id of a contribution key, creating its accumulator on first use."""
        ident = self._ids.get(key)
        if ident is None:
            ident = self._ids[key] = len(self._keys)
            self._keys.append(key)
            if metric.aggregation == "distribution":
                buckets = metric.buckets
                assert buckets is not None
                self._values.append(DistributionValue(buckets, buckets.bounds()))
            elif metric.aggregation == "mean":
                self._values.append(Mean(ident))
            else:
                self._values.append(0)
        return ident

    def _admit_stage(self, stage: str) -> bool:
        if stage not in self._stage_keys:
            if len(self._stage_keys) >= self._limits.max_stages:
                return False
            self._stage_keys[stage] = set()
        return True

    def _admit_key(self, stage: str, key: str) -> bool:
        known = self._stage_keys[stage]
        if key not in known:
            if len(known) >= self._limits.max_data_keys:
                return False
            known.add(key)
        return True

    def _stage_cell(self, stage: str, success: bool, end: int) -> StageCell | None:
        """The cell of (stage, success, window); None when the stage cap refuses a new stage."""
        cell = self._stage_cells.get((stage, success, end))
        if cell is None:
            if not self._admit_stage(stage):
                return None
            status = _STATUS[success]
            ids = (
                self._slot((_STAGE_DURATION.name, (stage, status), end), _STAGE_DURATION),
                self._slot((_STAGE_RUNS.name, (stage, status), end), _STAGE_RUNS),
                self._slot((_STAGE_ERRORS.name, (stage,), end), _STAGE_ERRORS),
            )
            means = self._stage_means.setdefault((stage, end), {})
            cell = StageCell(self._distribution(ids[0]), ids, means)
            self._stage_cells[(stage, success, end)] = cell
        return cell

    def _mean_cell(self, stage: str, key: str, end: int) -> Mean | None:
        means = self._stage_means.setdefault((stage, end), {})
        cell = means.get(key)
        if cell is None:
            if not self._admit_key(stage, key):
                return None
            ident = self._slot((_STAGE_VALUE.name, (stage, key), end), _STAGE_VALUE)
            cell = means[key] = cast(Mean, self._values[ident])
        return cell

    def _pipeline_cell(self, success: bool, end: int) -> PipelineCell:
        cell = self._pipeline_cells.get((success, end))
        if cell is None:
            status = _STATUS[success]
            ids = (
                self._slot((_PIPELINE.name, (status,), end), _PIPELINE),
                self._slot((_RUNS.name, (status,), end), _RUNS),
                self._slot((_RUN_COUNT.name, (status,), end), _RUN_COUNT),
                *(self._slot((score.name, (), end), score) for score in _SCORES),
            )
            scores = tuple(self._distribution(i) for i in ids[3:])
            cell = self._pipeline_cells[(success, end)] = PipelineCell(self._distribution(ids[0]), scores, ids)
        return cell

    def _distribution(self, ident: int) -> DistributionValue:
        value = self._values[ident]
        assert isinstance(value, DistributionValue)  # _slot made one for every distribution metric
        return value

    def _add_to_count(self, ident: int, amount: float) -> None:
        value = self._values[ident]
        assert isinstance(value, int | float)  # counts and sums are plain numbers
        self._values[ident] = value + amount

    # --- folding events in ------------------------------------------------------------------------
    def add_message(self, events: Sequence[Event], skip: Collection[ContributionKey] = ()) -> MessageOutcome:
        """Fold one message's events in. ``skip``: contributions already written for this message
        in an earlier run (a redelivery after a partial failure) — not added a second time."""
        self._serial += 1
        serial = self._serial
        outcome = MessageOutcome()
        touched = outcome.contributions
        window, oldest, newest = self._window, self._oldest_end, self._newest_end
        stage_cells, pipeline_cells = self._stage_cells, self._pipeline_cells
        live = self._live
        filled: list[DistributionValue] = []  # distributions this message added to: folded at its end
        processed = seen = times = 0
        for event in events:
            t = event.t
            end = t - t % window + window
            if end < oldest:
                outcome.expired += 1
                continue
            if end > newest:
                outcome.future += 1
                continue
            seen += 1
            times += t
            if skip:
                self._add_skipping(event, end, skip, outcome)
            elif type(event) is StageEvent:
                stage = event.stage
                cell = stage_cells.get((stage, event.success, end))
                if cell is None:
                    cell = self._stage_cell(stage, event.success, end)
                    if cell is None:
                        outcome.refused += 1
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
                        mean = means.get(key) or self._mean_cell(stage, key, end)
                        if mean is None:
                            outcome.refused += 1
                            continue
                        mean.total += value
                        mean.count += 1
                        if mean.stamp != serial:
                            mean.stamp = serial
                            touched.add(mean.ident)
                            live.add(mean.ident)
            elif type(event) is MetricEvent:
                metric_cell = self._metric_cell(event, end)
                processed += 1
                metric_cell.add(event.value)
                if metric_cell.stamp != serial:
                    metric_cell.stamp = serial
                    touched.add(metric_cell.ident)
                    live.add(metric_cell.ident)
            elif type(event) is PipelineEvent:
                run = pipeline_cells.get((event.success, end)) or self._pipeline_cell(event.success, end)
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
        outcome.processed += processed
        if seen and self._now * seen > times:  # the lag, once per message: its events were published together
            self.lag.add_many((self._now - times / seen) / NS, seen)
        return outcome

    def _metric_cell(self, event: MetricEvent, end: int) -> MetricCell:
        labels = event.labels
        pairs = tuple(labels.items()) if len(labels) < 2 else tuple(sorted(labels.items()))
        cell = self._metric_cells.get((event.name, pairs, end))
        if cell is None:
            metric = spec(event.name)
            ident = self._slot((metric.name, tuple(labels[k] for k in metric.label_keys), end), metric)
            value = self._values[ident]
            cell = MetricCell(value if isinstance(value, DistributionValue | Mean) else None, ident)
            self._metric_cells[(metric.name, pairs, end)] = cell
        return cell

    def _add_skipping(self, event: Event, end: int, skip: Collection[ContributionKey], outcome: MessageOutcome) -> None:
        """A redelivered message after a partial failure: add only what was not written yet."""

        def take(ident: int) -> bool:
            if self._keys[ident] in skip:
                return False
            outcome.contributions.add(ident)
            self._live.add(ident)
            return True

        if type(event) is StageEvent:
            cell = self._stage_cell(event.stage, event.success, end)
            if cell is None:
                outcome.refused += 1
                return
            outcome.processed += 1
            duration_id, runs_id, errors_id = cell.ids
            if take(duration_id):
                cell.duration.add(event.duration)
            if take(runs_id):
                cell.runs += 1
            if take(errors_id):
                cell.errors += event.error_count
            for key, value in (event.data or {}).items():
                mean = self._mean_cell(event.stage, key, end)
                if mean is None:
                    outcome.refused += 1
                elif take(mean.ident):
                    mean.total += value
                    mean.count += 1
        elif type(event) is MetricEvent:
            metric_cell = self._metric_cell(event, end)
            outcome.processed += 1
            if take(metric_cell.ident):
                metric_cell.add(event.value)
        elif type(event) is PipelineEvent:
            pipeline = self._pipeline_cell(event.success, end)
            outcome.processed += 1
            if take(pipeline.ids[0]):
                pipeline.execution.add(event.execution_time)
            for ident in pipeline.ids[1:3]:  # pipeline_runs and pipeline_run_count: each written on its own
                if take(ident):
                    self._add_to_count(ident, 1)
            scores = (
                event.trend_opportunity_score,
                event.audience_confidence,
                event.design_generation_success,
                event.publication_success,
            )
            for distribution, ident, value in zip(pipeline.scores, pipeline.ids[3:], scores, strict=True):
                if take(ident):
                    distribution.add(value)

    def add_counts(self, metric_name: str, labels: tuple[str, ...], end_ns: int, amount: int) -> None:
        """Add to a count or sum directly (the collector's own metrics)."""
        metric = spec(metric_name)
        ident = self._slot((metric.name, labels, end_ns), metric)
        self._add_to_count(ident, amount)
        self._live.add(ident)

    # --- results ---------------------------------------------------------------------------------
    def _fold_cells(self) -> None:
        """Move the counts kept in cells into the values list (idempotent)."""
        values = self._values
        for cell in self._stage_cells.values():
            self._add_to_count(cell.ids[1], cell.runs)
            self._add_to_count(cell.ids[2], cell.errors)
            cell.runs = cell.errors = 0
        for pipeline in self._pipeline_cells.values():
            self._add_to_count(pipeline.ids[1], pipeline.runs)  # pipeline_runs
            self._add_to_count(pipeline.ids[2], pipeline.runs)  # pipeline_run_count: the same runs
            pipeline.runs = 0
        for metric in self._metric_cells.values():
            if metric.accumulator is None:
                self._add_to_count(metric.ident, metric.sum)
                metric.sum = 0
        for value in values:
            if isinstance(value, DistributionValue):
                value.fold()
        self.lag.fold()

    def points(self) -> list[AggregatedPoint]:
        """One point per contribution key that something contributed to."""
        self._fold_cells()
        out = []
        for ident in sorted(self._live):
            name, labels, end = self._keys[ident]
            value = self._values[ident]
            metric = spec(name)
            labelled = dict(zip(metric.label_keys, labels, strict=True))
            final = value.total / value.count if isinstance(value, Mean) else value
            out.append(AggregatedPoint(metric, labelled, end, final, ident))
        return out + paired_zeros(out)

    def lag_point(self) -> AggregatedPoint | None:
        """The collector's own ``collector_lag`` for the messages folded so far (how late their
        events arrived), in the window of now; None when nothing was folded."""
        self.lag.fold()
        return AggregatedPoint(_LAG, {}, self.window_end(self._now), self.lag) if self.lag.count else None


def paired_zeros(points: Sequence[AggregatedPoint]) -> list[AggregatedPoint]:
    """For each run count among ``points`` whose other status has no point in the same window (same
    stage), a zero point of that other status; they carry no contribution (``ident`` -1)."""
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
