"""What the policies did in a scenario, from the incidents the replay found: per policy, its
episodes and, for a store scenario, the times from the fault to the first page and to the close
and the share of the error budget spent by then (:class:`PolicyMeasure`); the whole run as a
:class:`ScenarioResult`, judged against the scenario's hand-worked minutes or its acceptance."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from helios_metrics.setup_infra.config import InfraConfig
from helios_metrics.setup_infra.policies import GOOGLE_ONLY_KEYS
from helios_metrics.setup_infra.slo_math import Objective, Volume

from .model import ACCEPTANCE, Scenario

__all__ = ["Incident", "PolicyMeasure", "ScenarioResult", "scenario_result"]

Incident = tuple[str, str, int, int | None]
"""(policy key, incident id, minute opened, minute closed — None while open), as a replay reports it."""


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
    """A store scenario's acceptance (see :data:`~helios_metrics.alert_scenarios.model.ACCEPTANCE`) -> met."""

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


def scenario_result(
    scenario: Scenario, config: InfraConfig, severities: Mapping[str, str], found: Sequence[Incident]
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
