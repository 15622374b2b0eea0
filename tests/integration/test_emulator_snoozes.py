"""SnoozeService through the official client: snoozes created, read, listed and updated as the API
documents, each refusal with its code and message, and alert evaluation silent while one is active."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2

from helios_metrics.contract import ClientFactory
from helios_metrics.monitoring_emulator._objects import Projects
from tests.helpers import HELIOS, series

METRIC = f"{HELIOS}/test_metric"


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def stamp(seconds: float) -> dict:
    return {"seconds": int(seconds)}


@pytest.fixture
def snoozes(factory: ClientFactory) -> monitoring_v3.SnoozeServiceClient:
    return factory.snooze()


@pytest.fixture
def policy(factory: ClientFactory, project_id: str) -> monitoring_v3.AlertPolicy:
    """A policy that fires on any point above 5 of the test metric in the last 20 minutes."""
    condition = {
        "display_name": "value > 5",
        "condition_threshold": {
            "filter": f'metric.type = "{METRIC}" AND resource.type = "generic_task"',
            "comparison": "COMPARISON_GT",
            "threshold_value": 5,
            "duration": {"seconds": 0},
            "aggregations": [{"alignment_period": {"seconds": 1200}, "per_series_aligner": "ALIGN_MAX"}],
        },
    }
    return factory.alert_policy().create_alert_policy(
        name=f"projects/{project_id}",
        alert_policy={"display_name": "High value", "combiner": "OR", "conditions": [condition]},
    )


def body(policy_names: list[str], start: float, end: float, **overrides) -> dict:
    item = {
        "display_name": "Deploy window",
        "criteria": {"policies": policy_names},
        "interval": {"start_time": stamp(start), "end_time": stamp(end)},
    }
    item.update(overrides)
    return item


def rejected(call, *args, **kwargs) -> exceptions.GoogleAPICallError:
    with pytest.raises(exceptions.GoogleAPICallError) as caught:
        call(*args, **kwargs)
    return caught.value


def update(snoozes, item: dict, paths: list[str]) -> monitoring_v3.Snooze:
    return snoozes.update_snooze(request={"snooze": item, "update_mask": field_mask_pb2.FieldMask(paths=paths)})


def test_a_snooze_comes_back_named_with_the_project_number(snoozes, project_id, policy):
    now = time.time()
    by_id = policy.name.replace(f"projects/{Projects.number_of(project_id)}/", f"projects/{project_id}/")
    created = snoozes.create_snooze(parent=f"projects/{project_id}", snooze=body([by_id], now + 60, now + 3600))
    assert created.name.startswith(f"projects/{Projects.number_of(project_id)}/snoozes/")
    assert list(created.criteria.policies) == [policy.name]  # named under the project id, as policies are
    assert snoozes.get_snooze(name=created.name) == created
    assert [s.name for s in snoozes.list_snoozes(parent=f"projects/{project_id}")] == [created.name]


def test_list_filters_on_the_interval(snoozes, project_id, policy):
    now = time.time()
    soon = snoozes.create_snooze(parent=f"projects/{project_id}", snooze=body([policy.name], now + 60, now + 600))
    later = snoozes.create_snooze(parent=f"projects/{project_id}", snooze=body([policy.name], now + 7200, now + 9000))
    after_soon = f'interval.start_time > "{rfc3339(now + 120)}"'
    assert [
        s.name for s in snoozes.list_snoozes(request={"parent": f"projects/{project_id}", "filter": after_soon})
    ] == [later.name]
    both = f'interval.start_time >= "{rfc3339(now)}" AND interval.end_time < "{rfc3339(now + 10000)}"'
    listed = snoozes.list_snoozes(request={"parent": f"projects/{project_id}", "filter": both})
    assert [s.name for s in listed] == [soon.name, later.name]  # by start time


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"display_name": ""},
            "Field snooze.displayName had an invalid value: A display name of 1 to 512 characters is required.",
        ),
        (
            {"display_name": "x" * 513},
            "Field snooze.displayName had an invalid value: A display name of 1 to 512 characters is required.",
        ),
        (
            {"criteria": {"policies": []}},
            "Field snooze.criteria.policies had an invalid value: A snooze names 1 to 16 alert policies, but this "
            "one names 0.",
        ),
        (
            {"criteria": {"policies": ["POLICY"] * 17}},
            "Field snooze.criteria.policies had an invalid value: A snooze names 1 to 16 alert policies, but this "
            "one names 17.",
        ),
        (
            {"criteria": {"policies": ["projects/PROJECT/alertPolicies/404"]}},
            'Field snooze.criteria.policies[0] had an invalid value of "projects/PROJECT/alertPolicies/404": The '
            "alert policy does not exist in project PROJECT.",
        ),
        (
            {"criteria": {"policies": ["POLICY", "POLICY"], "filter": 'resource.labels.task_id = "t-1"'}},
            "Field snooze.criteria.filter had an invalid value: A snooze with a filter must name exactly one alert "
            "policy, but this one names 2.",
        ),
        (
            {"criteria": {"policies": ["POLICY"], "filter": 'resource.labels.task_id = "t-1" OR x = "y"'}},
            'Field snooze.criteria.filter had an invalid value of "resource.labels.task_id = \\"t-1\\" OR x = '
            '\\"y\\"": A snooze filter is one or more resource.labels.K, metric.labels.K, metadata.user_labels.K or '
            'metadata.system_labels.K = "value" terms joined by AND.',
        ),
        (
            {"interval": {"start_time": stamp(1)}},
            "Field snooze.interval.endTime had an invalid value: An end time is required.",
        ),
        ({"name": "projects/PROJECT/snoozes/1"}, None),
    ],
)
def test_a_snooze_google_would_refuse_is_invalid_argument(snoozes, project_id, policy, change, message):
    now = time.time()
    item = body([policy.name], now + 60, now + 3600, **change)
    for key in ("criteria",):
        if key in change:
            item[key]["policies"] = [
                p.replace("POLICY", policy.name).replace("PROJECT", project_id) for p in item[key]["policies"]
            ]
    if "name" in change:
        item["name"] = change["name"].replace("PROJECT", project_id)
        message = (
            f'Field snooze.name had an invalid value of "{item["name"]}": The name is assigned by the server; omit '
            "it when creating a snooze."
        )
    error = rejected(snoozes.create_snooze, parent=f"projects/{project_id}", snooze=item)
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == (message or "").replace("PROJECT", project_id).replace('\\"', '"')


def test_the_start_may_not_be_in_the_past_beyond_15_seconds_of_skew(snoozes, project_id, policy):
    now = time.time()
    assert snoozes.create_snooze(parent=f"projects/{project_id}", snooze=body([policy.name], now - 5, now + 60))
    past = int(now) - 60
    error = rejected(snoozes.create_snooze, parent=f"projects/{project_id}", snooze=body([policy.name], past, now + 60))
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == (
        f'Field snooze.interval.startTime had an invalid value of "{rfc3339(past)}": The start time cannot be in '
        "the past."
    )
    start, end = int(now) + 600, int(now) + 60
    error = rejected(snoozes.create_snooze, parent=f"projects/{project_id}", snooze=body([policy.name], start, end))
    assert error.message == (
        f'Field snooze.interval.endTime had an invalid value of "{rfc3339(end)}": The end time must not be before the '
        f"start time ({rfc3339(start)})."
    )


def test_what_an_update_may_change_depends_on_the_snoozes_state(snoozes, project_id, policy):
    now = time.time()
    parent = f"projects/{project_id}"
    upcoming = snoozes.create_snooze(parent=parent, snooze=body([policy.name], now + 600, now + 1200))
    moved = update(
        snoozes,
        {
            "name": upcoming.name,
            "display_name": "Moved",
            "interval": {"start_time": stamp(now + 900), "end_time": stamp(now + 1800)},
        },
        ["display_name", "interval.start_time", "interval.end_time"],
    )
    assert moved.display_name == "Moved"
    assert int(moved.interval.start_time.timestamp()) == int(now + 900)
    running = snoozes.create_snooze(parent=parent, snooze=body([policy.name], now - 5, now + 1200))
    error = rejected(
        update, snoozes, {"name": running.name, "interval": {"start_time": stamp(now + 60)}}, ["interval.start_time"]
    )
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message.startswith(
        f"Field snooze.interval.startTime had an invalid value: Snooze {running.name} started at "
    )
    cancelled = update(snoozes, {"name": running.name, "interval": {"end_time": stamp(now)}}, ["interval.end_time"])
    assert int(cancelled.interval.end_time.timestamp()) == int(now)  # cancelled: it ends now
    error = rejected(update, snoozes, {"name": running.name, "display_name": "late"}, ["display_name"])
    assert error.message.startswith(f"Field snooze had an invalid value: Snooze {running.name} ended at ")
    error = rejected(update, snoozes, {"name": upcoming.name, "criteria": {"policies": []}}, ["criteria.policies"])
    assert error.message == (
        'Field update_mask had an invalid value of "criteria.policies": Only display_name, interval.start_time and '
        "interval.end_time can be updated."
    )
    error = rejected(update, snoozes, {"name": upcoming.name}, [])
    assert isinstance(error, exceptions.InvalidArgument)
    missing = f"projects/{project_id}/snoozes/404"
    assert isinstance(rejected(snoozes.get_snooze, name=missing), exceptions.NotFound)


def test_a_snoozed_policy_opens_nothing_and_resumes_after(factory, snoozes, project_id, policy, monitoring):
    now = int(time.time())
    factory.metric_service().create_time_series(
        name=f"projects/{project_id}", time_series=[series(10.0, now - 60, METRIC)]
    )
    snooze = snoozes.create_snooze(parent=f"projects/{project_id}", snooze=body([policy.name], now - 5, now + 300))
    during = monitoring.admin.evaluate(rfc3339(now + 60), project_id)
    assert [i for i in during["opened"] if i["scoping_project_id"] == project_id] == []
    after = monitoring.admin.evaluate(rfc3339(now + 360), project_id)
    assert [i["policy_name"] for i in after["opened"] if i["scoping_project_id"] == project_id] == ["High value"]
    assert snoozes.get_snooze(name=snooze.name).display_name == "Deploy window"


def test_the_async_clients_reach_the_emulator(factory, project_id, policy):
    async def calls() -> tuple[int, int]:
        snoozes, services = factory.snooze_async(), factory.service_monitoring_async()
        parent = f"projects/{project_id}"
        return (
            len([s async for s in await snoozes.list_snoozes(parent=parent)]),
            len([s async for s in await services.list_services(parent=parent)]),
        )

    assert asyncio.run(calls()) == (0, 0)
