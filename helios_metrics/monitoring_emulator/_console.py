"""The local console on the emulator's HTTP port: the stored dashboards rendered from their own
definitions and the stored data, services and their SLOs, incidents (which condition and which
window tripped), snoozes, the notification outbox and a metric explorer.

Pages are plain HTML with inline SVG and CSS: no script, no build step, nothing fetched from
anywhere. The console owns its route table (:meth:`Console.routes`): the HTTP server serves
whatever pages it lists, so a new page needs no change there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from google.cloud.monitoring_dashboard_v1.types import dashboard as dashboard_types

from helios_metrics.contract.cli import command

from ._console_explorer import Explorer
from ._console_html import RANGES, e, page, range_bounds, range_links
from ._console_incidents import IncidentPages
from ._console_mosaic import mosaic_tiles
from ._console_slo import SloPages
from ._console_snoozes import SnoozePages
from ._console_widgets import Widgets
from ._raw import Raw
from ._store import Store

if TYPE_CHECKING:
    from ._alerting import AlertEvaluator

__all__ = ["RANGES", "Console", "Page", "PrefixPage", "Routes"]

Page = Callable[[Mapping[str, list[str]]], "str | None"]
"""A page at one path: the query string in, HTML out (None: not found)."""
PrefixPage = Callable[[str, Mapping[str, list[str]]], "str | None"]
"""A page under a path prefix: the rest of the path (unquoted) and the query string in."""
Routes = tuple[dict[str, Page], dict[str, PrefixPage]]
_ROW_PX, _PAGE_PX = 20, 1200


class Console:
    def __init__(
        self,
        store: Store,
        evaluator: AlertEvaluator,
        dashboards: Callable[[str], list[Raw]],
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._store, self._dashboards, self._clock = store, dashboards, clock
        self._widgets = Widgets(store, evaluator)
        self._incidents = IncidentPages(evaluator, self._widgets, clock)
        self._slos = SloPages(store, evaluator, clock)
        self._snoozes = SnoozePages(store, clock)
        self._explorer = Explorer(store, clock)

    def routes(self) -> Routes:
        """(path → page, path prefix → page): every page the console serves, for GET."""
        pages: dict[str, Page] = {
            "/": self.index,
            "/incidents": self.incidents,
            "/notifications": self.notifications,
            "/explorer": self.explorer,
            "/services": self._slos.services,
            "/snoozes": self._snoozes.snoozes,
        }
        prefixes: dict[str, PrefixPage] = {
            "/dashboards/": self._dashboard_at,
            "/incidents/": lambda rest, query: self.incident(rest),  # the url every notification carries
            "/services/": self._slos.slo,
        }
        return pages, prefixes

    def index(self, query: Mapping[str, list[str]]) -> str:
        rows = []
        for project in sorted(self._store.known_projects()):
            for board in self._dashboards(project):
                ident = board.name.rsplit("/", 1)[-1]
                href = f"/dashboards/{quote(project)}/{quote(ident)}"
                rows.append(
                    f'<tr><td><a href="{href}">{e(board.display_name)}</a></td><td>{e(project)}</td>'
                    f"<td>{e(ident)}</td></tr>"
                )
        table = "<table><tr><th>dashboard</th><th>project</th><th>id</th></tr>" + "".join(rows) + "</table>"
        more = (
            '<p>Also: <a href="/services">services and their SLOs</a> (compliance, error budget, burn rates) · '
            '<a href="/incidents">incidents</a> (which condition and window tripped) · '
            '<a href="/snoozes">snoozes</a> (active, scheduled, ended) · '
            '<a href="/notifications">notifications</a> · <a href="/explorer">metric explorer</a></p>'
        )
        return page(
            "Dashboards",
            (table if rows else '<p class="empty">No dashboards yet: run ' + command("setup_infra") + " apply.</p>")
            + more,
        )

    def _dashboard_at(self, rest: str, query: Mapping[str, list[str]]) -> str | None:
        project, _, ident = rest.partition("/")
        return self.dashboard(project, ident, query)

    def dashboard(self, project: str, ident: str, query: Mapping[str, list[str]]) -> str | None:
        body = self._store.get_object("dashboard", project, ident)
        if body is None:
            return None
        board = dashboard_types.Dashboard.pb().FromString(body)
        chosen, start, end = range_bounds(query, self._clock)
        tiles = mosaic_tiles(self._widgets, project, board, (start, end), query, (_PAGE_PX, _ROW_PX))
        return page(board.display_name, f'{range_links(chosen)}<div class="grid">{tiles}</div>')

    def incidents(self, query: Mapping[str, list[str]]) -> str:
        return self._incidents.incidents(query)

    def incident(self, ident: str) -> str | None:
        return self._incidents.incident(ident)

    def notifications(self, query: Mapping[str, list[str]]) -> str:
        return self._incidents.notifications(query)

    def explorer(self, query: Mapping[str, list[str]]) -> str:
        return self._explorer.render(query)
