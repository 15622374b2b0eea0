"""The collector: pull metric events from Pub/Sub, aggregate them, write Cloud Monitoring points."""

from .aggregate import AggregatedPoint, AggregationLimits, WindowAggregator
from .collector import Collector, RunSummary
from .wiring import InstanceCollector, build_collector

__all__ = [
    "AggregatedPoint",
    "AggregationLimits",
    "Collector",
    "InstanceCollector",
    "RunSummary",
    "WindowAggregator",
    "build_collector",
]
