"""The aggregation's bookkeeping: one accumulator per contribution, found by an int id, and the
cells through which an event reaches every accumulator it feeds with a single dict lookup.

Ids are this module's internal handle (an index into ``keys`` and ``values``); everything outside
the aggregation speaks of :class:`~helios_metrics.functions.contribution.Contribution` values.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

from helios_metrics.contract.catalog import MetricSpec, spec
from helios_metrics.contract.wire import Event, MetricEvent, PipelineEvent, StageEvent

from ._accumulators import DistributionValue, Mean, MetricCell, PipelineCell, StageCell
from .contribution import Contribution

__all__ = ["CellBook", "Value"]

Value = int | float | DistributionValue | Mean
"""What a contribution accumulates into."""
STATUS = ("failure", "success")  # indexed by the bool
_PIPELINE = spec("pipeline_execution_time")
_SCORES = tuple(
    spec(name)
    for name in ("trend_opportunity_score", "audience_confidence", "design_generation_success", "publication_success")
)
_RUNS, _RUN_COUNT, _STAGE_DURATION, _STAGE_RUNS, _STAGE_ERRORS, _STAGE_VALUE = (
    spec(n)
    for n in ("pipeline_runs", "pipeline_run_count", "stage_duration", "stage_runs", "stage_errors", "stage_value")
)


class CellBook:
    """The accumulators of one aggregation; ``live`` holds the ids some message's events went into.
    At most ``max_stages`` stages and ``max_data_keys`` data keys per stage get cells."""

    def __init__(self, max_stages: int, max_data_keys: int) -> None:
        self._max_stages, self._max_data_keys = max_stages, max_data_keys
        self.ids: dict[Contribution, int] = {}
        self.keys: list[Contribution] = []
        self.values: list[Value] = []
        self.live: set[int] = set()
        self.stage_cells: dict[tuple[str, bool, int], StageCell] = {}
        self.pipeline_cells: dict[tuple[bool, int], PipelineCell] = {}
        self.metric_cells: dict[tuple[str, tuple[tuple[str, str], ...], int], MetricCell] = {}
        self._stage_keys: dict[str, set[str]] = {}
        self._stage_means: dict[tuple[str, int], dict[str, Mean]] = {}

    # --- accumulators ---------------------------------------------------------------------------
    def slot(self, key: Contribution, metric: MetricSpec) -> int:
        """The id of a contribution, creating its accumulator on first use."""
        ident = self.ids.get(key)
        if ident is None:
            ident = self.ids[key] = len(self.keys)
            self.keys.append(key)
            if metric.aggregation == "distribution":
                buckets = metric.buckets
                assert buckets is not None
                self.values.append(DistributionValue(buckets, buckets.bounds()))
            elif metric.aggregation == "mean":
                self.values.append(Mean(ident))
            else:
                self.values.append(0)
        return ident

    def distribution(self, ident: int) -> DistributionValue:
        value = self.values[ident]
        assert isinstance(value, DistributionValue)  # slot() made one for every distribution metric
        return value

    def add_to_count(self, ident: int, amount: float) -> None:
        value = self.values[ident]
        assert isinstance(value, int | float)  # counts and sums are plain numbers
        self.values[ident] = value + amount

    # --- cells ----------------------------------------------------------------------------------
    def _admit_stage(self, stage: str) -> bool:
        if stage not in self._stage_keys:
            if len(self._stage_keys) >= self._max_stages:
                return False
            self._stage_keys[stage] = set()
        return True

    def _admit_key(self, stage: str, key: str) -> bool:
        known = self._stage_keys[stage]
        if key not in known:
            if len(known) >= self._max_data_keys:
                return False
            known.add(key)
        return True

    def stage_cell(self, stage: str, success: bool, end: int) -> StageCell | None:
        """The cell of (stage, success, window); None when the stage cap refuses a new stage."""
        cell = self.stage_cells.get((stage, success, end))
        if cell is None:
            if not self._admit_stage(stage):
                return None
            status = STATUS[success]
            ids = (
                self.slot(Contribution(_STAGE_DURATION.name, (stage, status), end), _STAGE_DURATION),
                self.slot(Contribution(_STAGE_RUNS.name, (stage, status), end), _STAGE_RUNS),
                self.slot(Contribution(_STAGE_ERRORS.name, (stage,), end), _STAGE_ERRORS),
            )
            means = self._stage_means.setdefault((stage, end), {})
            cell = StageCell(self.distribution(ids[0]), ids, means)
            self.stage_cells[(stage, success, end)] = cell
        return cell

    def mean_cell(self, stage: str, key: str, end: int) -> Mean | None:
        """The mean of a data key in (stage, window); None when the key cap refuses a new key."""
        means = self._stage_means.setdefault((stage, end), {})
        cell = means.get(key)
        if cell is None:
            if not self._admit_key(stage, key):
                return None
            ident = self.slot(Contribution(_STAGE_VALUE.name, (stage, key), end), _STAGE_VALUE)
            cell = means[key] = cast(Mean, self.values[ident])
        return cell

    def pipeline_cell(self, success: bool, end: int) -> PipelineCell:
        cell = self.pipeline_cells.get((success, end))
        if cell is None:
            status = STATUS[success]
            ids = (
                self.slot(Contribution(_PIPELINE.name, (status,), end), _PIPELINE),
                self.slot(Contribution(_RUNS.name, (status,), end), _RUNS),
                self.slot(Contribution(_RUN_COUNT.name, (status,), end), _RUN_COUNT),
                *(self.slot(Contribution(score.name, (), end), score) for score in _SCORES),
            )
            scores = tuple(self.distribution(i) for i in ids[3:])
            cell = self.pipeline_cells[(success, end)] = PipelineCell(self.distribution(ids[0]), scores, ids)
        return cell

    def metric_cell(self, event: MetricEvent, end: int) -> MetricCell:
        labels = event.labels
        pairs = tuple(labels.items()) if len(labels) < 2 else tuple(sorted(labels.items()))
        cell = self.metric_cells.get((event.name, pairs, end))
        if cell is None:
            metric = spec(event.name)
            ident = self.slot(Contribution(metric.name, tuple(labels[k] for k in metric.label_keys), end), metric)
            value = self.values[ident]
            cell = MetricCell(value if isinstance(value, DistributionValue | Mean) else None, ident)
            self.metric_cells[(metric.name, pairs, end)] = cell
        return cell

    def drain_cells(self) -> None:
        """Move the counts kept in cells into ``values`` and fold every distribution's waiting
        values in (idempotent: a drained cell holds zero)."""
        for cell in self.stage_cells.values():
            self.add_to_count(cell.ids[1], cell.runs)
            self.add_to_count(cell.ids[2], cell.errors)
            cell.runs = cell.errors = 0
        for pipeline in self.pipeline_cells.values():
            self.add_to_count(pipeline.ids[1], pipeline.runs)  # pipeline_runs
            self.add_to_count(pipeline.ids[2], pipeline.runs)  # pipeline_run_count: the same runs
            pipeline.runs = 0
        for metric in self.metric_cells.values():
            if metric.accumulator is None:
                self.add_to_count(metric.ident, metric.sum)
                metric.sum = 0
        for value in self.values:
            if isinstance(value, DistributionValue):
                value.fold()

    # --- a redelivery ----------------------------------------------------------------------------
    def add_skipping(
        self, event: Event, end: int, skip: Collection[Contribution], touched: set[int]
    ) -> tuple[int, int]:
        """Add one event of a message redelivered after a partial failure, leaving out the
        contributions in ``skip`` (written already); returns (processed, refused)."""

        def take(ident: int) -> bool:
            if self.keys[ident] in skip:
                return False
            touched.add(ident)
            self.live.add(ident)
            return True

        refused = 0
        if type(event) is StageEvent:
            cell = self.stage_cell(event.stage, event.success, end)
            if cell is None:
                return 0, 1
            duration_id, runs_id, errors_id = cell.ids
            if take(duration_id):
                cell.duration.add(event.duration)
            if take(runs_id):
                cell.runs += 1
            if take(errors_id):
                cell.errors += event.error_count
            for key, value in (event.data or {}).items():
                mean = self.mean_cell(event.stage, key, end)
                if mean is None:
                    refused += 1
                elif take(mean.ident):
                    mean.total += value
                    mean.count += 1
        elif type(event) is MetricEvent:
            metric_cell = self.metric_cell(event, end)
            if take(metric_cell.ident):
                metric_cell.add(event.value)
        elif type(event) is PipelineEvent:
            pipeline = self.pipeline_cell(event.success, end)
            if take(pipeline.ids[0]):
                pipeline.execution.add(event.execution_time)
            for ident in pipeline.ids[1:3]:  # pipeline_runs and pipeline_run_count: each written on its own
                if take(ident):
                    self.add_to_count(ident, 1)
            scores = (
                event.trend_opportunity_score,
                event.audience_confidence,
                event.design_generation_success,
                event.publication_success,
            )
            for distribution, ident, value in zip(pipeline.scores, pipeline.ids[3:], scores, strict=True):
                if take(ident):
                    distribution.add(value)
        return 1, refused
