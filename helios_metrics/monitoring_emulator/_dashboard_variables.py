"""Dashboard template variables in widget filters, as Google's sample dashboards write them:
``metric.type="…" resource.type="k8s_container" ${cluster_name} ${project_id}``, where each
``${name}`` stands for a filter term the dashboard's filter named ``name`` supplies
(``resource.labels.cluster_name = "prod"``) or for nothing when it has no value, and
``${name.value}`` for its bare value.

Pure: text and the dashboard's filters in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ._raw import Raw

__all__ = ["PLACEHOLDER", "expand", "has_variables", "terms"]

_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_\-]*)(?P<value>\.value)?\}")
_GONE = "\x00"  # where a variable stood that supplies no term
_DANGLING = re.compile(rf"\s*\bAND\s+{_GONE}|{_GONE}\s+AND\b\s*|{_GONE}")
PLACEHOLDER = "template_value"
"""What ``${name.value}`` stands for when a filter is checked without values (a bare word, valid
inside quotes and out)."""
_SELECTORS = {  # DashboardFilter.FilterType → the filter's selector prefix for its label
    1: "resource.labels",  # RESOURCE_LABEL
    2: "metric.labels",  # METRIC_LABEL
    3: "metadata.user_labels",  # USER_METADATA_LABEL
    4: "metadata.system_labels",  # SYSTEM_METADATA_LABEL
}


def has_variables(text: str) -> bool:
    return "${" in text and _VAR.search(text) is not None


def expand(text: str, supplied: Mapping[str, tuple[str, str]] | None = None) -> str:
    """``text`` with each ``${name}`` replaced by the term ``supplied[name]`` gives (nothing when
    it gives none, an ``AND`` joining it dropped too) and each ``${name.value}`` by its value
    (:data:`PLACEHOLDER` when ``supplied`` is None: the text as it is checked)."""
    given = supplied or {}

    def replace(match: re.Match[str]) -> str:
        term, value = given.get(match.group("name"), ("", ""))
        if match.group("value"):
            return PLACEHOLDER if supplied is None else value
        return term or _GONE

    return _DANGLING.sub("", _VAR.sub(replace, text)).strip()


def terms(filters: Iterable[Raw], overrides: Mapping[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """Template variable → (the filter term it stands for, its value), from a dashboard's
    ``dashboardFilters`` (their ``stringValue``, or ``overrides[name]``): a variable without a
    value stands for nothing (every series), as Google's dashboards show it before one is chosen."""
    out: dict[str, tuple[str, str]] = {}
    for each in filters:
        name = each.template_variable
        if not name:
            continue
        value = (overrides or {}).get(name, each.string_value)
        selector = _SELECTORS.get(each.filter_type)
        term = f'{selector}.{each.label_key} = "{_quoted(value)}"' if value and selector and each.label_key else ""
        out[name] = (term, value)
    return out


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
