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

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config_model import (
    ALERT_MODES,
    CHANNEL_KINDS,
    SEVERITIES,
    AlertSettings,
    ChannelConfig,
    ConfigError,
    InfraConfig,
)
from .config_parse import parse_alerts, parse_channels, parse_routing

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
        alerts=parse_alerts(raw.get("alerts", {})),
        channels=parse_channels(raw.get("channels", {}), source),
        routing=parse_routing(raw.get("routing", {}), default.routing),
        prefix=prefix,
        fingerprint_key=source.get("HELIOS_FINGERPRINT_KEY", ""),
    )
