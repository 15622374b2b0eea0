"""The provisioning configuration: one optional TOML file plus the environment, validated before
any API call. Defaults give the seed document's numbers; secrets come only from the environment.

```toml
[alerts]
execution_time_s = 300        # critical: a pipeline run slower than this
success_rate = 0.85           # critical: share of successful runs below this
error_rate = 0.15             # warning: share of failed stage runs above this
resource_utilization = 0.80   # warning: cpu or memory above this
rate_window_s = 3600          # the window success and error rates are computed over
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

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["CHANNEL_KINDS", "SEVERITIES", "AlertSettings", "ChannelConfig", "ConfigError", "InfraConfig", "load_config"]

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
    execution_time_s: float = 300.0
    success_rate: float = 0.85
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
    bounds = {
        "execution_time_s": (1, 86_400),
        "success_rate": (0, 1),
        "error_rate": (0, 1),
        "resource_utilization": (0, 1),
        "rate_window_s": (60, 90_000),
        "auto_close_s": (1800, 7 * 24 * 3600),
        "info_auto_close_s": (1800, 7 * 24 * 3600),
        "backlog_age_s": (60, _RETENTION_S),
    }
    for name, value in raw.items():
        if name.endswith(("duration_s", "silence_s")):
            low, high = _ABSENCE_S if name.endswith("silence_s") else (0, 86_400)
            seconds = _number("alerts", name, value, low, high)
            if seconds % 60:
                raise ConfigError(f"alerts.{name} must be a whole number of minutes (a multiple of 60), got {value!r}")
            value = int(seconds)
        else:
            low, high = bounds[name]
            value = _number("alerts", name, value, low, high)
            if name.endswith("window_s") and value % 60:
                raise ConfigError(f"alerts.{name} must be a multiple of 60, got {value!r}")
        out = replace(out, **{name: type(getattr(out, name))(value)})  # the default's type: int or float
    return out


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
