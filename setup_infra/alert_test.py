"""``python -m setup_infra test-alerts SCENARIO``: what the configured alert policies would have
done with a scenario's traffic — in a throwaway Monitoring emulator, replayed minute by minute.

The scenario's events go through the collector's own aggregation and writer, with the heartbeats
of the runs the scenario's collector completes; the policies are the ones ``apply`` would create
(from the same configuration, without channels, so nothing is notified), and evaluation runs at
each minute of the scenario. Policies on Google's own metrics (the subscription backlog) are
created too — the emulator accepts them as Google does — but have no data here and stay quiet.
From pytest::

    result = run_scenario("slow-runs")
    assert result.matches_expected
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from contract.settings import Settings
from monitoring_emulator.admin import EmulatorAdmin
from monitoring_emulator.launch import MonitoringEmulatorProcess, start_monitoring_emulator

from .config import InfraConfig
from .engine import Infra
from .policies import GOOGLE_ONLY_KEYS, POLICY_KEYS
from .scenarios import SCENARIOS, Scenario

__all__ = ["ScenarioResult", "run_scenario"]

NS = 1_000_000_000


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    incidents: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]]
    """policy key -> (minutes it opened at, minutes it closed at)."""

    @property
    def matches_expected(self) -> bool:
        return all(self.incidents[key] == self.scenario.expected.get(key, ((), ())) for key in self.incidents)

    def lines(self) -> list[str]:
        out = [f"scenario {self.scenario.name}: {self.scenario.description}"]
        for key, (opened, closed) in self.incidents.items():
            expected = self.scenario.expected.get(key, ((), ()))
            mark = (
                "as expected"
                if (opened, closed) == expected
                else f"expected opened {list(expected[0])} closed {list(expected[1])}"
            )
            what = f"opened at minute {list(opened)}, closed at minute {list(closed)}" if opened or closed else "quiet"
            where = "; Google Cloud only: no data here" if key in GOOGLE_ONLY_KEYS else ""
            out.append(f"  {key}: {what} ({mark}{where})")
        return out


def _write(settings: Settings, scenario: Scenario, base_ns: int) -> None:
    """The scenario's events, aggregated and written exactly as the collector does it, and the
    heartbeats of its collector's runs (30 s into each minute it completes one)."""
    from contract.clients import ClientFactory
    from contract.wire import MetricEvent, PipelineEvent, StageEvent
    from functions.aggregate import AggregationLimits, WindowAggregator
    from functions.timeseries import LaneBook, ResourceIdentity, heartbeat, to_series_points
    from functions.writer import MonitoringWriter

    aggregator = WindowAggregator(AggregationLimits(), time.time_ns())
    events = []
    for minute, (tag, *fields) in scenario.events():
        t = base_ns + (minute - 1) * 60 * NS + 30 * NS
        kind = {"p": PipelineEvent, "s": StageEvent, "m": MetricEvent}[tag]
        events.append(kind(t, *fields))
    aggregator.add_message(events)
    lanes, resource = LaneBook(), ResourceIdentity("test-alerts")
    points = to_series_points(aggregator.points(), lanes, resource)
    for minute in scenario.heartbeats(scenario.minutes):
        points.append(heartbeat(base_ns + (minute - 1) * 60 * NS + 30 * NS, lanes, resource))
    writer = MonitoringWriter(ClientFactory(settings).metric_service(), settings.require_project())
    report = writer.write(points, time.monotonic() + 60)
    if report.transient or report.permanent:
        raise RuntimeError(f"the scenario's points were not written: {(report.transient or report.permanent)[0][1]}")


def _replay(
    admin: EmulatorAdmin, project: str, scenario: Scenario, base_ns: int
) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    opened: dict[str, list[int]] = {key: [] for key in POLICY_KEYS}
    closed: dict[str, list[int]] = {key: [] for key in POLICY_KEYS}
    for minute in range(1, scenario.minutes + 1):
        instant = datetime.fromtimestamp((base_ns + minute * 60 * NS) / NS, UTC).isoformat().replace("+00:00", "Z")
        result = admin.evaluate(instant, project)
        for state, found in (("opened", opened), ("closed", closed)):
            for incident in result[state]:
                if incident["scoping_project_id"] == project:
                    found[incident["policy_user_labels"]["helios_key"]].append(minute)
    return {key: (tuple(opened[key]), tuple(closed[key])) for key in POLICY_KEYS}


def run_scenario(
    name: str, config: InfraConfig | None = None, emulator: MonitoringEmulatorProcess | None = None
) -> ScenarioResult:
    """Run one scenario against the policies ``config`` (default: the defaults) describes, in a
    throwaway emulator — or in ``emulator`` (one that evaluates only on demand), in a project of its own."""
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise KeyError(f"no scenario {name!r}; the scenarios are {', '.join(SCENARIOS)}")
    quiet = replace(config or InfraConfig(), channels=())
    own = emulator is None
    emulator = emulator or start_monitoring_emulator(extra_args=("--evaluate-every", "0"))
    try:
        project = f"helios-alert-test-{secrets.token_hex(4)}"
        settings = Settings(project_id=project, monitoring_emulator_host=emulator.address)
        infra = Infra(settings, quiet, kinds=("metric_descriptor", "alert_policy"))
        infra.apply(infra.plan(), report=lambda line: None)
        now = time.time_ns()
        base = (now - (scenario.minutes + 15) * 60 * NS) // (60 * NS) * 60 * NS
        _write(settings, scenario, base)
        return ScenarioResult(scenario, _replay(emulator.admin, project, scenario, base))
    finally:
        if own:
            emulator.stop()
