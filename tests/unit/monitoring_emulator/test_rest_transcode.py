"""HTTP/JSON into request messages and responses into Google's JSON: query parameters, bodies, path
variables, and the refusals worded as Google's transcoder words them."""

from __future__ import annotations

import json

import grpc
import pytest
from google.cloud.monitoring_dashboard_v1.types import dashboards_service
from google.cloud.monitoring_v3.types import alert, alert_service, metric_service
from google.protobuf import empty_pb2

from helios_metrics.monitoring_emulator._errors import ApiError
from helios_metrics.monitoring_emulator._rest_errors import error_body
from helios_metrics.monitoring_emulator._rest_transcode import Output, build_request, output_of, render

LIST = metric_service.ListTimeSeriesRequest.pb()
CREATE = metric_service.CreateTimeSeriesRequest.pb()
UPDATE_POLICY = alert_service.UpdateAlertPolicyRequest.pb()


def refusal(*args: object) -> ApiError:
    with pytest.raises(ApiError) as caught:
        build_request(*args)  # type: ignore[arg-type]
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    return caught.value


def test_query_parameters_bind_nested_repeated_and_typed_fields_in_either_case():
    query = [
        ("filter", 'metric.type = "x"'),
        ("interval.endTime", "2024-05-01T10:00:00Z"),
        ("interval.start_time", "2024-05-01T09:00:00+01:00"),
        ("aggregation.alignmentPeriod", "60s"),
        ("aggregation.per_series_aligner", "ALIGN_MEAN"),
        ("aggregation.crossSeriesReducer", "4"),
        ("aggregation.groupByFields", "resource.label.zone"),
        ("aggregation.groupByFields", "metric.label.k"),
        ("view", "HEADERS"),
        ("pageSize", "25"),
        ("$alt", "json;enum-encoding=int"),
        ("alt", "json"),
        ("key", "k"),
        ("prettyPrint", "false"),
        ("$.xgafv", "2"),
        ("fields", "timeSeries"),
    ]
    request = build_request(LIST, "", {"name": "projects/p"}, query, b"")
    assert request.name == "projects/p"
    assert request.filter == 'metric.type = "x"'
    assert request.interval.end_time.seconds - request.interval.start_time.seconds == 3600 + 3600
    assert request.aggregation.alignment_period.seconds == 60
    assert (request.aggregation.per_series_aligner, request.aggregation.cross_series_reducer) == (12, 4)
    assert list(request.aggregation.group_by_fields) == ["resource.label.zone", "metric.label.k"]
    assert (request.view, request.page_size) == (1, 25)


def test_booleans_bind_in_any_case_as_gcloud_sends_them():
    create = dashboards_service.CreateDashboardRequest.pb()
    assert build_request(create, "dashboard", {}, [("validateOnly", "False")], b"{}").validate_only is False
    assert build_request(create, "dashboard", {}, [("validate_only", "TRUE")], b"{}").validate_only is True
    assert refusal(create, "dashboard", {}, [("validateOnly", "yes")], b"{}").message == (
        "Invalid value at 'validate_only' (TYPE_BOOL), \"yes\""
    )


def test_query_parameters_that_bind_nothing_are_refused_in_googles_words():
    error = refusal(
        LIST, "", {}, [("colour", "red"), ("interval", "x"), ("pageSize", "ten"), ("view", "SIDEWAYS")], b""
    )
    assert error.message.splitlines() == [
        'Invalid JSON payload received. Unknown name "colour": Cannot bind query parameter. '
        "Field 'colour' could not be found in request message.",
        'Invalid JSON payload received. Unknown name "interval": Cannot bind query parameter. '
        "'interval' is a message type. Parameters can only be bound to primitive types.",
        "Invalid value at 'page_size' (TYPE_INT32), \"ten\"",
        "Invalid value at 'view' (type.googleapis.com/google.monitoring.v3.ListTimeSeriesRequest.TimeSeriesView), "
        '"SIDEWAYS"',
    ]
    (detail,) = error.details
    assert [(v.field, v.description) for v in detail.field_violations][2:] == [
        ("page_size", error.message.splitlines()[2]),
        ("view", error.message.splitlines()[3]),
    ]


def test_a_field_body_and_the_path_fill_the_request_the_path_last():
    body = json.dumps({"name": "projects/other/alertPolicies/9", "displayName": "Renamed", "enabled": False})
    request = build_request(
        UPDATE_POLICY,
        "alert_policy",
        {"alert_policy.name": "projects/p/alertPolicies/1"},
        [("updateMask", "displayName,enabled")],
        body.encode(),
    )
    assert request.alert_policy.name == "projects/p/alertPolicies/1"
    assert request.alert_policy.display_name == "Renamed"
    assert request.alert_policy.HasField("enabled")
    assert list(request.update_mask.paths) == ["display_name", "enabled"]


def test_unknown_names_are_refused_with_the_proto_path_they_are_at():
    body = {"timeSeries": [{"metric": {"type": "x"}}, {"metric": {"tipe": "x"}, "points": [{"valeu": {}}]}], "extra": 1}
    error = refusal(CREATE, "*", {}, [], json.dumps(body).encode())
    assert error.message.splitlines() == [
        "Invalid JSON payload received. Unknown name \"tipe\" at 'time_series[1].metric': Cannot find field.",
        "Invalid JSON payload received. Unknown name \"valeu\" at 'time_series[1].points[0]': Cannot find field.",
        'Invalid JSON payload received. Unknown name "extra": Cannot find field.',
    ]
    assert [v.field for v in error.details[0].field_violations] == [
        "time_series[1].metric",
        "time_series[1].points[0]",
        "",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"timeSeries": {"metric": {}}},
            'Invalid value at \'time_series\' (type.googleapis.com/google.monitoring.v3.TimeSeries), "{"metric": {}}"',
        ),
        (
            {"timeSeries": [{"metric": [{}]}]},
            "Invalid JSON payload received. Unknown name \"metric\" at 'time_series[0]': "
            "Proto field is not repeating, cannot start list.",
        ),
        ([], 'Invalid JSON payload received. Unknown name "": Root element must be a message.'),
        (
            {"timeSeries": [{"points": [{"value": {"int64Value": "lots"}}]}]},
            "Invalid value at 'time_series[0].points[0].value.int64_value' (TYPE_INT64), \"lots\"",
        ),
        (
            {"timeSeries": [{"metricKind": "SOMETIMES"}]},
            "Invalid value at 'time_series[0].metric_kind' "
            '(type.googleapis.com/google.api.MetricDescriptor.MetricKind), "SOMETIMES"',
        ),
        (
            {"timeSeries": [{"points": [{"interval": {"endTime": "yesterday"}}]}]},
            "Invalid value at 'time_series[0].points[0].interval.end_time' "
            '(type.googleapis.com/google.protobuf.Timestamp), "yesterday"',
        ),
    ],
)
def test_values_that_do_not_parse_are_refused_at_their_path(body, message):
    assert refusal(CREATE, "*", {}, [], json.dumps(body).encode()).message == message


@pytest.mark.parametrize(
    ("text", "reason", "caret"),
    [
        ('{"a" 1}', "Expected : between key:value pair.", 5),
        ('{"a": 1 "b": 2}', "Expected , or } after key:value pair.", 8),
        ('{"a": [1 2]}', "Expected , or ] after array value.", 9),
        ('{"a": }', "Unexpected token.", 6),
        ('{"a": 1}}', "Parsing terminated before end of input.", 8),
        ("{a: 1}", "Expected an object key or }.", 1),
        ('{"a": 1', "Unexpected end of string.", 7),
    ],
)
def test_a_body_that_is_not_json_is_refused_naming_the_fault_and_where(text, reason, caret):
    error = refusal(CREATE, "*", {}, [], text.encode())
    assert error.message == f"Invalid JSON payload received. {reason}\n{text}\n{' ' * caret}^"


def test_responses_are_googles_json_camel_case_int64_as_strings_defaults_left_out():
    policy = alert.AlertPolicy.pb()(display_name="p", combiner=2)
    condition = policy.conditions.add(display_name="c")
    condition.condition_threshold.threshold_value = 2.0
    condition.condition_threshold.duration.seconds = 120
    content_type, data = render(policy, Output())
    assert content_type == "application/json; charset=UTF-8"
    assert data.startswith(b'{\n  "displayName": "p"')
    assert json.loads(data) == {
        "displayName": "p",
        "combiner": "OR",
        "conditions": [{"displayName": "c", "conditionThreshold": {"thresholdValue": 2, "duration": "120s"}}],
    }
    assert b'"thresholdValue": 2,' in data  # as Google prints a whole double, not 2.0
    numbered = render(policy, output_of([("$alt", "json;enum-encoding=int"), ("prettyPrint", "false")]))[1]
    assert b"\n" not in numbered
    assert json.loads(numbered)["combiner"] == 2
    assert render(policy, output_of([("alt", "proto")])) == ("application/x-protobuf", policy.SerializeToString())
    assert render(empty_pb2.Empty(), Output()) == ("application/json; charset=UTF-8", b"{}")
    point = metric_service.ListTimeSeriesResponse.pb()()
    point.time_series.add().points.add().value.int64_value = 2**62
    assert json.loads(render(point, Output())[1])["timeSeries"][0]["points"][0]["value"] == {"int64Value": str(2**62)}


def test_errors_carry_googles_http_status_and_json_body():
    status, body = error_body(ApiError(grpc.StatusCode.RESOURCE_EXHAUSTED, "Quota exceeded."))
    assert (status, json.loads(body)) == (
        429,
        {"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}},
    )
