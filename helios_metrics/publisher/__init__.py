"""What pipeline code imports to record Helios metrics.

from helios_metrics.publisher import MetricsPublisher
metrics = MetricsPublisher()
metrics.record_stage_metric(stage="trend_discovery", duration=45.2, success=True)
metrics.record_pipeline_metric(120.5, 0.85, 0.92, 0.88, 0.95)  # failed if a stage of the run failed

A thin facade: names load on first use, so ``import publisher`` pulls in neither the Pub/Sub
client nor gRPC until a publisher is built. The shared contract (catalog, wire format, settings,
client factory) lives in :mod:`contract`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helios_metrics.contract.lazy import lazy_exports

if TYPE_CHECKING:
    from helios_metrics.contract import Settings, SettingsError

    from ._run_outcome import Run, RunScope
    from .metrics_publisher import MetricsPublisher
    from .options import FlushResult, PublisherOptions, PublisherStats
    from .performance_monitor import PerformanceMonitor

__all__ = [
    "FlushResult",
    "MetricsPublisher",
    "PerformanceMonitor",
    "PublisherOptions",
    "PublisherStats",
    "Run",
    "RunScope",
    "Settings",
    "SettingsError",
]

_HOMES = {
    "FlushResult": ".options",
    "MetricsPublisher": ".metrics_publisher",
    "PerformanceMonitor": ".performance_monitor",
    "PublisherOptions": ".options",
    "PublisherStats": ".options",
    "Run": "._run_outcome",
    "RunScope": "._run_outcome",
    "Settings": "helios_metrics.contract",
    "SettingsError": "helios_metrics.contract",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
