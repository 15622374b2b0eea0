"""Reconcile: read what exists, plan against the desired state, apply the plan in dependency order.

Nothing destructive happens implicitly. :meth:`Infra.plan` keeps every managed notification channel
this environment does not configure (and the policies keep routing to it); :meth:`Infra.apply`
creates and updates but deletes only when the caller passes ``allow_delete=True`` — which the
command line does after the user confirmed at a terminal or gave ``--yes``; and
:meth:`Infra.destroy_plan` keeps the metric descriptors (deleting one deletes its time series)
unless asked for ``delete_data``, and then says how many series each delete loses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from helios_metrics.contract.cli import command
from helios_metrics.contract.clients import ClientFactory
from helios_metrics.contract.settings import Settings

from .adapters import Adapters, canonical, resolve
from .config import InfraConfig
from .desired import desired_state
from .model import KINDS, MANAGED_BY, Change, Plan, Resource
from .planner import plan

__all__ = ["DATA_LOOKBACK_DAYS", "Infra"]

DATA_LOOKBACK_DAYS = 760
"""How far back a destroy counts the time series it would delete: longer than the 24 months Cloud
Monitoring keeps user-defined metrics' data, so every series that still has a point is counted."""
_CHANNEL_VARIABLES = {
    "email": "HELIOS_ALERT_EMAIL",
    "sms": "HELIOS_ALERT_SMS",
    "slack": "HELIOS_SLACK_CHANNEL/HELIOS_SLACK_TOKEN",
    "pagerduty": "HELIOS_PAGERDUTY_SERVICE_KEY",
    "webhook": "HELIOS_ALERT_WEBHOOK_URL",
}
_PUBSUB = ("topic", "subscription")


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

    def desired(self, kept: Sequence[Resource] = ()) -> list[Resource]:
        """The desired state; ``kept``: existing channels to keep as they are (see :meth:`plan`)."""
        return [canonical(r) for r in desired_state(self.settings, self.config, kept) if r.kind in self.kinds]

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

    def plan(self, *, prune_channels: bool = False) -> Plan:
        """What :meth:`apply` would do to reach the desired state.

        A managed notification channel that this environment does not configure (its
        ``HELIOS_ALERT_*`` variables are unset here) is kept as it is and the policies keep routing
        to it, with a note; ``prune_channels=True`` plans its deletion instead (the policies then
        stop routing to it first)."""
        actual = self.actual()
        configured = {c.kind for c in self.config.channels}
        unconfigured = [r for r in actual if r.kind == "notification_channel" and r.key not in configured]
        kept = [] if prune_channels else unconfigured
        notes = [
            f"channel {r.key}: not configured in this environment"
            + (f" ({_CHANNEL_VARIABLES[r.key]} unset)" if r.key in _CHANNEL_VARIABLES else "")
            + ", kept (apply --prune-channels deletes it)"
            for r in kept
        ]
        frozen, why = self.adapters.cannot_update()  # the servers at hand's: see the Pub/Sub adapters
        return plan(self.desired(kept), actual, notes=notes, frozen=frozen, frozen_reason=why)

    def destroy_plan(self, *, delete_data: bool = False) -> Plan:
        """Deleting what setup_infra manages (and nothing else: topics and subscriptions without its
        ``managed_by`` label were not made by it and are kept).

        The metric descriptors are kept unless ``delete_data``: deleting a descriptor deletes its
        time series. With ``delete_data`` each descriptor's delete says how many series it loses,
        counted with ListTimeSeries (HEADERS view) over the last :data:`DATA_LOOKBACK_DAYS` days."""
        actual, notes = [], []
        for resource in self.actual():
            if (
                resource.kind in _PUBSUB
                and resource.body.get("labels", {}).get("managed_by") != MANAGED_BY["managed_by"]
            ):
                notes.append(f"{resource.label}: not labelled managed_by={MANAGED_BY['managed_by']}, kept")
            else:
                actual.append(resource)
        descriptors = [r for r in actual if r.kind == "metric_descriptor"]
        if descriptors and not delete_data:
            actual = [r for r in actual if r.kind != "metric_descriptor"]
            notes.append(
                f"{len(descriptors)} metric descriptors kept, and with them their data (deleting a descriptor "
                "deletes its time series): destroy --delete-data deletes them"
            )
        planned = plan([], actual, notes=notes)
        if not (descriptors and delete_data):
            return planned
        end = int(time.time()) + 60
        changes = []
        lost = 0
        for change in planned.changes:
            if change.kind == "metric_descriptor":
                count = self.adapters.count_series(change.key, end - DATA_LOOKBACK_DAYS * 86_400, end)
                lost += count
                consequence = f"deletes its {count} time series (counted over the last {DATA_LOOKBACK_DAYS} days)"
                change = replace(change, consequence=consequence)
            changes.append(change)
        note = f"deleting the metric descriptors deletes {lost} time series with all their points"
        return Plan(tuple(changes), (*planned.notes, note))

    def apply(self, to_apply: Plan, report: Callable[[str], None] = print, *, allow_delete: bool = False) -> None:
        """Carry out ``to_apply``; references are resolved as the resources they name come to exist
        (the plan's order: a service before its SLOs, an SLO before the policies and dashboards whose
        filters name it — its real name replaces the quoted ``ref:slo/…`` — and deletes the other way).

        Creates and updates always; deletes only with ``allow_delete=True`` (the command line passes
        it once the user confirmed or gave ``--yes``). Without it every delete is skipped and
        reported as ``kept <kind> <key>: …``, so code that provisions (the facade's
        ``setup_monitoring_infrastructure``) can never remove alerting or data."""
        names = {(r.kind, r.key): r.name for r in self.actual() if r.name}
        for change in to_apply.changes:
            if change.action == "delete" and not allow_delete:
                report(
                    f"kept {change.kind} {change.key}: code never deletes; `{command('setup_infra')} apply` asks first"
                )
                continue
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
