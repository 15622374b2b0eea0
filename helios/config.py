"""``from helios.config import load_config`` as the Helios monitoring design writes it: the
collector's :class:`helios_metrics.contract.Settings` from the environment (``GOOGLE_CLOUD_PROJECT``,
``PUBSUB_EMULATOR_HOST``, ``MONITORING_EMULATOR_HOST``, ``HELIOS_*``), which ``PerformanceMonitor(config)``
and ``CloudMonitoringDashboard(config)`` take whole — project and emulator addresses alike.

An alias over the real code, for code written from the design; new code can use
``Settings.from_env()`` directly.
"""

from __future__ import annotations

from typing import Any

from helios_metrics.contract import Settings

__all__ = ["load_config"]


def load_config(**overrides: Any) -> Settings:
    """The settings from the environment; a keyword (``project_id="…"``) wins over its variable."""
    return Settings.from_env(None, **overrides)
