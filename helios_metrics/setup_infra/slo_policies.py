"""The success SLO's burn-rate policies, pure: a fast-burn page (a total outage within 30 minutes),
a slow-burn page (a bleed, before a quarter of the budget is gone) and a ticket (a day burning
faster than the budget accrues), with the conditions and windows :mod:`helios_metrics.setup_infra.burn_rate`
derives from the objective and the store's volume, and a runbook that says what each measured.
"""

from __future__ import annotations

from collections.abc import Collection

from .burn_rate import burn_alerts, burn_conditions, span
from .config import InfraConfig
from .model import Resource
from .policy_parts import policy, runbook
from .slo_math import BurnAlert

__all__ = ["burn_rate_policies"]


def _burn_runbook(alert: BurnAlert, config: InfraConfig, what: str) -> str:
    a = config.alerts
    windows = f"over {span(alert.long.lookback_s)}"
    if alert.short is not None:
        windows += f" (and over the last {span(alert.short.lookback_s)})"
    return runbook(
        what,
        f"The pipeline's success SLO ({a.success_rate:.0%} of runs over {a.slo_period_days} days) is spending its "
        f"error budget {alert.long.burn:g} times faster than it accrues {windows}, with at least "
        f"{alert.min_failures} failed runs (every condition of this policy holds; the incident names the first).",
        [
            "Find the failing stage: Performance Intelligence → stage errors, grouped by stage.",
            "Read that stage's logs for the first error of the burst; check the external APIs it calls.",
            "Watch the SLO's remaining budget on Helios — Performance Intelligence (the success SLO row), or "
            "`python -m functions report`: it says how long until the budget is gone.",
            "Pause publication if failed designs could reach the store.",
        ],
    )


def burn_rate_policies(config: InfraConfig, configured: Collection[str]) -> list[Resource]:
    fast, slow, ticket = burn_alerts(config)
    goal = f"{config.alerts.success_rate:.0%}"
    return [
        policy(
            config,
            configured,
            fast.key,
            fast.severity,
            f"pipeline runs failing: {goal} SLO burning fast",
            burn_conditions(fast),
            _burn_runbook(fast, config, "Pipeline runs are all failing"),
        ),
        policy(
            config,
            configured,
            slow.key,
            slow.severity,
            f"pipeline runs failing: {goal} SLO burning steadily",
            burn_conditions(slow),
            _burn_runbook(slow, config, "Pipeline runs keep failing"),
        ),
        policy(
            config,
            configured,
            ticket.key,
            ticket.severity,
            f"pipeline runs failing: {goal} SLO over budget today",
            burn_conditions(ticket),
            _burn_runbook(ticket, config, "The day spent more than its share of the error budget"),
        ),
    ]
