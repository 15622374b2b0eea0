"""Class 10 — GroupService: CRUD, filters, ListGroupMembers over the resources written.

Sources: the Group and projects.groups reference (monitoring v3 discovery document: name
"projects/[PROJECT_ID_OR_NUMBER]/groups/[GROUP_ID] … generated automatically", parent_name, the
members filter example ``resource.type = "gce_instance"``, delete ``recursive`` "delete a group only
when it has no descendants"); googleapis/python-monitoring tests/system/test_vpcsc_v3.py
(TestCRUDGroups) for the calls.
"""

from __future__ import annotations

import re
import time

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3

from ._api import Monitoring
from ._data import last, point, unique

RESOURCES = [
    ("gce_instance", {"instance_id": "1", "zone": "us-central1-a"}),
    ("gce_instance", {"instance_id": "2", "zone": "europe-west1-b"}),
    ("generic_task", {"location": "us-central1", "namespace": "ns", "job": "job", "task_id": "t1"}),
]


@pytest.fixture
def seen(api: Monitoring) -> str:
    """One series on each of three resources, so the project has seen them."""
    metric_type = unique("custom.googleapis.com/group_member_")
    api.metric.create_time_series(
        name=api.project_name,
        time_series=[
            monitoring_v3.TimeSeries(
                metric={"type": metric_type},
                resource={"type": kind, "labels": labels},
                points=[point(1.0, time.time())],
            )
            for kind, labels in RESOURCES
        ],
    )
    return metric_type


def _group(api: Monitoring, display_name: str, filter_: str, parent: str = "") -> monitoring_v3.Group:
    return api.group.create_group(
        name=api.project_name, group={"display_name": display_name, "filter": filter_, "parent_name": parent}
    )


def test_create_get_update_list_delete(api: Monitoring):
    """The group's name is generated under the caller's project; get, update and list see it."""
    created = _group(api, "instances", 'resource.type = "gce_instance"')
    assert re.fullmatch(rf"projects/{api.project}/groups/[^/]+", created.name), created.name
    assert api.group.get_group(name=created.name).filter == 'resource.type = "gce_instance"'
    created.display_name = "all instances"
    updated = api.group.update_group(group=created)
    assert updated.display_name == "all instances"
    assert [g.display_name for g in api.group.list_groups(name=api.project_name)] == ["all instances"]
    api.group.delete_group(name=created.name)
    assert api.group.list_groups(name=api.project_name) == []


def test_members_are_the_seen_resources_the_filter_matches(api: Monitoring, seen: str):
    """ListGroupMembers returns the monitored resources matching the group's filter."""
    group = _group(api, "instances", 'resource.type = "gce_instance"')
    members = api.group.list_group_members(name=group.name, interval=last(3600))
    assert sorted((m.type, m.labels["instance_id"]) for m in members) == [("gce_instance", "1"), ("gce_instance", "2")]


def test_member_filter_narrows_the_members(api: Monitoring, seen: str):
    """projects.groups.members.list ``filter``: "The filter may reference the type, labels, and
    metadata of monitored resources"."""
    group = _group(api, "instances", 'resource.type = "gce_instance"')
    members = api.group.list_group_members(
        name=group.name, filter='resource.labels.zone = "europe-west1-b"', interval=last(3600)
    )
    assert [m.labels["instance_id"] for m in members] == ["2"]


def test_subgroups_and_list_relations(api: Monitoring):
    """parent_name makes a hierarchy; ListGroups' children_of_group, descendants_of_group and
    ancestors_of_group walk it."""
    top = _group(api, "top", 'resource.type = "gce_instance"')
    child = _group(api, "child", 'resource.labels.zone = starts_with("us-")', parent=top.name)
    grandchild = _group(api, "grandchild", 'resource.labels.zone = "us-central1-a"', parent=child.name)
    assert [g.name for g in api.group.list_groups(name=api.project_name, children_of_group=top.name)] == [child.name]
    descendants = api.group.list_groups(name=api.project_name, descendants_of_group=top.name)
    assert sorted(g.name for g in descendants) == sorted([child.name, grandchild.name])
    ancestors = api.group.list_groups(name=api.project_name, ancestors_of_group=grandchild.name)
    assert sorted(g.name for g in ancestors) == sorted([top.name, child.name])


def test_delete_with_descendants_needs_recursive(api: Monitoring):
    """DeleteGroup ``recursive``: without it a group with descendants is not deleted; with it the
    group and its descendants go."""
    top = _group(api, "top", 'resource.type = "gce_instance"')
    _group(api, "child", 'resource.labels.zone = "us-central1-a"', parent=top.name)
    with pytest.raises(exceptions.GoogleAPICallError):
        api.group.delete_group(name=top.name)
    assert len(api.group.list_groups(name=api.project_name)) == 2
    api.group.delete_group(name=top.name, recursive=True)
    assert api.group.list_groups(name=api.project_name) == []


def test_validate_only_creates_nothing(api: Monitoring):
    """CreateGroupRequest.validate_only: the group is checked, not created."""
    api.group.create_group(
        name=api.project_name,
        group={"display_name": "dry run", "filter": 'resource.type = "gce_instance"'},
        validate_only=True,
    )
    assert api.group.list_groups(name=api.project_name) == []
