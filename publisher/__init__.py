"""What pipeline code imports to record Helios metrics.

from publisher import MetricsPublisher
metrics = MetricsPublisher()
metrics.record_stage_metric(stage="trend_discovery", duration=45.2, success=True)
"""

from .catalog import CATALOG, MetricSpec
from .clients import ClientFactory
from .metrics_publisher import MetricsPublisher
from .options import FlushResult, PublisherOptions, PublisherStats
from .performance_monitor import PerformanceMonitor
from .settings import Settings, SettingsError
from .wire import InvalidMessage, decode_message

__all__ = [
    "CATALOG",
    "ClientFactory",
    "FlushResult",
    "InvalidMessage",
    "MetricSpec",
    "MetricsPublisher",
    "PerformanceMonitor",
    "PublisherOptions",
    "PublisherStats",
    "Settings",
    "SettingsError",
    "decode_message",
]
