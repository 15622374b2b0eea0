"""GroupService through the official client: Google's group samples run as written (create, get,
list, update, delete), the hierarchy (children, ancestors, descendants, recursive delete), each
refusal with its code and message, and the members of a group among the resources written here,
selected by the group filter language and by the filters of the group's ancestors."""

from __future__ import annotations

import time

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3

from helios_metrics.contract import ClientFactory
from helios_metrics.monitoring_emulator._objects import Projects
from tests.helpers import HELIOS, interval, series

WEB = {"instance_id": "web-1", "zone": "us-central1-a"}
WEB_EU = {"instance_id": "web-2", "zone": "europe-west1-b"}
DB = {"instance_id": "db-1", "zone": "us-central1-b"}
ANY = 'resource.type = starts_with("")'
TASK = {"location": "us-central1", "namespace": "helios", "job": "collector", "task_id": "web-task"}


@pytest.fixture
def groups(factory: ClientFactory) -> monitoring_v3.GroupServiceClient:
    return factory.group()


@pytest.fixture
def parent(project_id: str) -> str:
    return f"projects/{project_id}"


@pytest.fixture
def resources(factory: ClientFactory, parent: str) -> float:
    """Three VMs and a task wrote a point two minutes ago; returns that time."""
    at = time.time() - 120
    written = [
        series(1.0, at, f"{HELIOS}/load", resource_type="gce_instance", resource_labels=r) for r in (WEB, WEB_EU, DB)
    ]
    written.append(series(1.0, at, f"{HELIOS}/load", resource_type="generic_task", resource_labels=TASK))
    factory.metric_service().create_time_series(name=parent, time_series=written)
    return at


def create(
    groups, parent: str, filter_text: str, display_name: str = "group", parent_name: str = ""
) -> monitoring_v3.Group:
    group = {"display_name": display_name, "filter": filter_text, "parent_name": parent_name}
    return groups.create_group(name=parent, group=group)


def rejected(call, *args, **kwargs) -> exceptions.GoogleAPICallError:
    with pytest.raises(exceptions.GoogleAPICallError) as caught:
        call(*args, **kwargs)
    return caught.value


def members(groups, name: str, **request) -> list[str]:
    """Member resources as ``type:name`` (the instance or task id)."""
    found = groups.list_group_members(request={"name": name, **request})
    return sorted(f"{m.type}:{m.labels.get('instance_id') or m.labels.get('task_id')}" for m in found)


def names(pager) -> list[str]:
    return [group.name for group in pager]


def test_the_samples_create_get_list_update_and_delete_a_group(groups, parent):
    made = groups.create_group(  # the Node sample's request
        request={
            "name": parent,
            "group": {"display_name": "your-new-group-display-name", "filter": 'resource.type = "gce_instance"'},
            "validate_only": False,
        }
    )
    assert made.name.startswith(f"{parent}/groups/")
    assert made.name.rsplit("/", 1)[1].isdigit()
    assert (made.display_name, made.filter, made.parent_name, made.is_cluster) == (
        "your-new-group-display-name",
        'resource.type = "gce_instance"',
        "",
        False,
    )
    assert groups.get_group(name=made.name) == made
    assert names(groups.list_groups(request={"name": parent})) == [made.name]
    new_filter = 'resource.type = "gce_instance" AND metadata.system_labels.region = "us-central1"'
    updated = groups.update_group(  # the Python sample: every field but the name is replaced
        request={"group": {"name": made.name, "display_name": "My New Display Name", "filter": new_filter}}
    )
    assert (updated.display_name, updated.filter, updated.is_cluster) == ("My New Display Name", new_filter, False)
    assert groups.get_group(name=made.name) == updated
    groups.delete_group(request={"name": made.name, "recursive": False})
    assert isinstance(rejected(groups.get_group, name=made.name), exceptions.NotFound)
    assert names(groups.list_groups(request={"name": parent})) == []


def test_a_group_is_named_under_the_project_id_whichever_form_the_caller_used(groups, parent, project_id):
    root = create(groups, parent, ANY, "root")
    number = Projects.number_of(project_id)
    child = create(groups, f"projects/{number}", ANY, "child", root.name.replace(parent, f"projects/{number}"))
    assert child.name.startswith(f"{parent}/groups/")
    assert child.parent_name == root.name  # the parent's own name, whichever form it was given in
    assert groups.get_group(name=child.name.replace(parent, f"projects/{number}")) == child


def test_validate_only_checks_without_storing(groups, parent):
    checked = groups.create_group(
        request={
            "name": parent,
            "group": {"display_name": "dry", "filter": 'resource.type = "gce_instance"'},
            "validate_only": True,
        }
    )
    assert (checked.name, checked.display_name) == ("", "dry")  # nothing was created, so nothing is named
    assert names(groups.list_groups(request={"name": parent})) == []
    made = create(groups, parent, 'resource.type = "gce_instance"', "kept")
    changed = groups.update_group(
        request={"group": {"name": made.name, "display_name": "changed", "filter": made.filter}, "validate_only": True}
    )
    assert changed.display_name == "changed"
    assert groups.get_group(name=made.name).display_name == "kept"


def test_a_filter_that_does_not_parse_is_refused(groups, parent):
    error = rejected(create, groups, parent, 'resource.type = "gce_instance" AND')
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message.startswith('Field group.filter had an invalid value of "resource.type = "gce_instance" AND": ')
    assert names(groups.list_groups(request={"name": parent})) == []


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({}, "Field group.displayName had an invalid value: A display name is required."),
        ({"display_name": "no filter"}, "Field group.filter had an invalid value: A filter is required."),
    ],
)
def test_an_empty_group_is_refused(groups, parent, group, message):
    error = rejected(groups.create_group, request={"name": parent, "group": group})  # as Google's system test
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == message


def test_a_group_id_that_is_not_a_number_is_invalid(groups, parent):
    name = f"{parent}/groups/mock_group"  # Google's system tests: INVALID_ARGUMENT, not NOT_FOUND
    calls = [
        lambda: groups.get_group(name=name),
        lambda: list(groups.list_group_members(name=name)),
        lambda: groups.update_group(group={"name": name}),
        lambda: groups.delete_group(name=name),
    ]
    for call in calls:
        error = rejected(call)
        assert isinstance(error, exceptions.InvalidArgument)
        assert error.message.endswith(
            f'had an invalid value of "{name}": A group id is a number, as the server assigns it.'
        )


def test_a_parent_must_be_a_group_of_the_same_project(groups, parent, project_id):
    missing = f"{parent}/groups/123"
    error = rejected(create, groups, parent, ANY, parent_name=missing)
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == (
        f'Field group.parentName had an invalid value of "{missing}": The parent group does not exist in project '
        f"{project_id}."
    )
    error = rejected(create, groups, parent, ANY, parent_name="groups/123")
    assert error.message == (
        'Field group.parentName had an invalid value of "groups/123": The name must have the form '
        "projects/[PROJECT_ID_OR_NUMBER]/groups/[GROUP_ID]."
    )


def test_the_hierarchy_lists_children_ancestors_and_descendants(groups, parent):
    root = create(groups, parent, 'resource.type = "gce_instance"', "root")
    child = create(groups, parent, 'resource.metadata.name = starts_with("web")', "child", root.name)
    grandchild = create(groups, parent, 'resource.metadata.region = "us-central1"', "grandchild", child.name)
    sibling = create(groups, parent, 'resource.metadata.name = starts_with("db")', "sibling", root.name)
    other = create(groups, parent, 'resource.type = "generic_task"', "other")
    every = names(groups.list_groups(request={"name": parent}))
    assert sorted(every) == sorted([root.name, child.name, grandchild.name, sibling.name, other.name])
    children = names(groups.list_groups(request={"name": parent, "children_of_group": root.name}))
    assert sorted(children) == sorted([child.name, sibling.name])
    ancestors = names(groups.list_groups(request={"name": parent, "ancestors_of_group": grandchild.name}))
    assert ancestors == [child.name, root.name]  # nearest first
    descendants = names(groups.list_groups(request={"name": parent, "descendants_of_group": root.name}))
    assert sorted(descendants) == sorted([child.name, sibling.name, grandchild.name])
    assert names(groups.list_groups(request={"name": parent, "children_of_group": other.name})) == []
    assert names(groups.list_groups(request={"name": parent, "ancestors_of_group": f"{parent}/groups/9"})) == []
    first_page = next(iter(groups.list_groups(request={"name": parent, "page_size": 2}).pages))
    assert (len(first_page.group), bool(first_page.next_page_token)) == (2, True)


def test_a_group_with_children_is_deleted_only_recursively(groups, parent):
    root = create(groups, parent, ANY, "root")
    child = create(groups, parent, ANY, "child", root.name)
    create(groups, parent, ANY, "grandchild", child.name)
    kept = create(groups, parent, ANY, "kept")
    error = rejected(groups.delete_group, request={"name": root.name})
    assert isinstance(error, exceptions.FailedPrecondition)
    assert error.message == (
        f"The group {root.name} has children; delete them first, or set recursive to delete the group and all its "
        "descendants."
    )
    groups.delete_group(request={"name": root.name, "recursive": True})
    assert names(groups.list_groups(request={"name": parent})) == [kept.name]
    assert isinstance(rejected(groups.delete_group, request={"name": root.name}), exceptions.NotFound)


def test_a_group_cannot_move_under_itself_or_a_descendant(groups, parent):
    root = create(groups, parent, ANY, "root")
    child = create(groups, parent, ANY, "child", root.name)
    for new_parent in (root.name, child.name):
        request = {"group": {"name": root.name, "display_name": "root", "filter": ANY, "parent_name": new_parent}}
        error = rejected(groups.update_group, request=request)
        assert isinstance(error, exceptions.InvalidArgument)
        assert error.message == (
            f'Field group.parentName had an invalid value of "{new_parent}": A group cannot be its own ancestor.'
        )
    moved = groups.update_group(request={"group": {"name": child.name, "display_name": "child", "filter": ANY}})
    assert moved.parent_name == ""  # every field replaced: no parent any more
    assert names(groups.list_groups(request={"name": parent, "children_of_group": root.name})) == []


def test_missing_groups_and_malformed_names(groups, parent):
    missing = f"{parent}/groups/404"
    for call in (groups.get_group, groups.delete_group, groups.list_group_members):
        error = rejected(call, request={"name": missing})
        assert isinstance(error, exceptions.NotFound)
        assert error.message.startswith("Requested entity was not found")
    error = rejected(groups.update_group, request={"group": {"name": missing, "display_name": "x"}})
    assert isinstance(error, exceptions.NotFound)
    error = rejected(groups.get_group, request={"name": f"{parent}/clusters/1"})
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == (
        f'Field name had an invalid value of "{parent}/clusters/1": The name must have the form '
        "projects/[PROJECT_ID_OR_NUMBER]/groups/[GROUP_ID]."
    )


def test_members_are_the_written_resources_matching_the_group_and_its_ancestors(groups, parent, project_id, resources):
    vms = create(groups, parent, 'resource.type = "gce_instance"', "vms")
    web = create(groups, parent, 'resource.metadata.name = starts_with("web")', "web", vms.name)
    assert members(groups, vms.name) == ["gce_instance:db-1", "gce_instance:web-1", "gce_instance:web-2"]
    assert members(groups, web.name) == ["gce_instance:web-1", "gce_instance:web-2"]  # not the task named web-…
    found = list(groups.list_group_members(request={"name": web.name}))
    assert dict(found[0].labels) == {"project_id": project_id, **WEB}  # labels as written, with the project
    us = create(
        groups, parent, 'metadata.system_labels.region = "us-central1"', "us", web.name
    )  # the sample's selector
    assert members(groups, us.name) == ["gce_instance:web-1"]
    tasks = create(groups, parent, 'resource.type = "generic_task" AND resource.metadata.name = has_substring("web")')
    assert members(groups, tasks.name) == ["generic_task:web-task"]
    everything = create(groups, parent, ANY, "everything")
    assert len(members(groups, everything.name)) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('resource.labels.zone = "europe-west1-b"', ["gce_instance:web-2"]),
        ('resource.label.zone = starts_with("us-")', ["gce_instance:db-1", "gce_instance:web-1"]),
        ('resource.metadata.region = "us-central1" AND NOT resource.metadata.name = "db-1"', ["gce_instance:web-1"]),
        ('resource.metadata.name = one_of("db-1", "web-2")', ["gce_instance:db-1", "gce_instance:web-2"]),
        (
            'resource.metadata.name = monitoring.regex.full_match("web-[0-9]+")',
            ["gce_instance:web-1", "gce_instance:web-2"],
        ),
        ('resource.labels : "zone"', ["gce_instance:db-1", "gce_instance:web-1", "gce_instance:web-2"]),
        ('metadata.user_labels.env = "prod"', []),  # written series carry no user labels
    ],
)
def test_list_members_filters_the_groups_resources(groups, parent, resources, text, expected):
    vms = create(groups, parent, 'resource.type = "gce_instance"', "vms")
    assert members(groups, vms.name, filter=text) == expected


def test_members_within_an_interval_are_those_that_wrote_in_it(groups, parent, resources, factory):
    later = resources + 60
    factory.metric_service().create_time_series(
        name=parent,
        time_series=[series(2.0, later, f"{HELIOS}/load", resource_type="gce_instance", resource_labels=DB)],
    )
    vms = create(groups, parent, 'resource.type = "gce_instance"', "vms")
    assert members(groups, vms.name, interval=interval(later - 10, later + 10)) == ["gce_instance:db-1"]
    assert len(members(groups, vms.name, interval=interval(resources - 10, resources + 10))) == 3
    assert members(groups, vms.name, interval=interval(resources - 600, resources - 300)) == []


def test_members_are_paged_and_counted(groups, parent, resources):
    vms = create(groups, parent, 'resource.type = "gce_instance"', "vms")
    first = next(iter(groups.list_group_members(request={"name": vms.name, "page_size": 2}).pages))
    assert (len(first.members), first.total_size, bool(first.next_page_token)) == (2, 3, True)
    error = rejected(groups.list_group_members, request={"name": vms.name, "filter": "resource.type ="})
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message.startswith('Field filter had an invalid value of "resource.type =": ')
