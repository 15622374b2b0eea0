"""The one settings object: explicit argument > environment variable > default.

Built once (``Settings.from_env()``) and passed down; nothing reads the environment at import time
and nothing writes to it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, ClassVar

__all__ = ["Settings", "SettingsError", "check_host_port"]


class SettingsError(ValueError):
    """A required setting is missing or malformed; the message names the variable to set."""


_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?):(\d{1,5})")


def check_host_port(variable: str, value: str) -> str:
    """``value`` if it is ``host:port`` as gRPC takes it (no scheme, no path), else a SettingsError
    naming the variable: a malformed address would otherwise surface as a 30-second gRPC timeout."""
    match = _HOST_PORT.fullmatch(value)
    if match is None or not 1 <= int(match.group(1)) <= 65535:
        hint = " (no scheme: drop the http://)" if "://" in value else ""
        raise SettingsError(f"{variable} must be host:port, e.g. 127.0.0.1:8085{hint}; got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    project_id: str | None = None
    """Google Cloud project (``GOOGLE_CLOUD_PROJECT``)."""
    pubsub_emulator_host: str | None = None
    """``host:port`` of the Pub/Sub emulator (``PUBSUB_EMULATOR_HOST``); unset means real Pub/Sub."""
    monitoring_emulator_host: str | None = None
    """``host:port`` of our Monitoring emulator (``MONITORING_EMULATOR_HOST``); unset means real Monitoring."""
    topic: str = "helios-metrics"
    """Topic the publisher writes events to (``HELIOS_METRICS_TOPIC``)."""
    subscription: str = "helios-metrics-collector"
    """Pull subscription the collector drains (``HELIOS_METRICS_SUBSCRIPTION``)."""
    dead_letter_topic: str = "helios-metrics-dead-letter"
    """Where malformed messages go, with the reason (``HELIOS_DEAD_LETTER_TOPIC``)."""
    window_seconds: int = 60
    """Aggregation window of the collector: events are grouped by event time into windows this
    long, one point per series per window (``HELIOS_WINDOW_SECONDS``; 10 to 240)."""
    collect_budget_seconds: float = 40.0
    """How long one collection run may pull before it writes and acks what it has
    (``HELIOS_COLLECT_BUDGET_SECONDS``); keep it well inside the function timeout."""
    location: str = "global"
    """``location`` label of the collector's ``generic_task`` resource (``HELIOS_LOCATION``)."""
    spool_dir: str | None = None
    """Where the publisher keeps events Pub/Sub did not take yet (``HELIOS_METRICS_SPOOL_DIR``);
    default ``$XDG_CACHE_HOME/helios-metrics/spool`` (``~/.cache/…``)."""
    ledger_dir: str | None = None
    """Where the collector keeps its journal of what it wrote (``HELIOS_LEDGER_DIR``), so that a
    collector restarted after dying between writing and acknowledging counts nothing twice. Unset:
    the ledger lives in the instance's memory only (see the README's guarantees)."""

    _ENV: ClassVar[dict[str, str]] = {
        "project_id": "GOOGLE_CLOUD_PROJECT",
        "pubsub_emulator_host": "PUBSUB_EMULATOR_HOST",
        "monitoring_emulator_host": "MONITORING_EMULATOR_HOST",
        "topic": "HELIOS_METRICS_TOPIC",
        "subscription": "HELIOS_METRICS_SUBSCRIPTION",
        "dead_letter_topic": "HELIOS_DEAD_LETTER_TOPIC",
        "spool_dir": "HELIOS_METRICS_SPOOL_DIR",
        "window_seconds": "HELIOS_WINDOW_SECONDS",
        "collect_budget_seconds": "HELIOS_COLLECT_BUDGET_SECONDS",
        "location": "HELIOS_LOCATION",
        "ledger_dir": "HELIOS_LEDGER_DIR",
    }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``overrides`` (None: not given), then ``env`` (default ``os.environ``), then defaults."""
        source = os.environ if env is None else env
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, variable in cls._ENV.items():
            if overrides.get(name) is not None:
                values[name] = overrides[name]
            elif source.get(variable):
                values[name] = source[variable]
        values.update({k: v for k, v in overrides.items() if v is not None and k not in cls._ENV})
        for name, convert in (("window_seconds", int), ("collect_budget_seconds", float)):
            if isinstance(values.get(name), str):
                try:
                    values[name] = convert(values[name])
                except ValueError:
                    raise SettingsError(f"{cls._ENV[name]} must be a number, got {values[name]!r}") from None
        if "spool_dir" not in values and source.get("XDG_CACHE_HOME"):
            values["spool_dir"] = os.path.join(source["XDG_CACHE_HOME"], "helios-metrics", "spool")
        return cls(**values)

    def __post_init__(self) -> None:
        for name in ("pubsub_emulator_host", "monitoring_emulator_host"):
            value = getattr(self, name)
            if value:
                check_host_port(self._ENV[name], value)
        if not 10 <= self.window_seconds <= 240:  # a window's point lies at its end: <= 5 min ahead
            raise SettingsError(f"HELIOS_WINDOW_SECONDS must be between 10 and 240, got {self.window_seconds}")

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def require_project(self) -> str:
        if not self.project_id:
            raise SettingsError("no Google Cloud project: set GOOGLE_CLOUD_PROJECT (or pass the project explicitly)")
        return self.project_id

    @property
    def spool_root(self) -> Path:
        return Path(self.spool_dir) if self.spool_dir else Path.home() / ".cache" / "helios-metrics" / "spool"

    @property
    def journal_path(self) -> Path | None:
        """The collector's journal file, one per subscription; None without ``ledger_dir``."""
        if not self.ledger_dir:
            return None
        return Path(self.ledger_dir) / f"{self.require_project()}--{self.subscription}.journal"

    @property
    def topic_path(self) -> str:
        return f"projects/{self.require_project()}/topics/{self.topic}"

    @property
    def subscription_path(self) -> str:
        return f"projects/{self.require_project()}/subscriptions/{self.subscription}"

    @property
    def dead_letter_topic_path(self) -> str:
        return f"projects/{self.require_project()}/topics/{self.dead_letter_topic}"
