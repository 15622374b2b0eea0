"""Builds a PerformanceReporter with real clients from settings: the one place reporting meets the factory."""

from __future__ import annotations

from helios_metrics.contract import ClientFactory, Settings

from .report import PerformanceReporter

__all__ = ["build_reporter"]


def build_reporter(settings: Settings | None = None) -> PerformanceReporter:
    settings = settings if settings is not None else Settings.from_env()
    clients = ClientFactory(settings)
    return PerformanceReporter(settings, clients.metric_service(), services=clients.service_monitoring())
