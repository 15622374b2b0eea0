"""What every console page shares: the page frame (header, navigation, style), escaping, times,
ranges and the small renderings several pages use. Plain HTML and CSS: no script, nothing fetched."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from helios_metrics.contract.units import NS

from ._charts import PALETTE, Line

__all__ = [
    "RANGES",
    "as_text",
    "delivered",
    "e",
    "fill",
    "incident_href",
    "legend",
    "page",
    "range_bounds",
    "range_links",
    "typed_labels",
    "when",
]

RANGES = {"1h": 3600, "6h": 6 * 3600, "1d": 86400, "7d": 7 * 86400}
NAVIGATION = (
    ("/", "Dashboards"),
    ("/services", "Services and SLOs"),
    ("/incidents", "Incidents"),
    ("/snoozes", "Snoozes"),
    ("/notifications", "Notifications"),
    ("/explorer", "Metric explorer"),
)
_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f8f9fa;color:#202124}
header{background:#fff;border-bottom:1px solid #dadce0;padding:10px 24px;display:flex;gap:24px;align-items:center}
header a{color:#1a73e8;text-decoration:none} h1{font-size:20px;margin:16px 24px} h2{font-size:15px;margin:0 0 6px}
main{padding:0 24px 24px;max-width:1250px} .grid{display:grid;grid-template-columns:repeat(48,1fr);gap:8px;
grid-auto-rows:20px}.tile{background:#fff;border:1px solid #dadce0;border-radius:6px;padding:8px;overflow:hidden}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;
height:10px;margin-right:4px;border-radius:2px}.score{font-size:34px;font-weight:500}.red{color:#d93025}
.yellow{color:#f29900}table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
td,th{border:1px solid #dadce0;padding:4px 8px;text-align:left;vertical-align:top}.open{color:#d93025;font-weight:600}
.closed{color:#188038}.ranges a{margin-right:8px}.empty{color:#5f6368;font-size:13px}form label{margin-right:12px}
pre{white-space:pre-wrap;font-size:12px;margin:0}h2.section{margin:18px 0 6px}.measured-line{font-size:16px}
.doc h3,.doc h4,.doc h5{margin:6px 0}.doc p,.doc ol,.doc ul{margin:6px 0;font-size:14px}
.facts th{width:1%;white-space:nowrap}.active{color:#d93025;font-weight:600}.scheduled{color:#f29900}
.ended{color:#5f6368}.figures{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:12px}
.figure{background:#fff;border:1px solid #dadce0;border-radius:6px;padding:8px 14px;min-width:150px}
.figure .score{font-size:26px}.figure small{color:#5f6368;display:block}
"""


def e(value: object) -> str:
    return html.escape(str(value))


def page(title: str, body: str, refresh_s: int | None = 60) -> str:
    refresh = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    links = "".join(f'<a href="{href}">{e(name)}</a>' for href, name in NAVIGATION)
    return (
        f'<!doctype html><html><head><meta charset="utf-8">{refresh}<title>{e(title)}</title>'
        f"<style>{_STYLE}</style></head><body><header><strong>Helios · local Cloud Monitoring</strong>"
        f"{links}</header><h1>{e(title)}</h1><main>{body}</main></body></html>"
    )


def legend(lines: Sequence[Line]) -> str:
    spans = [
        f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{e(label)}</span>'
        for i, (label, _) in enumerate(lines)
    ]
    return f'<div class="legend">{"".join(spans)}</div>' if spans else ""


def when(at: int | float | None, seconds: bool = False) -> str:
    """Epoch seconds as UTC: "05 Dec 14:03" (or with seconds and the year)."""
    return time.strftime("%d %b %Y %H:%M:%S" if seconds else "%d %b %H:%M", time.gmtime(at)) if at else ""


def range_bounds(query: Mapping[str, list[str]], clock: Callable[[], int]) -> tuple[str, int, int]:
    """The chosen range (``?range=``, default 1d) and its (start, end) in ns, ending with the
    current minute: its points end there."""
    chosen = query.get("range", ["1d"])[0]
    chosen = chosen if chosen in RANGES else "1d"
    minute = 60 * NS
    end = -(-clock() // minute) * minute
    return chosen, end - RANGES[chosen] * NS, end


def range_links(chosen: str) -> str:
    links = "".join(f'<a href="?range={r}"{" style=font-weight:700" if r == chosen else ""}>{r}</a>' for r in RANGES)
    return f'<p class="ranges">Range: {links} · refreshes every minute</p>'


def as_text(value: object, indent: str = "") -> list[str]:
    """A message as the lines a person reads: ``key: value``, nested values indented, text as
    text (its line breaks and characters as they are, not JSON-escaped)."""
    if isinstance(value, Mapping):
        lines: list[str] = []
        for key, item in value.items():
            if isinstance(item, Mapping | list) and item:
                lines += [f"{indent}{key}:", *as_text(item, indent + "  ")]
            elif isinstance(item, str) and "\n" in item:
                lines += [f"{indent}{key}:", *(f"{indent}  {part}" for part in item.splitlines())]
            else:
                lines.append(f"{indent}{key}: {item if isinstance(item, str) else json.dumps(item)}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            nested = as_text(item, indent + "  ")
            lines += [f"{indent}- {nested[0].strip()}", *nested[1:]] if nested else [f"{indent}-"]
        return lines
    return [f"{indent}{value if isinstance(value, str) else json.dumps(value)}"]


def delivered(notification: Mapping[str, Any]) -> str:
    """What the outbox holds for a notification, or how its webhook delivery went, as text."""
    shown = notification.get("message") or {
        k: notification[k] for k in ("url", "status", "attempts", "error", "reason") if k in notification
    }
    return "\n".join(as_text(shown))


def incident_href(incident: Mapping[str, Any]) -> str:
    return f"/incidents/{quote(str(incident['incident_id']), safe='')}"


def typed_labels(thing: Mapping[str, Any]) -> str:
    """A metric or monitored resource: ``type (key=value, …)``."""
    labels = ", ".join(f"{k}={v}" for k, v in sorted(thing.get("labels", {}).items()))
    return f"{thing.get('type', '')} ({labels})" if labels else str(thing.get("type", ""))


def fill(template: str, labels: Mapping[str, str]) -> str:
    for key, value in labels.items():
        template = template.replace("${" + key + "}", value)
    return template
