"""``python -m setup_infra test-alerts SCENARIO``: what the configured alert policies would have
done with a scenario's traffic — in a throwaway Monitoring emulator, replayed minute by minute.

The scenario's events go through the collector's own aggregation and writer, with the heartbeats
of the runs the scenario's collector completes; the policies (and the service and SLO they watch)
are the ones ``apply`` would create (from the same configuration, without channels, so nothing is
notified), and evaluation runs at each minute of the scenario. Policies on Google's own metrics
(the subscription backlog) are created too — the emulator accepts them as Google does — but have
no data here and stay quiet.

A store scenario spans up to a week, longer than Monitoring's 25 hours of writable past: it runs
in an emulator of its own whose clock the replay moves, writing each day of traffic as the
collector would have written it by the day's end, and evaluating that day's minutes in one range
call (``POST /admin/alerts/evaluate {"from", "to", "step"}``). What it
measures per policy — incidents, time from the fault to the first, time to close — is
:class:`PolicyMeasure`. From pytest::

    result = run_scenario("slow-runs")
    assert result.matches_expected
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from helios_metrics.contract.settings import Settings
from helios_metrics.contract.units import NS
from helios_metrics.monitoring_emulator import Emulator, EmulatorConfig
from helios_metrics.monitoring_emulator.admin import EmulatorAdmin
from helios_metrics.monitoring_emulator.launch import MonitoringEmulatorProcess, start_monitoring_emulator
from helios_metrics.setup_infra.config import InfraConfig
from helios_metrics.setup_infra.engine import Infra
from helios_metrics.setup_infra.policies import policies

from .measure import Incident, ScenarioResult, scenario_result
from .model import EventAt, Scenario
from .scenarios import SCENARIOS

__all__ = ["run_scenario"]

CHUNK_MINUTES = 24 * 60
"""A store scenario is written and evaluated a day at a time (Monitoring refuses points more than
25 hours old, and the collector's aggregation drops them)."""
_KINDS = ("metric_descriptor", "service", "slo", "alert_policy")


def _instant(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS, UTC).isoformat().replace("+00:00", "Z")


class _Writer:
    """The collector's aggregation and writer for one scenario: one instance (its lanes and
    running totals carry over from one chunk of traffic to the next)."""

    def __init__(self, settings: Settings) -> None:
        from helios_metrics.contract.clients import ClientFactory
        from helios_metrics.functions.timeseries import LaneBook, ResourceIdentity
        from helios_metrics.functions.writer import MonitoringWriter

        self._lanes, self._resource = LaneBook(), ResourceIdentity("test-alerts")
        self._writer = MonitoringWriter(ClientFactory(settings).metric_service(), settings.require_project())

    def write(self, events: Sequence[EventAt], heartbeats: Sequence[int], base: int, now: int) -> None:
        """Events and heartbeats of the given minutes (30 s into each), aggregated at ``now``."""
        from helios_metrics.contract.wire import MetricEvent, PipelineEvent, StageEvent
        from helios_metrics.functions.aggregate import AggregationLimits, WindowAggregator
        from helios_metrics.functions.timeseries import heartbeat, to_series_points

        aggregator = WindowAggregator(AggregationLimits(), now)
        kinds = {"p": PipelineEvent, "s": StageEvent, "m": MetricEvent}
        aggregator.add_message(
            [kinds[tag](base + (m - 1) * 60 * NS + 30 * NS, *fields) for m, (tag, *fields) in events]
        )
        points = to_series_points(aggregator.points(), self._lanes, self._resource, now)
        for minute in heartbeats:
            points.append(heartbeat(base + (minute - 1) * 60 * NS + 30 * NS, self._lanes, self._resource))
        report = self._writer.write(points, time.monotonic() + 60)
        if report.transient or report.permanent:
            raise RuntimeError(
                f"the scenario's points were not written: {(report.transient or report.permanent)[0][1]}"
            )


class _Clock:
    def __init__(self, ns: int) -> None:
        self.ns = ns

    def __call__(self) -> int:
        return self.ns


def _evaluations(result: Mapping[str, Any], project: str, base: int) -> list[Incident]:
    """(policy key, incident id, minute opened, minute closed) of each incident a call reports."""
    out: list[Incident] = []
    for state in ("opened", "closed"):
        for incident in result[state]:
            if incident["scoping_project_id"] != project:
                continue
            start = (incident["started_at"] * NS - base) // (60 * NS)
            end = None if incident.get("ended_at") is None else (incident["ended_at"] * NS - base) // (60 * NS)
            out.append((incident["policy_user_labels"]["helios_key"], incident["incident_id"], start, end))
    return out


def _replay_minutes(admin: EmulatorAdmin, project: str, base: int, first: int, last: int) -> list[Incident]:
    """Evaluate minutes ``first``..``last`` of the scenario (one range call)."""
    result = admin.evaluate_range(_instant(base + first * 60 * NS), _instant(base + last * 60 * NS), "60s", project)
    return _evaluations(result, project, base)


def _provision(settings: Settings, config: InfraConfig) -> None:
    infra = Infra(settings, config, kinds=_KINDS)
    infra.apply(infra.plan(), report=lambda line: None)


def _run_minutes(scenario: Scenario, config: InfraConfig, emulator: MonitoringEmulatorProcess) -> list[Incident]:
    project = f"helios-alert-test-{secrets.token_hex(4)}"
    settings = Settings(project_id=project, monitoring_emulator_host=emulator.address)
    _provision(settings, config)
    now = time.time_ns()
    base = (now - (scenario.minutes + 15) * 60 * NS) // (60 * NS) * 60 * NS
    _Writer(settings).write(scenario.events(), scenario.heartbeats(scenario.minutes), base, now)
    return _replay_minutes(emulator.admin, project, base, 1, scenario.minutes)


def _run_store(scenario: Scenario, config: InfraConfig) -> list[Incident]:
    """Write and evaluate a day at a time, the emulator's clock at the end of each."""
    minutes = scenario.minutes
    base = (time.time_ns() - (minutes + 15) * 60 * NS) // (60 * NS) * 60 * NS
    clock = _Clock(base)
    emulator = Emulator(EmulatorConfig(port=0, http_port=0, evaluate_every_s=0), clock=clock)
    emulator.start()
    try:
        project = f"helios-alert-test-{secrets.token_hex(4)}"
        settings = Settings(project_id=project, monitoring_emulator_host=emulator.address)
        _provision(settings, config)
        writer, admin = _Writer(settings), EmulatorAdmin(emulator.http_url, timeout=600)
        events, beats = scenario.events(), scenario.heartbeats(minutes)
        found: list[Incident] = []
        for first in range(1, minutes + 1, CHUNK_MINUTES):
            last = min(minutes, first + CHUNK_MINUTES - 1)
            clock.ns = base + last * 60 * NS
            chunk = [(m, e) for m, e in events if first <= m <= last]
            writer.write(chunk, [m for m in beats if first <= m <= last], base, clock.ns)
            found += _replay_minutes(admin, project, base, first, last)
        return found
    finally:
        emulator.stop()


def run_scenario(
    name: str, config: InfraConfig | None = None, emulator: MonitoringEmulatorProcess | None = None
) -> ScenarioResult:
    """Run one scenario against the policies ``config`` (default: the defaults) describes, in a
    throwaway emulator — or, for a minute scenario, in ``emulator`` (one that evaluates only on
    demand), in a project of its own."""
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise KeyError(f"no scenario {name!r}; the scenarios are {', '.join(SCENARIOS)}")
    quiet = replace(config or InfraConfig(), channels=())
    severities = {r.key: r.body["user_labels"]["severity"] for r in policies(quiet, set())}
    if scenario.traffic is not None:
        return scenario_result(scenario, quiet, severities, _run_store(scenario, quiet))
    own = emulator is None
    emulator = emulator or start_monitoring_emulator(extra_args=("--evaluate-every", "0"))
    try:
        return scenario_result(scenario, quiet, severities, _run_minutes(scenario, quiet, emulator))
    finally:
        if own:
            emulator.stop()
