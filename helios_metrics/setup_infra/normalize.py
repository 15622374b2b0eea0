"""Normalising both sides before they are compared, pure — the reason plans do not drift.

The desired side goes through the API's own message type and back (so ``300`` and ``"300s"`` and
enum numbers and names all end up in the form the server returns); then both sides lose what the
server fills in on read and what is output-only: etags, change records, condition and dashboard
names, the project number in references (they become references to our keys — also an SLO's
name quoted inside a filter, ``select_slo_burn_rate("projects/…/serviceLevelObjectives/…", …)``,
becomes the ``"ref:slo/<service>/<slo>"`` it was resolved from), ``targetAxis: Y1``,
``yAxis.scale: LINEAR``, ``text.format: MARKDOWN``, empty ``style`` / ``chartOptions`` /
``secondaryAggregation``, zero durations, ``trigger {count: 1}``, the documentation's default mime
type, and obfuscated secrets (compared through their fingerprint). An unset ``enabled`` becomes
``true`` on both sides, so a policy switched off by hand does show.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
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
_SLO_NAME = re.compile(r"""projects/[^/"'\s]+/services/([^/"'\s]+)/serviceLevelObjectives/([^/"'\s]+)""")
"""An SLO's name, with the project's id or number: how the server spells what we resolved."""


def _empty(value: Any) -> bool:
    if value in (None, "", [], {}, "0s", 0, False):
        return True
    return isinstance(value, str) and value.endswith("_UNSPECIFIED")


def _clean(value: Any, rename: Callable[[str, Any], Any], top: bool, text: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if top and key in _OUTPUT_ONLY:
                continue
            item = _clean(rename(key, item), rename, False, text)
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
        return [_clean(item, rename, False, text) for item in value]
    if isinstance(value, str):
        return text(value)
    return value


def _reference(kind: str, names: Names) -> Callable[[str], str]:
    def to_ref(name: str) -> str:
        if name.startswith("ref:"):
            return name
        return ref(kind, names.get(name.rsplit("/", 1)[-1], name))

    return to_ref


def _slo_refs(slos: Collection[str]) -> Callable[[str], str]:
    """Within a string, the name of an SLO we know (key ``<service>/<slo>``, from any project form)
    becomes its reference; other text is left as it is."""

    def to_ref(match: re.Match[str]) -> str:
        key = f"{match.group(1)}/{match.group(2)}"
        return ref("slo", key) if key in slos else match.group(0)

    def text(value: str) -> str:
        return _SLO_NAME.sub(to_ref, value) if slos and "/serviceLevelObjectives/" in value else value

    return text


def normalize(
    kind: str, body: Mapping[str, Any], channels: Names, policies: Names, slos: Collection[str] = ()
) -> dict[str, Any]:
    """``body`` (the API's dict form) as it is compared: see the module docstring. ``slos``: the
    keys of the SLOs that exist, whose names inside strings are compared as references."""
    channel_ref, policy_ref = _reference("notification_channel", channels), _reference("alert_policy", policies)

    def rename(key: str, value: Any) -> Any:
        if key in ("notification_channels", "notification_channel_names") and isinstance(value, list):
            return sorted(channel_ref(v) for v in value)  # the policy's channels, and a renotify strategy's
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

    cleaned = _clean(dict(body), rename, True, _slo_refs(frozenset(slos)))
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
