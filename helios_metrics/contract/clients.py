"""The one place Google clients are built, for every part of the project.

With ``monitoring_emulator_host`` set, the Monitoring clients get a transport on an insecure gRPC
channel (``api_endpoint`` alone would try TLS and fail); with
``pubsub_emulator_host`` set, the Pub/Sub clients do too — taken from the settings object, so an
explicit argument works without touching ``os.environ``. Otherwise every client uses Application
Default Credentials. gRPC and each client library are imported only when a client of theirs is
asked for: importing the contract costs nothing, and pipeline code that only publishes never
loads the Monitoring libraries.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .extras import install_hint
from .settings import Settings

if TYPE_CHECKING:
    import grpc
    from google.cloud import monitoring_dashboard_v1, monitoring_v3, pubsub_v1
    from google.pubsub_v1 import PublisherAsyncClient, PublisherClient, SubscriberAsyncClient

__all__ = ["ClientFactory"]

_MONITORING, _DASHBOARDS = "google.cloud.monitoring_v3", "google.cloud.monitoring_dashboard_v1"
_PUBSUB = "google.pubsub_v1"
_CHANNEL_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


def _sync_channel(host: str) -> grpc.Channel:
    import grpc

    return grpc.insecure_channel(host, options=_CHANNEL_OPTIONS)


def _async_channel(host: str) -> grpc.aio.Channel:
    import grpc

    return grpc.aio.insecure_channel(host, options=_CHANNEL_OPTIONS)


@dataclass(frozen=True)
class _Client:
    """One client: its class and its gRPC transport's (each ``module:Class``), and the setting
    that names its emulator."""

    client: str
    transport: str
    emulator: Literal["monitoring_emulator_host", "pubsub_emulator_host"]
    asynchronous: bool = False


def _generated(
    api: str, service: str, stem: str, *, asynchronous: bool = False, client_module: str | None = None
) -> _Client:
    """A generated client of ``api`` for ``service`` (e.g. ``metric_service``, ``MetricService``);
    ``client_module``: where its class is taken from, if not ``api`` (Pub/Sub's batching clients)."""
    suffix, transport = ("AsyncClient", "GrpcAsyncIOTransport") if asynchronous else ("Client", "GrpcTransport")
    emulator: Literal["monitoring_emulator_host", "pubsub_emulator_host"] = (
        "pubsub_emulator_host" if api == _PUBSUB else "monitoring_emulator_host"
    )
    return _Client(
        f"{client_module or api}:{stem}{suffix}",
        f"{api}.services.{service}.transports:{stem}{transport}",
        emulator,
        asynchronous,
    )


_CLIENTS: Mapping[str, _Client] = {
    "metric_service": _generated(_MONITORING, "metric_service", "MetricService"),
    "metric_service_async": _generated(_MONITORING, "metric_service", "MetricService", asynchronous=True),
    "alert_policy": _generated(_MONITORING, "alert_policy_service", "AlertPolicyService"),
    "alert_policy_async": _generated(_MONITORING, "alert_policy_service", "AlertPolicyService", asynchronous=True),
    "notification_channel": _generated(_MONITORING, "notification_channel_service", "NotificationChannelService"),
    "notification_channel_async": _generated(
        _MONITORING, "notification_channel_service", "NotificationChannelService", asynchronous=True
    ),
    "service_monitoring": _generated(_MONITORING, "service_monitoring_service", "ServiceMonitoringService"),
    "service_monitoring_async": _generated(
        _MONITORING, "service_monitoring_service", "ServiceMonitoringService", asynchronous=True
    ),
    "snooze": _generated(_MONITORING, "snooze_service", "SnoozeService"),
    "snooze_async": _generated(_MONITORING, "snooze_service", "SnoozeService", asynchronous=True),
    "uptime_check": _generated(_MONITORING, "uptime_check_service", "UptimeCheckService"),
    "group": _generated(_MONITORING, "group_service", "GroupService"),
    "dashboards": _generated(_DASHBOARDS, "dashboards_service", "DashboardsService"),
    "dashboards_async": _generated(_DASHBOARDS, "dashboards_service", "DashboardsService", asynchronous=True),
    "publisher": _generated(_PUBSUB, "publisher", "Publisher", client_module="google.cloud.pubsub_v1"),
    "publisher_api": _generated(_PUBSUB, "publisher", "Publisher"),
    "publisher_async": _generated(_PUBSUB, "publisher", "Publisher", asynchronous=True),
    "subscriber": _generated(_PUBSUB, "subscriber", "Subscriber", client_module="google.cloud.pubsub_v1"),
    "subscriber_async": _generated(_PUBSUB, "subscriber", "Subscriber", asynchronous=True),
}
"""Every client the factory builds, by the name of the method that builds it."""


_DISTRIBUTIONS = {
    "monitoring_v3": "google-cloud-monitoring",
    "monitoring_dashboard_v1": "google-cloud-monitoring-dashboards",
}


class MissingClientLibrary(ImportError):
    """A client whose library only an extra installs (a plain install has Pub/Sub's only)."""


def _load(where: str) -> Any:
    """The class ``module:Class``, its module imported now (the first client of a library loads it)."""
    module, _, name = where.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as err:
        key = next((key for key in _DISTRIBUTIONS if key in module), None)
        if key is None:
            raise
        package = module[: module.index(key) + len(key)]
        raise MissingClientLibrary(
            f"{_DISTRIBUTIONS[key]} is not installed here (no module named {package!r}): "
            f"{install_hint('setup')} (or [collector], [emulator], [all])",
            name=err.name,
        ) from err


class ClientFactory:
    """Builds sync and async clients for Monitoring, Dashboards and Pub/Sub from one :class:`Settings`.

    Async clients must be built inside the event loop that will use them (gRPC's asyncio channels
    bind to the running loop).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _build(self, name: str, **kwargs: Any) -> Any:
        """The client ``name`` (see :data:`_CLIENTS`) with default credentials, or on an insecure
        channel to its emulator when the settings name one (every client takes a ``transport``)."""
        spec = _CLIENTS[name]
        host = getattr(self.settings, spec.emulator)
        if host:
            channel = _async_channel(host) if spec.asynchronous else _sync_channel(host)
            kwargs["transport"] = _load(spec.transport)(channel=channel)
        return _load(spec.client)(**kwargs)

    # --- Cloud Monitoring ---------------------------------------------------------------
    def metric_service(self) -> monitoring_v3.MetricServiceClient:
        return self._build("metric_service")

    def metric_service_async(self) -> monitoring_v3.MetricServiceAsyncClient:
        return self._build("metric_service_async")

    def alert_policy(self) -> monitoring_v3.AlertPolicyServiceClient:
        return self._build("alert_policy")

    def alert_policy_async(self) -> monitoring_v3.AlertPolicyServiceAsyncClient:
        return self._build("alert_policy_async")

    def notification_channel(self) -> monitoring_v3.NotificationChannelServiceClient:
        return self._build("notification_channel")

    def notification_channel_async(self) -> monitoring_v3.NotificationChannelServiceAsyncClient:
        return self._build("notification_channel_async")

    def service_monitoring(self) -> monitoring_v3.ServiceMonitoringServiceClient:
        """Services and their SLOs (``ServiceMonitoringService``)."""
        return self._build("service_monitoring")

    def service_monitoring_async(self) -> monitoring_v3.ServiceMonitoringServiceAsyncClient:
        return self._build("service_monitoring_async")

    def snooze(self) -> monitoring_v3.SnoozeServiceClient:
        """Snoozes of alert policies (``SnoozeService``)."""
        return self._build("snooze")

    def snooze_async(self) -> monitoring_v3.SnoozeServiceAsyncClient:
        return self._build("snooze_async")

    def uptime_check(self) -> monitoring_v3.UptimeCheckServiceClient:
        """Uptime check configurations and the checkers' IP addresses (``UptimeCheckService``)."""
        return self._build("uptime_check")

    def group(self) -> monitoring_v3.GroupServiceClient:
        """Groups of monitored resources and their members (``GroupService``)."""
        return self._build("group")

    def dashboards(self) -> monitoring_dashboard_v1.DashboardsServiceClient:
        return self._build("dashboards")

    def dashboards_async(self) -> monitoring_dashboard_v1.DashboardsServiceAsyncClient:
        return self._build("dashboards_async")

    # --- Pub/Sub ------------------------------------------------------------------------
    def publisher(self, **kwargs: Any) -> pubsub_v1.PublisherClient:
        """A batching ``PublisherClient``; ``kwargs`` (batch_settings, publisher_options) pass through."""
        return self._build("publisher", **kwargs)

    def publisher_api(self) -> PublisherClient:
        """The plain generated Publisher client: one ``publish`` call per request, no batching
        threads of its own — what ``MetricsPublisher`` and the collector use, since they batch."""
        return self._build("publisher_api")

    def subscriber(self, **kwargs: Any) -> pubsub_v1.SubscriberClient:
        return self._build("subscriber", **kwargs)

    def publisher_async(self) -> PublisherAsyncClient:
        return self._build("publisher_async")

    def subscriber_async(self) -> SubscriberAsyncClient:
        return self._build("subscriber_async")
