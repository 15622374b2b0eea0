"""The desired state, pure: from the settings, the configuration and the catalog to the resources
setup_infra manages — Pub/Sub, metric descriptors, notification channels — plus the pipeline's
service and success SLO, the alert policies and the dashboards their own modules describe. The
SLO exists in every alerting mode (its compliance and budget are worth a chart even where the
static thresholds page); the mode chooses only the policies."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from helios_metrics.contract.catalog import CATALOG
from helios_metrics.contract.settings import Settings

from .burn_rate import service_resources
from .config import ChannelConfig, InfraConfig
from .dashboards import dashboards
from .model import MANAGED_BY, Resource
from .policies import policies

__all__ = ["CHANNEL_TYPES", "FINGERPRINT_LABEL", "desired_state", "fingerprint"]

CHANNEL_TYPES = {
    "email": "email",
    "sms": "sms",
    "slack": "slack",
    "pagerduty": "pagerduty",
    "webhook": "webhook_tokenauth",
}
FINGERPRINT_LABEL = "secret_fingerprint"
_DISPLAY = {"email": "email", "sms": "SMS", "slack": "Slack", "pagerduty": "PagerDuty", "webhook": "webhook"}
ACK_DEADLINE_S = 90
"""The collector extends the deadlines of what it holds every 20 s by 120 s, so 90 s covers the
first stretch of a run with room to spare."""
MAX_DELIVERY_ATTEMPTS = 10
RETENTION_S = 7 * 24 * 3600


def fingerprint(secrets: Mapping[str, str], key: str) -> str:
    """A keyed hash of a channel's secrets, kept in a user label: the API returns secrets
    obfuscated, so this is how a rotated token shows as a change and an unchanged one does not."""
    message = "\n".join(f"{k}={v}" for k, v in sorted(secrets.items())).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def _pubsub(settings: Settings) -> list[Resource]:
    project = settings.require_project()
    labels = dict(MANAGED_BY)
    return [
        Resource("topic", settings.topic, {"name": settings.topic_path, "labels": labels}),
        Resource("topic", settings.dead_letter_topic, {"name": settings.dead_letter_topic_path, "labels": labels}),
        Resource(
            "subscription",
            settings.subscription,
            {
                "name": settings.subscription_path,
                "topic": settings.topic_path,
                "ack_deadline_seconds": ACK_DEADLINE_S,
                "message_retention_duration": f"{RETENTION_S}s",
                "expiration_policy": {},  # never expires, even when nobody pulls for weeks
                "dead_letter_policy": {
                    "dead_letter_topic": settings.dead_letter_topic_path,
                    "max_delivery_attempts": MAX_DELIVERY_ATTEMPTS,
                },
                "labels": labels,
            },
        ),
        Resource(
            "subscription",
            f"{settings.dead_letter_topic}-sub",
            {
                "name": f"projects/{project}/subscriptions/{settings.dead_letter_topic}-sub",
                "topic": settings.dead_letter_topic_path,
                "ack_deadline_seconds": 60,
                "message_retention_duration": f"{RETENTION_S}s",
                "expiration_policy": {},
                "labels": labels,
            },
        ),
    ]


def _descriptors(project: str) -> list[Resource]:
    return [Resource("metric_descriptor", spec.type, spec.descriptor(project)) for spec in CATALOG]


def _channel(config: InfraConfig, channel: ChannelConfig, project: str) -> Resource:
    channel_type = CHANNEL_TYPES[channel.kind]
    if channel.kind == "webhook" and "username" in channel.labels:
        channel_type = "webhook_basicauth"
    user_labels = {**MANAGED_BY, "helios_key": channel.kind}
    if channel.secrets:
        user_labels[FINGERPRINT_LABEL] = fingerprint(channel.secrets, config.fingerprint_key or project)
    body = {
        "type_": channel_type,  # proto-plus names the proto field `type` this way
        "display_name": f"{config.prefix} {_DISPLAY[channel.kind]}",
        "description": f"{config.prefix} alerts by {_DISPLAY[channel.kind]} (managed by setup_infra).",
        "labels": {**channel.labels, **channel.secrets},
        "user_labels": user_labels,
        "enabled": True,
    }
    return Resource("notification_channel", channel.kind, body)


def desired_state(settings: Settings, config: InfraConfig, kept: Sequence[Resource] = ()) -> list[Resource]:
    """Every resource setup_infra manages, in dependency order.

    ``kept``: managed notification channels that exist but are not configured in this environment,
    desired as they are (so nothing deletes them) and still routed to by the policies — a shell
    without the ``HELIOS_ALERT_*`` variables must not silence the alerting another one set up."""
    project = settings.require_project()
    configured = {c.kind for c in config.channels}
    kept = [r for r in kept if r.kind == "notification_channel" and r.key not in configured]
    return [
        *_pubsub(settings),
        *_descriptors(project),
        *service_resources(config),
        *(_channel(config, channel, project) for channel in config.channels),
        *(Resource(r.kind, r.key, r.body) for r in kept),
        *policies(config, configured | {r.key for r in kept}, settings.subscription),
        *dashboards(config),
    ]
