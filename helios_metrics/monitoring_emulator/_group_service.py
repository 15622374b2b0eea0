"""``google.monitoring.v3.GroupService``: groups of monitored resources, their hierarchy, and their
members among the resources the emulator has seen (``_group_members``).

- Names: ``projects/P/groups/ID`` under the project id whichever form the caller used (as alert
  policies) and a server-assigned numeric id; a name given on create is ignored, as
  ``Group.name`` documents. ``parent_name`` must name a group of the same project, and is
  returned as that group's name; a group can be neither its own ancestor nor moved under one of
  its descendants.
- A group id is a number: a name with another id (``groups/mock_group``) is INVALID_ARGUMENT,
  as Google's client system tests show, and an unknown number NOT_FOUND.
- A display name and a ``filter`` are required (an empty group is INVALID_ARGUMENT, as those
  tests show); the filter is the Monitoring filter language (``resource.type = "gce_instance"
  AND resource.metadata.name = starts_with("web-")``), and one that does not parse is refused.
- Create and Update take ``validate_only``: checked, answered, not stored (a validated create
  comes back without a name: nothing was created). Update replaces every field but the name.
- List: all groups, or ``children_of_group``, ``ancestors_of_group`` (nearest first) or
  ``descendants_of_group``; a group that does not exist has none.
- Delete: a group with children is FAILED_PRECONDITION ("has children") unless ``recursive``,
  which deletes its descendants too.
- ListGroupMembers: the resources matching the group's filter and every ancestor's, then the
  request's own ``filter``, optionally within ``interval``; ``total_size`` counts them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import grpc
from google.cloud.monitoring_v3.types import group as group_types
from google.cloud.monitoring_v3.types import group_service
from google.protobuf import empty_pb2

from ._errors import ApiError, invalid_argument
from ._filters import Filter, api_filter
from ._group_members import seen_resources
from ._objects import Projects, new_id, page
from ._raw import Raw
from ._store import Store
from ._timeutil import timestamp_ns

__all__ = ["KIND", "SERVICE", "GroupService"]

SERVICE = "google.monitoring.v3.GroupService"
KIND = "group"
_GROUP = group_types.Group.pb()
_NAME = re.compile(r"projects/([^/]+)/groups/([^/]+)")
_DEFAULT_PAGE = 1000


class GroupService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(self, store: Store, projects: Projects) -> None:
        self._store, self._projects = store, projects

    def handlers(self) -> dict[str, tuple[Callable[[Raw], Raw], Any, Any]]:
        s = group_service
        return {
            "ListGroups": (self.list, s.ListGroupsRequest.pb(), s.ListGroupsResponse.pb()),
            "GetGroup": (self.get, s.GetGroupRequest.pb(), _GROUP),
            "CreateGroup": (self.create, s.CreateGroupRequest.pb(), _GROUP),
            "UpdateGroup": (self.update, s.UpdateGroupRequest.pb(), _GROUP),
            "DeleteGroup": (self.delete, s.DeleteGroupRequest.pb(), empty_pb2.Empty),
            "ListGroupMembers": (self.list_members, s.ListGroupMembersRequest.pb(), s.ListGroupMembersResponse.pb()),
        }

    # --- names and the hierarchy -------------------------------------------------------------------
    def _split(self, name: str, field: str = "name") -> tuple[str, str]:
        match = _NAME.fullmatch(name)
        if not match:
            raise invalid_argument(
                f'Field {field} had an invalid value of "{name}": The name must have the form '
                "projects/[PROJECT_ID_OR_NUMBER]/groups/[GROUP_ID]."
            )
        if not match.group(2).isdigit():  # Google: INVALID_ARGUMENT for groups/mock_group, not NOT_FOUND
            raise invalid_argument(
                f'Field {field} had an invalid value of "{name}": A group id is a number, as the server assigns it.'
            )
        return self._projects.remember(match.group(1)), match.group(2)

    def _groups(self, project: str) -> dict[str, Raw]:
        """The project's groups by id (callers hold the store's lock)."""
        return {ident: _GROUP.FromString(body) for ident, body in self._store.list_objects(KIND, project)}

    def _load(self, project: str, ident: str) -> Raw:
        return _GROUP.FromString(self._projects.load(KIND, project, ident, "group"))

    @staticmethod
    def _parent_id(group: Raw) -> str | None:
        return group.parent_name.rsplit("/", 1)[1] if group.parent_name else None

    def _ancestors(self, groups: dict[str, Raw], ident: str) -> list[str]:
        """Ids from the parent of ``ident`` up to its root."""
        chain: list[str] = []
        parent = self._parent_id(groups[ident]) if ident in groups else None
        while parent is not None and parent in groups and parent not in chain:
            chain.append(parent)
            parent = self._parent_id(groups[parent])
        return chain

    def _descendants(self, groups: dict[str, Raw], ident: str) -> list[str]:
        """Ids below ``ident``, each after its parent."""
        found: list[str] = []
        frontier = [ident]
        while frontier:
            children = sorted(g for g, body in groups.items() if self._parent_id(body) in frontier and g not in found)
            found.extend(children)
            frontier = children
        return found

    def _check(self, project: str, group: Raw, groups: dict[str, Raw], ident: str | None) -> None:
        """Validate the names, the filter and the parent; the parent is rewritten as its group's own name."""
        if not group.display_name:
            raise invalid_argument("Field group.displayName had an invalid value: A display name is required.")
        if not group.filter.strip():
            raise invalid_argument("Field group.filter had an invalid value: A filter is required.")
        api_filter(group.filter, "group.filter")
        if not group.parent_name:
            return
        parent_project, parent = self._split(group.parent_name, "group.parentName")
        if parent_project != project or parent not in groups:
            raise invalid_argument(
                f'Field group.parentName had an invalid value of "{group.parent_name}": The parent group does not '
                f"exist in project {project}."
            )
        if ident is not None and (parent == ident or parent in self._descendants(groups, ident)):
            raise invalid_argument(
                f'Field group.parentName had an invalid value of "{group.parent_name}": A group cannot be its own '
                "ancestor."
            )
        group.parent_name = groups[parent].name

    # --- methods -------------------------------------------------------------------------------------
    def create(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name, "name")
        group = _GROUP()
        group.CopyFrom(request.group)
        group.ClearField("name")
        with self._store.change() as change:
            self._check(project, group, self._groups(project), None)
            if request.validate_only:
                return group
            ident = new_id()
            group.name = f"projects/{project}/groups/{ident}"
            change.put_object(KIND, project, ident, group.SerializeToString())
        return group

    def get(self, request: Raw) -> Raw:
        project, ident = self._split(request.name)
        return self._load(project, ident)

    def list(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name, "name")
        which = request.WhichOneof("filter")
        groups = self._groups(project)
        if which is None:
            ids = sorted(groups)
        else:
            field = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), which)
            owner, ident = self._split(getattr(request, which), field)
            if owner != project or ident not in groups:
                ids = []
            elif which == "children_of_group":
                ids = sorted(g for g, body in groups.items() if self._parent_id(body) == ident)
            elif which == "ancestors_of_group":
                ids = self._ancestors(groups, ident)
            else:
                ids = self._descendants(groups, ident)
        chunk, token = page(ids, request.page_size, request.page_token, _DEFAULT_PAGE)
        response = group_service.ListGroupsResponse.pb()(next_page_token=token)
        response.group.extend(groups[ident] for ident in chunk)
        return response

    def update(self, request: Raw) -> Raw:
        project, ident = self._split(request.group.name, "group.name")
        with self._store.change() as change:
            stored = self._load(project, ident)
            updated = _GROUP()
            updated.CopyFrom(request.group)
            updated.name = stored.name
            self._check(project, updated, self._groups(project), ident)
            if not request.validate_only:
                change.put_object(KIND, project, ident, updated.SerializeToString())
        return updated

    def delete(self, request: Raw) -> Raw:
        project, ident = self._split(request.name)
        with self._store.change() as change:
            stored = self._load(project, ident)
            groups = self._groups(project)
            below = self._descendants(groups, ident)
            if below and not request.recursive:
                raise ApiError(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    f"The group {stored.name} has children; delete them first, or set recursive to delete the group "
                    "and all its descendants.",
                )
            for gone in [ident, *below]:
                change.delete_object(KIND, project, gone)
        return empty_pb2.Empty()

    def list_members(self, request: Raw) -> Raw:
        project, ident = self._split(request.name)
        wanted = api_filter(request.filter, "filter")
        with self._store.change():
            self._load(project, ident)
            groups = self._groups(project)
            filters = [_stored_filter(groups[g].filter) for g in [ident, *self._ancestors(groups, ident)]]
        members = [
            resource
            for resource in seen_resources(self._store, project, _interval(request))
            if wanted.matches(resource.resolve) and all(f.matches(resource.resolve) for f in filters)
        ]
        chunk, token = page(members, request.page_size, request.page_token, _DEFAULT_PAGE)
        response = group_service.ListGroupMembersResponse.pb()(next_page_token=token, total_size=len(members))
        response.members.extend(resource.pb() for resource in chunk)
        return response


def _stored_filter(text: str) -> Filter:
    """A stored group's filter (validated when it was stored)."""
    return api_filter(text, "group.filter")


def _interval(request: Raw) -> tuple[int, int] | None:
    if not request.HasField("interval"):
        return None
    end = timestamp_ns(request.interval.end_time)
    start = timestamp_ns(request.interval.start_time) if request.interval.HasField("start_time") else end
    if start > end:
        raise invalid_argument("Field interval had an invalid value: The start time must not be after the end time.")
    return start, end
