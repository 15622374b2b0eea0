"""Reconcile: read what exists, plan against the desired state, apply the plan in dependency order."""

from __future__ import annotations

from collections.abc import Callable, Collection

from contract.clients import ClientFactory
from contract.settings import Settings

from .adapters import Adapters, canonical, resolve
from .config import InfraConfig
from .desired import desired_state
from .model import KINDS, Change, Plan, Resource
from .planner import plan

__all__ = ["Infra"]

_EMULATOR_IGNORES = {
    "topic": ("labels",),
    "subscription": ("labels", "dead_letter_policy", "message_retention_duration"),
}
_EMULATOR_NOTE = (
    "the Pub/Sub emulator keeps no labels, dead-letter policies or retention settings, so those fields of "
    "topics and subscriptions are set but not compared here; against real Pub/Sub they are"
)


class Infra:
    """The managed infrastructure of one project: its desired state, what exists, and the way between."""

    def __init__(
        self,
        settings: Settings,
        config: InfraConfig,
        factory: ClientFactory | None = None,
        kinds: Collection[str] = KINDS,
    ) -> None:
        """``kinds``: manage only these (e.g. policies without Pub/Sub, for ``test-alerts``)."""
        self.settings, self.config, self.kinds = settings, config, frozenset(kinds)
        self.adapters = Adapters(settings, factory)
        self._ignored = _EMULATOR_IGNORES if settings.pubsub_emulator_host else {}
        self._notes = (_EMULATOR_NOTE,) if settings.pubsub_emulator_host else ()

    def desired(self) -> list[Resource]:
        return [canonical(r) for r in desired_state(self.settings, self.config) if r.kind in self.kinds]

    def actual(self) -> list[Resource]:
        project = self.settings.require_project()
        names = {
            "topic": [self.settings.topic_path, self.settings.dead_letter_topic_path],
            "subscription": [
                self.settings.subscription_path,
                f"projects/{project}/subscriptions/{self.settings.dead_letter_topic}-sub",
            ],
        }
        return [r for r in self.adapters.read(names, self.kinds) if r.kind in self.kinds]

    def plan(self) -> Plan:
        return plan(self.desired(), self.actual(), self._ignored, self._notes)

    def destroy_plan(self) -> Plan:
        """Deleting everything setup_infra manages (and nothing else)."""
        return plan([], self.actual(), notes=self._notes)

    def apply(self, to_apply: Plan, report: Callable[[str], None] = print) -> None:
        """Carry out ``to_apply``; references are resolved as the resources they name come to exist."""
        names = {(r.kind, r.key): r.name for r in self.actual() if r.name}
        for change in to_apply.changes:
            self._apply_one(change, names)
            report(f"{change.action}d {change.kind} {change.key}")

    def _apply_one(self, change: Change, names: dict[tuple[str, str], str]) -> None:
        if change.action == "delete":
            assert change.actual is not None
            self.adapters.delete(change.actual)
            names.pop((change.kind, change.key), None)
            return
        assert change.desired is not None
        body = resolve(dict(change.desired.body), names)
        if change.action == "create":
            names[(change.kind, change.key)] = self.adapters.create(change.kind, change.key, body)
        else:
            assert change.actual is not None
            self.adapters.update(change.actual, body, change.fields)
