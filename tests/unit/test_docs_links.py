"""Every relative link and anchor in README.md and docs/*.md resolves.

A link to a file must name one that exists in the repository; a ``#anchor`` must match a heading
of the page it points at, slugged the way GitHub slugs headings (lower case, punctuation dropped,
spaces to hyphens, ``-1``, ``-2`` … for repeats). Links inside code are not links; links with a
scheme (``https:``, ``mailto:``) are outside the repository and not checked here.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, with their numbers."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: the rendered text (code spans, links and emphasis
    reduced to their words), lower-cased, every character but letters, digits, marks, ``-``, ``_``
    and spaces dropped, each space a hyphen."""
    text = _CODE_SPAN.sub(lambda m: m.group(2).strip(), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text).replace("*", "").lower()
    kept = (ch for ch in text if ch in "-_ " or ch.isalnum() or unicodedata.category(ch).startswith("M"))
    return "".join(kept).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, line in _prose_lines(page.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if match is None:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.add(base if count == 0 else f"{base}-{count}")
    return out


def links(page: Path) -> list[tuple[int, str]]:
    """(line number, target) of every inline, image and reference link outside code."""
    found = []
    for number, line in _prose_lines(page.read_text(encoding="utf-8")):
        prose = _CODE_SPAN.sub("", line)
        found += [(number, m.group(1)) for m in _INLINE_LINK.finditer(prose)]
        reference = _REFERENCE.match(prose)
        if reference:
            found.append((number, reference.group(1)))
    return found


def broken_links(page: Path, root: Path = REPO) -> list[str]:
    """One message per link of ``page`` that does not resolve."""
    problems = []
    for number, target in links(page):
        where = f"{page.relative_to(root)}:{number}: {target!r}"
        if not target:
            problems.append(f"{where}: empty link")
            continue
        if _SCHEME.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.is_relative_to(root.resolve()):
            problems.append(f"{where}: points outside the repository")
        elif not resolved.exists():
            problems.append(f"{where}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{where}: no heading with the anchor #{anchor} in {resolved.name}")
        elif anchor and resolved.suffix != ".md":
            problems.append(f"{where}: an anchor into a file that is not Markdown")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_and_anchor_resolves(page):
    assert broken_links(page) == []


def test_the_manual_is_linked_together():
    """The README reaches every docs page, and the check has links to check."""
    readme_targets = {target.partition("#")[0] for _, target in links(REPO / "README.md")}
    pages = {f"docs/{page.name}" for page in PAGES if page.parent.name == "docs"}
    assert pages, "docs/ has no pages"
    assert pages <= readme_targets, sorted(pages - readme_targets)
    assert sum(len(links(page)) for page in PAGES) > 50


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Wire format (`helios.metrics.v1`)", "wire-format-heliosmetricsv1"),
        ("The soak (`make soak`)", "the-soak-make-soak"),
        ("A run's outcome comes from its stages", "a-runs-outcome-comes-from-its-stages"),
        ("Helios — Performance Intelligence", "helios--performance-intelligence"),
        ("**Bold** and [a link](x.md) in `setup_infra`", "bold-and-a-link-in-setup_infra"),
        ("Fault injection and counters (HTTP admin API)", "fault-injection-and-counters-http-admin-api"),
    ],
)
def test_headings_slug_as_github_slugs_them(heading, expected):
    assert slug(heading) == expected


def test_a_missing_file_a_missing_anchor_and_a_repeated_heading_are_told_apart(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Part\n\n## Part\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n\n"
        "[fine](docs/other.md#part-1) [fine too](#title) [outside](https://example.com/#nowhere)\n"
        "[gone](docs/missing.md) [no anchor](docs/other.md#part-2) [here](#nothing)\n"
        "`[in code](docs/missing.md)`\n\n"
        "```\n[in a block](docs/missing.md)\n```\n\n"
        "[escape](../../etc/passwd)\n",
        encoding="utf-8",
    )
    problems = broken_links(page, root=tmp_path)
    assert problems == [
        "README.md:4: 'docs/missing.md': no such file",
        "README.md:4: 'docs/other.md#part-2': no heading with the anchor #part-2 in other.md",
        "README.md:4: '#nothing': no heading with the anchor #nothing in README.md",
        "README.md:11: '../../etc/passwd': points outside the repository",
    ]
