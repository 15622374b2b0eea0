"""A day at the store's real volume, for the SLO's report and console tests: a run every 12 minutes
for 23 hours, ~8 % failing, then 4 of the last 5 runs failed — collected as the collector collects
them (``pipeline_run_count``, CUMULATIVE, through its aggregation, lanes and writer) — and the
success SLO on them, created through the official ServiceMonitoringServiceClient as setup_infra
creates it. Everything a test expects is worked out from :data:`RUN_TIMES` and :data:`FAILED`."""

from __future__ import annotations

import time

from helios_metrics.contract import ClientFactory, Settings, spec
from helios_metrics.contract.wire import PipelineEvent
from helios_metrics.functions.aggregate import AggregationLimits, WindowAggregator
from helios_metrics.functions.timeseries import LaneBook, ResourceIdentity, to_series_points
from helios_metrics.functions.writer import MonitoringWriter
from tests.helpers import minute_floor

S = 1_000_000_000
HOUR = 3600
END = minute_floor(600)
"""The instant the figures are worked out at: a whole minute, 4.5 minutes after the last run."""
RUNS = 115
FAILED = frozenset({i for i in range(RUNS) if i % 12 == 5} | {111, 112, 114})
RUN_TIMES = [END - 270 - 720 * (RUNS - 1 - i) for i in range(RUNS)]
RUN_FILTER = f'metric.type = "{spec("pipeline_run_count").type}" AND resource.type = "generic_task"'
SERVICE_ID, SLO_ID = "helios-pipeline", "run-success"


def counted_at(run: int) -> int:
    """The end of the collector's one-minute window holding the run: where its count lands."""
    return (RUN_TIMES[run] // 60 + 1) * 60


def runs_in(after: int, until: int) -> tuple[int, int]:
    """(runs, failed runs) counted in (after, until]."""
    inside = [i for i in range(RUNS) if after < counted_at(i) <= until]
    return len(inside), sum(1 for i in inside if i in FAILED)


def write_runs(settings: Settings) -> None:
    """The runs, written by the collector's own code (descriptor first)."""
    project = settings.project_id
    metrics = ClientFactory(settings).metric_service()
    metrics.create_metric_descriptor(
        name=f"projects/{project}", metric_descriptor=spec("pipeline_run_count").descriptor(project)
    )
    aggregator = WindowAggregator(AggregationLimits(), time.time_ns())
    aggregator.add_message(
        [PipelineEvent(at * S, 120.0, 0.8, 0.9, 0.9, 0.95, i not in FAILED) for i, at in enumerate(RUN_TIMES)]
    )
    points = [p for p in aggregator.points() if p.metric.name == "pipeline_run_count"]
    mapped = to_series_points(points, LaneBook(), ResourceIdentity("c-slo"), time.time_ns())
    assert not MonitoringWriter(metrics, project).write(mapped, time.monotonic() + 60).transient


def create_slo(settings: Settings) -> str:
    """The service and its 85 %, 7-day success SLO; returns the SLO's name."""
    services = ClientFactory(settings).service_monitoring()
    service = services.create_service(
        request={
            "parent": f"projects/{settings.project_id}",
            "service_id": SERVICE_ID,
            "service": {"display_name": "Helios pipeline", "custom": {}},
        }
    )
    slo = {
        "display_name": "85 % of pipeline runs succeed over 7 days",
        "goal": 0.85,
        "rolling_period": {"seconds": 7 * 86400},
        "service_level_indicator": {
            "request_based": {
                "good_total_ratio": {
                    "good_service_filter": f'{RUN_FILTER} AND metric.labels.status = "success"',
                    "total_service_filter": RUN_FILTER,
                }
            }
        },
    }
    created = services.create_service_level_objective(
        request={"parent": service.name, "service_level_objective_id": SLO_ID, "service_level_objective": slo}
    )
    return created.name
