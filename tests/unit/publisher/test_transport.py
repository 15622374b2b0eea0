"""The Pub/Sub transport alone, with Google's PublisherClient replaced at its one seam: what one
Publish request carries, how long it may retry, and that closing releases the channel."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from google.api_core import exceptions

from helios_metrics.contract.wire import EncodedMessage
from helios_metrics.publisher._transport import PubSubTransport

TOPIC = "projects/unit/topics/helios-metrics"


class FakeClient:
    """Applies the ``retry`` it is given to each attempt, as a generated client does."""

    def __init__(self, failures: list[Exception]) -> None:
        self.calls: list[dict[str, Any]] = []
        self.attempts = 0
        self.failures = failures
        self.closed = False
        self.transport = SimpleNamespace(close=self._close)

    def _close(self) -> None:
        self.closed = True

    def _attempt(self) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)

    def publish(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)
        kwargs["retry"](self._attempt)()

    def get_topic(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


class FakeFactory:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.clients: list[FakeClient] = []

    def publisher_api(self) -> FakeClient:
        self.clients.append(FakeClient(self.failures))
        return self.clients[-1]


def test_one_request_carries_every_message_with_its_attributes_and_retries_until_the_deadline():
    factory = FakeFactory()
    transport = PubSubTransport(factory, TOPIC, attempt_timeout_s=5.0)  # type: ignore[arg-type]
    messages = [EncodedMessage(b"one", {"batch": "0"}, 3), EncodedMessage(b"two", {"batch": "1"}, 4)]
    transport.publish(messages, deadline=time.monotonic() + 10.0)
    (call,) = factory.clients[0].calls
    assert call["topic"] == TOPIC
    assert [(m.data, dict(m.attributes)) for m in call["messages"]] == [
        (b"one", {"batch": "0"}),
        (b"two", {"batch": "1"}),
    ]
    assert call["timeout"] == 5.0  # each attempt
    assert 9.0 < call["retry"].timeout <= 10.0  # all attempts: what is left until the deadline


def test_transient_codes_are_retried_and_others_raise_at_once():
    factory = FakeFactory(exceptions.ServiceUnavailable("restarting"), exceptions.DeadlineExceeded("slow"))
    transport = PubSubTransport(factory, TOPIC, attempt_timeout_s=5.0)  # type: ignore[arg-type]
    transport.publish([EncodedMessage(b"x", {}, 1)], deadline=time.monotonic() + 30)
    assert factory.clients[0].attempts == 3
    factory.failures.append(exceptions.PermissionDenied("no role"))
    with pytest.raises(exceptions.PermissionDenied):
        transport.publish([EncodedMessage(b"x", {}, 1)], deadline=time.monotonic() + 30)
    assert factory.clients[0].attempts == 4


def test_a_deadline_already_past_leaves_no_time_to_retry():
    factory = FakeFactory(exceptions.ServiceUnavailable("restarting"))
    transport = PubSubTransport(factory, TOPIC, attempt_timeout_s=5.0)  # type: ignore[arg-type]
    with pytest.raises(exceptions.RetryError):
        transport.publish([EncodedMessage(b"x", {}, 1)], deadline=time.monotonic() - 1)
    assert factory.clients[0].attempts == 1


def test_the_client_is_built_on_first_use_shared_and_closed_once():
    factory = FakeFactory()
    transport = PubSubTransport(factory, TOPIC, attempt_timeout_s=5.0)  # type: ignore[arg-type]
    assert factory.clients == []  # building a publisher opens no channel
    transport.check_topic(timeout=2.0)
    transport.publish([EncodedMessage(b"x", {}, 1)], deadline=time.monotonic() + 1)
    assert len(factory.clients) == 1
    assert factory.clients[0].calls[0] == {"topic": TOPIC, "retry": None, "timeout": 2.0}
    transport.close()
    assert factory.clients[0].closed
    transport.close()  # nothing left to close
    transport.check_topic(timeout=2.0)
    assert len(factory.clients) == 2  # a call after close opens a new channel


def test_closing_a_transport_never_used_opens_nothing():
    factory = FakeFactory()
    PubSubTransport(factory, TOPIC, attempt_timeout_s=5.0).close()  # type: ignore[arg-type]
    assert factory.clients == []
