"""The metric catalog: the single source of truth for every Helios metric.

The collector maps events to TimeSeries from it, ``setup_infra`` creates descriptors, dashboards
and alerts from it, and ``MetricsPublisher.record(name, value, **labels)`` validates against it.
Adding a metric is one :class:`MetricSpec` (:mod:`helios_metrics.contract.metric_spec`) in :data:`CATALOG`.

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

from .metric_spec import METRIC_KIND, METRIC_PREFIX, Buckets, LabelSpec, MetricKind, MetricSpec, Reduction

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

# 0.1 s … ~5.3 h in steps of ×1.5: fine resolution where stages live, and the 5-minute alert
# threshold (300 s) falls inside a bucket of a few tens of seconds.
DURATION_BUCKETS = Buckets("exponential", 30, 0.1, 1.5)
# Scores are 0..1: twenty buckets of 0.05 (a perfect 1.0 lands in the overflow bucket).
SCORE_BUCKETS = Buckets("linear", 20, 0.0, 0.05)

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
    MetricSpec(
        "pipeline_success_forecast_band",
        "DOUBLE",
        "1",
        "The success forecast with its prediction intervals and the rate it is checked against, 0 to 1, "
        "written by the performance analysis: per horizon, the forecast, the bounds of its 80 % and 95 % "
        "intervals, and the success share realised over the horizon just ended.",
        "Pipeline success forecast band",
        "mean",
        (
            LabelSpec("horizon", "How far ahead the forecast looks: the next hour or the next six.", ("1h", "6h")),
            LabelSpec(
                "line",
                "Which line of the band: the forecast, an interval bound (low_80, high_80, low_95, high_95), "
                "or the success share realised over the horizon just ended.",
                ("forecast", "low_80", "high_80", "low_95", "high_95", "realised"),
            ),
        ),
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
