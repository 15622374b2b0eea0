"""A store's own test of its paging, with the installed plugin's two fixtures only: runs recorded
with the publisher as the pipeline records them, collected by the collector, judged by the alert
policies ``setup_infra`` provisions — and the success-rate page opens when every run fails.

    pip install "/path/to/the/checkout[all]"   # the distribution helios-metrics, all its extras
    pytest examples/store_tests        # the plugin loads itself; gcloud's Pub/Sub emulator is needed
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from helios_metrics.contract import Settings
from helios_metrics.contract.units import NS
from helios_metrics.functions import build_collector
from helios_metrics.publisher import MetricsPublisher
from helios_metrics.setup_infra import Infra, load_config

STAGES = ("trend_discovery", "audience_analysis", "design_generation", "publication")


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def test_an_hour_of_failing_runs_opens_the_success_rate_page(monitoring_emulator, pubsub_emulator, tmp_path):
    settings = Settings(
        project_id=f"store-{uuid.uuid4().hex[:8]}",
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring_emulator.address,
    )
    infra = Infra(settings, load_config(None, env={}))  # the defaults: the success SLO's burn-rate pages
    infra.apply(infra.plan(), report=lambda line: None)

    # the store's volume: a run every 12 minutes, for the last 96 minutes, each failing at publication
    start = (int(time.time()) // 60 - 100) * 60
    clock = [start * NS]
    metrics = MetricsPublisher(settings=settings, spool_dir=tmp_path / "spool", clock=lambda: clock[0])
    for run in range(8):
        clock[0] = (start + run * 720) * NS
        for stage in STAGES:
            failed = stage == "publication"
            metrics.record_stage_metric(stage, duration=30.0, success=not failed, error_count=int(failed))
        metrics.record_pipeline_metric(120.0, 0.8, 0.9, 1.0, 0.0)  # a failed stage: the run failed
    assert metrics.flush(timeout=10).published == 8 * 5
    metrics.close(timeout=5)
    build_collector(settings).collect_once()

    result = monitoring_emulator.evaluate_range(rfc3339(start), rfc3339(time.time()), project=settings.project_id)
    opened = {incident["policy_name"] for incident in result["opened"]}
    assert "Helios: pipeline runs failing: 85% SLO burning fast" in opened, opened
