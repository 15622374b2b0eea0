"""``google.monitoring.v3.AlertPolicyService``: policies validated as the API validates them
(:mod:`._policy_checks`) and returned as the server returns them — ids assigned, names under the
project id the caller used (conditions and channels too), defaults filled in (``enabled``, a
trigger of one series, the documentation's mime type, change records).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from google.cloud.monitoring_v3.types import alert, alert_service
from google.protobuf import empty_pb2

from ._errors import invalid_argument
from ._filters import api_filter
from ._masks import apply_mask
from ._objects import Projects, new_id, page
from ._policy_checks import Describe, describer, validate
from ._raw import Raw
from ._store import Store
from ._timeutil import set_timestamp

__all__ = ["SERVICE", "AlertPolicyService", "Describe", "describer"]

SERVICE = "google.monitoring.v3.AlertPolicyService"
KIND = "alert_policy"
_POLICY = alert.AlertPolicy.pb()
_EDITOR = "helios-emulator@localhost"


class AlertPolicyService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(
        self,
        store: Store,
        projects: Projects,
        channel_exists: Callable[[str, str], bool],
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._store, self._projects, self._clock = store, projects, clock
        self._channel_exists = channel_exists  # (project, channel name) -> bool

    def handlers(self) -> dict[str, tuple[Callable[[Raw], Raw], Any, Any]]:
        s = alert_service
        return {
            "ListAlertPolicies": (self.list, s.ListAlertPoliciesRequest.pb(), s.ListAlertPoliciesResponse.pb()),
            "GetAlertPolicy": (self.get, s.GetAlertPolicyRequest.pb(), _POLICY),
            "CreateAlertPolicy": (self.create, s.CreateAlertPolicyRequest.pb(), _POLICY),
            "UpdateAlertPolicy": (self.update, s.UpdateAlertPolicyRequest.pb(), _POLICY),
            "DeleteAlertPolicy": (self.delete, s.DeleteAlertPolicyRequest.pb(), empty_pb2.Empty),
        }

    # --- shared with the notification channel service and the evaluator ---------------------
    def policies(self, project: str) -> list[Raw]:
        return [self._named(_POLICY.FromString(body)) for _, body in self._store.list_objects(KIND, project)]

    def channel_users(self, project: str, channel_id: str) -> list[str]:
        """The names of the project's policies that notify the channel."""
        return [
            p.name for p in self.policies(project) if any(c.endswith(f"/{channel_id}") for c in p.notification_channels)
        ]

    def drop_channel(self, project: str, channel_id: str) -> None:
        """A channel deleted with ``force``: the policies naming it no longer do."""
        with self._store.change() as change:
            for ident, body in self._store.list_objects(KIND, project):
                policy = _POLICY.FromString(body)
                kept = [
                    c for c in policy.notification_channels if not c.endswith(f"/notificationChannels/{channel_id}")
                ]
                if len(kept) != len(policy.notification_channels):
                    del policy.notification_channels[:]
                    policy.notification_channels.extend(kept)
                    change.put_object(KIND, project, ident, policy.SerializeToString())

    # --- methods ------------------------------------------------------------------------------
    def list(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name)
        found = self.policies(project)
        if request.filter:
            parsed = api_filter(request.filter)
            found = [p for p in found if parsed.matches(_resolver(p))]
        chunk, token = page(found, request.page_size, request.page_token, 1000)
        response = alert_service.ListAlertPoliciesResponse.pb()(next_page_token=token, total_size=len(found))
        response.alert_policies.extend(chunk)
        return response

    def get(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "alertPolicies", "ALERT_POLICY")
        return self._named(_POLICY.FromString(self._projects.load(KIND, project, ident, "alert policy")))

    def create(self, request: Raw) -> Raw:
        project = self._projects.parent(request.name)
        policy = _POLICY()
        policy.CopyFrom(request.alert_policy)
        if policy.name:  # Google's words
            raise invalid_argument(f"Cannot set 'name' when creating alert policy. Tried to set to '{policy.name}'.")
        policy.name = self._projects.name(project, "alertPolicies", new_id())
        self._complete(project, policy, None)
        return self._save(project, policy)

    def update(self, request: Raw) -> Raw:
        supplied = request.alert_policy
        project, ident = self._projects.split(supplied.name, "alertPolicies", "ALERT_POLICY")
        with self._store.change():
            body = self._store.get_object(KIND, project, ident)
            if body is None:  # INVALID_ARGUMENT, not NOT_FOUND: what Google answers (its samples catch both)
                raise invalid_argument(
                    f'Field alert_policy.name had an invalid value of "{supplied.name}": The alert policy does not '
                    f"exist in project {project}."
                )
            stored = self._named(_POLICY.FromString(body))
            if request.update_mask.paths:
                policy = _POLICY()
                policy.CopyFrom(stored)
                apply_mask(policy, supplied, request.update_mask.paths, "AlertPolicy")
            else:
                policy = _POLICY()
                policy.CopyFrom(supplied)  # an empty mask replaces the whole policy
            policy.name = stored.name
            self._complete(project, policy, stored)
            return self._save(project, policy)

    def delete(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "alertPolicies", "ALERT_POLICY")
        with self._store.change() as change:
            self._projects.load(KIND, project, ident, "alert policy")
            change.delete_object(KIND, project, ident)
        return empty_pb2.Empty()

    # --- helpers ------------------------------------------------------------------------------
    def _complete(self, project: str, policy: Raw, stored: Raw | None) -> None:
        """Validate, then fill in what the server fills in."""
        canonical = self._projects.canonical
        validate(
            policy, lambda channel: self._channel_exists(project, channel), describer(self._store, project), canonical
        )
        known = {c.name for c in stored.conditions} if stored is not None else set()
        for condition in policy.conditions:
            if canonical(condition.name) in known:  # named by id or number: the same condition
                condition.name = canonical(condition.name)
            else:  # a new or unnamed condition gets a new id
                condition.name = f"{policy.name}/conditions/{new_id()}"
            which = condition.WhichOneof("condition")
            if which in ("condition_threshold", "condition_absent"):
                body = getattr(condition, which)
                if body.trigger.WhichOneof("type") is None:
                    body.trigger.count = 1
        if not policy.HasField("enabled"):
            policy.enabled.value = True
        if policy.documentation.content and not policy.documentation.mime_type:
            policy.documentation.mime_type = "text/markdown"
        self._named(policy)
        now = self._clock()
        if stored is not None:
            policy.creation_record.CopyFrom(stored.creation_record)
        else:
            set_timestamp(policy.creation_record.mutate_time, now)
            policy.creation_record.mutated_by = _EDITOR
        set_timestamp(policy.mutation_record.mutate_time, now)
        policy.mutation_record.mutated_by = _EDITOR

    def _named(self, policy: Raw) -> Raw:
        """Every name in ``policy`` as the server returns it, whichever project form the caller
        wrote (or an older version stored): the policy's, its conditions' and its channels'."""
        canonical = self._projects.canonical
        policy.name = canonical(policy.name)
        for condition in policy.conditions:
            condition.name = canonical(condition.name)
        _rename(policy.notification_channels, canonical)
        for strategy in policy.alert_strategy.notification_channel_strategy:
            _rename(strategy.notification_channel_names, canonical)
        return policy

    def _save(self, project: str, policy: Raw) -> Raw:
        ident = policy.name.rsplit("/", 1)[1]
        with self._store.change() as change:
            change.put_object(KIND, project, ident, policy.SerializeToString())
        return policy


def _rename(names: Any, canonical: Callable[[str], str]) -> None:
    renamed = [canonical(name) for name in names]
    del names[:]
    names.extend(renamed)


def _resolver(policy: Raw) -> Callable[[str], str | None]:
    """Answer list-filter selectors (``display_name``, ``user_labels.K``, ``name``, ``enabled``) for a policy."""

    def resolve(selector: str) -> str | None:
        if selector.startswith(("user_labels.", "user_label.")):
            return policy.user_labels.get(selector.split(".", 1)[1])
        if selector == "display_name":
            return str(policy.display_name)
        if selector == "name":
            return str(policy.name)
        if selector == "enabled":
            return "true" if policy.enabled.value else "false"
        return None

    return resolve
