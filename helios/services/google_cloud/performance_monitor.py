"""``from helios.services.google_cloud.performance_monitor import PerformanceMonitor``, where the
Helios monitoring design (and the store's earlier code) keeps it: the publisher's facade itself,
:class:`helios_metrics.publisher.PerformanceMonitor`, not a copy."""

from __future__ import annotations

from helios_metrics.publisher import PerformanceMonitor

__all__ = ["PerformanceMonitor"]
