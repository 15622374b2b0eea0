"""``CloudMonitoringDashboard`` as the Helios monitoring design's API reference lists it, over
``setup_infra``'s engine: each method plans the whole desired state, keeps only its part and
applies that — idempotent (a second call changes nothing), never deleting (as
``PerformanceMonitor.setup_monitoring_infrastructure``), and limited to its part:

- ``setup_custom_metrics``: the metric descriptors only;
- ``create_helios_dashboard`` / ``create_performance_dashboard``: that one dashboard, with what
  its widgets name when it does not exist yet (the performance dashboard's alert charts and
  incident list name alert policies, which bring theirs);
- ``create_alerting_policies``: the alert policies with what they stand on — the notification
  channels they route to, the pipeline's service and its success SLO (the burn-rate policies
  watch it), and the descriptors of the metrics they read (Google refuses a policy on a metric
  type it does not know);
- ``setup_complete_monitoring``: everything, as ``python -m setup_infra apply --yes`` does
  (the Pub/Sub topics and subscription too).

Each returns the lines of what it changed. An alias over the real code, not a second
implementation: plans, names and refusals are setup_infra's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

from helios_metrics.contract import Settings
from helios_metrics.contract.preflight import require_services
from helios_metrics.setup_infra import Infra, Plan, load_config
from helios_metrics.setup_infra.dashboards import DASHBOARD_IDS
from helios_metrics.setup_infra.model import Change, ref_target, replace_embedded_refs

__all__ = ["CloudMonitoringDashboard"]

_Part = Callable[[Change], bool]
_READ_METRICS = ("alert_policy", "slo")
"""Kinds Google refuses while a metric type they read is unknown: they bring the descriptors."""


def _kinds(*kinds: str) -> _Part:
    return lambda change: change.kind in kinds


def _dashboard(key: str) -> _Part:
    return lambda change: change.kind == "dashboard" and change.key == key


def _references(value: Any) -> Iterator[tuple[str, str]]:
    """Every ``(kind, key)`` a desired body refers to, whole (``ref:kind/key``) or quoted in a filter."""
    if isinstance(value, str):
        target = ref_target(value)
        if target is not None:
            yield target
        found: list[tuple[str, str]] = []

        def note(kind: str, key: str) -> str:
            found.append((kind, key))
            return ""

        replace_embedded_refs(value, note)
        yield from found
    elif isinstance(value, dict):
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _references(item)


def _with_dependencies(changes: tuple[Change, ...], part: _Part) -> tuple[Change, ...]:
    """The changes of ``part`` and, transitively, the changes creating what they refer to, in plan order."""
    by_id = {(c.kind, c.key): c for c in changes}
    descriptors = [target for target in by_id if target[0] == "metric_descriptor"]
    chosen = {(c.kind, c.key) for c in changes if part(c)}
    todo = list(chosen)
    while todo:
        change = by_id[todo.pop()]
        needs = list(_references(change.desired.body if change.desired else {}))
        if change.kind in _READ_METRICS:
            needs += descriptors
        if change.kind == "slo":  # its key is <service id>/<slo id>: it lives under its service
            needs.append(("service", change.key.split("/", 1)[0]))
        for target in needs:
            if target in by_id and target not in chosen:
                chosen.add(target)
                todo.append(target)
    return tuple(c for c in changes if (c.kind, c.key) in chosen)


class CloudMonitoringDashboard:
    """``dashboard = CloudMonitoringDashboard(config)``; ``await dashboard.setup_complete_monitoring()``.

    ``config``: ``helios.config.load_config()``'s settings, or None for the environment's;
    ``infra_config``: setup_infra's TOML file (thresholds, channels), default none."""

    def __init__(self, config: Settings | None = None, infra_config: str | None = None) -> None:
        self.settings = config if config is not None else Settings.from_env()
        self.infra_config = infra_config

    async def setup_complete_monitoring(self) -> list[str]:
        return await self._apply(lambda change: True)

    async def create_helios_dashboard(self) -> list[str]:
        return await self._apply(_dashboard(DASHBOARD_IDS[0]))

    async def create_performance_dashboard(self) -> list[str]:
        return await self._apply(_dashboard(DASHBOARD_IDS[1]))

    async def setup_custom_metrics(self) -> list[str]:
        return await self._apply(_kinds("metric_descriptor"))

    async def create_alerting_policies(self) -> list[str]:
        return await self._apply(_kinds("notification_channel", "service", "slo", "alert_policy"))

    async def _apply(self, part: _Part) -> list[str]:
        def apply() -> list[str]:
            require_services(self.settings, "pubsub", "monitoring")
            infra = Infra(self.settings, load_config(self.infra_config))
            planned = infra.plan()
            done: list[str] = []
            infra.apply(Plan(_with_dependencies(planned.changes, part), planned.notes), report=done.append)
            return done

        return await asyncio.to_thread(apply)
