"""Class 11 — REST/JSON as plain HTTP clients (curl, gcloud with an endpoint override) see it: Google's
paths and verbs from the API reference, protobuf's JSON mapping (int64 as strings, camelCase),
Google's JSON error body, and the discovery client on the v1 dashboards API.

Every other case of the tier already runs over REST through googleapiclient (v3) and the dashboards
client's REST transport; these pin the wire itself. Sources: the REST reference of monitoring v3 and
v1 (``POST /v3/{name}/timeSeries``, ``GET /v3/{name}/timeSeries?filter=…&interval.startTime=…``,
``GET /v3/uptimeCheckIps``, ``POST /v1/{parent}/dashboards``) and Google's error model (AIP-193:
``{"error": {"code", "message", "status", "details"}}``); python-docs-samples
monitoring/api/v3/api-client/custom_metric.py for the JSON bodies.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest

from helios_metrics.monitoring_emulator.launch import MonitoringEmulatorProcess

from ._data import unique


def _http(
    emulator: MonitoringEmulatorProcess, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    url = emulator.http_url + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read() or b"{}")


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def test_write_and_read_a_time_series_as_json(monitoring: MonitoringEmulatorProcess, project_id: str):
    """custom_metric.py's JSON body posted to /v3/projects/{p}/timeSeries, read back with GET and
    flattened query parameters; an INT64 value comes back as a JSON string, as protobuf's JSON
    mapping writes int64."""
    metric_type = unique("custom.googleapis.com/")
    now = time.time()
    status, answer = _http(
        monitoring,
        "POST",
        f"/v3/projects/{project_id}/timeSeries",
        {
            "timeSeries": [
                {
                    "metric": {"type": metric_type, "labels": {"environment": "STAGING"}},
                    "resource": {
                        "type": "gce_instance",
                        "labels": {"instance_id": "test_instance", "zone": "us-central1-f"},
                    },
                    "points": [
                        {"interval": {"startTime": _rfc3339(now), "endTime": _rfc3339(now)}, "value": {"int64Value": 7}}
                    ],
                }
            ]
        },
    )
    assert (status, answer) == (200, {})
    status, answer = _http(
        monitoring,
        "GET",
        f"/v3/projects/{project_id}/timeSeries",
        query={
            "filter": f'metric.type="{metric_type}"',
            "interval.startTime": _rfc3339(now - 300),
            "interval.endTime": _rfc3339(now + 1),
            "pageSize": 3,
        },
    )
    assert status == 200
    [series] = answer["timeSeries"]
    assert series["metric"]["labels"] == {"environment": "STAGING"}
    assert series["points"][0]["value"] == {"int64Value": "7"}
    assert series["metricKind"] == "GAUGE"


def test_repeated_query_parameters_group_by(monitoring: MonitoringEmulatorProcess, project_id: str):
    """``aggregation.groupByFields`` repeated in the query string, as a REST client sends a list."""
    metric_type = unique("custom.googleapis.com/")
    now = time.time()
    series = [
        {
            "metric": {"type": metric_type, "labels": {"TestLabel": label}},
            "resource": {"type": "gce_instance", "labels": {"instance_id": instance, "zone": zone}},
            "points": [{"interval": {"endTime": _rfc3339(now - 30)}, "value": {"doubleValue": value}}],
        }
        for label, instance, zone, value in (
            ("a", "1", "us-central1-a", 1.0),
            ("b", "2", "us-central1-a", 2.0),
            ("a", "3", "us-east1-b", 4.0),
        )
    ]
    assert _http(monitoring, "POST", f"/v3/projects/{project_id}/timeSeries", {"timeSeries": series})[0] == 200
    status, answer = _http(
        monitoring,
        "GET",
        f"/v3/projects/{project_id}/timeSeries",
        query={
            "filter": f'metric.type="{metric_type}"',
            "interval.startTime": _rfc3339(now - 120),
            "interval.endTime": _rfc3339(now),
            "aggregation.alignmentPeriod": "120s",
            "aggregation.perSeriesAligner": "ALIGN_MEAN",
            "aggregation.crossSeriesReducer": "REDUCE_SUM",
            "aggregation.groupByFields": ["resource.label.zone", 'metric.label."TestLabel"'],
        },
    )
    assert status == 200, answer
    sums = {
        (ts["resource"]["labels"]["zone"], ts["metric"]["labels"]["TestLabel"]): ts["points"][0]["value"]["doubleValue"]
        for ts in answer["timeSeries"]
    }
    assert sums == {("us-central1-a", "a"): 1.0, ("us-central1-a", "b"): 2.0, ("us-east1-b", "a"): 4.0}


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v3/projects/{p}/alertPolicies/mock_alert_policy", 404, "NOT_FOUND"),
        ("GET", "/v3/projects/{p}/notificationChannels/mock_notification_channel", 404, "NOT_FOUND"),
        ("PATCH", "/v3/projects/{p}/alertPolicies/mock_alert_policy", 400, "INVALID_ARGUMENT"),
        ("POST", "/v3/projects/{p}/metricDescriptors", 400, "INVALID_ARGUMENT"),
    ],
)
def test_errors_carry_googles_json_error_body(
    monitoring: MonitoringEmulatorProcess, project_id: str, method: str, path: str, status: int, code: str
):
    """Google's error model: the HTTP status of the canonical code, and ``error.code``,
    ``error.message`` and ``error.status`` in the body (codes as test_vpcsc_v3.py shows them)."""
    body = (
        {"name": path.format(p=project_id).removeprefix("/v3/")}
        if method == "PATCH"
        else {}
        if method == "POST"
        else None
    )
    got_status, answer = _http(monitoring, method, path.format(p=project_id), body)
    assert got_status == status, answer
    error = answer["error"]
    assert (error["code"], error["status"]) == (status, code)
    assert isinstance(error["message"], str)
    assert error["message"]


def test_uptime_check_ips_without_a_project(monitoring: MonitoringEmulatorProcess):
    """``GET /v3/uptimeCheckIps``: the only v3 path outside a project."""
    status, answer = _http(monitoring, "GET", "/v3/uptimeCheckIps")
    assert status == 200
    assert any(ip["location"] == "Singapore" for ip in answer["uptimeCheckIps"])


def test_dashboards_through_the_discovery_client(monitoring: MonitoringEmulatorProcess, project_id: str):
    """googleapiclient.discovery.build("monitoring", "v1"): projects.dashboards create, get, list,
    delete at /v1/projects/{p}/dashboards."""
    import httplib2
    from googleapiclient import discovery

    service = discovery.build(
        "monitoring",
        "v1",
        http=httplib2.Http(timeout=10),
        client_options={"api_endpoint": monitoring.http_url},
        static_discovery=True,
    )
    dashboards = service.projects().dashboards()
    created = dashboards.create(
        parent=f"projects/{project_id}",
        body={
            "displayName": "via discovery",
            "gridLayout": {"widgets": [{"title": "note", "text": {"content": "hi"}}]},
        },
    ).execute()
    assert created["name"].split("/")[0] == "projects"
    assert dashboards.get(name=created["name"]).execute()["displayName"] == "via discovery"
    listed = dashboards.list(parent=f"projects/{project_id}").execute()
    assert [d["name"] for d in listed["dashboards"]] == [created["name"]]
    assert dashboards.delete(name=created["name"]).execute() in ({}, "")
