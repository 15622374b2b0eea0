"""The soak's accounting and its memory chart, pure: plain values in, figures and SVG out.

Kept apart from the orchestration (``benchmarks.soak``) so the arithmetic that decides "lost" and
"double-counted" is tested on its own, with numbers worked out by hand.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from helios_metrics.monitoring_emulator._charts import PALETTE, line_chart

__all__ = ["Accounting", "Sample", "account", "memory_page", "rss_summary"]

WindowKey = tuple[str, int]  # (event kind: a stage or "pipeline", window end in seconds)


@dataclass(frozen=True)
class Sample:
    t: float
    """Seconds since the soak started."""
    simulated_hour: float
    rss_mb: Mapping[str, float]
    """Resident memory of each role's process group (absent while it is restarting)."""


@dataclass
class Accounting:
    events_in: int
    counted: int
    dead_lettered_events: int
    lost: int
    """Events recorded in some window that Monitoring holds fewer of, summed over windows."""
    double_counted: int
    """Events Monitoring holds beyond what was recorded, summed over windows."""
    windows: int
    dead_letter_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def account(
    recorded: Mapping[WindowKey, int],
    counted: Mapping[WindowKey, int],
    hostile_events: int,
    letters: Iterable[tuple[str, int, bool]],
) -> Accounting:
    """Compare, window by window, what the pipeline recorded with what Monitoring holds.

    ``letters``: each dead letter's reason, the events it carries and whether the soak injected it
    (hostile). Hostile events — valid messages Monitoring would refuse by age — belong in the dead
    letters; a pipeline event found there is accounted for, not lost. Comparing per window keeps a
    loss in one window from hiding a double count in another."""
    short = double = 0
    for key in recorded.keys() | counted.keys():
        difference = counted.get(key, 0) - recorded.get(key, 0)
        if difference > 0:
            double += difference
        else:
            short -= difference
    reasons: dict[str, int] = {}
    hostile_lettered = pipeline_lettered = 0
    for reason, events, hostile in letters:
        reasons[reason] = reasons.get(reason, 0) + 1
        if hostile:
            hostile_lettered += events
        else:
            pipeline_lettered += events
    return Accounting(
        events_in=sum(recorded.values()) + hostile_events,
        counted=sum(counted.values()),
        dead_lettered_events=hostile_lettered + pipeline_lettered,
        lost=max(0, short - pipeline_lettered) + max(0, hostile_events - hostile_lettered),
        double_counted=double,
        windows=len(recorded),
        dead_letter_reasons=dict(sorted(reasons.items())),
    )


def rss_summary(samples: Sequence[Sample]) -> dict[str, dict[str, float]]:
    """Per role: first, last and peak RSS, and the growth from the second tenth of the run (past
    start-up) to the last tenth — the figure that says whether memory is flat."""
    roles = sorted({role for s in samples for role in s.rss_mb})
    out: dict[str, dict[str, float]] = {}
    for role in roles:
        series = [(s.t, s.rss_mb[role]) for s in samples if role in s.rss_mb]
        if not series:
            continue
        values = [v for _, v in series]
        tenth = max(1, len(series) // 10)
        early = values[tenth : 2 * tenth] or values[:tenth]
        late = values[-tenth:]
        out[role] = {
            "first_mb": round(values[0], 1),
            "last_mb": round(values[-1], 1),
            "peak_mb": round(max(values), 1),
            "growth_mb": round(sum(late) / len(late) - sum(early) / len(early), 1),
        }
    return out


def memory_page(samples: Sequence[Sample], title: str, week_start_ns: int) -> str:
    """An HTML page with one line per role, RSS against simulated time (what the PNG shows)."""
    roles = sorted({role for s in samples for role in s.rss_mb})
    hour_ns = 3600 * 1_000_000_000
    lines = [
        (role, [(week_start_ns + int(s.simulated_hour * hour_ns), s.rss_mb[role]) for s in samples if role in s.rss_mb])
        for role in roles
    ]
    end_ns = week_start_ns + 7 * 24 * hour_ns
    chart = line_chart(lines, week_start_ns, end_ns, unit="RSS (MB)", width=900, height=360)
    legend = "".join(
        f'<span style="margin-right:18px"><span style="display:inline-block;width:14px;height:3px;'
        f'background:{PALETTE[i % len(PALETTE)]};vertical-align:middle"></span> {html.escape(role)}</span>'
        for i, role in enumerate(roles)
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>soak memory</title></head>'
        '<body style="font-family:sans-serif;margin:12px;background:#fff">'
        f'<div style="font-size:15px;margin-bottom:6px">{html.escape(title)}</div>'
        f'{chart}<div style="font-size:12px;color:#3c4043;margin-top:4px">{legend}</div></body></html>'
    )
