"""check_health on a stack whose collector runs but has nothing to pull: the collector's heartbeat
(``collector_runs``), not its event counts, says it is alive — through the official Pub/Sub
emulator, the collector and the Monitoring emulator."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.functions import Collector
from helios_metrics.publisher import PerformanceMonitor
from helios_metrics.reporting import PerformanceReporter
from tests.helpers import HELIOS, collector_resources, read


def health(settings: Settings, spool: Path) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        monitor = PerformanceMonitor(settings=settings, spool_dir=spool)
        try:
            return await monitor.check_health()
        finally:
            await monitor.close(5)

    return asyncio.run(probe())


def test_an_idle_collector_that_completes_its_runs_is_healthy(pubsub_emulator, monitoring, project_id, tmp_path):
    settings = Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring.address,
        collect_budget_seconds=20,
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings)

    never_ran = health(settings, tmp_path / "spool")
    assert (never_ran["status"], never_ran["collector_last_write_age_s"]) == ("degraded", None)

    collector = Collector.from_clients(
        settings, factory.subscriber(), factory.publisher_api(), factory.metric_service(), pull_wait_s=1.0
    )
    summary = collector.collect_once().as_dict()
    assert (summary["pulled"], summary["events"], summary["transient_failure"]) == (0, 0, False)
    client, now = factory.metric_service(), time.time()
    assert read(client, project_id, f"{HELIOS}/collector_events", now - 3600, now + 300) == []  # no events to count
    assert len(read(client, project_id, f"{HELIOS}/collector_runs", now - 3600, now + 300)) == 1  # but a beat

    idle = health(settings, tmp_path / "spool")
    assert idle["status"] == "healthy", idle
    assert (idle["pubsub_reachable"], idle["monitoring_reachable"], idle["dropped"]) == (True, True, 0)
    age = idle["collector_last_write_age_s"]
    assert age is not None
    assert 0 <= age < 60  # the run that just completed, not a day-old point or none

    # the same beat, read by a reporter whose clock is ten minutes on: the age follows the clock
    later = PerformanceReporter(settings, client, clock=lambda: time.time() + 600)
    later_age = later.last_write_age_s()
    assert later_age is not None
    assert later_age >= 600
