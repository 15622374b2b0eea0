from __future__ import annotations

import pytest

from monitoring_emulator._filters import FilterError, parse_filter

SERIES = {
    "metric.type": "custom.googleapis.com/helios/stage_runs",
    "metric.labels.stage": "trend_discovery",
    "metric.labels.status": "success",
    "resource.type": "generic_task",
    "resource.labels.task_id": "t-1",
}


def matches(text: str) -> bool:
    return parse_filter(text).matches(SERIES.get)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('metric.type = "custom.googleapis.com/helios/stage_runs"', True),
        ("metric.labels.stage = trend_discovery", True),  # bare words are strings
        ('metric.label.stage = "trend_discovery"', True),  # singular "label" is accepted
        ('metric.labels.stage != "trend_discovery"', False),
        ('metric.labels.missing != "x"', True),
        ('metric.labels.missing = "x"', False),
        ('metric.labels.stage : "discovery"', True),
        ('metric.labels.stage = starts_with("trend")', True),
        ('metric.labels.stage = ends_with("trend")', False),
        ('metric.labels.stage = has_substring("nd_di")', True),
        ('metric.labels.stage = one_of("a", "trend_discovery")', True),
        ('metric.labels.stage != one_of("a", "trend_discovery")', False),
        ('metric.labels.stage = monitoring.regex.full_match("trend_.*")', True),
        ('metric.labels.stage = monitoring.regex.full_match("trend")', False),
        ('metric.labels.status = "success" metric.labels.stage = "x"', False),  # juxtaposition is AND
        ('metric.labels.status = "failure" OR metric.labels.stage = "trend_discovery"', True),
        ('NOT metric.labels.status = "failure"', True),
        ('NOT (metric.labels.status = "success" AND resource.labels.task_id = "t-1")', False),
        # AND binds tighter than OR
        ('metric.labels.status = "failure" AND resource.type = "x" OR resource.labels.task_id = "t-1"', True),
        ('resource.labels.task_id = "t-1" OR resource.type = "x" AND metric.labels.status = "failure"', True),
        ("", True),
    ],
)
def test_evaluation(text, expected):
    assert matches(text) is expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('metric.type = "a" AND', "expected a selector at position"),
        ('metric.type "a"', "expected a comparison"),
        ('metric.type = nope("a")', "unknown function 'nope'"),
        ('metric.type = starts_with("a", "b")', "starts_with takes exactly one argument"),
        ('metric.labels.x = monitoring.regex.full_match("(")', "invalid regular expression"),
        ('(metric.type = "a"', "expected ')'"),
        ('metric.type = "a" $', "unexpected character '$'"),
    ],
)
def test_syntax_errors_say_where(text, error):
    with pytest.raises(FilterError, match=error.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")):
        parse_filter(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metric.labels.stage =", "expected a value at position 21, found the end of the filter"),
        ('metric.type = "a"   $', "unexpected character '$' at position 20"),  # the character, not the spaces
        ('metric.type = "a")', "unexpected ')' at position 17"),
        ('(metric.type = "a" x', "expected a comparison after 'x' at position 20"),
        ('metric.type = "a" AND OR', "expected a selector at position 22, found 'OR'"),
    ],
)
def test_a_position_is_an_index_into_the_filter_as_written(text, message):
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    assert str(caught.value) == message
    position = int(message.split("position ")[1].split(",")[0])
    assert position <= len(text)


@pytest.mark.parametrize(
    ("text", "types"),
    [
        ('metric.type = "a"', {"a"}),
        ('metric.type = "a" AND metric.labels.k = "v"', {"a"}),
        ('metric.type = one_of("a", "b")', {"a", "b"}),
        ('metric.type = "a" OR metric.type = "b"', {"a", "b"}),
        ('metric.type = "a" OR metric.labels.k = "v"', None),
        ('metric.type = starts_with("a")', None),
        ('metric.labels.k = "v"', None),
    ],
)
def test_pinned_metric_types(text, types):
    pinned = parse_filter(text).pinned_values("metric.type")
    assert (None if pinned is None else set(pinned)) == types
