"""One row per figure users pay for, each beside the anchor measured in the same run.

Rows are plain values so the table and ``bench-results.json`` come from the same data. A row's
``ratio`` is ``ours / anchor``; ``met`` compares what the target names (a ratio, or a bound in
the row's own unit when the target says so) and is computed here, never typed in.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Row", "at_least", "at_most", "machine", "table", "write_json"]


@dataclass(frozen=True)
class Row:
    id: str
    ours: float
    anchor: float
    anchor_name: str
    unit: str
    target: str
    met: bool
    detail: str = ""

    @property
    def ratio(self) -> float | None:
        """None when the anchor is 0 (e.g. the plain thresholds miss nothing): no ratio to print."""
        return self.ours / self.anchor if self.anchor else None

    def as_dict(self) -> dict[str, object]:
        ratio = self.ratio
        return {**asdict(self), "ratio": None if ratio is None else round(ratio, 4)}


def at_most(limit: float, value: float) -> bool:
    return value <= limit


def at_least(limit: float, value: float) -> bool:
    return value >= limit


def _figure(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _ratio(ratio: float | None) -> str:
    """A row's ratio as the table prints it; a dash where the anchor is 0."""
    return "—" if ratio is None else f"{ratio:.2f}x"


def table(rows: Sequence[Row]) -> str:
    """The Markdown table the README carries."""
    lines = [
        "| id | ours | anchor | ratio | unit | target | met |",
        "|---|---:|---|---:|---|---|:-:|",
    ]
    for row in rows:
        lines.append(
            f"| `{row.id}` | {_figure(row.ours)} | {_figure(row.anchor)} ({row.anchor_name}) | "
            f"{_ratio(row.ratio)} | {row.unit} | {row.target} | {'yes' if row.met else '**no**'} |"
        )
    return "\n".join(lines)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def write_json(rows: Sequence[Row], path: Path, when: str) -> None:
    """A list of rows, as the issue of record asks; each also names the run's date and machine."""
    stamp = {"date": when, "machine": machine()}
    path.write_text(json.dumps([{**row.as_dict(), **stamp} for row in rows], indent=2) + "\n")
