"""``python test_monitoring.py``: the Helios monitoring design's complete check of the configured
project (``GOOGLE_CLOUD_PROJECT``; locally also ``PUBSUB_EMULATOR_HOST`` and
``MONITORING_EMULATOR_HOST``): set everything up, record one pipeline run and flush it, report
the publisher's health, then run the checks of ``python -m setup_infra verify`` (resources as
desired, a probe through Pub/Sub read back from Cloud Monitoring, permissions).

Exit 0 when every check passed, 1 otherwise — or on a missing project or an unreachable
service, in one line. Written with the design's own names (``helios.*``).
"""

from __future__ import annotations

import asyncio
import sys

from helios.config import load_config
from helios.services.google_cloud.monitoring_dashboard import CloudMonitoringDashboard
from helios.services.google_cloud.performance_monitor import PerformanceMonitor
from helios_metrics.contract.cli import run_command

STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")


async def check() -> int:
    config = load_config()
    for line in await CloudMonitoringDashboard(config).setup_complete_monitoring():
        print(line)
    monitor = PerformanceMonitor(config)
    try:
        for stage in STAGES:
            await monitor.record_stage_metric(stage=stage, duration=1.0, success=True, error_count=0)
        await monitor.record_pipeline_metric(
            execution_time=4.0,
            trend_opportunity_score=1.0,
            audience_confidence=1.0,
            design_generation_success=1.0,
            publication_success=1.0,
        )
        flushed = await monitor.flush_metrics()
        print(f"recorded one run: {flushed.published} events published, {flushed.failed} not")
        print(f"health: {await monitor.check_health()}")
    finally:
        await monitor.close()
    from helios.cli import main as cli

    return cli(["test-monitoring"]) if flushed.complete else 1


if __name__ == "__main__":
    sys.exit(run_command(lambda: asyncio.run(check())))
