"""The pipeline's success SLO as Cloud Monitoring resources, and the conditions of its burn-rate
policies — pure, from the configuration and :mod:`helios_metrics.setup_infra.slo_math`.

The SLO is request-based: good runs / all runs of the collector's CUMULATIVE ``pipeline_run_count``
(good: ``status = "success"``), with the configured success rate as its goal over a rolling period.
Each burn-rate alert becomes conditions ANDed in one policy:

- ``select_slo_burn_rate(<the SLO>, <window>)`` above the alert's burn rate, over its long window
  and, for the slow page, a short one (failures still arriving faster than the budget allows);
- at least the alert's number of failed runs over the long window — over one more run interval for
  the fast page, which jittered runs would otherwise leave one short during an outage
  (``pipeline_run_count`` with ``status = "failure"``, ALIGN_DELTA, summed): a burn rate over few
  runs is noise — two runs in a window, both failed, are the highest burn rate there is.

Every condition is held for the alert's retest window and treats missing data as not met
(``EVALUATION_MISSING_DATA_INACTIVE``). The collector writes run counts in pairs (a zero for the
status without runs), so whenever a window had runs its burn rate and failed-run count are
measured; a window without any run has neither, and the incident closes instead of waiting, open,
for data that will not come (a pipeline that stopped pages as such).
"""

from __future__ import annotations

from typing import Any

from helios_metrics.contract.catalog import spec

from .config import InfraConfig
from .model import MANAGED_BY, Resource, ref
from .slo_math import DAY, BurnAlert, Objective, Volume, Window, derive

__all__ = [
    "SERVICE_ID",
    "SLO_ID",
    "SLO_REF",
    "burn_alerts",
    "burn_conditions",
    "objective",
    "service_resources",
    "span",
    "volume",
]

SERVICE_ID = "helios-pipeline"
SLO_ID = "run-success"
SLO_REF = ref("slo", f"{SERVICE_ID}/{SLO_ID}")
_RUNS = "pipeline_run_count"


def span(seconds: float) -> str:
    """600 → "10 min", 3600 → "1 h", 5400 → "1 h 30 min", 2160 → "36 min", 90 → "90 s"."""
    seconds = int(seconds)
    if seconds % 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


def objective(config: InfraConfig) -> Objective:
    return Objective(config.alerts.success_rate, config.alerts.slo_period_days * DAY)


def volume(config: InfraConfig) -> Volume:
    a = config.alerts
    return Volume(a.runs_per_hour, round(1 - a.healthy_success_rate, 6))


def burn_alerts(config: InfraConfig) -> tuple[BurnAlert, BurnAlert, BurnAlert]:
    """The fast page, the slow page and the ticket the configuration derives."""
    a = config.alerts
    return derive(objective(config), volume(config), a.page_within_s, a.slow_burn_window_s, a.ticket_window_s)


def _runs_filter(**labels: str) -> str:
    parts = [f'metric.type = "{spec(_RUNS).type}"', 'resource.type = "generic_task"']
    parts += [f'metric.labels.{key} = "{value}"' for key, value in labels.items()]
    return " AND ".join(parts)


def service_resources(config: InfraConfig) -> list[Resource]:
    """The custom service and its request-based SLO (``objective`` over ``slo_period_days``)."""
    goal, days = config.alerts.success_rate, config.alerts.slo_period_days
    service = {
        "display_name": "Helios pipeline",
        "custom": {},
        "user_labels": {**MANAGED_BY, "helios_key": SERVICE_ID},
    }
    slo = {
        "display_name": f"{goal * 100:.4g} % of pipeline runs succeed over {days} day{'s' if days != 1 else ''}",
        "goal": goal,
        "rolling_period": f"{days * DAY}s",
        "service_level_indicator": {
            "request_based": {
                "good_total_ratio": {
                    "good_service_filter": _runs_filter(status="success"),
                    "total_service_filter": _runs_filter(),
                }
            }
        },
        "user_labels": {**MANAGED_BY, "helios_key": SLO_ID},
    }
    return [Resource("service", SERVICE_ID, service), Resource("slo", f"{SERVICE_ID}/{SLO_ID}", slo)]


def _held(body: dict[str, Any], retest_s: int) -> dict[str, Any]:
    return {
        **body,
        "comparison": "COMPARISON_GT",
        "duration": f"{retest_s}s",
        "trigger": {"count": 1},
        "evaluation_missing_data": "EVALUATION_MISSING_DATA_INACTIVE",
    }


def _burn(window: Window, retest_s: int) -> dict[str, Any]:
    return {
        "display_name": f"burn rate over {span(window.lookback_s)} > {window.burn:g}",
        "condition_threshold": _held(
            {
                "filter": f'select_slo_burn_rate("{SLO_REF}", "{window.lookback_s}s")',
                "threshold_value": window.burn,
            },
            retest_s,
        ),
    }


def _failed_runs(window_s: int, at_least: int, retest_s: int) -> dict[str, Any]:
    return {
        "display_name": f"at least {at_least} failed runs in {span(window_s)}",
        "condition_threshold": _held(
            {
                "filter": _runs_filter(status="failure"),
                "aggregations": [
                    {
                        "alignment_period": f"{window_s}s",
                        "per_series_aligner": "ALIGN_DELTA",
                        "cross_series_reducer": "REDUCE_SUM",
                        "group_by_fields": [],
                    }
                ],
                "threshold_value": at_least - 1,  # counts are whole: above k - 1 is at least k
            },
            retest_s,
        ),
    }


def burn_conditions(alert: BurnAlert) -> list[dict[str, Any]]:
    """The alert's conditions, to be ANDed: the long window's burn rate, its failed runs, and the
    short window's burn rate when it has one."""
    conditions = [
        _burn(alert.long, alert.retest_s),
        _failed_runs(alert.count_window, alert.min_failures, alert.retest_s),
    ]
    if alert.short is not None:
        conditions.append(_burn(alert.short, alert.retest_s))
    return conditions
