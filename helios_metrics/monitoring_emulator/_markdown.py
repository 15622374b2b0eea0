"""A policy's documentation (Markdown, as Cloud Monitoring takes it) as safe HTML for the console.

The subset runbooks use: headings, paragraphs, ordered and bulleted lists, **bold**, _italic_ /
*italic*, `code` and links. Everything is escaped first, so no markup in a runbook reaches the page;
a link shows its address as text rather than linking out, because the console refers to nothing
beyond loopback.
"""

from __future__ import annotations

import html
import re

__all__ = ["markdown_html"]

_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_ORDERED = re.compile(r"\d+[.)]\s+(.*)")
_BULLET = re.compile(r"[-*+]\s+(.*)")
_INLINE = (
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(.+?)\*\*|__(.+?)__"), lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"), None),
    (re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)"), r"\1 (\2)"),
)


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, replacement in _INLINE:
        if replacement is None:
            out = pattern.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", out)
        else:
            out = pattern.sub(replacement, out)
    return out


def markdown_html(text: str) -> str:
    """``text`` (Markdown) as HTML: headings start at <h3>, so they sit under the page's own."""
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            blocks.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            blocks.append(f"<{list_tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{list_tag}>")
            items.clear()
            list_tag = ""

    for raw in text.splitlines():
        line = raw.strip()
        heading, ordered, bullet = _HEADING.fullmatch(line), _ORDERED.fullmatch(line), _BULLET.fullmatch(line)
        if not line:
            flush()
        elif heading:
            flush()
            level = min(len(heading.group(1)) + 2, 6)
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item := ordered or bullet:
            tag = "ol" if ordered else "ul"
            if paragraph or (list_tag and list_tag != tag):
                flush()
            list_tag = tag
            items.append(item.group(1))
        elif items:
            items[-1] += " " + line  # a continuation of the item above
        else:
            paragraph.append(line)
    flush()
    return "".join(blocks)
