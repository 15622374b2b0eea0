"""``google.api.http`` path templates (``/v3/{name=projects/*/metricDescriptors/**}:verb``) as matchers.

The grammar is the one ``google/api/http.proto`` documents::

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    Verb     = ":" LITERAL ;

``*`` matches one path segment, ``**`` the rest of the path, ``{field}`` is ``{field=*}``. A matched
variable is percent-decoded, so ``custom.googleapis.com%2Fmetric`` and ``custom.googleapis.com/metric``
name the same descriptor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["PathTemplate", "compile_template"]


@dataclass(frozen=True)
class PathTemplate:
    """A compiled template: ``match`` gives the request fields its variables bind, or None."""

    text: str
    pattern: re.Pattern[str]
    fields: tuple[str, ...]
    literals: int
    verb: str

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return {field: unquote(found.group(f"v{i}")) for i, field in enumerate(self.fields)}

    @property
    def specificity(self) -> tuple[int, int]:
        """Sort key: a template with a custom verb, then with more literal segments, is tried first."""
        return (0 if self.verb else 1, -self.literals)


def _segments(text: str, template: str) -> tuple[str, int]:
    """The regular expression of ``Segments`` (no variables inside) and its count of literals."""
    parts: list[str] = []
    literals = 0
    for segment in text.split("/"):
        if segment == "*":
            parts.append("[^/]+")
        elif segment == "**":
            parts.append(".+")
        elif segment and not set(segment) & set("{}=*"):
            parts.append(re.escape(segment))
            literals += 1
        else:
            raise ValueError(f"path template {template!r}: bad segment {segment!r}")
    return "/".join(parts), literals


def compile_template(template: str) -> PathTemplate:
    """Compile one ``google.api.http`` path; a malformed template raises ValueError naming it."""
    if not template.startswith("/"):
        raise ValueError(f"path template {template!r} must start with '/'")
    tail = template[max(template.rfind("}"), template.rfind("/")) + 1 :]
    verb = tail.partition(":")[2] if ":" in tail else ""
    body = template[1 : len(template) - len(verb) - 1] if verb else template[1:]
    regex: list[str] = []
    fields: list[str] = []
    literals = 0
    position = 0
    for variable in re.finditer(r"\{([^}]*)\}", body):
        if variable.start() > position:
            literal, count = _segments(body[position : variable.start()].strip("/"), template)
            regex.append(literal)
            literals += count
        field, _, inner = variable.group(1).partition("=")
        if not re.fullmatch(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*", field):
            raise ValueError(f"path template {template!r}: bad field path {field!r}")
        inner_regex, count = _segments(inner or "*", template)
        regex.append(f"(?P<v{len(fields)}>{inner_regex})")
        fields.append(field)
        literals += count
        position = variable.end()
    if position < len(body):
        literal, count = _segments(body[position:].strip("/"), template)
        regex.append(literal)
        literals += count
    pattern = "/" + "/".join(regex) + (re.escape(":" + verb) if verb else "")
    return PathTemplate(template, re.compile(pattern), tuple(fields), literals, verb)
