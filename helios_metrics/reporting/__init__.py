"""The performance report: a window of the store's metrics read back from Cloud Monitoring, the
summary and analysis worked out from it (trends, forecast, optimization triggers, the success
SLO's error budget), as JSON or as text — ``python -m helios_metrics.reporting`` (also ``python -m functions
report``), the ``performance_report`` function, and ``PerformanceMonitor``'s analysis methods.

A package of its own because the collector never uses it: it reads what the collector wrote (and
writes the forecast through the collector's writer), so it imports ``functions``, never the other
way. Names load on first use, so importing the pure analysis loads no Google client library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helios_metrics.contract.lazy import lazy_exports

if TYPE_CHECKING:
    from .analysis import AnalysisThresholds, analyze, summarize
    from .report import PerformanceReporter, http_report, parse_flag, parse_window
    from .text import report_lines
    from .wiring import build_reporter

__all__ = [
    "AnalysisThresholds",
    "PerformanceReporter",
    "analyze",
    "build_reporter",
    "http_report",
    "parse_flag",
    "parse_window",
    "report_lines",
    "summarize",
]

_HOMES = {
    "AnalysisThresholds": ".analysis",
    "analyze": ".analysis",
    "summarize": ".analysis",
    "PerformanceReporter": ".report",
    "http_report": ".report",
    "parse_flag": ".report",
    "parse_window": ".report",
    "report_lines": ".text",
    "build_reporter": ".wiring",
}

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
