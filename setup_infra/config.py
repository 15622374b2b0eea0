"""The provisioning configuration: one optional TOML file plus the environment, validated before
any API call. Defaults give the Helios monitoring design's numbers; secrets come only from the environment.

```toml
[alerts]
mode = "slo"                  # run success alerting: "slo" (burn rates), "static" (the design's
                              # success and stage error rates), or "both"
success_rate = 0.85           # the SLO's objective (slo) / the success-rate threshold (static)
slo_period_days = 7           # the SLO's rolling period, 1 to 30 days
runs_per_hour = 5             # the store's volume, from which the burn-rate windows are derived
healthy_success_rate = 0.92   # the share of runs a healthy day completes (above success_rate)
page_within_s = 1800          # a total outage pages within this of its first failed run
slow_burn_window_s = 43200    # the slow-burn page's window (12 h)
ticket_window_s = 86400       # the ticket's window (24 h)
renotify_s = 3600             # critical incidents notify again while open this long (0: never)
forecast_horizon_s = 3600     # warning: resource utilization forecast above its threshold this far
                              # ahead (1 to 60 h; 0: no forecast policy)
runbook_url = ""              # a page of runbooks: each policy links to it (#its key); empty: none
execution_time_s = 300        # critical: a pipeline run slower than this
error_rate = 0.15             # warning (static): share of failed stage runs above this
resource_utilization = 0.80   # warning: cpu or memory above this
rate_window_s = 3600          # the window success and error rates are computed over (static)
critical_duration_s = 0       # how long a condition must hold before it opens an incident
warning_duration_s = 300
info_duration_s = 0
auto_close_s = 604800         # open incidents close after this long without data (info: 1800)
collector_silence_s = 600     # critical: no completed collector run (heartbeat) for this long
pipeline_silence_s = 3600     # critical: no pipeline run recorded for this long
backlog_age_s = 600           # critical, Google Cloud only: oldest unacked message of the
                              # collector's subscription older than this

[channels]                    # each channel also from the environment; the environment wins
email = "oncall@example.com"  # HELIOS_ALERT_EMAIL
sms = "+15551234567"          # HELIOS_ALERT_SMS
slack_channel = "#helios"     # HELIOS_SLACK_CHANNEL (+ HELIOS_SLACK_TOKEN, never in the file)
webhook_url = "https://…"     # HELIOS_ALERT_WEBHOOK_URL (+ HELIOS_ALERT_WEBHOOK_USER / _PASSWORD)
                              # pagerduty: HELIOS_PAGERDUTY_SERVICE_KEY only

[routing]                     # which channels each severity notifies
critical = ["pagerduty", "sms", "email", "slack", "webhook"]
warning = ["email", "slack", "webhook"]
info = ["slack", "webhook"]

[names]
prefix = "Helios"             # display names start with it
```
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = [
    "ALERT_MODES",
    "CHANNEL_KINDS",
    "SEVERITIES",
    "AlertSettings",
    "ChannelConfig",
    "ConfigError",
    "InfraConfig",
    "load_config",
]

ALERT_MODES = ("slo", "static", "both")
CHANNEL_KINDS = ("email", "sms", "slack", "pagerduty", "webhook")
SEVERITIES = ("critical", "warning", "info")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ABSENCE_S = (120, 84_600)  # Cloud Monitoring's bounds for an absence condition: 2 minutes to 23.5 hours
_RETENTION_S = 7 * 24 * 3600  # the subscription keeps messages 7 days: no older one can be waiting


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


def _number(section: str, name: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{section}.{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return value


def _alerts(raw: Mapping[str, Any]) -> AlertSettings:
    known = {f.name for f in fields(AlertSettings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"alerts.{unknown[0]} is not a setting; the settings are {', '.join(sorted(known))}")
    out = AlertSettings()
    bounds: dict[str, tuple[float, float]] = {
        "execution_time_s": (1, 86_400),
        "success_rate": (0, 1),
        "error_rate": (0, 1),
        "resource_utilization": (0, 1),
        "rate_window_s": (60, 90_000),
        "auto_close_s": (1800, 7 * 24 * 3600),
        "info_auto_close_s": (1800, 7 * 24 * 3600),
        "backlog_age_s": (60, _RETENTION_S),
        "slo_period_days": (1, 30),  # Google: a rolling period of whole days, 1 to 30
        "runs_per_hour": (0.1, 3600),
        "healthy_success_rate": (0, 1),
        "page_within_s": (600, 86_400),
        # a window and its retest window (2 h slow, 1 h ticket) stay within the 25 h Monitoring accepts
        "slow_burn_window_s": (3600, 23 * 3600),
        "ticket_window_s": (3600, 24 * 3600),
    }
    for name, given in raw.items():
        value: Any = given
        if name in ("mode", "runbook_url"):
            value = _text(name, value)
        elif name.endswith(("duration_s", "silence_s")):
            low, high = _ABSENCE_S if name.endswith("silence_s") else (0, 86_400)
            seconds = _number("alerts", name, value, low, high)
            if seconds % 60:
                raise ConfigError(f"alerts.{name} must be a whole number of minutes (a multiple of 60), got {value!r}")
            value = int(seconds)
        elif name in ("renotify_s", "forecast_horizon_s"):
            value = _optional_span(name, value)
        else:
            least, most = bounds[name]
            value = _number("alerts", name, value, least, most)
            if name.endswith(("window_s", "within_s")) and value % 60:
                raise ConfigError(f"alerts.{name} must be a multiple of 60, got {value!r}")
            if name == "slo_period_days" and value != int(value):
                raise ConfigError(f"alerts.slo_period_days must be a whole number of days, got {value!r}")
        out = replace(out, **{name: type(getattr(out, name))(value)})  # the default's type: int, float or str
    _check_slo(out)
    return out


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"alerts.{name} must be a string, got {value!r}")
    if name == "mode" and value not in ALERT_MODES:
        raise ConfigError(f"alerts.mode must be one of {', '.join(ALERT_MODES)}, got {value!r}")
    if name == "runbook_url" and value and not re.fullmatch(r"https?://[^\s/]+\S*", value):
        raise ConfigError(f"alerts.runbook_url must be an http(s) URL (or empty for none), got {value!r}")
    if name == "runbook_url" and "#" in value:
        raise ConfigError(f"alerts.runbook_url must not have a #fragment (each policy adds its own), got {value!r}")
    return value


_OPTIONAL_SPANS = {"renotify_s": (1800, 86_400), "forecast_horizon_s": (3600, 216_000)}
"""0 turns the feature off; otherwise a whole number of minutes within these bounds: a reminder at
most every half hour and at least daily; Google's forecast horizon of 1 to 60 hours."""


def _optional_span(name: str, value: Any) -> int:
    low, high = _OPTIONAL_SPANS[name]
    if value == 0 and not isinstance(value, bool):
        return 0
    seconds = _number("alerts", name, value, low, high)
    if seconds % 60:
        raise ConfigError(f"alerts.{name} must be a whole number of minutes (a multiple of 60), got {value!r}")
    return int(seconds)


def _check_slo(alerts: AlertSettings) -> None:
    """What the SLO (created in every mode) and its burn-rate windows need of the settings together."""
    if not 0 < alerts.success_rate <= 0.9999:
        raise ConfigError(
            f"alerts.success_rate is the SLO's goal: more than 0 and at most 0.9999, got {alerts.success_rate!r}"
        )
    if not alerts.success_rate < alerts.healthy_success_rate < 1:
        raise ConfigError(
            f"alerts.healthy_success_rate must be above alerts.success_rate ({alerts.success_rate:g}) and below 1 "
            f"(a healthy day meets the objective), got {alerts.healthy_success_rate!r}"
        )
    interval = 3600 / alerts.runs_per_hour
    if alerts.page_within_s < 7 * interval / 6 + 120:
        raise ConfigError(
            f"alerts.page_within_s must leave room for two runs at {alerts.runs_per_hour:g} runs an hour "
            f"(at least {math.ceil((7 * interval / 6 + 120) / 60) * 60} s), got {alerts.page_within_s!r}"
        )
    period = alerts.slo_period_days * 86_400
    for name in ("slow_burn_window_s", "ticket_window_s"):
        window = getattr(alerts, name)
        if window > period:
            raise ConfigError(f"alerts.{name} ({window} s) must not exceed the SLO's period ({period} s)")
        if window < 3 * interval:
            raise ConfigError(
                f"alerts.{name} must hold at least 3 runs at {alerts.runs_per_hour:g} runs an hour "
                f"({math.ceil(3 * interval / 60) * 60} s), got {window!r}"
            )


def _channels(raw: Mapping[str, Any], env: Mapping[str, str]) -> tuple[ChannelConfig, ...]:
    allowed = {"email", "sms", "slack_channel", "webhook_url", "webhook_user"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        secret = unknown[0] in ("slack_token", "pagerduty_service_key", "webhook_password")
        hint = " (secrets come only from the environment)" if secret else f"; the keys are {', '.join(sorted(allowed))}"
        raise ConfigError(f"channels.{unknown[0]} is not allowed in the file{hint}")

    def value(key: str, variable: str) -> str:
        found = env.get(variable) or raw.get(key) or ""
        if not isinstance(found, str):
            raise ConfigError(f"channels.{key} must be a string, got {found!r}")
        return found.strip()

    out: list[ChannelConfig] = []
    email = value("email", "HELIOS_ALERT_EMAIL")
    if email:
        if not _EMAIL.fullmatch(email):
            raise ConfigError(f"HELIOS_ALERT_EMAIL (channels.email) is not an email address: {email!r}")
        out.append(ChannelConfig("email", {"email_address": email}))
    sms = value("sms", "HELIOS_ALERT_SMS")
    if sms:
        if not _E164.fullmatch(sms):
            raise ConfigError(f"HELIOS_ALERT_SMS (channels.sms) must be an E.164 number such as +15551234567: {sms!r}")
        out.append(ChannelConfig("sms", {"number": sms}))
    slack, token = value("slack_channel", "HELIOS_SLACK_CHANNEL"), env.get("HELIOS_SLACK_TOKEN", "").strip()
    if slack or token:
        if not (slack and token):
            missing = "HELIOS_SLACK_TOKEN" if slack else "HELIOS_SLACK_CHANNEL"
            raise ConfigError(
                f"a Slack channel needs both HELIOS_SLACK_CHANNEL and HELIOS_SLACK_TOKEN; {missing} is unset"
            )
        out.append(ChannelConfig("slack", {"channel_name": slack}, {"auth_token": token}))
    pagerduty = env.get("HELIOS_PAGERDUTY_SERVICE_KEY", "").strip()
    if pagerduty:
        out.append(ChannelConfig("pagerduty", {}, {"service_key": pagerduty}))
    url = value("webhook_url", "HELIOS_ALERT_WEBHOOK_URL")
    user, password = value("webhook_user", "HELIOS_ALERT_WEBHOOK_USER"), env.get("HELIOS_ALERT_WEBHOOK_PASSWORD", "")
    if url:
        if not re.match(r"https?://[^\s/]+", url):
            raise ConfigError(f"HELIOS_ALERT_WEBHOOK_URL (channels.webhook_url) must be an http(s) URL: {url!r}")
        if bool(user) != bool(password):
            raise ConfigError("basic auth needs both HELIOS_ALERT_WEBHOOK_USER and HELIOS_ALERT_WEBHOOK_PASSWORD")
        if user:
            out.append(ChannelConfig("webhook", {"url": url, "username": user}, {"password": password}))
        else:
            out.append(ChannelConfig("webhook", {"url": url}))
    elif user or password:
        raise ConfigError("HELIOS_ALERT_WEBHOOK_USER/_PASSWORD are set but HELIOS_ALERT_WEBHOOK_URL is not")
    return tuple(out)


def _routing(raw: Mapping[str, Any], default: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out = dict(default)
    for severity, kinds in raw.items():
        if severity not in SEVERITIES:
            raise ConfigError(f"routing.{severity} is not a severity; they are {', '.join(SEVERITIES)}")
        if not isinstance(kinds, list) or any(k not in CHANNEL_KINDS for k in kinds):
            raise ConfigError(f"routing.{severity} must be a list of {', '.join(CHANNEL_KINDS)}, got {kinds!r}")
        out[severity] = tuple(kinds)
    return out


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> InfraConfig:
    """The configuration from ``path`` (optional) and ``env`` (default ``os.environ``)."""
    source = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text())
        except OSError as err:
            raise ConfigError(f"cannot read the configuration file {path}: {err.strerror}") from err
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{path} is not valid TOML: {err}") from err
    unknown = sorted(set(raw) - {"alerts", "channels", "routing", "names"})
    if unknown:
        raise ConfigError(f"[{unknown[0]}] is not a section; the sections are alerts, channels, routing, names")
    default = InfraConfig()
    prefix = raw.get("names", {}).get("prefix", default.prefix)
    if not isinstance(prefix, str) or not 1 <= len(prefix) <= 64:
        raise ConfigError(f"names.prefix must be a string of 1 to 64 characters, got {prefix!r}")
    return InfraConfig(
        alerts=_alerts(raw.get("alerts", {})),
        channels=_channels(raw.get("channels", {}), source),
        routing=_routing(raw.get("routing", {}), default.routing),
        prefix=prefix,
        fingerprint_key=source.get("HELIOS_FINGERPRINT_KEY", ""),
    )
