"""``PerformanceMonitor``: the Helios monitoring design's async API, with its call sites unchanged.

Recording is a few microseconds of validation and a buffer append, so the coroutines never block
the event loop; anything that waits (flushing, the health probe) runs in a worker thread. The
analysis and set-up methods load the reporting and provisioning parts on first use (see
``_parts``): building a monitor and recording load neither.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Any

from helios_metrics.contract import Settings

from ._parts import REPORTING, SETUP, load
from ._run_outcome import RunScope
from .metrics_publisher import MetricsPublisher
from .options import FlushResult

if TYPE_CHECKING:
    from helios_metrics.reporting.report import PerformanceReporter

__all__ = ["PerformanceMonitor"]

# where the parts the analysis and set-up methods need live (loaded on first use)
_REPORT, _WIRING, _SETUP = (
    "helios_metrics.reporting.report",
    "helios_metrics.reporting.wiring",
    "helios_metrics.setup_infra",
)

# the collector runs every minute and beats (collector_runs) at the end of each run, also an idle
# one: five minutes without a beat is a problem (the critical page follows at 10 minutes)
_STALE_AFTER_S = 300


def _project_of(config: Any) -> str | None:
    """The project from the design's config object (``google_cloud_project``) or a plain string."""
    if config is None or isinstance(config, str):
        return config
    for attribute in ("google_cloud_project", "project_id"):
        value = getattr(config, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


class PerformanceMonitor:
    """``monitor = PerformanceMonitor(config)``; ``await monitor.record_pipeline_metric(...)`` etc."""

    def __init__(self, config: Any = None, *, publisher: MetricsPublisher | None = None, **publisher_args: Any) -> None:
        if publisher is None and isinstance(config, Settings):  # helios.config.load_config()'s: the whole settings
            publisher = MetricsPublisher(settings=config, **publisher_args)
        self.publisher = publisher or MetricsPublisher(project_id=_project_of(config), **publisher_args)
        self._report: PerformanceReporter | None = None

    async def record_pipeline_metric(
        self,
        execution_time: float,
        trend_opportunity_score: float,
        audience_confidence: float,
        design_generation_success: float,
        publication_success: float,
        success: bool | None = None,
    ) -> None:
        """The document's five arguments. The run's outcome comes from its stages: it failed if one
        of them was recorded with ``success=False`` since this task's last pipeline metric (or in
        this ``async with monitor.run():`` block); ``success=`` overrides. This ends the run."""
        self.publisher.record_pipeline_metric(
            execution_time=execution_time,
            trend_opportunity_score=trend_opportunity_score,
            audience_confidence=audience_confidence,
            design_generation_success=design_generation_success,
            publication_success=publication_success,
            success=success,
        )

    async def record_stage_metric(
        self,
        stage: str,
        duration: float,
        success: bool = True,
        error_count: int = 0,
        additional_data: dict[str, float] | None = None,
    ) -> None:
        """One stage execution; ``success=False`` also fails the run this task is recording."""
        self.publisher.record_stage_metric(
            stage=stage, duration=duration, success=success, error_count=error_count, additional_data=additional_data
        )

    def run(self) -> RunScope:
        """``async with monitor.run():`` scopes one pipeline run explicitly: stages recorded in tasks
        or ``asyncio.to_thread`` calls started inside the block count for it, and a run that ends
        without its pipeline metric is dropped at the block's end (see ``MetricsPublisher.run``)."""
        return self.publisher.run()

    async def flush_metrics(self, timeout: float = 10.0) -> FlushResult:
        """Wait (in a worker thread) until everything recorded so far is published or spooled."""
        return await asyncio.to_thread(self.publisher.flush, timeout)

    async def check_health(self, timeout: float = 5.0) -> dict[str, Any]:
        """The publisher's buffer and spool, whether the topic answers, whether Monitoring answers
        and how long ago the collector last completed a run (``collector_last_write_age_s``: its
        heartbeat, written by every completed run, also one with nothing to pull — so an idle,
        working stack is healthy); never raises."""
        stats = self.publisher.stats
        try:
            await asyncio.to_thread(self.publisher.check_topic, timeout)
            reachable, error = True, None
        except Exception as err:  # reported, not raised: this is a health check
            reachable, error = False, f"{type(err).__name__}: {err}"
        try:
            age = await asyncio.to_thread(self._reporter().last_write_age_s, timeout)
            monitoring, monitoring_error = True, None
        except Exception as err:  # reported, not raised
            age, monitoring, monitoring_error = None, False, f"{type(err).__name__}: {err}"
        stale = age is None or age > _STALE_AFTER_S
        healthy = reachable and monitoring and not stats.dropped and not stale
        status = "healthy" if healthy else ("degraded" if reachable else "unhealthy")
        return {
            "status": status,
            "topic": self.publisher.topic_path,
            "pubsub_reachable": reachable,
            "pubsub_error": error,
            "spool_dir": str(self.publisher.spool_dir),
            "monitoring_reachable": monitoring,
            "monitoring_error": monitoring_error,
            "collector_last_write_age_s": age,
            "open_incidents": None,
            "open_incidents_note": "Cloud Monitoring has no API that lists incidents: see the console "
            "(locally, GET /admin/incidents on the emulator)",
            **dataclasses.asdict(stats),
        }

    def _reporter(self, needed_by: str = "check_health") -> PerformanceReporter:
        if self._report is None:
            wiring = load(_WIRING, REPORTING, f"PerformanceMonitor.{needed_by}")
            self._report = wiring.build_reporter(self.publisher.settings)
        return self._report

    async def get_performance_summary(self, window: str = "1h") -> dict[str, Any]:
        """Runs, success rate (Wilson 95 % interval), execution-time p50/p95/p99, per-stage p95 and
        error rate, throughput per hour and mean scores of the last ``window``, from Monitoring."""
        seconds = self._window(window, "get_performance_summary")
        return await asyncio.to_thread(lambda: self._checked_reporter("get_performance_summary").summary(seconds))

    async def analyze_performance(self, window: str = "1h") -> dict[str, Any]:
        """The summary plus trends against the previous window (with significance), the next
        hour's success forecast and optimization triggers with reasons and recommendations. Reads
        only: writing the forecast metric is the scheduled report's job."""
        seconds = self._window(window, "analyze_performance")
        return await asyncio.to_thread(lambda: self._checked_reporter("analyze_performance").analysis(seconds))

    @staticmethod
    def _window(window: str, needed_by: str) -> int:
        report = load(_REPORT, REPORTING, f"PerformanceMonitor.{needed_by}")
        seconds: int = report.parse_window(window)
        return seconds

    def _checked_reporter(self, needed_by: str) -> PerformanceReporter:
        """The reporter, once Monitoring was seen to answer within a few seconds: a wrong address
        raises PreflightError with one line instead of a 30-second gRPC timeout."""
        from helios_metrics.contract.preflight import require_services

        require_services(self.publisher.settings, "monitoring")
        return self._reporter(needed_by)

    async def setup_monitoring_infrastructure(self, config_path: str | None = None) -> list[str]:
        """What ``python -m setup_infra apply --yes`` does, for this publisher's project: creates or
        updates the topics, descriptors, channels, alert policies and dashboards (in a worker
        thread); returns one line per change made. It never deletes: a channel this environment
        does not configure is kept (deleting is ``python -m setup_infra apply --prune-channels``
        at a terminal). Unreachable services or a missing project raise one line first."""
        from helios_metrics.contract.preflight import require_services

        setup = load(_SETUP, SETUP, "PerformanceMonitor.setup_monitoring_infrastructure")

        def apply() -> list[str]:
            require_services(self.publisher.settings, "pubsub", "monitoring")
            infra = setup.Infra(self.publisher.settings, setup.load_config(config_path))
            done: list[str] = []
            infra.apply(infra.plan(), report=done.append)
            return done

        return await asyncio.to_thread(apply)

    async def close(self, timeout: float | None = None) -> FlushResult:
        return await asyncio.to_thread(self.publisher.close, timeout)
