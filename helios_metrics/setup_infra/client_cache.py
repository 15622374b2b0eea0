"""The Google clients provisioning uses, each built by the one factory the first time an adapter
needs it and shared from then on (the SLO and service adapters share one, for example)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from helios_metrics.contract.clients import ClientFactory

if TYPE_CHECKING:
    from google.cloud import monitoring_dashboard_v1 as dashboards_v1
    from google.cloud import monitoring_v3, pubsub_v1
    from google.pubsub_v1 import PublisherClient

__all__ = ["Clients"]


class Clients:
    """The clients the adapters use, each built by the factory the first time one is needed."""

    def __init__(self, factory: ClientFactory) -> None:
        self._factory = factory

    @cached_property
    def publisher(self) -> PublisherClient:
        return self._factory.publisher_api()

    @cached_property
    def subscriber(self) -> pubsub_v1.SubscriberClient:
        return self._factory.subscriber()

    @cached_property
    def metric_service(self) -> monitoring_v3.MetricServiceClient:
        return self._factory.metric_service()

    @cached_property
    def service_monitoring(self) -> monitoring_v3.ServiceMonitoringServiceClient:
        return self._factory.service_monitoring()

    @cached_property
    def notification_channel(self) -> monitoring_v3.NotificationChannelServiceClient:
        return self._factory.notification_channel()

    @cached_property
    def alert_policy(self) -> monitoring_v3.AlertPolicyServiceClient:
        return self._factory.alert_policy()

    @cached_property
    def dashboards(self) -> dashboards_v1.DashboardsServiceClient:
        return self._factory.dashboards()

    @cached_property
    def snooze(self) -> monitoring_v3.SnoozeServiceClient:
        return self._factory.snooze()
