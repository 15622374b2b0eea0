"""The collector: pull metric events from Pub/Sub, aggregate them, write Cloud Monitoring points.

Names load on first use, so importing the pure core (``helios_metrics.functions.aggregate``) loads no Google
client library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helios_metrics.contract.lazy import lazy_exports

if TYPE_CHECKING:
    from .aggregate import AggregatedPoint, AggregationLimits, WindowAggregator
    from .collector import Collector
    from .summary import RunSummary
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

_HOMES = {
    "AggregatedPoint": ".aggregate",
    "AggregationLimits": ".aggregate",
    "WindowAggregator": ".aggregate",
    "Collector": ".collector",
    "RunSummary": ".summary",
    "InstanceCollector": ".wiring",
    "build_collector": ".wiring",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
