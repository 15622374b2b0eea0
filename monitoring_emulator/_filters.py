"""The Monitoring filter language (the subset users write), parsed once into a predicate.

Grammar (precedence NOT > AND > OR; juxtaposition means AND; parentheses group)::

    expr       := and_expr ("OR" and_expr)*
    and_expr   := unary (["AND"] unary)*
    unary      := "NOT" unary | "(" expr ")" | comparison
    comparison := selector ("=" | "!=" | ":" | "<" | "<=" | ">" | ">=") value
    value      := string | bare word | number | function "(" string ("," string)* ")"
    function   := starts_with | ends_with | has_substring | one_of | monitoring.regex.full_match

Selectors are dotted names (``metric.type``, ``metric.labels.K``, ``resource.label.K``…); the
singular ``label`` is accepted as Google accepts it. What a selector means is up to the caller,
who evaluates the filter against a resolver ``selector -> value or None``.

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
from ._slo_selectors import SLO_SELECTORS, SloSelector, parse_lookback, slo_selector

__all__ = ["SLO_SELECTORS", "Filter", "FilterError", "SloSelector", "api_filter", "parse_filter", "parse_lookback"]

Resolver = Callable[[str], "str | None"]


class FilterError(ValueError):
    """The filter text does not parse; the message says where and why."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|<=|>=|=|:|<|>|\(|\)|,)
      | (?P<word>[A-Za-z0-9_.\-/*+]+)
    )""",
    re.VERBOSE,
)
_FUNCTIONS = frozenset({"starts_with", "ends_with", "has_substring", "one_of", "monitoring.regex.full_match"})
_COMPARATORS = frozenset({"=", "!=", ":", "<", "<=", ">", ">="})


@dataclass(frozen=True)
class _Token:
    kind: str  # string | op | word | end
    text: str
    pos: int

    @property
    def shown(self) -> str:
        return "the end of the filter" if self.kind == "end" else repr(self.text)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            at = len(text) - len(text[pos:].lstrip())  # the character itself, not the spaces before it
            raise FilterError(f"unexpected character {text[at]!r} at position {at}")
        kind = match.lastgroup or "word"
        raw = match.group(kind)
        if kind == "string":
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        tokens.append(_Token(kind, raw, match.start(kind)))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


@dataclass(frozen=True)
class _Cmp:
    selector: str
    op: str
    function: str | None  # None: a literal comparison
    args: tuple[str, ...]


@dataclass(frozen=True)
class _Not:
    operand: object


@dataclass(frozen=True)
class _And:
    operands: tuple[object, ...]


@dataclass(frozen=True)
class _Or:
    operands: tuple[object, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text or token.kind not in ("op", "word"):
            raise FilterError(f"expected {text!r} at position {token.pos}, found {token.shown}")

    def parse(self) -> object:
        node = self.expr()
        token = self.peek()
        if token.kind != "end":
            raise FilterError(f"unexpected {token.shown} at position {token.pos}")
        return node

    def expr(self) -> object:
        operands = [self.and_expr()]
        while self.peek().kind == "word" and self.peek().text == "OR":
            self.take()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else _Or(tuple(operands))

    def and_expr(self) -> object:
        operands = [self.unary()]
        while True:
            token = self.peek()
            if token.kind == "word" and token.text == "AND":
                self.take()
            elif (
                token.kind == "end"
                or (token.text == ")" and token.kind == "op")
                or (token.text == "OR" and token.kind == "word")
            ):
                break
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else _And(tuple(operands))

    def unary(self) -> object:
        token = self.peek()
        if token.kind == "word" and token.text == "NOT":
            self.take()
            return _Not(self.unary())
        if token.kind == "op" and token.text == "(":
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        return self.comparison()

    def comparison(self) -> _Cmp:
        token = self.take()
        if token.kind != "word" or token.text in ("AND", "OR", "NOT"):
            raise FilterError(f"expected a selector at position {token.pos}, found {token.shown}")
        selector = _normalise_selector(token.text)
        op = self.take()
        if op.kind != "op" or op.text not in _COMPARATORS:
            raise FilterError(f"expected a comparison after {token.text!r} at position {op.pos}")
        value = self.take()
        if value.kind == "string":
            return _Cmp(selector, op.text, None, (value.text,))
        if value.kind != "word":
            raise FilterError(f"expected a value at position {value.pos}, found {value.shown}")
        if self.peek().kind == "op" and self.peek().text == "(":
            if value.text not in _FUNCTIONS:
                raise FilterError(f"unknown function {value.text!r} at position {value.pos}")
            self.take()
            args = [self.string_arg()]
            while self.peek().text == ",":
                self.take()
                args.append(self.string_arg())
            self.expect(")")
            if value.text != "one_of" and len(args) != 1:
                raise FilterError(f"{value.text} takes exactly one argument")
            if value.text == "monitoring.regex.full_match":
                try:
                    re.compile(args[0])
                except re.error as err:
                    raise FilterError(f"invalid regular expression {args[0]!r}: {err}") from err
            return _Cmp(selector, op.text, value.text, tuple(args))
        return _Cmp(selector, op.text, None, (value.text,))

    def string_arg(self) -> str:
        token = self.take()
        if token.kind not in ("string", "word"):
            raise FilterError(f"expected a string at position {token.pos}, found {token.shown}")
        return token.text


def _normalise_selector(text: str) -> str:
    parts = text.split(".")
    for index, part in enumerate(parts):
        if part == "label" and index in (1, 2):
            parts[index] = "labels"
    return ".".join(parts)


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


def _compare(cmp: _Cmp, actual: str | None) -> bool:
    if cmp.op == "!=":
        return not _compare(_Cmp(cmp.selector, "=", cmp.function, cmp.args), actual)
    if actual is None:
        return False
    wanted = cmp.args[0]
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
        return wanted in actual
    if cmp.function == "one_of":
        return actual in cmp.args
    return re.fullmatch(wanted, actual) is not None


def _evaluate(node: object, resolve: Resolver) -> bool:
    if isinstance(node, _Cmp):
        return _compare(node, resolve(node.selector))
    if isinstance(node, _And):
        return all(_evaluate(child, resolve) for child in node.operands)
    if isinstance(node, _Or):
        return any(_evaluate(child, resolve) for child in node.operands)
    assert isinstance(node, _Not)
    return not _evaluate(node.operand, resolve)


def _values_for(node: object, selector: str) -> frozenset[str] | None:
    """The values ``selector`` may take when ``node`` holds; None when the filter does not pin it."""
    if isinstance(node, _Cmp):
        if node.selector != selector or node.op != "=":
            return None
        if node.function is None:
            return frozenset(node.args)
        return frozenset(node.args) if node.function == "one_of" else None
    if isinstance(node, _And):
        pinned = [v for v in (_values_for(child, selector) for child in node.operands) if v is not None]
        if not pinned:
            return None
        result = pinned[0]
        for values in pinned[1:]:
            result &= values
        return result
    if isinstance(node, _Or):
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
    return Filter(text, _Parser(text).parse())


def api_filter(text: str, field: str = "filter") -> Filter:
    """Parse a request's filter field, failing the call with INVALID_ARGUMENT as the API does."""
    try:
        return parse_filter(text)
    except FilterError as err:
        raise invalid_argument(f'Field {field} had an invalid value of "{text}": {err}') from err
