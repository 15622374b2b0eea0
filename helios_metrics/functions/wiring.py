"""Builds a Collector with real clients from settings: the one place the collector meets the factory."""

from __future__ import annotations

import threading

from helios_metrics.contract import ClientFactory, Settings

from .collector import Collector

__all__ = ["InstanceCollector", "build_collector"]


def build_collector(settings: Settings | None = None) -> Collector:
    settings = settings if settings is not None else Settings.from_env()
    clients = ClientFactory(settings)
    return Collector.from_clients(settings, clients.subscriber(), clients.publisher_api(), clients.metric_service())


class InstanceCollector:
    """One Collector per process, built on first use (not at import: importing ``main`` needs no
    environment), shared by every request the instance serves; runs are serialized inside it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._collector: Collector | None = None

    def get(self) -> Collector:
        with self._lock:
            if self._collector is None:
                self._collector = build_collector()
            return self._collector
