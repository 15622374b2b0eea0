"""What the configured alert policies would have done with a scenario's traffic, replayed in a
throwaway Monitoring emulator: the runner behind ``python -m setup_infra test-alerts``.

from helios_metrics.alert_scenarios import run_scenario
result = run_scenario("slow-runs")          # the default configuration's policies
assert result.matches_expected

It builds on provisioning (the policies ``apply`` would create), the collector's aggregation and
writer, and the emulator; provisioning never imports it at import time. Names load on first use,
so the scenarios themselves (:mod:`helios_metrics.alert_scenarios.scenarios`) can be read without the emulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helios_metrics.contract.lazy import lazy_exports

if TYPE_CHECKING:
    from .measure import PolicyMeasure, ScenarioResult
    from .model import Fault, Scenario, Traffic
    from .runner import run_scenario
    from .scenarios import SCENARIOS

__all__ = ["SCENARIOS", "Fault", "PolicyMeasure", "Scenario", "ScenarioResult", "Traffic", "run_scenario"]

_HOMES = {
    "SCENARIOS": ".scenarios",
    "Fault": ".model",
    "PolicyMeasure": ".measure",
    "Scenario": ".model",
    "ScenarioResult": ".measure",
    "Traffic": ".model",
    "run_scenario": ".runner",
}

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
