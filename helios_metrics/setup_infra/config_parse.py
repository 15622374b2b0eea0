"""Reading the provisioning configuration's sections, each checked before any API call: every
setting in its bounds (Google's, or what the SLO's windows need of each other), channels from the
file and the environment (the environment wins; secrets only from it), routing by severity. Each
error names the field or variable and why."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from .config_model import ALERT_MODES, CHANNEL_KINDS, SEVERITIES, AlertSettings, ChannelConfig, ConfigError

__all__ = ["parse_alerts", "parse_channels", "parse_routing"]

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ABSENCE_S = (120, 84_600)  # Cloud Monitoring's bounds for an absence condition: 2 minutes to 23.5 hours
_RETENTION_S = 7 * 24 * 3600  # the subscription keeps messages 7 days: no older one can be waiting


def _number(section: str, name: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{section}.{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return value


def parse_alerts(raw: Mapping[str, Any]) -> AlertSettings:
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


def parse_channels(raw: Mapping[str, Any], env: Mapping[str, str]) -> tuple[ChannelConfig, ...]:
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


def parse_routing(raw: Mapping[str, Any], default: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out = dict(default)
    for severity, kinds in raw.items():
        if severity not in SEVERITIES:
            raise ConfigError(f"routing.{severity} is not a severity; they are {', '.join(SEVERITIES)}")
        if not isinstance(kinds, list) or any(k not in CHANNEL_KINDS for k in kinds):
            raise ConfigError(f"routing.{severity} must be a list of {', '.join(CHANNEL_KINDS)}, got {kinds!r}")
        out[severity] = tuple(kinds)
    return out
