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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .settings import Settings

if TYPE_CHECKING:
    import grpc
    from google.cloud import monitoring_dashboard_v1, monitoring_v3, pubsub_v1
    from google.pubsub_v1 import PublisherAsyncClient, PublisherClient, SubscriberAsyncClient

__all__ = ["ClientFactory"]

_CHANNEL_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
_Client = TypeVar("_Client")


def _sync_channel(host: str) -> grpc.Channel:
    import grpc

    return grpc.insecure_channel(host, options=_CHANNEL_OPTIONS)


def _async_channel(host: str) -> grpc.aio.Channel:
    import grpc

    return grpc.aio.insecure_channel(host, options=_CHANNEL_OPTIONS)


def _build(client_cls: Callable[..., _Client], transport_cls: Any, host: str | None, asynchronous: bool) -> _Client:
    """``client_cls()`` with default credentials, or on an insecure channel to ``host`` (every
    generated client takes a ``transport``)."""
    if not host:
        return client_cls()
    channel = _async_channel(host) if asynchronous else _sync_channel(host)
    return client_cls(transport=transport_cls(channel=channel))


class ClientFactory:
    """Builds sync and async clients for Monitoring, Dashboards and Pub/Sub from one :class:`Settings`.

    Async clients must be built inside the event loop that will use them (gRPC's asyncio channels
    bind to the running loop).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # --- Cloud Monitoring ---------------------------------------------------------------
    def metric_service(self) -> monitoring_v3.MetricServiceClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.metric_service import transports

        host = self.settings.monitoring_emulator_host
        return _build(monitoring_v3.MetricServiceClient, transports.MetricServiceGrpcTransport, host, False)

    def metric_service_async(self) -> monitoring_v3.MetricServiceAsyncClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.metric_service import transports

        host = self.settings.monitoring_emulator_host
        return _build(monitoring_v3.MetricServiceAsyncClient, transports.MetricServiceGrpcAsyncIOTransport, host, True)

    def alert_policy(self) -> monitoring_v3.AlertPolicyServiceClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.alert_policy_service import transports

        host = self.settings.monitoring_emulator_host
        return _build(monitoring_v3.AlertPolicyServiceClient, transports.AlertPolicyServiceGrpcTransport, host, False)

    def alert_policy_async(self) -> monitoring_v3.AlertPolicyServiceAsyncClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.alert_policy_service import transports

        host = self.settings.monitoring_emulator_host
        transport = transports.AlertPolicyServiceGrpcAsyncIOTransport
        return _build(monitoring_v3.AlertPolicyServiceAsyncClient, transport, host, True)

    def notification_channel(self) -> monitoring_v3.NotificationChannelServiceClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.notification_channel_service import transports

        host = self.settings.monitoring_emulator_host
        transport = transports.NotificationChannelServiceGrpcTransport
        return _build(monitoring_v3.NotificationChannelServiceClient, transport, host, False)

    def notification_channel_async(self) -> monitoring_v3.NotificationChannelServiceAsyncClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.notification_channel_service import transports

        host = self.settings.monitoring_emulator_host
        transport = transports.NotificationChannelServiceGrpcAsyncIOTransport
        return _build(monitoring_v3.NotificationChannelServiceAsyncClient, transport, host, True)

    def service_monitoring(self) -> monitoring_v3.ServiceMonitoringServiceClient:
        """Services and their SLOs (``ServiceMonitoringService``)."""
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.service_monitoring_service import transports

        host = self.settings.monitoring_emulator_host
        transport = transports.ServiceMonitoringServiceGrpcTransport
        return _build(monitoring_v3.ServiceMonitoringServiceClient, transport, host, False)

    def service_monitoring_async(self) -> monitoring_v3.ServiceMonitoringServiceAsyncClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.service_monitoring_service import transports

        host = self.settings.monitoring_emulator_host
        transport = transports.ServiceMonitoringServiceGrpcAsyncIOTransport
        return _build(monitoring_v3.ServiceMonitoringServiceAsyncClient, transport, host, True)

    def snooze(self) -> monitoring_v3.SnoozeServiceClient:
        """Snoozes of alert policies (``SnoozeService``)."""
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.snooze_service import transports

        host = self.settings.monitoring_emulator_host
        return _build(monitoring_v3.SnoozeServiceClient, transports.SnoozeServiceGrpcTransport, host, False)

    def snooze_async(self) -> monitoring_v3.SnoozeServiceAsyncClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.snooze_service import transports

        host = self.settings.monitoring_emulator_host
        return _build(monitoring_v3.SnoozeServiceAsyncClient, transports.SnoozeServiceGrpcAsyncIOTransport, host, True)

    def uptime_check(self) -> monitoring_v3.UptimeCheckServiceClient:
        """Uptime check configurations and the checkers' IP addresses (``UptimeCheckService``)."""
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.uptime_check_service import transports

        host = self.settings.monitoring_emulator_host
        transport = transports.UptimeCheckServiceGrpcTransport
        return _build(monitoring_v3.UptimeCheckServiceClient, transport, host, False)

    def group(self) -> monitoring_v3.GroupServiceClient:
        """Groups of monitored resources and their members (``GroupService``)."""
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.group_service import transports

        host = self.settings.monitoring_emulator_host
        return _build(monitoring_v3.GroupServiceClient, transports.GroupServiceGrpcTransport, host, False)

    def dashboards(self) -> monitoring_dashboard_v1.DashboardsServiceClient:
        from google.cloud import monitoring_dashboard_v1
        from google.cloud.monitoring_dashboard_v1.services.dashboards_service import transports

        host = self.settings.monitoring_emulator_host
        transport = transports.DashboardsServiceGrpcTransport
        return _build(monitoring_dashboard_v1.DashboardsServiceClient, transport, host, False)

    def dashboards_async(self) -> monitoring_dashboard_v1.DashboardsServiceAsyncClient:
        from google.cloud import monitoring_dashboard_v1
        from google.cloud.monitoring_dashboard_v1.services.dashboards_service import transports

        host = self.settings.monitoring_emulator_host
        transport = transports.DashboardsServiceGrpcAsyncIOTransport
        return _build(monitoring_dashboard_v1.DashboardsServiceAsyncClient, transport, host, True)

    # --- Pub/Sub ------------------------------------------------------------------------
    def publisher(self, **kwargs: Any) -> pubsub_v1.PublisherClient:
        """A batching ``PublisherClient``; ``kwargs`` (batch_settings, publisher_options) pass through."""
        from google.cloud import pubsub_v1
        from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport

        host = self.settings.pubsub_emulator_host
        if host:
            kwargs["transport"] = PublisherGrpcTransport(channel=_sync_channel(host))
        return pubsub_v1.PublisherClient(**kwargs)

    def publisher_api(self) -> PublisherClient:
        """The plain generated Publisher client: one ``publish`` call per request, no batching
        threads of its own — what ``MetricsPublisher`` and the collector use, since they batch."""
        from google.pubsub_v1 import PublisherClient
        from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport

        return _build(PublisherClient, PublisherGrpcTransport, self.settings.pubsub_emulator_host, False)

    def subscriber(self, **kwargs: Any) -> pubsub_v1.SubscriberClient:
        from google.cloud import pubsub_v1
        from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

        host = self.settings.pubsub_emulator_host
        if host:
            kwargs["transport"] = SubscriberGrpcTransport(channel=_sync_channel(host))
        return pubsub_v1.SubscriberClient(**kwargs)

    def publisher_async(self) -> PublisherAsyncClient:
        from google.pubsub_v1 import PublisherAsyncClient
        from google.pubsub_v1.services.publisher.transports import PublisherGrpcAsyncIOTransport

        return _build(PublisherAsyncClient, PublisherGrpcAsyncIOTransport, self.settings.pubsub_emulator_host, True)

    def subscriber_async(self) -> SubscriberAsyncClient:
        from google.pubsub_v1 import SubscriberAsyncClient
        from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcAsyncIOTransport

        return _build(SubscriberAsyncClient, SubscriberGrpcAsyncIOTransport, self.settings.pubsub_emulator_host, True)
