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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from contract.settings import Settings
from monitoring_emulator import Emulator, EmulatorConfig
from monitoring_emulator.admin import EmulatorAdmin
from monitoring_emulator.launch import MonitoringEmulatorProcess, start_monitoring_emulator

from .config import InfraConfig
from .engine import Infra
from .policies import GOOGLE_ONLY_KEYS, policies
from .scenarios import ACCEPTANCE, SCENARIOS, Scenario
from .slo_math import Objective, Volume

__all__ = ["PolicyMeasure", "ScenarioResult", "run_scenario"]

NS = 1_000_000_000
CHUNK_MINUTES = 24 * 60
"""A store scenario is written and evaluated a day at a time (Monitoring refuses points more than
25 hours old, and the collector's aggregation drops them)."""
_KINDS = ("metric_descriptor", "service", "slo", "alert_policy")


@dataclass(frozen=True)
class PolicyMeasure:
    """What one policy did in a scenario. An *episode* is a stretch of minutes with at least one of
    the policy's incidents open (a policy of several conditions opens one per condition); for a
    critical policy an episode is a page. Times are minutes; ``None`` when it did not happen."""

    key: str
    severity: str
    episodes: tuple[tuple[int, int | None], ...]
    """(first minute open, minute closed — None when still open at the end)."""
    incidents: int
    during_fault: int = 0
    """Episodes opened while the fault lasted."""
    already_open: bool = False
    """An episode was open when the fault began (opened by something before it)."""
    after_fault: float | None = None
    """From the fault's start to the first episode opened at or after it."""
    after_first_failure: float | None = None
    """From the end of the fault's first failed run (30 s into its minute) to that episode."""
    closed_after_fault: float | None = None
    """From the fault's end to the close of the episode open at its start, or else of the first
    opened after it (negative: it closed while the fault lasted)."""
    budget_spent: float | None = None
    """The share of the period's error budget the fault's failed runs had spent when it opened."""

    @property
    def open_at_end(self) -> bool:
        return any(closed is None for _, closed in self.episodes)

    def line(self) -> str:
        if not self.episodes:
            return f"{self.key} ({self.severity}): quiet"
        noun = "page" if self.severity == "critical" else "incident"
        parts = [f"{len(self.episodes)} {noun}{'s' if len(self.episodes) != 1 else ''}"]
        if self.already_open:
            parts.append("already open when the fault began")
        if self.during_fault:
            parts.append(f"{self.during_fault} opened during the fault")
        if self.after_fault is not None:
            parts.append(f"first {self.after_fault:g} min after the fault began")
            if self.after_first_failure is not None:
                parts.append(f"{self.after_first_failure:g} min after its first failed run")
            if self.budget_spent is not None:
                parts.append(f"{self.budget_spent:.1%} of the budget spent")
            if self.closed_after_fault is not None:
                parts.append(f"closed {self.closed_after_fault:+g} min after the fault ended")
        if self.open_at_end:
            parts.append("open at the end")
        return f"{self.key} ({self.severity}): " + ", ".join(parts)


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    incidents: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]]
    """policy key -> (minutes its episodes opened at, minutes they closed at)."""
    measures: Mapping[str, PolicyMeasure]
    verdicts: Mapping[str, bool]
    """A store scenario's acceptance (see :data:`~setup_infra.scenarios.ACCEPTANCE`) -> met."""

    def verdicts_for(self, keys: Collection[str]) -> dict[str, bool]:
        """The acceptance judged on the policies ``keys`` only (e.g. the default mode's, in a run of
        mode "both")."""
        return _verdicts(self.scenario, {k: m for k, m in self.measures.items() if k in keys})

    @property
    def matches_expected(self) -> bool:
        if self.scenario.traffic is not None:
            return all(self.verdicts.values())
        return all(self.incidents[key] == self.scenario.expected.get(key, ((), ())) for key in self.incidents)

    def lines(self) -> list[str]:
        out = [f"scenario {self.scenario.name}: {self.scenario.description}"]
        if self.scenario.traffic is not None:
            out += [f"  {m.line()}" for m in self.measures.values() if m.episodes or m.severity != "info"]
            out += [f"  {'met' if ok else 'NOT met'}: {ACCEPTANCE[name]}" for name, ok in self.verdicts.items()]
            return out
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


def _instant(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS, UTC).isoformat().replace("+00:00", "Z")


class _Writer:
    """The collector's aggregation and writer for one scenario: one instance (its lanes and
    running totals carry over from one chunk of traffic to the next)."""

    def __init__(self, settings: Settings) -> None:
        from contract.clients import ClientFactory
        from functions.timeseries import LaneBook, ResourceIdentity
        from functions.writer import MonitoringWriter

        self._lanes, self._resource = LaneBook(), ResourceIdentity("test-alerts")
        self._writer = MonitoringWriter(ClientFactory(settings).metric_service(), settings.require_project())

    def write(
        self, events: Sequence[tuple[int, tuple[Any, ...]]], heartbeats: Sequence[int], base: int, now: int
    ) -> None:
        """Events and heartbeats of the given minutes (30 s into each), aggregated at ``now``."""
        from contract.wire import MetricEvent, PipelineEvent, StageEvent
        from functions.aggregate import AggregationLimits, WindowAggregator
        from functions.timeseries import heartbeat, to_series_points

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


def _evaluations(result: Mapping[str, Any], project: str, base: int) -> list[tuple[str, str, int, int | None]]:
    """(policy key, incident id, minute opened, minute closed) of each incident a call reports."""
    out = []
    for state in ("opened", "closed"):
        for incident in result[state]:
            if incident["scoping_project_id"] != project:
                continue
            start = (incident["started_at"] * NS - base) // (60 * NS)
            end = None if incident.get("ended_at") is None else (incident["ended_at"] * NS - base) // (60 * NS)
            out.append((incident["policy_user_labels"]["helios_key"], incident["incident_id"], start, end))
    return out


def _replay_minutes(admin: EmulatorAdmin, project: str, base: int, first: int, last: int) -> list[Any]:
    """Evaluate minutes ``first``..``last`` of the scenario (one range call)."""
    result = admin.evaluate_range(_instant(base + first * 60 * NS), _instant(base + last * 60 * NS), "60s", project)
    return _evaluations(result, project, base)


def _episodes(spans: Sequence[tuple[int, int | None]]) -> tuple[tuple[int, int | None], ...]:
    """Merge incidents' (open, close) minutes into stretches with at least one open."""
    out: list[tuple[int, int | None]] = []
    for start, end in sorted(spans, key=lambda s: s[0]):
        if out and (out[-1][1] is None or start <= out[-1][1]):
            last_end = out[-1][1]
            out[-1] = (out[-1][0], None if last_end is None or end is None else max(last_end, end))
        else:
            out.append((start, end))
    return tuple(out)


def _measure(
    scenario: Scenario, config: InfraConfig, severities: Mapping[str, str], spans: Mapping[str, list[Any]]
) -> dict[str, PolicyMeasure]:
    fault, traffic = scenario.fault, scenario.traffic
    runs = traffic.runs() if traffic is not None else []
    a = config.alerts
    budget_runs = Objective(a.success_rate, a.slo_period_days * 86_400).budget_runs(Volume(a.runs_per_hour))
    out = {}
    for key, severity in severities.items():
        episodes = _episodes(spans.get(key, []))
        measure = PolicyMeasure(key, severity, episodes, len(spans.get(key, [])))
        if fault is not None:
            began, ended = fault.start - 1, fault.end - 1  # minute m's runs end 30 s into it: after m - 1
            during = sum(1 for o, _ in episodes if began <= o < ended)
            open_then = [(o, c) for o, c in episodes if o < began and (c is None or c > began)]
            after = [(o, c) for o, c in episodes if o >= began]
            measure = replace(measure, during_fault=during, already_open=bool(open_then))
            covering = open_then or after
            if covering and covering[0][1] is not None:
                measure = replace(measure, closed_after_fault=covering[0][1] - ended)
            if after:
                opened = after[0][0]
                failed = [m for m, f in runs if f and fault.start <= m < min(fault.end, opened + 1)]
                first_failed = next((m for m, f in runs if f and fault.start <= m < fault.end), None)
                measure = replace(
                    measure,
                    after_fault=opened - began,
                    after_first_failure=None if first_failed is None else opened - first_failed + 0.5,
                    budget_spent=len(failed) / budget_runs,
                )
        out[key] = measure
    return out


def _verdicts(scenario: Scenario, measures: Mapping[str, PolicyMeasure]) -> dict[str, bool]:
    critical = [m for m in measures.values() if m.severity == "critical"]
    checks = {
        "no-page": lambda: not any(m.episodes for m in critical),
        "page-within-30-min": lambda: any(
            m.after_first_failure is not None and m.after_first_failure <= 30 for m in critical
        ),
        "page-before-quarter-budget": lambda: any(
            m.budget_spent is not None and m.budget_spent < 0.25 for m in critical
        ),
        "no-slo-page": lambda: not any(m.episodes for m in critical if m.key.startswith("slo-")),
        "all-close": lambda: not any(m.open_at_end for m in measures.values() if m.severity != "info"),
    }
    return {name: checks[name]() for name in scenario.acceptance}


def _provision(settings: Settings, config: InfraConfig) -> None:
    infra = Infra(settings, config, kinds=_KINDS)
    infra.apply(infra.plan(), report=lambda line: None)


def _result(
    scenario: Scenario, config: InfraConfig, severities: Mapping[str, str], found: Sequence[Any]
) -> ScenarioResult:
    spans: dict[str, dict[str, tuple[int, int | None]]] = {}
    for key, ident, start, end in found:
        known = spans.setdefault(key, {}).get(ident)
        spans[key][ident] = (start, end if end is not None else (known[1] if known else None))
    by_key = {key: list(spans.get(key, {}).values()) for key in severities}
    measures = _measure(scenario, config, severities, by_key)
    incidents = {
        key: (tuple(o for o, _ in m.episodes), tuple(c for _, c in m.episodes if c is not None))
        for key, m in measures.items()
    }
    verdicts = _verdicts(scenario, measures) if scenario.traffic is not None else {}
    return ScenarioResult(scenario, incidents, measures, verdicts)


def _run_minutes(scenario: Scenario, config: InfraConfig, emulator: MonitoringEmulatorProcess) -> list[Any]:
    project = f"helios-alert-test-{secrets.token_hex(4)}"
    settings = Settings(project_id=project, monitoring_emulator_host=emulator.address)
    _provision(settings, config)
    now = time.time_ns()
    base = (now - (scenario.minutes + 15) * 60 * NS) // (60 * NS) * 60 * NS
    _Writer(settings).write(scenario.events(), scenario.heartbeats(scenario.minutes), base, now)
    return _replay_minutes(emulator.admin, project, base, 1, scenario.minutes)


def _run_store(scenario: Scenario, config: InfraConfig) -> list[Any]:
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
        found: list[Any] = []
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
        return _result(scenario, quiet, severities, _run_store(scenario, quiet))
    own = emulator is None
    emulator = emulator or start_monitoring_emulator(extra_args=("--evaluate-every", "0"))
    try:
        return _result(scenario, quiet, severities, _run_minutes(scenario, quiet, emulator))
    finally:
        if own:
            emulator.stop()
