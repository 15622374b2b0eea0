"""The Monitoring filter language's syntax: tokens, the parse tree and selectors (see ``_filters``
for the grammar and what it means)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LABEL_MAPS", "And", "Cmp", "FilterError", "Not", "Or", "Parser", "selector_path"]


class FilterError(ValueError):
    """The filter text does not parse; the message says where and why."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|<=|>=|=|:|<|>|\(|\)|,)
      | (?P<word>[A-Za-z0-9_.\-/*+]+(?:(?<=\.)"(?:[^"\\]|\\.)*"[A-Za-z0-9_.\-/*+]*)*)
    )""",
    re.VERBOSE,
)
_FUNCTIONS = frozenset({"starts_with", "ends_with", "has_substring", "one_of", "monitoring.regex.full_match"})
_COMPARATORS = frozenset({"=", "!=", ":", "<", "<=", ">", ">="})
_SEGMENT = re.compile(r'"(?:[^"\\]|\\.)*"|[^."]+')
LABEL_MAPS = frozenset({"metric.labels", "resource.labels", "metadata.user_labels", "metadata.system_labels"})
"""Selectors naming a whole label map: ``MAP : "key"`` tests that the key is present."""


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
class Cmp:
    selector: str
    op: str
    function: str | None  # None: a literal comparison
    args: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class And:
    operands: tuple[object, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[object, ...]


class Parser:
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
        operands = [self.or_expr()]
        while True:
            token = self.peek()
            if token.kind == "word" and token.text == "AND":
                self.take()
            elif token.kind == "end" or (token.text == ")" and token.kind == "op"):
                break
            operands.append(self.or_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def or_expr(self) -> object:
        operands = [self.unary()]
        while self.peek().kind == "word" and self.peek().text == "OR":
            self.take()
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def unary(self) -> object:
        token = self.peek()
        if token.kind == "word" and token.text == "NOT":
            self.take()
            return Not(self.unary())
        if token.kind == "op" and token.text == "(":
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        return self.comparison()

    def comparison(self) -> Cmp:
        token = self.take()
        if token.kind != "word" or token.text in ("AND", "OR", "NOT"):
            raise FilterError(f"expected a selector at position {token.pos}, found {token.shown}")
        selector = selector_path(token.text)
        op = self.take()
        if op.kind != "op" or op.text not in _COMPARATORS:
            raise FilterError(f"expected a comparison after {token.text!r} at position {op.pos}")
        value = self.take()
        if value.kind == "string":
            return Cmp(selector, op.text, None, (value.text,))
        if value.kind != "word":
            raise FilterError(f"expected a value at position {value.pos}, found {value.shown}")
        if not (self.peek().kind == "op" and self.peek().text == "("):
            return Cmp(selector, op.text, None, (value.text,))
        if value.text not in _FUNCTIONS:
            raise FilterError(f"unknown function {value.text!r} at position {value.pos}")
        self.take()
        args = [self.string_arg()]
        while self.peek().text == ",":
            self.take()
            args.append(self.string_arg())
        self.expect(")")
        return Cmp(selector, op.text, value.text, _checked_args(value.text, args))

    def string_arg(self) -> str:
        token = self.take()
        if token.kind not in ("string", "word"):
            raise FilterError(f"expected a string at position {token.pos}, found {token.shown}")
        return token.text


def _checked_args(function: str, args: list[str]) -> tuple[str, ...]:
    """A function's arguments as the reference documents them: one string; ``one_of`` any number;
    ``has_substring`` an optional ``true``/``false`` second argument (ignore case)."""
    if function == "has_substring" and len(args) == 2:
        if args[1].lower() not in ("true", "false"):
            raise FilterError(f"has_substring's second argument must be true or false, not {args[1]!r}")
        return (args[0], args[1].lower())
    if function != "one_of" and len(args) != 1:
        raise FilterError(f"{function} takes exactly one argument")
    if function == "monitoring.regex.full_match":
        try:
            re.compile(args[0])
        except re.error as err:
            raise FilterError(f"invalid regular expression {args[0]!r}: {err}") from err
    return tuple(args)


def selector_path(text: str) -> str:
    """A selector as resolvers see it: ``metric.label."statusCode"`` → ``metric.labels.statusCode``
    (quotes removed, a quoted key kept whole even with dots in it; singular ``label`` → ``labels``)."""
    parts = [re.sub(r"\\(.)", r"\1", part[1:-1]) if part.startswith('"') else part for part in _SEGMENT.findall(text)]
    if len(parts) >= 2 and parts[0] in ("metric", "resource") and parts[1] == "label":
        parts[1] = "labels"
    return ".".join(parts)
