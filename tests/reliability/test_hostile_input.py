"""Hostile input, property-based: every message or call is either accepted correctly or refused
with a reason naming the field — never another exception, never a hang, never unbounded memory."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helios_metrics.contract import Settings
from helios_metrics.contract.wire import (
    ENCODING_IDENTITY,
    MAX_DECODED_BYTES,
    SCHEMA,
    InvalidMessage,
    decode_message,
    encode_message,
)
from helios_metrics.publisher import MetricsPublisher, PublisherOptions

KINDS = {"not_decodable", "schema", "types", "range", "oversized", "unknown_metric"}
T = 1_764_000_000_000_000_000
ATTRIBUTES = {"schema": SCHEMA, "encoding": ENCODING_IDENTITY}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=20),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=6),
    max_leaves=30,
)


def refused_cleanly(data: bytes, attributes: dict[str, str]) -> InvalidMessage | None:
    """Decode; a refusal must be an InvalidMessage of a known kind with a reason."""
    try:
        decode_message(data, attributes)
    except InvalidMessage as caught:
        error = caught
    else:
        return None
    assert error.kind in KINDS
    assert error.reason
    return error


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["zlib", "identity"]))
def test_random_bytes_are_refused_with_a_reason(data, encoding):
    assert refused_cleanly(data, {"schema": SCHEMA, "encoding": encoding}) is not None


@FUZZ
@given(json_values)
def test_arbitrary_json_is_accepted_only_when_it_is_an_envelope(value):
    error = refused_cleanly(json.dumps(value).encode(), ATTRIBUTES)
    if not (isinstance(value, dict) and {"v", "producer", "batch", "events"} <= value.keys()):
        assert error is not None


def _envelope(events: list[Any]) -> bytes:
    return json.dumps({"v": 1, "producer": "fuzz", "batch": 0, "events": events}, allow_nan=False).encode()


@FUZZ
@given(st.integers(min_value=0, max_value=6), hostile_scalars)
def test_a_hostile_field_of_a_pipeline_event_is_named(position, value):
    event: list[Any] = ["p", T, 12.0, 0.5, 0.5, 0.5, 0.5, True]
    event[position + 1] = value.decode("latin-1") if isinstance(value, bytes) else value
    names = ["t", "execution_time", "trend_opportunity_score", "audience_confidence"]
    names += ["design_generation_success", "publication_success", "success"]
    try:
        data = _envelope([event])
    except ValueError:
        return  # NaN/inf cannot be written as JSON by a conforming encoder
    error = refused_cleanly(data, ATTRIBUTES)
    if error is not None:
        assert f"events[0].{names[position]}" in error.reason


@FUZZ
@given(st.text(max_size=80), st.dictionaries(st.text(max_size=70), hostile_scalars, max_size=4))
def test_stage_names_and_data_keys_are_checked(stage, data):
    clean = {k: (v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in data.items()}
    try:
        body = _envelope([["s", T, stage, 1.0, True, 0, clean]])
    except ValueError:
        return
    error = refused_cleanly(body, ATTRIBUTES)
    if error is None:
        decoded = decode_message(body, ATTRIBUTES).events[0]
        assert decoded.stage == stage  # type: ignore[union-attr]


def test_a_compression_bomb_is_refused_without_inflating_it():
    bomb = zlib.compress(b"[" * (MAX_DECODED_BYTES * 8), 9)  # 128 MiB of brackets in ~130 kB
    error = refused_cleanly(bomb, {"schema": SCHEMA})
    assert error is not None
    assert error.kind == "oversized"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_refused_not_a_recursion_error(depth):
    body = b'{"v": 1, "producer": "p", "batch": 0, "events": [' + b"[" * depth + b"]" * depth + b"]}"
    assert refused_cleanly(body, ATTRIBUTES) is not None


@pytest.mark.parametrize(
    ("attributes", "kind"),
    [
        ({}, "schema"),
        ({"schema": "helios.metrics.v2"}, "schema"),
        ({"schema": SCHEMA, "encoding": "gzip"}, "schema"),
        ({"schema": SCHEMA, "encoding": ENCODING_IDENTITY, "events": "7"}, "schema"),
    ],
)
def test_unknown_schemas_encodings_and_lying_counts_are_refused(attributes, kind):
    message = encode_message("p", 0, [("s", T, "trend_discovery", 1.0, True, 0, None)], compress=False)
    error = refused_cleanly(message.data, attributes)
    assert error is not None
    assert error.kind == kind


def test_a_huge_label_value_is_refused_by_name():
    body = _envelope([["m", T, "resource_utilization", 0.5, {"resource": "x" * 5000}]])
    error = refused_cleanly(body, ATTRIBUTES)
    assert error is not None
    assert "events[0]" in error.reason


# --- the publisher's validation at the call site ------------------------------------------------


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetricsPublisher]:
    publisher = MetricsPublisher(
        settings=Settings(project_id="fuzz", pubsub_emulator_host="127.0.0.1:9"),
        spool_dir=tmp_path_factory.mktemp("fuzz-spool"),
        # the background thread sleeps through the test: only the caller's validation is fuzzed
        options=PublisherOptions(max_latency_s=3600, publish_deadline_s=0.2, publish_timeout_s=0.2, max_stages=64),
    )
    yield publisher
    publisher.close(0.5)


PIPELINE_FIELDS = [
    "execution_time",
    "trend_opportunity_score",
    "audience_confidence",
    "design_generation_success",
    "publication_success",
    "success",
]


def _valid(field: str, value: object) -> bool:
    if field == "success":  # None: the pipeline metric's default, its run's stages decide
        return value is None or value is True or value is False
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return value >= 0 and (field == "execution_time" or value <= 1)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(PIPELINE_FIELDS), hostile_scalars)
def test_each_pipeline_field_is_accepted_or_refused_by_name(metrics, field, value):
    arguments: dict[str, Any] = dict.fromkeys(PIPELINE_FIELDS[1:5], 0.5) | {"execution_time": 1.0, "success": True}
    arguments[field] = value
    before = metrics.stats.recorded
    refusal = ""
    try:
        metrics.record_pipeline_metric(**arguments)
    except ValueError as err:
        refusal = str(err)
    if refusal:
        assert field in refusal
        assert metrics.stats.recorded == before
        return
    assert metrics.stats.recorded == before + 1
    assert _valid(field, value) or (field != "success" and isinstance(value, bool))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["duration", "success", "error_count", "additional_data"]),
    st.one_of(hostile_scalars, st.dictionaries(st.text(max_size=70), hostile_scalars, max_size=3)),
)
def test_each_stage_field_is_accepted_or_refused_by_name(metrics, field, value):
    arguments: dict[str, Any] = {"duration": 1.0, "success": True, "error_count": 0, "additional_data": None}
    arguments[field] = value
    before = metrics.stats.recorded
    refusal = ""
    try:
        metrics.record_stage_metric("trend_discovery", **arguments)
    except ValueError as err:
        refusal = str(err)
    if refusal:
        assert field in refusal
        assert metrics.stats.recorded == before
    else:
        assert metrics.stats.recorded == before + 1


def test_a_hundred_thousand_distinct_stages_are_capped_not_stored(metrics):
    refused = metrics.stats.refused
    for i in range(100_000):
        metrics.record_stage_metric(f"stage_{i}", 1.0)
    assert len(metrics._guard.stages) <= 64
    assert metrics.stats.refused - refused >= 100_000 - 64
