"""Every client the factory builds reaches the local emulators without credentials or TLS."""

from __future__ import annotations

import asyncio
import time

from helios_metrics.contract import ClientFactory, Settings
from tests.helpers import series


def test_pubsub_clients_use_the_emulator_named_in_settings(pubsub_emulator, project_id):
    factory = ClientFactory(Settings(project_id=project_id, pubsub_emulator_host=pubsub_emulator.address))
    publisher, subscriber = factory.publisher(), factory.subscriber()
    topic = f"projects/{project_id}/topics/factory-topic"
    subscription = f"projects/{project_id}/subscriptions/factory-sub"
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=subscription, topic=topic)
    publisher.publish(topic, b"hello", kind="test").result(timeout=30)
    response = subscriber.pull(subscription=subscription, max_messages=10, timeout=30)
    assert [m.message.data for m in response.received_messages] == [b"hello"]
    assert response.received_messages[0].message.attributes["kind"] == "test"

    async def async_round_trip() -> list[bytes]:
        pub, sub = factory.publisher_async(), factory.subscriber_async()
        await pub.publish(topic=topic, messages=[{"data": b"async"}])
        pulled = await sub.pull(subscription=subscription, max_messages=10)
        await sub.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in pulled.received_messages])
        return [m.message.data for m in pulled.received_messages]

    assert b"async" in asyncio.run(async_round_trip())


def test_monitoring_clients_reach_the_emulator(factory, project_id):
    factory.metric_service().create_time_series(
        name=f"projects/{project_id}", time_series=[series(1.0, time.time() - 60)]
    )
    name = f"projects/{project_id}"
    assert list(factory.alert_policy().list_alert_policies(name=name, retry=None)) == []
    channel = factory.notification_channel().create_notification_channel(
        name=name, notification_channel={"type_": "email", "labels": {"email_address": "ops@example.com"}}
    )
    assert list(factory.dashboards().list_dashboards(parent=name)) == []

    async def async_calls() -> tuple[int, int, int, int]:
        metrics, policies = factory.metric_service_async(), factory.alert_policy_async()
        channels, boards = factory.notification_channel_async(), factory.dashboards_async()
        return (
            len(
                [
                    d
                    async for d in await metrics.list_metric_descriptors(
                        request={"name": name, "filter": 'metric.type = starts_with("custom.googleapis.com/")'}
                    )
                ]
            ),
            len([p async for p in await policies.list_alert_policies(name=name)]),
            len([c async for c in await channels.list_notification_channels(name=name)]),
            len([b async for b in await boards.list_dashboards(request={"parent": name})]),
        )

    assert asyncio.run(async_calls()) == (1, 0, 1, 0)
    assert channel.labels["email_address"] == "ops@example.com"
