"""The courier: Publish calls on a thread of their own, so a slow or hanging call never stops the
sender from draining the caller's buffer and spilling to disk."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent import futures

from helios_metrics.contract.wire import EncodedMessage

from ._transport import Transport

__all__ = ["Courier"]

_Job = tuple[futures.Future[None], Sequence[EncodedMessage], float]


class Courier:
    """Runs ``transport.publish`` calls one at a time on a daemon thread (not an executor: those
    refuse work at interpreter exit, exactly when the last events must go out)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="helios-metrics-courier", daemon=True)
        self._thread.start()

    def submit(self, messages: Sequence[EncodedMessage], deadline: float) -> futures.Future[None]:
        """A future that completes when the call returns, or holds what it raised."""
        future: futures.Future[None] = futures.Future()
        self._queue.put((future, messages, deadline))
        return future

    def stop(self, timeout: float) -> bool:
        """Let the thread end after the call it is in, if any; True when it has ended."""
        self._queue.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            future, messages, deadline = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                self._transport.publish(messages, deadline)
            except BaseException as err:  # handed to the sender, which decides
                future.set_exception(err)
            else:
                future.set_result(None)
