"""The courier alone: calls run on its own thread, one at a time, with the sender's deadline, and
what a call raises comes back through its future."""

from __future__ import annotations

import threading

import pytest

from helios_metrics.contract.wire import EncodedMessage
from helios_metrics.publisher._courier import Courier

MESSAGE = EncodedMessage(b"data", {"events": "1"}, 1)


class Recording:
    def __init__(self) -> None:
        self.calls: list[tuple[list[EncodedMessage], float, str]] = []

    def publish(self, messages, deadline) -> None:
        self.calls.append((list(messages), deadline, threading.current_thread().name))


def test_calls_run_in_order_on_the_courier_thread_with_their_deadline():
    transport = Recording()
    courier = Courier(transport)
    first = courier.submit([MESSAGE], 10.0)
    second = courier.submit([MESSAGE, MESSAGE], 20.0)
    assert second.result(5) is None
    assert first.done()
    assert [(len(m), d, name) for m, d, name in transport.calls] == [
        (1, 10.0, "helios-metrics-courier"),
        (2, 20.0, "helios-metrics-courier"),
    ]
    assert courier.stop(5)


def test_what_a_call_raises_is_handed_back_and_the_courier_goes_on():
    class Flaky(Recording):
        def publish(self, messages, deadline) -> None:
            if deadline < 0:
                raise ConnectionError("Pub/Sub unreachable")
            super().publish(messages, deadline)

    transport = Flaky()
    courier = Courier(transport)
    with pytest.raises(ConnectionError, match="unreachable"):
        courier.submit([MESSAGE], -1.0).result(5)
    courier.submit([MESSAGE], 1.0).result(5)
    assert len(transport.calls) == 1
    assert courier.stop(5)


def test_stop_does_not_wait_for_a_call_that_hangs():
    release = threading.Event()

    class Hanging:
        def publish(self, messages, deadline) -> None:
            release.wait(10)

    courier = Courier(Hanging())
    future = courier.submit([MESSAGE], 1.0)
    assert not courier.stop(0.1)  # still in the call: the caller goes on without it
    release.set()
    future.result(5)
    courier._thread.join(5)
    assert not courier._thread.is_alive()  # then it ends, as asked
