"""A policy's documentation as a notification carries it: ``${…}`` variables substituted in the
content, the subject and each link's url, and the subject cut to 255 bytes — what Cloud Monitoring
does when it sends a notification ("When the documentation is sent with a notification, the
string ${varname} will be replaced with the value of varname"). The incident as stored and as the
console shows it keeps the documentation as written.

The variables are the ones Google documents: ``condition.name``, ``condition.display_name``,
``metric.type``, ``metric.display_name``, ``metric.label.KEY``, ``policy.name``,
``policy.display_name``, ``policy.user_label.KEY``, ``project``, ``resource.type``,
``resource.project``, ``resource.label.KEY``, ``metadata.system_label.KEY``,
``metadata.user_label.KEY`` and, for log-based policies only, ``log.extracted_label.KEY``. ``$${``
renders as a literal ``${``. A metric label whose value does not start with a letter, a digit,
``/`` or ``=`` is not reported (Google's rule), so it renders empty, as does any documented variable
without a value here (a label the condition's aggregation removed, a log label on a metric policy).
Google's pages do not say how a name outside that list renders; the emulator leaves it as written
(``${polcy.display_name}`` stays visible in the message, so the typo can be seen and fixed).
Pure: plain values in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["SUBJECT_BYTES", "expand", "rendered", "truncate_utf8", "variables"]

SUBJECT_BYTES = 255
_VARIABLE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_REPORTABLE = re.compile(r"[A-Za-z0-9/=]")

Resolve = Callable[[str], "str | None"]


def _reported(value: str) -> str:
    """A metric label's value as the variable reports it: only values starting with a letter, a
    digit, ``/`` or ``=``."""
    return value if value and _REPORTABLE.match(value) else ""


def variables(incident: Mapping[str, Any]) -> Resolve:
    """Resolve a variable name against an incident (as the evaluator stores it): its value, ""
    for a documented variable without one, None for a name Google does not document."""
    metric, resource = incident.get("metric") or {}, incident.get("resource") or {}
    metadata = incident.get("metadata") or {}
    resource_labels = dict(resource.get("labels") or {})
    exact = {
        "condition.name": str(incident.get("condition_resource", "")),
        "condition.display_name": str(incident.get("condition_name", "")),
        "metric.type": str(metric.get("type", "")),
        "metric.display_name": str(metric.get("displayName", "")),
        "policy.name": str(incident.get("policy", "")),
        "policy.display_name": str(incident.get("policy_name", "")),
        "project": str(incident.get("scoping_project_id", "")),
        "resource.type": str(resource.get("type", "")),
        "resource.project": str(resource_labels.get("project_id", incident.get("scoping_project_id", ""))),
    }
    families: dict[str, Mapping[str, str]] = {
        "metric.label.": {k: _reported(str(v)) for k, v in (metric.get("labels") or {}).items()},
        "resource.label.": resource_labels,
        "policy.user_label.": dict(incident.get("policy_user_labels") or {}),
        "metadata.system_label.": dict(metadata.get("system_labels") or {}),
        "metadata.user_label.": dict(metadata.get("user_labels") or {}),
        "log.extracted_label.": {},
    }

    def resolve(name: str) -> str | None:
        if name in exact:
            return exact[name]
        for prefix, values in families.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                return str(values.get(name[len(prefix) :], ""))
        return None

    return resolve


def expand(text: str, resolve: Resolve) -> str:
    """``text`` with each ``${name}`` replaced (unknown names left as written) and ``$${`` as ``${``."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        value = resolve(match.group(1).strip())
        return match.group(0) if value is None else value

    return _VARIABLE.sub(substitute, text)


def truncate_utf8(text: str, limit: int = SUBJECT_BYTES) -> str:
    """At most ``limit`` bytes of UTF-8, cut at the last whole character."""
    return text.encode()[:limit].decode(errors="ignore")


def rendered(documentation: Mapping[str, Any], incident: Mapping[str, Any]) -> dict[str, Any]:
    """The documentation (the policy's, as the incident stores it) rendered for a notification."""
    resolve = variables(incident)
    out = dict(documentation)
    out["content"] = expand(str(documentation.get("content", "")), resolve)
    out["subject"] = truncate_utf8(expand(str(documentation.get("subject", "")), resolve))
    out["links"] = [
        {**link, "url": expand(str(link.get("url", "")), resolve)} for link in documentation.get("links") or []
    ]
    return out
