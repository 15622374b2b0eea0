"""Fixtures of the conformance tier: the session's Monitoring emulator (``tests/conftest.py``) seen
through Google's own clients, once over gRPC and once over REST."""

from __future__ import annotations

from typing import Any

import pytest

from helios_metrics.monitoring_emulator.launch import MonitoringEmulatorProcess

from ._api import TRANSPORTS, Monitoring, grpc_services, rest_services

_services: dict[tuple[str, str], dict[str, Any]] = {}


def _services_for(transport: str, emulator: MonitoringEmulatorProcess) -> dict[str, Any]:
    """Clients are built once per session and transport: they hold no state but their connection."""
    key = (transport, emulator.address)
    if key not in _services:
        _services[key] = grpc_services(emulator.address) if transport == "grpc" else rest_services(emulator.http_url)
    return _services[key]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def api(transport: str, monitoring: MonitoringEmulatorProcess, project_id: str) -> Monitoring:
    """The Monitoring API over ``transport``, for this test's own project."""
    return Monitoring(transport=transport, project=project_id, **_services_for(transport, monitoring))


@pytest.fixture
def grpc_api(monitoring: MonitoringEmulatorProcess, project_id: str) -> Monitoring:
    """For the cases that exist over gRPC only (the OpenTelemetry exporter speaks gRPC)."""
    return Monitoring(transport="grpc", project=project_id, **_services_for("grpc", monitoring))
