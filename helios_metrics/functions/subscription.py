"""The collector's Pub/Sub side, thin: pull, acknowledge, hand back, extend deadlines, dead-letter.

Every call goes through the injected generated clients with explicit deadlines and the shared
transient-retry policy; the decisions about what to do with each message live in ``decisions``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from google.api_core import exceptions
from google.api_core.retry import Retry
from google.pubsub_v1.types import PubsubMessage

from helios_metrics.contract.settings import Settings
from helios_metrics.contract.transient import is_transient

from .messages import PulledMessage

if TYPE_CHECKING:
    from google.pubsub_v1 import PublisherClient, SubscriberClient

__all__ = ["MessageSource", "Subscription"]

_log = logging.getLogger("functions.collector")
_MAX_PULL = 1000
_CHUNK = 1000  # ack ids per Acknowledge / ModifyAckDeadline request


def _retry_pull(error: BaseException) -> bool:
    """Transient, except that a pull that ran out of time found nothing: the subscription is drained."""
    return is_transient(error) and not isinstance(error, exceptions.DeadlineExceeded)


class MessageSource(Protocol):
    """What the collector needs from Pub/Sub (tests substitute an in-memory one)."""

    @property
    def path(self) -> str: ...

    def pull(self) -> list[PulledMessage]: ...

    def acknowledge(self, ack_ids: Sequence[str]) -> int: ...

    def modify_deadlines(self, ack_ids: Sequence[str], seconds: int) -> None: ...

    def publish_dead_letter(self, data: bytes, attributes: dict[str, str]) -> None: ...


class Subscription:
    """:class:`MessageSource` over the generated Subscriber and Publisher clients."""

    def __init__(
        self, settings: Settings, subscriber: SubscriberClient, publisher: PublisherClient, pull_wait_s: float = 2.0
    ) -> None:
        self.path = settings.subscription_path
        self._dead_letter_topic = settings.dead_letter_topic_path
        self._subscriber, self._publisher = subscriber, publisher
        self._pull_wait = pull_wait_s  # an empty pull may block: this long means "drained"
        self._retry = Retry(predicate=_retry_pull, initial=0.1, maximum=1.0, timeout=10.0)

    def pull(self) -> list[PulledMessage]:
        """One pull of up to 1,000 messages; empty when the subscription is drained."""
        try:
            response = self._subscriber.pull(
                subscription=self.path, max_messages=_MAX_PULL, retry=self._retry, timeout=self._pull_wait
            )
        except exceptions.DeadlineExceeded:
            return []  # nothing arrived within the call's deadline
        return [
            PulledMessage(r.ack_id, r.message.message_id, r.message.data, dict(r.message.attributes))
            for r in response.received_messages
        ]

    def acknowledge(self, ack_ids: Sequence[str]) -> int:
        """Acknowledge in chunks; returns how many acks went through (the rest come back as copies
        the ledger recognises)."""
        acked = 0
        for start in range(0, len(ack_ids), _CHUNK):
            chunk = list(ack_ids[start : start + _CHUNK])
            try:
                self._subscriber.acknowledge(subscription=self.path, ack_ids=chunk, retry=self._retry, timeout=10.0)
                acked += len(chunk)
            except exceptions.GoogleAPICallError as err:
                _log.error("acknowledging %d messages failed (%s); their copies will be skipped", len(chunk), err)
        return acked

    def modify_deadlines(self, ack_ids: Sequence[str], seconds: int) -> None:
        """Extend held messages' deadlines, or with 0 hand them back for redelivery now (best effort:
        a message whose deadline could not be changed comes back at its old deadline)."""
        for start in range(0, len(ack_ids), _CHUNK):
            try:
                self._subscriber.modify_ack_deadline(
                    subscription=self.path,
                    ack_ids=list(ack_ids[start : start + _CHUNK]),
                    ack_deadline_seconds=seconds,
                    timeout=10.0,
                )
            except exceptions.GoogleAPICallError as err:
                _log.warning("modifying ack deadlines failed: %s", err)

    def publish_dead_letter(self, data: bytes, attributes: dict[str, str]) -> None:
        """Publish one message to the dead-letter topic; raises ``GoogleAPICallError`` if it did not go."""
        self._publisher.publish(
            topic=self._dead_letter_topic,
            messages=[PubsubMessage(data=data, attributes=attributes)],
            retry=self._retry,
            timeout=10.0,
        )
