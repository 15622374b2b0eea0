"""The wire format between publishers and the collector (schema ``helios.metrics.v1``).

One Pub/Sub message carries many events. ``data`` is zlib-compressed JSON::

    {"v": 1, "producer": "<16 hex>", "batch": <n>, "events": [<event>, ...]}

and each event is a JSON array: its kind's tag, then its fields in the order the kind's Struct
below declares them — :class:`PipelineEvent` (``"p"``), :class:`StageEvent` (``"s"``),
:class:`MetricEvent` (``"m"``). Those Structs are the one definition of the layout: the publisher
records them, :func:`encode_message` writes them and :func:`decode_message` reads them back, e.g.
``["s", 1764000000000000000, "trend_discovery", 45.2, true, 0, {"trends_found": 12}]``.

``t`` is the event time in nanoseconds since the epoch. Attributes: ``schema``
(``helios.metrics.v1``), ``encoding`` (``zlib`` or ``identity``), ``events`` (count),
``producer`` and ``batch``. An event's id is ``<producer>-<batch>-<index>``: unique because a
producer never reuses a batch number, stable because a message is never re-encoded (a redelivered
or replayed message yields the same ids), and free for the caller to compute.

:func:`decode_message` is the one decoder; the collector uses it and dead-letters a message when
it raises :class:`InvalidMessage`, whose ``kind`` and message say why.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

import msgspec

from .catalog import spec

__all__ = [
    "ENCODING_IDENTITY",
    "ENCODING_ZLIB",
    "MAX_DECODED_BYTES",
    "MAX_EVENTS_PER_MESSAGE",
    "SCHEMA",
    "DecodedMessage",
    "EncodedMessage",
    "Event",
    "InvalidMessage",
    "MetricEvent",
    "PipelineEvent",
    "StageEvent",
    "decode_message",
    "encode_message",
]

SCHEMA = "helios.metrics.v1"
ENCODING_ZLIB = "zlib"
ENCODING_IDENTITY = "identity"
MAX_EVENTS_PER_MESSAGE = 10_000
MAX_DECODED_BYTES = 16 * 1024 * 1024  # guards the decoder against a compression bomb
IDENTIFIER = r"^[a-z][a-z0-9_]{0,62}$"
DATA_KEY = r"^[A-Za-z][A-Za-z0-9_]{0,62}$"

_Score = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
_Seconds = Annotated[float, msgspec.Meta(ge=0.0)]
_Time = Annotated[int, msgspec.Meta(gt=0)]


class PipelineEvent(msgspec.Struct, tag="p", array_like=True, frozen=True, gc=False):
    """One pipeline run: how long it took, the four 0..1 quality scores, whether it succeeded."""

    t: _Time
    execution_time: _Seconds
    trend_opportunity_score: _Score
    audience_confidence: _Score
    design_generation_success: _Score
    publication_success: _Score
    success: bool


class StageEvent(msgspec.Struct, tag="s", array_like=True, frozen=True, gc=False):
    """One stage execution: its duration, outcome, handled errors and numeric additional data."""

    t: _Time
    stage: str  # [a-z][a-z0-9_]{0,62}, checked after decoding (names repeat: a memo beats a regex)
    duration: _Seconds
    success: bool
    error_count: Annotated[int, msgspec.Meta(ge=0)]
    data: dict[str, float] | None = None  # keys [A-Za-z][A-Za-z0-9_]{0,62}, checked the same way


class MetricEvent(msgspec.Struct, tag="m", array_like=True, frozen=True, gc=False):
    """One value of a catalog metric marked recordable (``record()``), with its labels."""

    t: _Time
    name: str
    value: float
    labels: dict[str, Annotated[str, msgspec.Meta(max_length=1024)]] = {}


Event = PipelineEvent | StageEvent | MetricEvent


class _Envelope(msgspec.Struct):
    v: int
    producer: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    batch: Annotated[int, msgspec.Meta(ge=0)]
    events: list[Event]


_DECODER = msgspec.json.Decoder(_Envelope)
_ENCODER = msgspec.json.Encoder()
_FIELDS = {cls.__struct_config__.tag: cls.__struct_fields__ for cls in (PipelineEvent, StageEvent, MetricEvent)}


class InvalidMessage(ValueError):
    """A message the collector cannot use; ``kind`` is one of not_decodable, schema, types,
    range, oversized, unknown_metric."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class EncodedMessage:
    data: bytes
    attributes: dict[str, str]
    event_count: int


@dataclass(frozen=True)
class DecodedMessage:
    producer: str
    batch: int
    events: Sequence[Event]

    def event_id(self, index: int) -> str:
        return f"{self.producer}-{self.batch}-{index}"


def encode_message(producer: str, batch: int, events: Sequence[Event], compress: bool = True) -> EncodedMessage:
    """Pack events (already validated at the call site) into one message. A JSON array in the same
    layout encodes to the same bytes: hand-made and hostile test messages are written that way."""
    raw = _ENCODER.encode({"v": 1, "producer": producer, "batch": batch, "events": events})
    data = zlib.compress(raw, 1) if compress else raw
    attributes = {
        "schema": SCHEMA,
        "encoding": ENCODING_ZLIB if compress else ENCODING_IDENTITY,
        "events": str(len(events)),
        "producer": producer,
        "batch": str(batch),
    }
    return EncodedMessage(data, attributes, len(events))


def _inflate(data: bytes, encoding: str) -> bytes:
    if encoding == ENCODING_IDENTITY:
        if len(data) > MAX_DECODED_BYTES:
            raise InvalidMessage("oversized", f"message data is {len(data)} bytes, more than {MAX_DECODED_BYTES}")
        return data
    if encoding != ENCODING_ZLIB:
        raise InvalidMessage("schema", f"unknown encoding {encoding!r} (expected zlib or identity)")
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, MAX_DECODED_BYTES)
    except zlib.error as err:
        raise InvalidMessage("not_decodable", f"data is not valid zlib: {err}") from err
    if inflater.unconsumed_tail:
        raise InvalidMessage("oversized", f"decompressed data exceeds {MAX_DECODED_BYTES} bytes")
    return raw


def _explain(raw: bytes, error: msgspec.MsgspecError, kind: str) -> InvalidMessage:
    """Turn msgspec's ``$.events[3][4]`` into ``events[3].trend_opportunity_score``."""
    text = str(error)
    if re.search(r"(>=|<=|>|<|length|matching|out of range)", text):
        kind = "range"
    match = re.search(r"\$\.events\[(\d+)\]\[(\d+)\]", text)
    if match:
        index, position = int(match.group(1)), int(match.group(2))
        try:
            tag = json.loads(raw)["events"][index][0]  # the error path: the lenient stdlib parser
            name = ("kind", *_FIELDS[tag])[position]
            text = text.replace(match.group(0), f"events[{index}].{name}")
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    return InvalidMessage(kind, text)


def _check_metric(index: int, event: MetricEvent) -> None:
    try:
        metric = spec(event.name)
    except KeyError:
        raise InvalidMessage("unknown_metric", f"events[{index}].name: unknown metric {event.name!r}") from None
    if not metric.recordable:
        raise InvalidMessage("unknown_metric", f"events[{index}].name: {event.name!r} is not recordable with record()")
    if set(event.labels) != set(metric.label_keys):
        raise InvalidMessage(
            "types", f"events[{index}].labels: expected keys {sorted(metric.label_keys)}, got {sorted(event.labels)}"
        )
    for label in metric.labels:
        if label.values and event.labels[label.key] not in label.values:
            raise InvalidMessage(
                "range", f"events[{index}].labels.{label.key}: {event.labels[label.key]!r} not in {label.values}"
            )
    value = event.value
    if (
        not math.isfinite(value)
        or (metric.min_value is not None and value < metric.min_value)
        or (metric.max_value is not None and value > metric.max_value)
    ):
        raise InvalidMessage(
            "range", f"events[{index}].value: {value!r} outside [{metric.min_value}, {metric.max_value}]"
        )


_STAGE_NAME, _DATA_KEY = re.compile(IDENTIFIER), re.compile(DATA_KEY)
_GOOD_STAGES: set[str] = set()
_GOOD_KEYS: set[str] = set()
_MEMO_LIMIT = 100_000


def _check_name(index: int, what: str, name: str, pattern: re.Pattern[str], good: set[str]) -> None:
    if not pattern.match(name):
        raise InvalidMessage("range", f"events[{index}].{what}: {name!r} does not match {pattern.pattern}")
    if len(good) < _MEMO_LIMIT:  # a memo of names already checked; bounded like the caps upstream
        good.add(name)


def decode_message(data: bytes, attributes: Mapping[str, str]) -> DecodedMessage:
    """Decode and validate one Pub/Sub message; raise :class:`InvalidMessage` saying why not."""
    schema = attributes.get("schema")
    if schema != SCHEMA:
        raise InvalidMessage("schema", f"attribute schema is {schema!r}, expected {SCHEMA!r}")
    raw = _inflate(data, attributes.get("encoding", ENCODING_ZLIB))
    try:
        envelope = _DECODER.decode(raw)
    except msgspec.ValidationError as err:
        raise _explain(raw, err, "types") from err
    except msgspec.DecodeError as err:
        raise _explain(raw, err, "not_decodable") from err
    except RecursionError:
        raise InvalidMessage("not_decodable", "JSON nests too deeply to be an envelope") from None
    if envelope.v != 1:
        raise InvalidMessage("schema", f"envelope version {envelope.v} is not supported (expected 1)")
    if len(envelope.events) > MAX_EVENTS_PER_MESSAGE:
        raise InvalidMessage("oversized", f"{len(envelope.events)} events, more than {MAX_EVENTS_PER_MESSAGE}")
    declared = attributes.get("events")
    if declared is not None and declared != str(len(envelope.events)):
        raise InvalidMessage("schema", f"attribute events={declared!r} but the data holds {len(envelope.events)}")
    # JSON has no NaN or infinity and msgspec refuses numbers beyond a double's range, so every
    # float here is finite already; what is left is the names, checked once each (a memo).
    good_stages, good_keys = _GOOD_STAGES, _GOOD_KEYS
    for index, event in enumerate(envelope.events):
        if type(event) is StageEvent:
            if event.stage not in good_stages:
                _check_name(index, "stage", event.stage, _STAGE_NAME, good_stages)
            values = event.data
            if values and not good_keys.issuperset(values):
                for key in values:
                    _check_name(index, f"data key {key!r}", key, _DATA_KEY, good_keys)
        elif type(event) is MetricEvent:
            _check_metric(index, event)
    return DecodedMessage(envelope.producer, envelope.batch, envelope.events)
