from __future__ import annotations

import re

import pytest

from helios_metrics.monitoring_emulator._filters import FilterError, parse_filter, selector_path

SERIES = {
    "metric.type": "custom.googleapis.com/helios/stage_runs",
    "metric.labels.stage": "trend_discovery",
    "metric.labels.status": "success",
    "metric.labels.statusCode": "200",
    "resource.type": "generic_task",
    "resource.labels.task_id": "t-1",
    "metadata.system_labels.cloud.google.com/gke-nodepool": "pool-1",
    "metadata.user_labels.team": "Helios",
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
        # OR binds more tightly than AND, as in the API's filters (the client's Query relies on it)
        ('metric.labels.status = "failure" AND resource.type = "x" OR resource.labels.task_id = "t-1"', False),
        ('resource.labels.task_id = "t-1" OR resource.type = "x" AND metric.labels.status = "failure"', False),
        ('metric.labels.status = "success" AND resource.type = "x" OR resource.labels.task_id = "t-1"', True),
        ('(metric.labels.status = "failure" AND resource.type = "x") OR resource.labels.task_id = "t-1"', True),
        ('NOT metric.labels.status = "failure" OR metric.labels.status = "success"', True),
        # quoted label keys, kept whole with dots in them; label maps; metadata; capital letters
        ('metric.label."statusCode" = "200"', True),
        ('metric.labels."statusCode" = 200', True),
        ('resource.label."task_id" = "t-1"', True),
        ('resource.labels."task_id"="t-1"', True),
        ('metadata.system_labels."cloud.google.com/gke-nodepool" = "pool-1"', True),
        ('metadata.user_labels."team" = starts_with("Hel")', True),
        ('metadata.user_labels.team = "Helios"', True),
        ('metric.labels : "statusCode"', True),
        ('metric.labels : "missing"', False),
        ("resource.labels : task_id", True),
        ('NOT metadata.user_labels : "team"', False),
        ('metric.labels.stage = has_substring("DISCOVERY", true)', True),
        ('metric.labels.stage = has_substring("DISCOVERY", false)', False),
        ('metric.labels.stage = has_substring("DISCOVERY")', False),
        ("metric.labels.statusCode >= 200 AND metric.labels.statusCode < 300", True),
        ("metric.labels.statusCode > -1", True),
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
        ('metric.type = has_substring("a", "maybe")', "has_substring's second argument must be true or false"),
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
        ('metric.type = "a" AND project = "p" OR project = "q"', {"a"}),  # the client's select_projects
        ('metric.type = "a" OR metric.type = "b" AND resource.type = "global"', {"a", "b"}),
        ('metric.type = starts_with("a")', None),
        ('metric.labels.k = "v"', None),
    ],
)
def test_pinned_metric_types(text, types):
    pinned = parse_filter(text).pinned_values("metric.type")
    assert (None if pinned is None else set(pinned)) == types


SLO = "projects/123/services/helios-pipeline/serviceLevelObjectives/run-success"


@pytest.mark.parametrize(
    ("text", "function", "lookback_s"),
    [
        (f'select_slo_health("{SLO}")', "select_slo_health", None),
        (f"select_slo_budget_fraction('{SLO}')", "select_slo_budget_fraction", None),
        (f'select_slo_burn_rate("{SLO}", "3600s")', "select_slo_burn_rate", 3600),
        (f' select_slo_burn_rate( "{SLO}" , "60m" ) ', "select_slo_burn_rate", 3600),
        (f'select_slo_burn_rate("{SLO}", "1h30m")', "select_slo_burn_rate", 5400),
        (f'select_slo_burn_rate("{SLO}", "90000ms")', "select_slo_burn_rate", 90),
    ],
)
def test_an_slo_selector_is_a_filter_of_its_own(text, function, lookback_s):
    parsed = parse_filter(text)
    assert parsed.slo_selector is not None
    assert parsed.slo_selector.function == function
    assert parsed.slo_selector.slo_name == SLO
    assert parsed.slo_selector.lookback_ns == (None if lookback_s is None else lookback_s * 10**9)
    assert parsed.pinned_values("metric.type") == {function}  # the synthetic series' labels
    assert parsed.pinned_values("resource.type") == {"global"}
    assert parsed.matches({"metric.type": function}.get)
    assert not parsed.matches({"metric.type": "custom.googleapis.com/x"}.get)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (f'select_slo_nope("{SLO}")', "unknown time-series selector 'select_slo_nope'"),
        (f'select_slo_burn_rate("{SLO}")', "select_slo_burn_rate takes a lookback period"),
        (f'select_slo_health("{SLO}", "1h")', "select_slo_health takes one argument"),
        ('select_slo_health("projects/p/services/s")', "takes an SLO name of the form"),
        (f'select_slo_burn_rate("{SLO}", "1 hour")', "invalid lookback period '1 hour'"),
        (f'select_slo_burn_rate("{SLO}", "0s")', "invalid lookback period '0s'"),
        (f"select_slo_health({SLO})", "a time-series selector is the whole filter, its arguments quoted"),
        (
            f'select_slo_health("{SLO}") AND metric.type = "x"',
            "a time-series selector is the whole filter, its arguments quoted",
        ),
    ],
)
def test_a_malformed_slo_selector_says_why(text, error):
    with pytest.raises(FilterError, match=re.escape(error)):
        parse_filter(text)


def test_a_filter_that_merely_mentions_a_selector_is_an_ordinary_filter():
    parsed = parse_filter('metric.labels.query = "select_slo_health"')
    assert parsed.slo_selector is None


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('metric.label."statusCode"', "metric.labels.statusCode"),
        ("metric.label.status", "metric.labels.status"),
        ('resource.label."zone"', "resource.labels.zone"),
        (
            'metadata.system_labels."cloud.google.com/gke-nodepool"',
            "metadata.system_labels.cloud.google.com/gke-nodepool",
        ),
        ('metadata.user_labels."k"', "metadata.user_labels.k"),
        ("resource.zone", "resource.zone"),
        ("project", "project"),
    ],
)
def test_selector_paths_unquote_keys_and_keep_them_whole(text, path):
    assert selector_path(text) == path
