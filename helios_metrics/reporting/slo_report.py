"""The pipeline's success SLO read back from Cloud Monitoring for the report: the SLO found by its
service and id, then its figures at one instant through the SLO time-series selectors — the same
numbers the dashboards chart and the burn-rate policies alert on, computed by Monitoring.

The SLO is the one ``python -m setup_infra apply`` creates (service ``helios-pipeline``, SLO
``run-success``); a project without it (or a role that may not read it) is stated and skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions
from google.api_core.retry import Retry
from google.type import calendar_period_pb2

from helios_metrics.contract.cli import command

from .error_budget import BurnWindow, SloReading, slo_figures

if TYPE_CHECKING:
    from google.cloud.monitoring_v3 import MetricServiceClient, ServiceMonitoringServiceClient

__all__ = ["BURN_WINDOWS_S", "SLO_ID", "SLO_SERVICE_ID", "SloReader"]

SLO_SERVICE_ID = "helios-pipeline"
SLO_ID = "run-success"
"""The ids setup_infra gives the pipeline's service and success SLO."""
BURN_WINDOWS_S = (3600, 6 * 3600)
"""The burns the report states: the last hour (what is happening) and the last six (whether it lasts)."""
_STEP_S = 60


def _period(slo: Any) -> str:
    """The period as read: "7 d rolling", "36 h rolling" or "calendar WEEK"."""
    if type(slo).pb(slo).WhichOneof("period") == "calendar_period":
        return f"calendar {calendar_period_pb2.CalendarPeriod.Name(int(slo.calendar_period))}"
    seconds = int(slo.rolling_period.total_seconds())
    return f"{seconds // 86400} d rolling" if seconds % 86400 == 0 else f"{seconds // 3600:g} h rolling"


class SloReader:
    """Reads the SLO ``service_id``/``slo_id`` of ``project`` through injected clients; the SLO
    client may be given as a factory so that it is built only when a report asks for it."""

    def __init__(
        self,
        project: str,
        metrics: MetricServiceClient,
        services: Callable[[], ServiceMonitoringServiceClient],
        retry: Retry,
        service_id: str = SLO_SERVICE_ID,
        slo_id: str = SLO_ID,
    ) -> None:
        self._project, self._metrics, self._services, self._retry = project, metrics, services, retry
        self._name = f"projects/{project}/services/{service_id}/serviceLevelObjectives/{slo_id}"
        self._key = f"{service_id}/{slo_id}"

    def _latest(self, selector: str, end: int, window_s: int = _STEP_S) -> dict[str, float]:
        """The selector's newest point in ``(end − window_s, end]``, per ``event_type`` label
        (``""`` for the single series the other selectors answer with); aligned over the whole
        window, so that ``select_slo_counts`` sums it."""
        request = {
            "name": f"projects/{self._project}",
            "filter": selector,
            "interval": {"start_time": {"seconds": end - window_s}, "end_time": {"seconds": end}},
            "aggregation": {
                "alignment_period": {"seconds": window_s},
                "per_series_aligner": "ALIGN_SUM" if "select_slo_counts" in selector else "ALIGN_NEXT_OLDER",
            },
        }
        found: dict[str, float] = {}
        for ts in self._metrics.list_time_series(request=request, retry=self._retry, timeout=30.0):
            if ts.points:
                value = ts.points[0].value  # newest first
                number = value.double_value if "double_value" in value else float(value.int64_value)
                found[ts.metric.labels.get("event_type", "")] = number
        return found

    def read(self, end: int) -> dict[str, Any]:
        """The SLO's part of the summary at ``end`` (epoch seconds): ``found`` False with the
        ``reason`` when there is nothing to read, else :func:`helios_metrics.reporting.error_budget.slo_figures`."""
        try:
            slo = self._services().get_service_level_objective(name=self._name, retry=self._retry, timeout=30.0)
        except exceptions.NotFound:
            return {
                "found": False,
                "reason": f"project {self._project} has no SLO {self._key} ({command('setup_infra')} apply creates it)",
            }
        except exceptions.PermissionDenied as err:
            return {"found": False, "reason": f"the SLO {self._key} cannot be read: {err.message}"}
        quoted = f'"{slo.name}"'
        compliance = self._latest(f"select_slo_compliance({quoted})", end).get("")
        fraction = self._latest(f"select_slo_budget_fraction({quoted})", end).get("", 1.0)
        remaining = self._latest(f"select_slo_budget({quoted})", end).get("", 0.0)
        total = self._latest(f"select_slo_budget_total({quoted})", end).get("", 0.0)
        burns = []
        for window in BURN_WINDOWS_S:
            rate = self._latest(f'select_slo_burn_rate({quoted}, "{window}s")', end).get("", 0.0)
            counts = self._latest(f"select_slo_counts({quoted})", end, window)
            burns.append(BurnWindow(window, rate, counts.get("good", 0.0) + counts.get("bad", 0.0)))
        reading = SloReading(
            slo.name, slo.display_name, slo.goal, _period(slo), compliance, fraction, remaining, total, burns
        )
        return slo_figures(reading)
