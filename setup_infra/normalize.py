"""Normalising both sides before they are compared, pure — the reason plans do not drift.

The desired side goes through the API's own message type and back (so ``300`` and ``"300s"`` and
enum numbers and names all end up in the form the server returns); then both sides lose what the
server fills in on read and what is output-only: etags, change records, condition and dashboard
names, the project number in references (they become references to our keys), ``targetAxis: Y1``,
``yAxis.scale: LINEAR``, ``text.format: MARKDOWN``, empty ``style`` / ``chartOptions`` /
``secondaryAggregation``, zero durations, ``trigger {count: 1}``, the documentation's default mime
type, and obfuscated secrets (compared through their fingerprint). An unset ``enabled`` becomes
``true`` on both sides, so a policy switched off by hand does show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .model import ref

__all__ = ["SENSITIVE_LABELS", "flatten", "normalize"]

SENSITIVE_LABELS = ("auth_token", "service_key", "password")
_OUTPUT_ONLY = {
    "name",
    "etag",
    "creation_record",
    "mutation_record",
    "mutation_records",
    "verification_status",
    "validity",
    "state",
    "satisfies_pzs",
    "message_storage_policy",
    "topic_message_retention_duration",
    "monitored_resource_types",
    "metadata",
}
_DEFAULTS: dict[str, tuple[object, ...]] = {
    "target_axis": ("Y1",),
    "scale": ("LINEAR",),
    "format_": ("MARKDOWN",),
    "mime_type": ("text/markdown",),
    "trigger": ({"count": 1},),
    "value_type": ("STRING",),  # a label's value type
}
_KEEP_EMPTY = {"expiration_policy"}  # {} here means "never expire", not "unset"
Names = Mapping[str, str]  # resource id (the last part of a name) -> our key


def _empty(value: Any) -> bool:
    if value in (None, "", [], {}, "0s", 0, False):
        return True
    return isinstance(value, str) and value.endswith("_UNSPECIFIED")


def _clean(value: Any, rename: Callable[[str, Any], Any], top: bool) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if top and key in _OUTPUT_ONLY:
                continue
            item = _clean(rename(key, item), rename, False)
            if key == "enabled":  # False is meaningful here: a policy or channel switched off
                out[key] = item
                continue
            if key in _DEFAULTS and item in _DEFAULTS[key]:
                continue
            if _empty(item) and key not in _KEEP_EMPTY:
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [_clean(item, rename, False) for item in value]
    return value


def _reference(kind: str, names: Names) -> Callable[[str], str]:
    def to_ref(name: str) -> str:
        if name.startswith("ref:"):
            return name
        return ref(kind, names.get(name.rsplit("/", 1)[-1], name))

    return to_ref


def normalize(kind: str, body: Mapping[str, Any], channels: Names, policies: Names) -> dict[str, Any]:
    """``body`` (the API's dict form) as it is compared: see the module docstring."""
    channel_ref, policy_ref = _reference("notification_channel", channels), _reference("alert_policy", policies)

    def rename(key: str, value: Any) -> Any:
        if key == "notification_channels" and isinstance(value, list):
            return sorted(channel_ref(v) for v in value)
        if key == "policy_names" and isinstance(value, list):
            return [policy_ref(v) for v in value]
        if key == "labels" and kind == "notification_channel" and isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in SENSITIVE_LABELS}
        if key == "conditions" and isinstance(value, list):
            return [{k: v for k, v in c.items() if k != "name"} for c in value]
        if key == "alert_chart" and isinstance(value, dict) and "name" in value:
            return {**value, "name": policy_ref(value["name"])}
        if key == "labels" and kind == "metric_descriptor" and isinstance(value, list):
            return sorted(value, key=lambda label: label.get("key", ""))
        return value

    cleaned = _clean(dict(body), rename, True)
    assert isinstance(cleaned, dict)
    if kind in ("alert_policy", "notification_channel"):
        cleaned.setdefault("enabled", True)  # unset on write means enabled
    return cleaned


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [x, y]}`` → ``{"a.b": 1, "c[0]…": …}``: leaves by path, for diffs."""
    if isinstance(value, dict):
        if not value:
            return {prefix: {}} if prefix else {}
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(value, list):
        if not value:
            return {prefix: []}
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}
