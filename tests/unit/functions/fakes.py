"""In-memory stand-ins for the collector's two seams: the Monitoring client the writer calls, and
the message source (our own protocol over Pub/Sub). Failures are worded by the emulator's own
partial-failure module, so the writer is tested against every grammar the emulator emits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.api_core import exceptions
from google.protobuf import any_pb2

from helios_metrics.contract.wire import encode_message
from helios_metrics.functions.messages import PulledMessage
from helios_metrics.monitoring_emulator._partial import Failure, summary_error
from helios_metrics.monitoring_emulator._series import SeriesKey

S = 1_000_000_000
ORDER = (
    "Points must be written in order. One or more of the points specified had an older end time than the most "
    "recent point."
)
ORDER_START = (
    "Points must be written in order. One or more of the points specified had an older start time than the most "
    "recent point."
)

SeriesRule = Callable[[int, Any], tuple[grpc.StatusCode, str] | None]
"""(index, TimeSeries) → the failure of that series in this call, or None."""


def series_key(ts: Any) -> SeriesKey:
    """The emulator's SeriesKey, for the grammars that name the series."""
    return SeriesKey.of("p", ts.metric.type, dict(ts.metric.labels), ts.resource.type, dict(ts.resource.labels))


def api_error(code: grpc.StatusCode, message: str, details: Sequence[Any] = ()) -> exceptions.GoogleAPICallError:
    """The exception the generated client raises for such a status (details packed as ``Any``)."""
    packed = []
    for detail in details:
        wrapped = any_pb2.Any()
        wrapped.Pack(detail)
        packed.append(wrapped)
    return exceptions.from_grpc_status(code, message, details=packed)


@dataclass
class FakeMetricService:
    """Records CreateTimeSeries requests and stores what it accepts, like the service would:
    a point older than or equal to a series' latest is refused as out of order, and so is a
    CUMULATIVE point whose new start time is not after the series' latest end (a reset must be)."""

    rules: list[SeriesRule] = field(default_factory=list)
    grammar: str = "trailing"
    call_failures: list[grpc.StatusCode] = field(default_factory=list)
    apply_failed_calls: bool = False  # an ambiguous failure that was applied anyway
    requests: list[list[Any]] = field(default_factory=list)
    latest: dict[tuple, int] = field(default_factory=dict)
    starts: dict[tuple, int] = field(default_factory=dict)
    accepted: list[Any] = field(default_factory=list)
    reads: int = 0
    read_failures: list[grpc.StatusCode] = field(default_factory=list)
    descriptors: dict[str, Any] = field(default_factory=dict)

    def create_time_series(self, request: Any, retry: Any = None, timeout: float | None = None) -> None:
        series = list(type(request).pb(request).time_series)  # the raw protobuf, as the server sees it
        self.requests.append(series)
        if self.call_failures:
            code = self.call_failures.pop(0)
            if self.apply_failed_calls:  # what the store would have taken
                for ts in series:
                    if self.latest.get(series_key(ts), -1) < self._end(ts) and not self._bad_start(ts):
                        self._store(ts)
            raise api_error(code, "Deadline exceeded." if code == grpc.StatusCode.DEADLINE_EXCEEDED else code.name)
        failures = []
        for index, ts in enumerate(series):
            failure = next((f for rule in self.rules if (f := rule(index, ts)) is not None), None)
            if failure is None and self.latest.get(series_key(ts), -1) >= self._end(ts):
                failure = (grpc.StatusCode.INVALID_ARGUMENT, ORDER)
            if failure is None and self._bad_start(ts):
                failure = (grpc.StatusCode.INVALID_ARGUMENT, ORDER_START)
            if failure is None:
                self._store(ts)
            else:
                failures.append(Failure(index, failure[0], failure[1], "fake", self.grammar, series_key(ts)))
        if failures:
            error = summary_error(failures, len(series))
            raise api_error(error.code, error.message, error.details)

    @staticmethod
    def _end(ts: Any) -> int:
        end = ts.points[0].interval.end_time
        return end.seconds * S + end.nanos

    def _bad_start(self, ts: Any) -> bool:
        if ts.metric_kind != 3:  # CUMULATIVE
            return False
        start = ts.points[0].interval.start_time
        start_ns = start.seconds * S + start.nanos
        if start_ns >= self._end(ts):
            return True
        key = series_key(ts)
        return key in self.starts and start_ns != self.starts[key] and start_ns <= self.latest[key]

    def _store(self, ts: Any) -> None:
        key = series_key(ts)
        self.latest[key] = self._end(ts)
        if ts.metric_kind == 3:
            start = ts.points[0].interval.start_time
            self.starts[key] = start.seconds * S + start.nanos
        self.accepted.append(ts)

    def list_time_series(self, request: Any, timeout: float | None = None) -> list[Any]:
        """Every accepted point of the request's metric type (``present`` matches the rest)."""
        from google.cloud.monitoring_v3 import TimeSeries

        self.reads += 1
        if self.read_failures:
            code = self.read_failures.pop(0)
            raise api_error(code, code.name)
        wanted = request.filter.split('"')[1]
        return [TimeSeries.wrap(ts) for ts in self.accepted if ts.metric.type == wanted]

    def get_metric_descriptor(self, name: str, retry: Any = None, timeout: float | None = None) -> Any:
        if name not in self.descriptors:
            raise exceptions.NotFound(f"Could not find descriptor for metric '{name}'.")
        return self.descriptors[name]

    def create_metric_descriptor(
        self, name: str, metric_descriptor: Any, retry: Any = None, timeout: float | None = None
    ) -> Any:
        self.descriptors[metric_descriptor.name] = metric_descriptor
        return metric_descriptor

    def written(self, metric: str) -> list[Any]:
        """Every point of ``metric`` (short name) the service accepted, in order."""
        return [ts for ts in self.accepted if ts.metric.type.endswith("/" + metric)]


@dataclass
class FakeSource:
    """An in-memory subscription: ``publish`` queues messages, runs pull them, acks remove them,
    nacked ones come back, dead letters are kept (or refused while ``dead_letter_down``)."""

    path: str = "projects/p/subscriptions/helios-metrics-collector"
    queue: list[PulledMessage] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    handed_back: list[str] = field(default_factory=list)
    extended: list[tuple[int, int]] = field(default_factory=list)  # (ack ids, seconds)
    letters: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    dead_letter_down: bool = False
    pull_size: int = 1000
    outstanding: dict[str, PulledMessage] = field(default_factory=dict)
    _serial: int = 0

    def publish(self, producer: str, batch: int, events: Sequence[tuple[Any, ...]]) -> None:
        message = encode_message(producer, batch, events)
        self.publish_raw(message.data, message.attributes)

    def publish_raw(self, data: bytes, attributes: dict[str, str]) -> None:
        self._serial += 1
        self.queue.append(PulledMessage(f"ack-{self._serial}", f"m-{self._serial}", data, dict(attributes)))

    def pull(self) -> list[PulledMessage]:
        taken, self.queue = self.queue[: self.pull_size], self.queue[self.pull_size :]
        self.outstanding.update((m.ack_id, m) for m in taken)
        return [PulledMessage(m.ack_id, m.message_id, m.data, dict(m.attributes)) for m in taken]

    def acknowledge(self, ack_ids: Sequence[str]) -> int:
        self.acked.extend(ack_ids)
        for ack_id in ack_ids:
            del self.outstanding[ack_id]
        return len(ack_ids)

    def modify_deadlines(self, ack_ids: Sequence[str], seconds: int) -> None:
        """Extend, or with 0 hand back: the message is delivered again on the next pull."""
        if not ack_ids:
            return
        self.extended.append((len(ack_ids), seconds))
        if seconds == 0:
            self.handed_back.extend(ack_ids)
            self.queue.extend(self.outstanding.pop(ack_id) for ack_id in ack_ids)

    def publish_dead_letter(self, data: bytes, attributes: dict[str, str]) -> None:
        if self.dead_letter_down:
            raise exceptions.ServiceUnavailable("The service is currently unavailable.")
        self.letters.append((data, attributes))


@dataclass
class StageFailure:
    """A :data:`SeriesRule`: series of ``stage`` fail with ``code`` and ``reason``, ``times`` times
    (None: while ``active``)."""

    stage: str
    code: grpc.StatusCode
    reason: str
    times: int | None = None
    active: bool = True

    def __call__(self, index: int, ts: Any) -> tuple[grpc.StatusCode, str] | None:
        if not self.active or ts.metric.labels.get("stage") != self.stage:
            return None
        if self.times is not None:
            self.times -= 1
            self.active = self.times > 0
        return self.code, self.reason
