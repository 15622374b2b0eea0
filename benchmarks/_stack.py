"""Both emulators, the collector's topics and subscription, for one benchmark: one place, so every
benchmark runs against the same setup and stops what it started."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.monitoring_emulator.launch import (
    MonitoringEmulatorProcess,
    PubSubEmulatorProcess,
    start_monitoring_emulator,
    start_pubsub_emulator,
)

__all__ = ["emulator_stack", "emulators", "provision", "stack_env"]


@contextmanager
def emulators(work: Path) -> Iterator[tuple[PubSubEmulatorProcess, MonitoringEmulatorProcess]]:
    """Start the official Pub/Sub emulator and ours; stop both on exit."""
    work.mkdir(parents=True, exist_ok=True)
    pubsub = start_pubsub_emulator(log_dir=work)
    try:
        monitoring = start_monitoring_emulator(log_dir=work)
        try:
            yield pubsub, monitoring
        finally:
            monitoring.stop()
    finally:
        pubsub.stop()


def provision(
    settings: Settings,
    factory: ClientFactory,
    ack_deadline_seconds: int = 600,
    max_delivery_attempts: int | None = None,
) -> None:
    """The topic, the dead-letter topic and the subscription (600 s ack deadline by default: a
    benchmark's one run may hold many messages; with ``max_delivery_attempts``, the dead-letter
    policy setup_infra sets)."""
    factory.publisher().create_topic(name=settings.topic_path)
    factory.publisher().create_topic(name=settings.dead_letter_topic_path)
    subscription: dict[str, Any] = {
        "name": settings.subscription_path,
        "topic": settings.topic_path,
        "ack_deadline_seconds": ack_deadline_seconds,
    }
    if max_delivery_attempts is not None:
        subscription["dead_letter_policy"] = {
            "dead_letter_topic": settings.dead_letter_topic_path,
            "max_delivery_attempts": max_delivery_attempts,
        }
    factory.subscriber().create_subscription(request=subscription)


@contextmanager
def emulator_stack(work: Path, project: str = "bench", **settings: Any) -> Iterator[tuple[Settings, ClientFactory]]:
    """Both emulators, provisioned for ``project``."""
    with emulators(work) as (pubsub, monitoring):
        configured = Settings(
            project_id=project,
            pubsub_emulator_host=pubsub.address,
            monitoring_emulator_host=monitoring.address,
            **settings,
        )
        factory = ClientFactory(configured)
        provision(configured, factory)
        yield configured, factory


def stack_env(settings: Settings) -> dict[str, str]:
    """The environment a deployed function sees, pointed at the emulators."""
    return {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": settings.project_id or "",
        "PUBSUB_EMULATOR_HOST": settings.pubsub_emulator_host or "",
        "MONITORING_EMULATOR_HOST": settings.monitoring_emulator_host or "",
    }
