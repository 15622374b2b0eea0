"""The one place Google clients are built, for every part of the project.

With ``monitoring_emulator_host`` set, the Monitoring clients get a transport on an insecure gRPC
channel (``api_endpoint`` alone would try TLS and fail, feasibility.md §3–4); with
``pubsub_emulator_host`` set, the Pub/Sub clients do too — taken from the settings object, so an
explicit argument works without touching ``os.environ``. Otherwise every client uses Application
Default Credentials. It lives in ``publisher`` because every other package already depends on it;
the Monitoring libraries are imported only when a Monitoring client is asked for, so pipeline code
that only publishes never loads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import grpc
from google.cloud import pubsub_v1
from google.pubsub_v1.services.publisher import PublisherClient as PublisherApiClient
from google.pubsub_v1.services.publisher.transports import PublisherGrpcAsyncIOTransport, PublisherGrpcTransport
from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcAsyncIOTransport, SubscriberGrpcTransport

from .settings import Settings

if TYPE_CHECKING:
    from google.cloud import monitoring_dashboard_v1, monitoring_v3
    from google.pubsub_v1 import PublisherAsyncClient, SubscriberAsyncClient

__all__ = ["ClientFactory"]

_CHANNEL_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


class ClientFactory:
    """Builds sync and async clients for Monitoring, Dashboards and Pub/Sub from one :class:`Settings`.

    Async clients must be built inside the event loop that will use them (gRPC's asyncio channels
    bind to the running loop).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # --- Cloud Monitoring ---------------------------------------------------------------
    def _monitoring(self, client_cls: type, transport_cls: type, asynchronous: bool) -> Any:
        host = self.settings.monitoring_emulator_host
        if not host:
            return client_cls()
        if asynchronous:
            channel = grpc.aio.insecure_channel(host, options=_CHANNEL_OPTIONS)
        else:
            channel = grpc.insecure_channel(host, options=_CHANNEL_OPTIONS)
        return client_cls(transport=transport_cls(channel=channel))

    def metric_service(self) -> monitoring_v3.MetricServiceClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.metric_service.transports import MetricServiceGrpcTransport

        return self._monitoring(monitoring_v3.MetricServiceClient, MetricServiceGrpcTransport, False)

    def metric_service_async(self) -> monitoring_v3.MetricServiceAsyncClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.metric_service.transports import MetricServiceGrpcAsyncIOTransport

        return self._monitoring(monitoring_v3.MetricServiceAsyncClient, MetricServiceGrpcAsyncIOTransport, True)

    def alert_policy(self) -> monitoring_v3.AlertPolicyServiceClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.alert_policy_service.transports import AlertPolicyServiceGrpcTransport

        return self._monitoring(monitoring_v3.AlertPolicyServiceClient, AlertPolicyServiceGrpcTransport, False)

    def alert_policy_async(self) -> monitoring_v3.AlertPolicyServiceAsyncClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.alert_policy_service.transports import (
            AlertPolicyServiceGrpcAsyncIOTransport,
        )

        return self._monitoring(
            monitoring_v3.AlertPolicyServiceAsyncClient, AlertPolicyServiceGrpcAsyncIOTransport, True
        )

    def notification_channel(self) -> monitoring_v3.NotificationChannelServiceClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.notification_channel_service.transports import (
            NotificationChannelServiceGrpcTransport,
        )

        return self._monitoring(
            monitoring_v3.NotificationChannelServiceClient, NotificationChannelServiceGrpcTransport, False
        )

    def notification_channel_async(self) -> monitoring_v3.NotificationChannelServiceAsyncClient:
        from google.cloud import monitoring_v3
        from google.cloud.monitoring_v3.services.notification_channel_service.transports import (
            NotificationChannelServiceGrpcAsyncIOTransport,
        )

        return self._monitoring(
            monitoring_v3.NotificationChannelServiceAsyncClient, NotificationChannelServiceGrpcAsyncIOTransport, True
        )

    def dashboards(self) -> monitoring_dashboard_v1.DashboardsServiceClient:
        from google.cloud import monitoring_dashboard_v1
        from google.cloud.monitoring_dashboard_v1.services.dashboards_service.transports import (
            DashboardsServiceGrpcTransport,
        )

        return self._monitoring(monitoring_dashboard_v1.DashboardsServiceClient, DashboardsServiceGrpcTransport, False)

    def dashboards_async(self) -> monitoring_dashboard_v1.DashboardsServiceAsyncClient:
        from google.cloud import monitoring_dashboard_v1
        from google.cloud.monitoring_dashboard_v1.services.dashboards_service.transports import (
            DashboardsServiceGrpcAsyncIOTransport,
        )

        return self._monitoring(
            monitoring_dashboard_v1.DashboardsServiceAsyncClient, DashboardsServiceGrpcAsyncIOTransport, True
        )

    # --- Pub/Sub ------------------------------------------------------------------------
    def publisher(self, **kwargs: Any) -> pubsub_v1.PublisherClient:
        """A batching ``PublisherClient``; ``kwargs`` (batch_settings, publisher_options) pass through."""
        host = self.settings.pubsub_emulator_host
        if host:
            kwargs["transport"] = PublisherGrpcTransport(channel=grpc.insecure_channel(host, options=_CHANNEL_OPTIONS))
        return pubsub_v1.PublisherClient(**kwargs)

    def publisher_api(self) -> PublisherApiClient:
        """The plain generated Publisher client: one ``publish`` call per request, no batching
        threads of its own — what ``MetricsPublisher`` uses, since it batches itself."""
        host = self.settings.pubsub_emulator_host
        if not host:
            return PublisherApiClient()
        channel = grpc.insecure_channel(host, options=_CHANNEL_OPTIONS)
        return PublisherApiClient(transport=PublisherGrpcTransport(channel=channel))

    def subscriber(self, **kwargs: Any) -> pubsub_v1.SubscriberClient:
        host = self.settings.pubsub_emulator_host
        if host:
            kwargs["transport"] = SubscriberGrpcTransport(channel=grpc.insecure_channel(host, options=_CHANNEL_OPTIONS))
        return pubsub_v1.SubscriberClient(**kwargs)

    def publisher_async(self) -> PublisherAsyncClient:
        from google.pubsub_v1 import PublisherAsyncClient

        host = self.settings.pubsub_emulator_host
        if not host:
            return PublisherAsyncClient()
        channel = grpc.aio.insecure_channel(host, options=_CHANNEL_OPTIONS)
        return PublisherAsyncClient(transport=PublisherGrpcAsyncIOTransport(channel=channel))

    def subscriber_async(self) -> SubscriberAsyncClient:
        from google.pubsub_v1 import SubscriberAsyncClient

        host = self.settings.pubsub_emulator_host
        if not host:
            return SubscriberAsyncClient()
        channel = grpc.aio.insecure_channel(host, options=_CHANNEL_OPTIONS)
        return SubscriberAsyncClient(transport=SubscriberGrpcAsyncIOTransport(channel=channel))
