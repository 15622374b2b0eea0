"""``PerformanceMonitor``: the seed document's async API, with its call sites unchanged.

Recording is a few microseconds of validation and a buffer append, so the coroutines never block
the event loop; anything that waits (flushing, the health probe) runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from .metrics_publisher import MetricsPublisher
from .options import FlushResult

__all__ = ["PerformanceMonitor"]


def _project_of(config: Any) -> str | None:
    """The project from a seed-style config object (``google_cloud_project``) or a plain string."""
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
        self.publisher = publisher or MetricsPublisher(project_id=_project_of(config), **publisher_args)

    async def record_pipeline_metric(
        self,
        execution_time: float,
        trend_opportunity_score: float,
        audience_confidence: float,
        design_generation_success: float,
        publication_success: float,
        success: bool = True,
    ) -> None:
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
        self.publisher.record_stage_metric(
            stage=stage, duration=duration, success=success, error_count=error_count, additional_data=additional_data
        )

    async def flush_metrics(self, timeout: float = 10.0) -> FlushResult:
        """Wait (in a worker thread) until everything recorded so far is published or spooled."""
        return await asyncio.to_thread(self.publisher.flush, timeout)

    async def check_health(self, timeout: float = 5.0) -> dict[str, Any]:
        """The publisher's counters and whether the topic answers; never raises."""
        stats = self.publisher.stats
        try:
            await asyncio.to_thread(self.publisher.check_topic, timeout)
            reachable, error = True, None
        except Exception as err:  # reported, not raised: this is a health check
            reachable, error = False, f"{type(err).__name__}: {err}"
        status = "healthy" if reachable and not stats.dropped else ("degraded" if reachable else "unhealthy")
        return {
            "status": status,
            "topic": self.publisher.topic_path,
            "pubsub_reachable": reachable,
            "pubsub_error": error,
            "spool_dir": str(self.publisher.spool_dir),
            **dataclasses.asdict(stats),
        }

    async def setup_monitoring_infrastructure(self, config_path: str | None = None) -> list[str]:
        """What ``python -m setup_infra apply --yes`` does, for this publisher's project: creates or
        updates the topics, descriptors, channels, alert policies and dashboards (in a worker
        thread); returns one line per change made."""
        from setup_infra import Infra, load_config

        def apply() -> list[str]:
            infra = Infra(self.publisher.settings, load_config(config_path))
            done: list[str] = []
            infra.apply(infra.plan(), report=done.append)
            return done

        return await asyncio.to_thread(apply)

    async def get_performance_summary(self) -> dict[str, Any]:
        raise NotImplementedError("get_performance_summary delegates to functions.analysis, which is not built yet")

    async def analyze_performance(self) -> dict[str, Any]:
        raise NotImplementedError("analyze_performance delegates to functions.analysis, which is not built yet")

    async def close(self, timeout: float | None = None) -> FlushResult:
        return await asyncio.to_thread(self.publisher.close, timeout)
