from __future__ import annotations

import json
import zlib

import pytest

from helios_metrics.contract.wire import (
    MAX_DECODED_BYTES,
    InvalidMessage,
    MetricEvent,
    PipelineEvent,
    StageEvent,
    decode_message,
    encode_message,
)
from helios_metrics.publisher._resources import ResourceSampler

T = 1_764_000_000_000_000_000
PIPELINE = ("p", T, 120.5, 0.85, 0.92, 0.88, 0.95, True)
STAGE = ("s", T + 1, "trend_discovery", 45.2, True, 0, {"trends_found": 12, "confidence_avg": 0.87})
METRIC = ("m", T + 2, "resource_utilization", 0.4, {"resource": "cpu"})


def raw_message(events: list, **overrides: object) -> tuple[bytes, dict[str, str]]:
    body = {"v": 1, "producer": "abc", "batch": 3, "events": events, **overrides}
    data = json.dumps(body).encode()
    return data, {"schema": "helios.metrics.v1", "encoding": "identity", "events": str(len(events))}


def test_round_trip_with_ids_from_producer_batch_and_index():
    message = encode_message("0123456789abcdef", 7, [PIPELINE, STAGE, METRIC])
    assert message.attributes == {
        "schema": "helios.metrics.v1",
        "encoding": "zlib",
        "events": "3",
        "producer": "0123456789abcdef",
        "batch": "7",
    }
    decoded = decode_message(message.data, message.attributes)
    assert [type(e) for e in decoded.events] == [PipelineEvent, StageEvent, MetricEvent]
    assert decoded.events[1].data == {"trends_found": 12.0, "confidence_avg": 0.87}
    assert decoded.events[2].labels == {"resource": "cpu"}
    assert [decoded.event_id(i) for i in range(3)] == [f"0123456789abcdef-7-{i}" for i in range(3)]


def test_uncompressed_messages_decode_too():
    message = encode_message("p", 0, [STAGE], compress=False)
    assert message.attributes["encoding"] == "identity"
    assert decode_message(message.data, message.attributes).events[0].stage == "trend_discovery"


@pytest.mark.parametrize(
    ("events", "kind", "reason"),
    [
        ([["p", T, 1.0, 1.5, 0.5, 0.5, 0.5, True]], "range", "events[0].trend_opportunity_score"),
        ([["p", T, -1.0, 0.5, 0.5, 0.5, 0.5, True]], "range", "events[0].execution_time"),
        ([["p", T, 1.0, 0.5, 0.5, 0.5, 0.5, "yes"]], "types", "events[0].success"),
        ([["p", T, None, 0.5, 0.5, 0.5, 0.5, True]], "types", "events[0].execution_time"),  # NaN encodes as null
        ([["s", T, "Bad Stage", 1.0, True, 0, None]], "range", "events[0].stage"),
        ([["s", T, "ok", 1.0, True, -2, None]], "range", "events[0].error_count"),
        ([["s", T, "ok", 1.0, True, 0, {"k": "x"}]], "types", "events[0].data"),
        ([["x", T]], "types", "Invalid value 'x'"),
        ([["m", T, "no_such_metric", 1.0, {}]], "unknown_metric", "unknown metric 'no_such_metric'"),
        ([["m", T, "stage_duration", 1.0, {"stage": "a", "status": "success"}]], "unknown_metric", "not recordable"),
        ([["m", T, "resource_utilization", 0.5, {"resource": "disk"}]], "range", "events[0].labels.resource"),
        ([["m", T, "resource_utilization", 0.5, {}]], "types", "expected keys ['resource']"),
        ([["m", T, "resource_utilization", 1.5, {"resource": "cpu"}]], "range", "events[0].value"),
    ],
)
def test_invalid_events_name_the_field(events, kind, reason):
    data, attributes = raw_message(events)
    with pytest.raises(InvalidMessage) as caught:
        decode_message(data, attributes)
    assert caught.value.kind == kind
    assert reason in caught.value.reason


def test_infinite_durations_are_refused():
    data, attributes = raw_message([["s", T, "ok", 0.0, True, 0, None]])
    with pytest.raises(InvalidMessage) as caught:
        decode_message(data.replace(b"0.0", b"1e999"), attributes)
    assert caught.value.kind == "range"
    assert "events[0].duration" in caught.value.reason


@pytest.mark.parametrize(
    ("data", "attributes", "kind"),
    [
        (b"\x00\x01garbage", {"schema": "helios.metrics.v1"}, "not_decodable"),
        (b"{not json", {"schema": "helios.metrics.v1", "encoding": "identity"}, "not_decodable"),
        (b"{}", {"schema": "other.v9", "encoding": "identity"}, "schema"),
        (b"{}", {}, "schema"),
        (b"{}", {"schema": "helios.metrics.v1", "encoding": "brotli"}, "schema"),
        (zlib.compress(b" " * (MAX_DECODED_BYTES + 10)), {"schema": "helios.metrics.v1"}, "oversized"),
    ],
)
def test_undecodable_messages(data, attributes, kind):
    with pytest.raises(InvalidMessage) as caught:
        decode_message(data, attributes)
    assert caught.value.kind == kind


def test_declared_event_count_and_version_must_match():
    data, attributes = raw_message([list(STAGE)])
    with pytest.raises(InvalidMessage, match="attribute events='5'"):
        decode_message(data, {**attributes, "events": "5"})
    data, attributes = raw_message([list(STAGE)], v=2)
    with pytest.raises(InvalidMessage, match="version 2"):
        decode_message(data, attributes)


def test_too_many_events_is_oversized():
    data, attributes = raw_message([list(STAGE)] * 10_001)
    with pytest.raises(InvalidMessage) as caught:
        decode_message(data, attributes)
    assert caught.value.kind == "oversized"


def test_the_structs_are_the_layout_a_recorded_event_encodes_as_the_documented_array():
    """The publisher records the Structs; they encode to exactly the arrays of the wire format
    (tag, then fields in declared order) that hand-made and hostile messages are written in."""
    structs = [
        PipelineEvent(
            t=T,
            execution_time=120.5,
            trend_opportunity_score=0.85,
            audience_confidence=0.92,
            design_generation_success=0.88,
            publication_success=0.95,
            success=True,
        ),
        StageEvent(
            t=T + 1,
            stage="trend_discovery",
            duration=45.2,
            success=True,
            error_count=0,
            data={"trends_found": 12, "confidence_avg": 0.87},
        ),
        MetricEvent(t=T + 2, name="resource_utilization", value=0.4, labels={"resource": "cpu"}),
    ]
    for compress in (False, True):
        assert encode_message("abc", 3, structs, compress) == encode_message(
            "abc", 3, [PIPELINE, STAGE, METRIC], compress
        )
    message = encode_message("abc", 3, structs)
    assert list(decode_message(message.data, message.attributes).events) == structs
    assert StageEvent(T, "s", 1.0, True, 0).data is None  # a stage without additional data
    assert json.loads(encode_message("a", 0, [StageEvent(T, "s", 1.0, True, 0)], False).data)["events"] == [
        ["s", T, "s", 1.0, True, 0, None]
    ]


def test_an_int_up_to_a_doubles_range_reaches_the_collector():
    """What the publisher lets through (it refuses larger ints) the decoder accepts."""
    message = encode_message("a", 0, [StageEvent(T, "s", 1.0, True, 0, {"k": 2**1000})])
    assert decode_message(message.data, message.attributes).events[0].data == {"k": float(2**1000)}


def test_resource_samples_are_valid_events_of_the_catalog_metric():
    sampler = ResourceSampler()
    sum(range(200_000))  # some CPU time between the samples
    events = sampler.sample()
    assert {event.labels["resource"] for event in events} >= {"cpu"}
    message = encode_message("a", 0, events)
    decoded = decode_message(message.data, message.attributes).events
    assert decoded == events
    assert all(0.0 <= event.value <= 1.0 and event.name == "resource_utilization" for event in decoded)
