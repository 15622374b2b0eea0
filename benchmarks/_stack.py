"""Both emulators, the collector's topics and subscription, for one benchmark: one place, so every
benchmark runs against the same setup and stops what it started."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from contract import ClientFactory, Settings
from monitoring_emulator.launch import start_monitoring_emulator, start_pubsub_emulator

__all__ = ["emulator_stack", "stack_env"]


@contextmanager
def emulator_stack(work: Path, project: str = "bench", **settings: Any) -> Iterator[tuple[Settings, ClientFactory]]:
    """Start both emulators, create the topic, the dead-letter topic and the subscription
    (600 s ack deadline: a benchmark's one run may hold many messages), stop both on exit."""
    work.mkdir(parents=True, exist_ok=True)
    pubsub = start_pubsub_emulator(log_dir=work)
    try:
        monitoring = start_monitoring_emulator(log_dir=work)
        try:
            configured = Settings(
                project_id=project,
                pubsub_emulator_host=pubsub.address,
                monitoring_emulator_host=monitoring.address,
                **settings,
            )
            factory = ClientFactory(configured)
            factory.publisher().create_topic(name=configured.topic_path)
            factory.publisher().create_topic(name=configured.dead_letter_topic_path)
            factory.subscriber().create_subscription(
                name=configured.subscription_path, topic=configured.topic_path, ack_deadline_seconds=600
            )
            yield configured, factory
        finally:
            monitoring.stop()
    finally:
        pubsub.stop()


def stack_env(settings: Settings) -> dict[str, str]:
    """The environment a deployed function sees, pointed at the emulators."""
    return {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": settings.project_id or "",
        "PUBSUB_EMULATOR_HOST": settings.pubsub_emulator_host or "",
        "MONITORING_EMULATOR_HOST": settings.monitoring_emulator_host or "",
    }
