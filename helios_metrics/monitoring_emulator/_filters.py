"""The Monitoring filter language, as Google's "Monitoring filters" reference documents it, parsed once
into a predicate.

Grammar (``OR`` binds more tightly than ``AND``, as in the API's filters — the official client's
``Query`` relies on it, writing ``metric.type = "t" AND project = "a" OR project = "b"``; ``NOT``
binds tightest; juxtaposition means AND; parentheses group)::

    expr       := or_expr (["AND"] or_expr)*
    or_expr    := unary ("OR" unary)*
    unary      := "NOT" unary | "(" expr ")" | comparison
    comparison := selector ("=" | "!=" | ":" | "<" | "<=" | ">" | ">=") value
    value      := string | bare word | number | function "(" arg ("," arg)* ")"
    function   := starts_with | ends_with | has_substring | one_of | monitoring.regex.full_match

Selectors are dotted names (``metric.type``, ``metric.labels.K``, ``resource.label.K``,
``metadata.user_labels.K``, ``metadata.system_labels.K``, ``project``…); a label key may be quoted
(``metric.label."statusCode"``, ``metadata.system_labels."cloud.google.com/gke-nodepool"``), and the
singular ``label`` means ``labels``. ``MAP : "key"`` on a whole label map (``metric.labels``,
``resource.labels``, ``metadata.user_labels``, ``metadata.system_labels``) holds when the key is
present; ``:`` on a value means it contains the text. ``has_substring`` takes an optional second
argument, ``true`` to ignore case. What a selector means is up to the caller, who evaluates the
filter against a resolver ``selector -> value or None`` (selectors come to it normalised:
``metric.labels.K`` with the key unquoted).

A filter may instead be one SLO time-series selector, alone (``select_slo_burn_rate("projects/P/
services/S/serviceLevelObjectives/O", "1h")``): SLO data has no metric type, so such a filter sets
:attr:`Filter.slo_selector` and pins ``metric.type`` to the selector's name and ``resource.type`` to
``global`` — the labels of the synthetic series ``_reads.query_series`` answers it with.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ._errors import invalid_argument
from ._filter_syntax import LABEL_MAPS, And, Cmp, FilterError, Not, Or, Parser, selector_path
from ._slo_selectors import SLO_SELECTORS, SloSelector, parse_lookback, slo_selector

__all__ = [
    "LABEL_MAPS",
    "SLO_SELECTORS",
    "Filter",
    "FilterError",
    "SloSelector",
    "api_filter",
    "parse_filter",
    "parse_lookback",
    "selector_path",
]

Resolver = Callable[[str], "str | None"]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


_Ordered = TypeVar("_Ordered", float, str)


def _ordered(op: str, left: _Ordered, right: _Ordered) -> bool:
    """``left <op> right`` for <, <=, >, >= (both numbers, or both strings)."""
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _compare(cmp: Cmp, resolve: Resolver) -> bool:
    if cmp.op == "!=":
        return not _compare(Cmp(cmp.selector, "=", cmp.function, cmp.args), resolve)
    wanted = cmp.args[0]
    if cmp.op == ":" and cmp.function is None and cmp.selector in LABEL_MAPS:
        return resolve(f"{cmp.selector}.{wanted}") is not None  # the map has the key
    actual = resolve(cmp.selector)
    if actual is None:
        return False
    if cmp.function is None:
        if cmp.op == "=":
            return actual == wanted
        if cmp.op == ":":
            return wanted in actual
        left, right = _number(actual), _number(wanted)
        if left is None or right is None:
            return _ordered(cmp.op, actual, wanted)  # not both numbers: compared as text
        return _ordered(cmp.op, left, right)
    if cmp.function == "starts_with":
        return actual.startswith(wanted)
    if cmp.function == "ends_with":
        return actual.endswith(wanted)
    if cmp.function == "has_substring":
        if cmp.args[1:] == ("true",):
            return wanted.casefold() in actual.casefold()
        return wanted in actual
    if cmp.function == "one_of":
        return actual in cmp.args
    return re.fullmatch(wanted, actual) is not None


def _evaluate(node: object, resolve: Resolver) -> bool:
    if isinstance(node, Cmp):
        return _compare(node, resolve)
    if isinstance(node, And):
        return all(_evaluate(child, resolve) for child in node.operands)
    if isinstance(node, Or):
        return any(_evaluate(child, resolve) for child in node.operands)
    assert isinstance(node, Not)
    return not _evaluate(node.operand, resolve)


def _values_for(node: object, selector: str) -> frozenset[str] | None:
    """The values ``selector`` may take when ``node`` holds; None when the filter does not pin it."""
    if isinstance(node, Cmp):
        if node.selector != selector or node.op != "=":
            return None
        if node.function is None:
            return frozenset(node.args)
        return frozenset(node.args) if node.function == "one_of" else None
    if isinstance(node, And):
        pinned = [v for v in (_values_for(child, selector) for child in node.operands) if v is not None]
        if not pinned:
            return None
        result = pinned[0]
        for values in pinned[1:]:
            result &= values
        return result
    if isinstance(node, Or):
        each = [_values_for(child, selector) for child in node.operands]
        known = [v for v in each if v is not None]
        if len(known) < len(each):
            return None
        return frozenset().union(*known)
    return None


@dataclass(frozen=True)
class Filter:
    """A parsed filter. An empty filter matches everything."""

    text: str
    _root: object | None
    slo_selector: SloSelector | None = None

    def matches(self, resolve: Resolver) -> bool:
        if self.slo_selector is not None:
            return resolve("metric.type") == self.slo_selector.function
        return True if self._root is None else _evaluate(self._root, resolve)

    def pinned_values(self, selector: str) -> frozenset[str] | None:
        """Values the filter restricts ``selector`` to (e.g. the metric types of a query)."""
        if self.slo_selector is not None:
            pinned = {"metric.type": self.slo_selector.function, "resource.type": "global"}
            return frozenset({pinned[selector]}) if selector in pinned else None
        return None if self._root is None else _values_for(self._root, selector)


def parse_filter(text: str) -> Filter:
    """Parse ``text``; raises :class:`FilterError` with the position of the first problem."""
    if not text.strip():
        return Filter(text, None)
    try:
        selector = slo_selector(text)
    except ValueError as err:
        raise FilterError(str(err)) from None
    if selector is not None:
        return Filter(text, None, selector)
    return Filter(text, Parser(text).parse())


def api_filter(text: str, field: str = "filter") -> Filter:
    """Parse a request's filter field, failing the call with INVALID_ARGUMENT as the API does."""
    try:
        return parse_filter(text)
    except FilterError as err:
        raise invalid_argument(f'Field {field} had an invalid value of "{text}": {err}') from err
