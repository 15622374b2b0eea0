"""A pytest plugin: the two local emulators as session fixtures, for any repository's tests.

``monitoring_emulator`` is our Cloud Monitoring emulator — the one local Monitoring that evaluates
alert policies — started with evaluation on demand (a test replays time and calls
:meth:`MonitoringEmulator.evaluate`); ``pubsub_emulator`` is Google's official Pub/Sub emulator.
Each starts once per session on a free port and is stopped by its process group at the end.

When gcloud's Pub/Sub emulator (or its Java) is missing, ``pubsub_emulator`` skips the tests that
ask for it, with the reason — or fails them under ``--emulators-required`` or ``CI=true``, where a
skipped integration test would hide that nothing was tested. The Monitoring emulator needs only
this distribution's ``emulator`` extra; without it ``monitoring_emulator`` fails and says which.

Installed, the plugin loads itself (entry point ``pytest11``) in every environment that has the
distribution, a plain install too: importing it loads no Monitoring library. From a checkout,
``-p helios_metrics.monitoring_emulator.pytest_plugin`` or ``pytest_plugins = [...]`` in a conftest.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from helios_metrics.contract.extras import install_hint

from .admin import EmulatorAdmin
from .launch import EmulatorUnavailable, start_monitoring_emulator, start_pubsub_emulator

__all__ = ["MonitoringEmulator", "PubSubEmulator", "monitoring_emulator", "pubsub_emulator"]

_REQUIRED = "--emulators-required"


@dataclass(frozen=True)
class MonitoringEmulator:
    """A running Monitoring emulator: ``address`` is its gRPC API (``host:port``, what
    ``MONITORING_EMULATOR_HOST`` takes), ``http_url`` its REST API and console."""

    address: str
    http_url: str
    admin: EmulatorAdmin

    def evaluate(self, now: str | None = None, project: str | None = None) -> dict[str, Any]:
        """Evaluate every alert policy (of ``project``, or of all) at ``now`` (RFC 3339; default
        the present): ``{"at", "opened": [incident…], "closed": [incident…]}``."""
        return self.admin.evaluate(now=now, project=project)

    def evaluate_range(self, start: str, end: str, step: str = "60s", project: str | None = None) -> dict[str, Any]:
        """Evaluate at every ``step`` from ``start`` to ``end`` (RFC 3339), as the service would
        have over that span: every incident opened or closed on the way."""
        return self.admin.evaluate_range(start, end, step=step, project=project)

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident, open or closed, as the webhook payload's ``incident`` describes it."""
        return self.admin.incidents()

    def notifications(self) -> list[dict[str, Any]]:
        """Every notification sent (webhooks) or written to the outbox (email, Slack, PagerDuty, SMS)."""
        return self.admin.notifications()


@dataclass(frozen=True)
class PubSubEmulator:
    """A running official Pub/Sub emulator: ``address`` is what ``PUBSUB_EMULATOR_HOST`` takes."""

    address: str


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        _REQUIRED,
        action="store_true",
        help="fail, rather than skip, tests whose emulator cannot start (also under CI=true)",
    )


def _libraries_missing() -> str | None:
    """The Monitoring client library the emulator serves with, when this environment lacks it."""
    for module, distribution in (
        ("google.cloud.monitoring_v3", "google-cloud-monitoring"),
        ("google.cloud.monitoring_dashboard_v1", "google-cloud-monitoring-dashboards"),
    ):
        try:
            found = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            found = None
        if found is None:
            return distribution
    return None


def _required(config: pytest.Config) -> bool:
    return bool(config.getoption(_REQUIRED)) or os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def monitoring_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MonitoringEmulator]:
    """The Monitoring emulator for the session; alert policies are evaluated when a test asks."""
    missing = _libraries_missing()
    if missing:
        pytest.fail(
            f"the monitoring_emulator fixture needs {missing}, which is not installed here: "
            + install_hint("emulator"),
            pytrace=False,
        )
    process = start_monitoring_emulator(
        log_dir=tmp_path_factory.mktemp("monitoring-emulator"), extra_args=("--evaluate-every", "0")
    )
    try:
        yield MonitoringEmulator(process.address, process.http_url, process.admin)
    finally:
        process.stop()


@pytest.fixture(scope="session")
def pubsub_emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PubSubEmulator]:
    """Google's Pub/Sub emulator for the session (``gcloud beta emulators pubsub start``)."""
    try:
        process = start_pubsub_emulator(log_dir=tmp_path_factory.mktemp("pubsub-emulator"))
    except EmulatorUnavailable as err:
        if _required(request.config):
            pytest.fail(f"the Pub/Sub emulator is required here and could not start: {err}", pytrace=False)
        pytest.skip(f"the Pub/Sub emulator could not start (gcloud and Java are needed): {err}")
    try:
        yield PubSubEmulator(process.address)
    finally:
        process.stop()
