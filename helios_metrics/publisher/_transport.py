"""How the sender reaches Pub/Sub: one narrow call, so the sender never depends on the publisher
that owns it, and a unit test can stand in for Pub/Sub with a plain object."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from google.api_core.retry import Retry
from google.pubsub_v1.types import PubsubMessage

from helios_metrics.contract.clients import ClientFactory
from helios_metrics.contract.transient import is_transient
from helios_metrics.contract.wire import EncodedMessage

if TYPE_CHECKING:
    from google.pubsub_v1 import PublisherClient

__all__ = ["PubSubTransport", "Transport"]


class Transport(Protocol):
    def publish(self, messages: Sequence[EncodedMessage], deadline: float) -> None:
        """Deliver ``messages`` as one Publish request, or raise. Transient failures are retried
        until ``deadline`` (a ``time.monotonic()`` instant); what is left then raises."""


class PubSubTransport:
    """Publish requests to one topic with the factory's client, built on first use; the courier
    thread and the caller's health probe share it (GAPIC clients are thread-safe)."""

    def __init__(self, factory: ClientFactory, topic_path: str, attempt_timeout_s: float) -> None:
        self._factory, self.topic_path = factory, topic_path
        self._attempt_timeout_s = attempt_timeout_s
        self._client: PublisherClient | None = None

    def _api(self) -> PublisherClient:
        if self._client is None:
            self._client = self._factory.publisher_api()
        return self._client

    def publish(self, messages: Sequence[EncodedMessage], deadline: float) -> None:
        retry = Retry(
            predicate=is_transient,
            initial=0.1,
            maximum=2.0,
            multiplier=2.0,
            timeout=max(0.0, deadline - time.monotonic()),
        )
        self._api().publish(
            topic=self.topic_path,
            messages=[PubsubMessage(data=m.data, attributes=m.attributes) for m in messages],
            retry=retry,
            timeout=self._attempt_timeout_s,
        )

    def check_topic(self, timeout: float) -> None:
        """Raise unless the topic answers within ``timeout`` (a health probe; no retries)."""
        self._api().get_topic(topic=self.topic_path, retry=None, timeout=timeout)

    def close(self) -> None:
        """Close the client's channel, if one was opened; the next call opens a new one."""
        client, self._client = self._client, None
        if client is not None:
            client.transport.close()
