"""The provisioning configuration's values: the alert settings with the Helios monitoring design's
defaults, the configured channels, routing by severity, and the error that names a bad field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ALERT_MODES", "CHANNEL_KINDS", "SEVERITIES", "AlertSettings", "ChannelConfig", "ConfigError", "InfraConfig"]

ALERT_MODES = ("slo", "static", "both")
CHANNEL_KINDS = ("email", "sms", "slack", "pagerduty", "webhook")
SEVERITIES = ("critical", "warning", "info")


class ConfigError(ValueError):
    """The configuration is invalid; the message names the field (or variable) and why."""


@dataclass(frozen=True)
class AlertSettings:
    mode: str = "slo"
    """How run success is alerted on. "slo": the success SLO's burn-rate pages and ticket, right at
    any volume; "static": the design's success-rate page and stage error-rate warning, thresholds on
    an hour's ratio (at five runs an hour one failed run is 20 %: they page on a healthy day); "both",
    to compare them side by side."""
    success_rate: float = 0.85
    slo_period_days: int = 7
    """A week: the store's traffic repeats weekly, and 840 runs make its budget (126 failed runs) a
    figure a single outage visibly moves (10 runs, 8 %) while a healthy week spends about half."""
    runs_per_hour: float = 5.0
    healthy_success_rate: float = 0.92
    page_within_s: int = 1800
    slow_burn_window_s: int = 12 * 3600
    ticket_window_s: int = 24 * 3600
    renotify_s: int = 3600
    """An open page notifies again every hour until it closes (critical channels only)."""
    forecast_horizon_s: int = 3600
    """Warn when utilization is forecast above its threshold within the hour: a horizon the
    forecast's two-horizon training history (2 h) covers early in a run's day."""
    runbook_url: str = ""
    execution_time_s: float = 300.0
    error_rate: float = 0.15
    resource_utilization: float = 0.80
    rate_window_s: int = 3600
    critical_duration_s: int = 0
    warning_duration_s: int = 300
    info_duration_s: int = 0
    auto_close_s: int = 7 * 24 * 3600
    info_auto_close_s: int = 1800
    collector_silence_s: int = 600
    """The collector runs every minute: ten missed runs in a row is an outage, not a slow start or
    a blip of Pub/Sub (whose failed runs the next ones make up for)."""
    pipeline_silence_s: int = 3600
    """The store records a run about every 12 minutes: an hour without one is five missed runs."""
    backlog_age_s: int = 600
    """A healthy collector acknowledges within a minute or two of publication; ten minutes means
    it is not draining, whatever its own metrics say (Pub/Sub measures this, not the collector)."""


@dataclass(frozen=True)
class ChannelConfig:
    """One configured channel: its kind, its plain labels and its secret labels (environment only)."""

    kind: str
    labels: Mapping[str, str]
    secrets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InfraConfig:
    alerts: AlertSettings = AlertSettings()
    channels: tuple[ChannelConfig, ...] = ()
    routing: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "critical": ("pagerduty", "sms", "email", "slack", "webhook"),
            "warning": ("email", "slack", "webhook"),
            "info": ("slack", "webhook"),
        }
    )
    prefix: str = "Helios"
    fingerprint_key: str = ""
    """Key of the secret fingerprints (``HELIOS_FINGERPRINT_KEY``); empty: the project id."""

    def channel(self, kind: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.kind == kind), None)
