"""The metric catalog: the single source of truth for every Helios metric.

The collector maps events to TimeSeries from it, ``setup_infra`` creates descriptors, dashboards
and alerts from it, and ``MetricsPublisher.record(name, value, **labels)`` validates against it.
Adding a metric is one :class:`MetricSpec` in :data:`CATALOG`.

Every metric lives under ``custom.googleapis.com/helios/`` and carries its own kind
(:attr:`MetricSpec.kind`). Most are GAUGEs: one point per series per window, nothing carried from
one window to the next. ``pipeline_run_count`` is CUMULATIVE — a running total per series with a
fixed start time — because a request-based SLO accepts only DELTA or CUMULATIVE series and a
user-defined metric cannot be DELTA. Each entry also says how it reduces across collector instances
(:attr:`MetricSpec.reduction`) and which descriptor it maps to (:meth:`MetricSpec.descriptor`), as
plain data: pure, no Google library needed to read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CATALOG",
    "DURATION_BUCKETS",
    "METRIC_KIND",
    "METRIC_PREFIX",
    "SCORE_BUCKETS",
    "Buckets",
    "LabelSpec",
    "MetricKind",
    "MetricSpec",
    "Reduction",
    "spec",
]

METRIC_PREFIX = "custom.googleapis.com/helios/"
MetricKind = Literal["GAUGE", "CUMULATIVE"]  # what user-defined metrics can be (DELTA is refused)
METRIC_KIND: MetricKind = "GAUGE"
"""The default kind: a metric written as one point per series per window, nothing carried over."""

ValueType = Literal["DOUBLE", "INT64", "DISTRIBUTION"]
Aggregation = Literal["distribution", "count", "sum", "mean"]


@dataclass(frozen=True)
class Buckets:
    """Cloud Monitoring bucket options: exponential (scale·growth^i) or linear (offset + width·i)."""

    kind: Literal["exponential", "linear"]
    num_finite_buckets: int
    a: float  # exponential: scale; linear: offset
    b: float  # exponential: growth factor; linear: width

    def as_dict(self) -> dict[str, dict[str, float | int]]:
        """The API's ``BucketOptions`` as plain data."""
        if self.kind == "exponential":
            options = {"num_finite_buckets": self.num_finite_buckets, "scale": self.a, "growth_factor": self.b}
            return {"exponential_buckets": options}
        return {"linear_buckets": {"num_finite_buckets": self.num_finite_buckets, "offset": self.a, "width": self.b}}

    def bounds(self) -> list[float]:
        """The finite bucket boundaries (N of them make N+1 buckets)."""
        if self.kind == "exponential":
            return [self.a * self.b**i for i in range(self.num_finite_buckets + 1)]
        return [self.a + self.b * i for i in range(self.num_finite_buckets + 1)]


# 0.1 s … ~5.3 h in steps of ×1.5: fine resolution where stages live, and the 5-minute alert
# threshold (300 s) falls inside a bucket of a few tens of seconds.
DURATION_BUCKETS = Buckets("exponential", 30, 0.1, 1.5)
# Scores are 0..1: twenty buckets of 0.05 (a perfect 1.0 lands in the overflow bucket).
SCORE_BUCKETS = Buckets("linear", 20, 0.0, 0.05)


@dataclass(frozen=True)
class LabelSpec:
    key: str
    description: str
    values: tuple[str, ...] = ()  # a closed set, or empty for free values (bounded elsewhere)


@dataclass(frozen=True)
class Reduction:
    """How charts and alerts combine a metric's series across collector instances (``task_id``):
    the per-series aligner, then the cross-series reducer, both as the API's enum names."""

    aligner: str
    reducer: str


_REDUCTIONS: Mapping[str, Reduction] = {
    # counts and sums add up; distributions merge (ALIGN_SUM/REDUCE_SUM on a distribution keeps
    # every sample, so percentiles and means stay exact across instances)
    "count": Reduction("ALIGN_SUM", "REDUCE_SUM"),
    "sum": Reduction("ALIGN_SUM", "REDUCE_SUM"),
    "distribution": Reduction("ALIGN_SUM", "REDUCE_SUM"),
    # a mean of the instances' means: unweighted, which is why scores are distributions instead
    "mean": Reduction("ALIGN_MEAN", "REDUCE_MEAN"),
}
_CUMULATIVE_REDUCTION = Reduction("ALIGN_DELTA", "REDUCE_SUM")
"""A running total: each series' increase per period, added up across series (ALIGN_SUM and
ALIGN_MEAN do not apply to CUMULATIVE series)."""


@dataclass(frozen=True)
class MetricSpec:
    name: str
    value_type: ValueType
    unit: str
    description: str
    display_name: str
    aggregation: Aggregation
    """How the collector turns one window's values into the point: all values as a
    distribution, their count, their sum, or their mean."""
    labels: tuple[LabelSpec, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    buckets: Buckets | None = None
    recordable: bool = field(default=False)
    """True when pipeline code may record it directly with ``record(name, value, **labels)``."""
    kind: MetricKind = METRIC_KIND
    """GAUGE: each window's point stands alone. CUMULATIVE: each series (metric labels and
    ``task_id`` lane) keeps one start time and every point carries the total since it, so a window's
    count is the increase from the series' previous point (only ``count`` metrics can be)."""

    def __post_init__(self) -> None:
        if self.kind == "CUMULATIVE" and (self.aggregation != "count" or self.value_type != "INT64"):
            raise ValueError(f"kind: a CUMULATIVE metric must be an INT64 count, {self.name} is not")

    @property
    def type(self) -> str:
        return METRIC_PREFIX + self.name

    @property
    def label_keys(self) -> tuple[str, ...]:
        return tuple(label.key for label in self.labels)

    @property
    def reduction(self) -> Reduction:
        """How to reduce this metric across collector instances (see :class:`Reduction`)."""
        return _CUMULATIVE_REDUCTION if self.kind == "CUMULATIVE" else _REDUCTIONS[self.aggregation]

    def descriptor(self, project: str) -> dict[str, Any]:
        """The ``MetricDescriptor`` this entry maps to, as the API's plain data (field names and
        enum names as in the proto; ``json_format.ParseDict`` or proto-plus take it as is)."""
        return {
            "name": f"projects/{project}/metricDescriptors/{self.type}",
            "type": self.type,
            "metric_kind": self.kind,
            "value_type": self.value_type,
            "unit": self.unit,
            "description": self.description,
            "display_name": self.display_name,
            "labels": [
                {"key": label.key, "value_type": "STRING", "description": label.description} for label in self.labels
            ],
        }


_STATUS = LabelSpec("status", "Outcome of the run or stage.", ("success", "failure"))
_STAGE = LabelSpec("stage", "Pipeline stage, e.g. trend_discovery (names are [a-z][a-z0-9_]{0,62}).")

CATALOG: tuple[MetricSpec, ...] = (
    MetricSpec(
        "pipeline_execution_time",
        "DISTRIBUTION",
        "s",
        "Total time of a pipeline run, trend discovery to publication.",
        "Pipeline execution time",
        "distribution",
        (_STATUS,),
        min_value=0.0,
        buckets=DURATION_BUCKETS,
    ),
    *(
        MetricSpec(
            name,
            "DISTRIBUTION",
            "1",
            description,
            display,
            "distribution",
            min_value=0.0,
            max_value=1.0,
            buckets=SCORE_BUCKETS,
        )
        for name, display, description in (
            ("trend_opportunity_score", "Trend opportunity score", "Market opportunity of the run's trend, 0 to 1."),
            ("audience_confidence", "Audience confidence", "Confidence of the audience analysis, 0 to 1."),
            (
                "design_generation_success",
                "Design generation success",
                "Share of designs generated successfully in the run, 0 to 1.",
            ),
            ("publication_success", "Publication success", "Share of products published successfully, 0 to 1."),
        )
    ),
    MetricSpec(
        "pipeline_runs", "INT64", "1", "Number of pipeline runs.", "Pipeline runs", "count", (_STATUS,), min_value=0
    ),
    MetricSpec(
        "pipeline_run_count",
        "INT64",
        "1",
        "Pipeline runs counted since the series' start time (a running total per collector instance and "
        "lane): the good and total series of the pipeline's request-based SLO.",
        "Pipeline run count",
        "count",
        (_STATUS,),
        min_value=0,
        kind="CUMULATIVE",
    ),
    MetricSpec(
        "stage_duration",
        "DISTRIBUTION",
        "s",
        "Duration of a pipeline stage.",
        "Stage duration",
        "distribution",
        (_STAGE, _STATUS),
        min_value=0.0,
        buckets=DURATION_BUCKETS,
    ),
    MetricSpec(
        "stage_runs", "INT64", "1", "Number of stage executions.", "Stage runs", "count", (_STAGE, _STATUS), min_value=0
    ),
    MetricSpec(
        "stage_errors", "INT64", "1", "Errors reported by stages.", "Stage errors", "sum", (_STAGE,), min_value=0
    ),
    MetricSpec(
        "stage_value",
        "DOUBLE",
        "1",
        "Numeric additional data reported by a stage (mean per window), e.g. trends_found.",
        "Stage values",
        "mean",
        (_STAGE, LabelSpec("key", "The additional_data key.")),
    ),
    MetricSpec(
        "resource_utilization",
        "DOUBLE",
        "1",
        "CPU and memory utilization of the recording process, 0 to 1, sampled by the publisher.",
        "Resource utilization",
        "mean",
        (LabelSpec("resource", "Which resource.", ("cpu", "memory")),),
        min_value=0.0,
        max_value=1.0,
        recordable=True,
    ),
    MetricSpec(
        "collector_events",
        "INT64",
        "1",
        "Events the collector handled, by outcome: processed, duplicate, dead_lettered, expired, refused.",
        "Collector events",
        "sum",
        (
            LabelSpec(
                "outcome",
                "What happened to the events.",
                ("processed", "duplicate", "dead_lettered", "expired", "refused"),
            ),
        ),
        min_value=0,
    ),
    MetricSpec(
        "collector_write_errors",
        "INT64",
        "1",
        "Points Cloud Monitoring refused: transient (retried or redelivered) or permanent (dead-lettered).",
        "Collector write errors",
        "sum",
        (LabelSpec("kind", "Whether a retry could help.", ("transient", "permanent")),),
        min_value=0,
    ),
    MetricSpec(
        "collector_runs",
        "INT64",
        "1",
        "The collector's heartbeat: 1 at the end of every collection run it completed, also when it pulled "
        "nothing. Its absence means the collector has stopped.",
        "Collector runs",
        "count",
        min_value=0,
    ),
    MetricSpec(
        "collector_lag",
        "DISTRIBUTION",
        "s",
        "End-to-end lag of events: event time to the collection run that wrote them (per message, at "
        "the mean time of its events, which were published together).",
        "Collector lag",
        "distribution",
        min_value=0.0,
        buckets=DURATION_BUCKETS,
    ),
    MetricSpec(
        "pipeline_success_forecast",
        "DOUBLE",
        "1",
        "Predicted probability that the next pipeline run succeeds, 0 to 1, written by the performance analysis.",
        "Pipeline success forecast",
        "mean",
        min_value=0.0,
        max_value=1.0,
    ),
)

_BY_NAME: Mapping[str, MetricSpec] = {m.name: m for m in CATALOG}


def spec(name: str) -> MetricSpec:
    """The catalog entry for ``name`` (short name, or full ``custom.googleapis.com/helios/…`` type)."""
    short = name.removeprefix(METRIC_PREFIX)
    try:
        return _BY_NAME[short]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; the catalog has: {', '.join(sorted(_BY_NAME))}") from None
