"""The Monitoring API over HTTP/JSON on the emulator's HTTP port, through the official REST clients
(the dashboards client with ``transport="rest"``, googleapiclient's discovery client for v3, whose
generated clients ship gRPC transports only) and through plain HTTP requests showing the wire:
Google's paths and verbs, camelCase JSON, int64 as strings, Google's error bodies and statuses,
and the admin API's faults reaching REST calls as they reach gRPC ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import monitoring_dashboard_v1 as dashboards_v1

from helios_metrics.monitoring_emulator._objects import Projects
from helios_metrics.monitoring_emulator.launch import MonitoringEmulatorProcess
from tests.conftest import IN_CI

METRIC = "custom.googleapis.com/helios/rest_probe"


def call(
    monitoring: MonitoringEmulatorProcess, verb: str, path: str, body: Any = None, raw: bytes | None = None
) -> tuple[int, Any, str]:
    """One HTTP request: (status, decoded JSON body, body text)."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(monitoring.http_url + path, data=data, method=verb)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            status, text = err.code, err.read().decode()
    return status, json.loads(text or "null"), text


def rfc3339(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@pytest.fixture
def v3(monitoring: MonitoringEmulatorProcess) -> Any:
    """googleapiclient's Monitoring v3 client (its bundled discovery document), pointed at the emulator."""
    from googleapiclient import discovery

    return discovery.build(
        "monitoring",
        "v3",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": monitoring.http_url},
        static_discovery=True,
    )


@pytest.fixture
def dashboards(monitoring: MonitoringEmulatorProcess) -> dashboards_v1.DashboardsServiceClient:
    return dashboards_v1.DashboardsServiceClient(
        transport="rest", credentials=AnonymousCredentials(), client_options={"api_endpoint": monitoring.http_url}
    )


def point(value: int, seconds: float) -> dict[str, Any]:
    return {"interval": {"endTime": rfc3339(seconds)}, "value": {"int64Value": str(value)}}


def write(v3: Any, project_id: str, zone: str, value: int, seconds: float) -> None:
    series = {
        "metric": {"type": METRIC, "labels": {"stage": "trend_discovery"}},
        "resource": {
            "type": "generic_task",
            "labels": {
                "project_id": project_id,
                "location": zone,
                "namespace": "helios",
                "job": "pipeline",
                "task_id": "t-1",
            },
        },
        "points": [point(value, seconds)],
    }
    assert (
        v3.projects().timeSeries().create(name=f"projects/{project_id}", body={"timeSeries": [series]}).execute() == {}
    )


def test_the_rest_dashboards_client_creates_reads_pages_updates_and_deletes(dashboards, project_id):
    parent = f"projects/{project_id}"
    text = {"title": "Notes", "text": {"content": "# Helios"}}
    created = dashboards.create_dashboard(
        parent=parent,
        dashboard={
            "display_name": "Helios",
            "mosaic_layout": {"columns": 48, "tiles": [{"width": 24, "height": 16, "widget": text}]},
        },
    )
    assert created.name.startswith(f"projects/{Projects.number_of(project_id)}/dashboards/")
    assert dashboards.get_dashboard(name=created.name) == created
    for n in range(2):
        dashboards.create_dashboard(parent=parent, dashboard={"display_name": f"Board {n}", "grid_layout": {}})
    pages = list(dashboards.list_dashboards(request={"parent": parent, "page_size": 2}).pages)
    assert [len(page.dashboards) for page in pages] == [2, 1]
    assert sorted(d.display_name for page in pages for d in page.dashboards) == ["Board 0", "Board 1", "Helios"]
    created.display_name = "Helios (renamed)"
    updated = dashboards.update_dashboard(request={"dashboard": created})
    assert updated.display_name == "Helios (renamed)"
    assert updated.etag != created.etag
    created.display_name = "stale"
    with pytest.raises(exceptions.Conflict) as stale:  # the etag changed: ABORTED, HTTP 409
        dashboards.update_dashboard(request={"dashboard": created})
    assert stale.value.response.json()["error"]["status"] == "ABORTED"
    dashboards.delete_dashboard(name=created.name)
    with pytest.raises(exceptions.NotFound) as gone:
        dashboards.get_dashboard(name=created.name)
    assert gone.value.code == 404
    assert "does not exist" in gone.value.message


def test_the_discovery_client_writes_a_descriptor_and_series_and_reads_them_back_aggregated(v3, project_id):
    descriptor = {"type": METRIC, "metricKind": "GAUGE", "valueType": "INT64", "labels": [{"key": "stage"}]}
    made = v3.projects().metricDescriptors().create(name=f"projects/{project_id}", body=descriptor).execute()
    assert made["name"] == f"projects/{project_id}/metricDescriptors/{METRIC}"
    read = v3.projects().metricDescriptors().get(name=made["name"]).execute()  # `**`: the type's slashes
    assert (read["metricKind"], read["valueType"], read["labels"]) == ("GAUGE", "INT64", [{"key": "stage"}])
    now = time.time() // 60 * 60 - 60
    for zone, value in (("us-central1-a", 5), ("us-central1-b", 7), ("europe-west1-b", 11)):
        write(v3, project_id, zone, value, now)
    listing = v3.projects().timeSeries()
    window = {
        "name": f"projects/{project_id}",
        "filter": f'metric.type = "{METRIC}"',
        "interval_startTime": rfc3339(now - 300),
        "interval_endTime": rfc3339(now + 1),
    }
    raw = listing.list(**window).execute()
    values = sorted(s["points"][0]["value"]["int64Value"] for s in raw["timeSeries"])
    assert values == ["11", "5", "7"]  # int64 as JSON strings
    summed = listing.list(
        **window,
        aggregation_alignmentPeriod="60s",
        aggregation_perSeriesAligner="ALIGN_MAX",
        aggregation_crossSeriesReducer="REDUCE_SUM",
        aggregation_groupByFields=["resource.label.location", "metric.label.stage"],  # repeated parameter
    ).execute()
    long = listing.list(**{**window, "filter": f'{window["filter"]} AND metric.label.stage != "{"x" * 2048}"'})
    assert len(long.uri) > 2048  # googleapiclient sends it as a POST overridden to GET, the query as a form
    assert sorted(s["points"][0]["value"]["int64Value"] for s in long.execute()["timeSeries"]) == values
    by_zone = {s["resource"]["labels"]["location"]: s["points"][0]["value"]["int64Value"] for s in summed["timeSeries"]}
    assert by_zone == {"us-central1-a": "5", "us-central1-b": "7", "europe-west1-b": "11"}
    v3.projects().metricDescriptors().delete(name=made["name"]).execute()
    with pytest.raises(Exception) as gone:
        v3.projects().metricDescriptors().get(name=made["name"]).execute()
    assert gone.value.resp.status == 404


def test_the_discovery_client_manages_channels_and_policies_with_custom_verbs_masks_and_pages(v3, project_id):
    channels, policies = v3.projects().notificationChannels(), v3.projects().alertPolicies()
    channel = channels.create(
        name=f"projects/{project_id}",
        body={"type": "email", "displayName": "On call", "labels": {"email_address": "oncall@example.com"}},
    ).execute()
    assert channel["name"].startswith(f"projects/{project_id}/notificationChannels/")
    assert channels.sendVerificationCode(name=channel["name"], body={}).execute() == {}
    with pytest.raises(Exception) as wrong:
        channels.verify(name=channel["name"], body={"code": "G-000000"}).execute()
    assert wrong.value.resp.status == 400
    with pytest.raises(Exception) as unverified:  # FAILED_PRECONDITION is HTTP 400 too
        channels.getVerificationCode(name=channel["name"], body={}).execute()
    assert unverified.value.resp.status == 400
    assert json.loads(unverified.value.content)["error"]["status"] == "FAILED_PRECONDITION"
    condition = {
        "displayName": "Runs above one",
        "conditionThreshold": {
            "filter": f'metric.type = "{METRIC}" AND resource.type = "generic_task"',
            "comparison": "COMPARISON_GT",
            "thresholdValue": 1,
            "duration": "120s",
            "aggregations": [{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_MAX"}],
        },
    }
    names = []
    for n in range(3):
        body = {
            "displayName": f"Policy {n}",
            "combiner": "OR",
            "conditions": [condition],
            "notificationChannels": [channel["name"]],
        }
        names.append(policies.create(name=f"projects/{project_id}", body=body).execute()["name"])
    got = policies.get(name=names[0]).execute()
    assert got["conditions"][0]["conditionThreshold"]["duration"] == "120s"
    assert got["notificationChannels"] == [channel["name"]]
    patched = policies.patch(name=names[0], updateMask="displayName", body={"displayName": "Renamed"}).execute()
    assert patched["displayName"] == "Renamed"
    assert patched["conditions"] == got["conditions"]
    request, seen, pages = policies.list(name=f"projects/{project_id}", pageSize=2), [], 0
    while request is not None:
        page = request.execute()
        seen += [p["name"] for p in page["alertPolicies"]]
        request, pages = policies.list_next(request, page), pages + 1
    assert pages == 2
    assert sorted(seen) == sorted(names)


def test_google_error_bodies_statuses_and_bad_requests(monitoring, project_id):
    status, body, _ = call(monitoring, "GET", f"/v3/projects/{project_id}/alertPolicies/404404")
    assert status == 404
    assert body["error"]["code"] == 404
    assert body["error"]["status"] == "NOT_FOUND"
    status, body, _ = call(monitoring, "GET", f"/v3/projects/{project_id}/timeSeries?filter=metric.type%3D")
    assert (status, body["error"]["status"]) == (400, "INVALID_ARGUMENT")
    status, body, _ = call(monitoring, "GET", f"/v3/projects/{project_id}/nothingHere")
    assert status == 404
    assert body["error"]["message"] == (
        f"The requested URL /v3/projects/{project_id}/nothingHere was not found on this server."
    )
    status, body, _ = call(monitoring, "PUT", f"/v3/projects/{project_id}/alertPolicies", {})  # a verb no rule has
    assert (status, body["error"]["status"]) == (404, "NOT_FOUND")
    status, body, _ = call(
        monitoring, "POST", f"/v3/projects/{project_id}/timeSeries", raw=b'{"timeSeries": [{"metric" {}}]}'
    )
    assert status == 400
    assert body["error"]["message"] == (
        'Invalid JSON payload received. Expected : between key:value pair.\n{"timeSeries": [{"metric" {}}]}\n'
        + " " * 26
        + "^"
    )
    status, body, _ = call(
        monitoring, "POST", f"/v3/projects/{project_id}/alertPolicies", {"displayName": "x", "colour": "red"}
    )
    assert status == 400
    assert body["error"]["message"] == (
        "Invalid JSON payload received. Unknown name \"colour\" at 'alert_policy': Cannot find field."
    )
    assert body["error"]["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": "alert_policy", "description": body["error"]["message"]}],
        }
    ]
    status, body, _ = call(monitoring, "GET", f"/v3/projects/{project_id}/alertPolicies?pageSize=ten&colour=red")
    assert status == 400
    assert body["error"]["message"].splitlines() == [
        "Invalid value at 'page_size' (TYPE_INT32), \"ten\"",
        'Invalid JSON payload received. Unknown name "colour": Cannot bind query parameter. '
        "Field 'colour' could not be found in request message.",
    ]
    status, body, _ = call(monitoring, "POST", f"/v3/projects/{project_id}/timeSeries:query", {"query": "fetch x"})
    assert (status, body["error"]["status"]) == (501, "UNIMPLEMENTED")  # Google's method, not the emulator's
    service = {"displayName": "Helios", "custom": {}}
    assert call(monitoring, "POST", f"/v3/projects/{project_id}/services?serviceId=helios", service)[0] == 200
    status, body, _ = call(monitoring, "POST", f"/v3/projects/{project_id}/services?serviceId=helios", service)
    assert (status, body["error"]["status"]) == (409, "ALREADY_EXISTS")


HTTP_STATUS = [
    ("INVALID_ARGUMENT", 400),
    ("FAILED_PRECONDITION", 400),
    ("OUT_OF_RANGE", 400),
    ("UNAUTHENTICATED", 401),
    ("PERMISSION_DENIED", 403),
    ("NOT_FOUND", 404),
    ("ALREADY_EXISTS", 409),
    ("ABORTED", 409),
    ("RESOURCE_EXHAUSTED", 429),
    ("CANCELLED", 499),
    ("INTERNAL", 500),
    ("UNKNOWN", 500),
    ("DATA_LOSS", 500),
    ("UNIMPLEMENTED", 501),
    ("UNAVAILABLE", 503),
    ("DEADLINE_EXCEEDED", 504),
]


@pytest.mark.parametrize(("code", "http_status"), HTTP_STATUS)
def test_a_fault_armed_through_the_admin_api_fails_the_rest_call_with_googles_status(
    monitoring, project_id, code, http_status
):
    monitoring.admin.inject("ListAlertPolicies", code=code, message=f"injected {code}")
    before = monitoring.admin.stats()["calls"].get("ListAlertPolicies", 0)
    status, body, _ = call(monitoring, "GET", f"/v3/projects/{project_id}/alertPolicies")
    assert status == http_status
    assert body == {"error": {"code": http_status, "message": f"injected {code}", "status": code}}
    assert call(monitoring, "GET", f"/v3/projects/{project_id}/alertPolicies") == (200, {}, "{}")  # times=1
    assert monitoring.admin.stats()["calls"]["ListAlertPolicies"] == before + 2


def test_a_fault_reaches_the_rest_dashboards_client_and_a_series_fault_the_rest_write(
    monitoring, dashboards, v3, project_id
):
    monitoring.admin.inject("ListDashboards", code="UNAVAILABLE")
    with pytest.raises(exceptions.ServiceUnavailable) as failed:
        dashboards.list_dashboards(parent=f"projects/{project_id}", retry=None)
    assert failed.value.code == 503
    assert "currently unavailable" in failed.value.message
    monitoring.admin.inject("CreateTimeSeries", code="INVALID_ARGUMENT", series_filter='resource.label.location = "b"')
    with pytest.raises(Exception) as partial:
        write(v3, project_id, "b", 1, time.time() // 60 * 60)
    error = json.loads(partial.value.content)["error"]
    assert partial.value.resp.status == 400
    assert error["status"] == "INVALID_ARGUMENT"
    summary = error["details"][0]
    assert summary["@type"] == "type.googleapis.com/google.monitoring.v3.CreateTimeSeriesSummary"
    assert (summary["totalPointCount"], summary["errors"][0]["pointCount"]) == (1, 1)


def test_the_wire_format_is_googles_json(monitoring, project_id, v3):
    now = time.time() // 60 * 60 - 60
    write(v3, project_id, "us-central1-a", 9007199254740993, now)  # beyond a double's precision
    query = (
        f"filter=metric.type%3D%22{METRIC}%22&interval.end_time={rfc3339(now + 1)}"  # snake_case binds too
        f"&interval.startTime={rfc3339(now - 60)}&view=FULL"
    )
    status, body, text = call(monitoring, "GET", f"/v3/projects/{project_id}/timeSeries?{query}")
    assert status == 200
    assert text.startswith('{\n  "timeSeries": [')
    series = body["timeSeries"][0]
    assert series["points"][0]["value"] == {"int64Value": "9007199254740993"}
    assert series["points"][0]["interval"]["endTime"] == rfc3339(now)
    assert (series["metricKind"], series["valueType"]) == ("GAUGE", "INT64")
    assert "unit" not in series
    assert "nextPageToken" not in body
    _, compact, text = call(monitoring, "GET", f"/v3/projects/{project_id}/timeSeries?{query}&prettyPrint=false")
    assert compact == body
    assert "\n" not in text
    _, numbered, _ = call(
        monitoring, "GET", f"/v3/projects/{project_id}/timeSeries?{query}&$alt=json;enum-encoding=int"
    )
    assert (numbered["timeSeries"][0]["metricKind"], numbered["timeSeries"][0]["valueType"]) == (1, 2)
    escaped = METRIC.replace("/", "%2F")  # a descriptor's type, its slashes escaped or not
    status, descriptor, _ = call(monitoring, "GET", f"/v3/projects/{project_id}/metricDescriptors/{escaped}")
    assert status == 200
    assert descriptor["type"] == METRIC


def test_gcloud_with_its_endpoint_override_creates_and_lists_dashboards_and_channels(monitoring, project_id, tmp_path):
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        if IN_CI:
            pytest.fail("CI=true requires gcloud (the Google Cloud SDK)")
        pytest.skip("gcloud is not installed")
    token = tmp_path / "token"
    token.write_text("emulator")  # any token: the emulator checks none, and gcloud then asks no one for one
    env = {
        **os.environ,
        "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"),
        "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE": str(token),
        "CLOUDSDK_API_ENDPOINT_OVERRIDES_MONITORING": monitoring.http_url + "/",
        "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [gcloud, *args, f"--project={project_id}"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("monitoring", "dashboards", "create", '--config={"displayName": "From gcloud", "gridLayout": {}}')
    assert run("monitoring", "dashboards", "list", "--format=value(displayName)").splitlines() == ["From gcloud"]
    channel = {"--display-name": "Ops", "--type": "email", "--channel-labels": "email_address=ops@example.com"}
    run("beta", "monitoring", "channels", "create", *(f"{flag}={value}" for flag, value in channel.items()))
    listed = run("beta", "monitoring", "channels", "list", "--format=value(type,labels.email_address)")
    assert listed.splitlines() == ["email\tops@example.com"]
