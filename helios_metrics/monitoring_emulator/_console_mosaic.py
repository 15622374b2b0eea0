"""A dashboard's mosaic as the console lays it out, the way Google's console shows the layouts its
sample dashboards use: every tile at its place on the grid; a collapsible group's tile as a title
band above the members it spans (drawn as tiles of their own); a single-view group, whose members
share one place, showing the first of them; a section header as a title; and the dashboard's
template variables standing for the values its filters give them (``?var.NAME=value`` overrides
one, as the console's variable menu would).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._dashboard_variables import terms
from ._raw import Raw

if TYPE_CHECKING:
    from ._console_widgets import Widgets

__all__ = ["mosaic_tiles", "shown"]

_GROUPS = ("collapsible_group", "single_view_group")


def _area(tile: Raw) -> tuple[int, int, int, int]:
    return tile.x_pos, tile.y_pos, tile.x_pos + tile.width, tile.y_pos + tile.height


def _within(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def shown(tiles: list[Raw]) -> list[tuple[Raw, int, int]]:
    """The tiles drawn, each with the grid row it starts on and the rows it takes: a group's tile
    one row (its title band), inserted above the tiles that start where it starts (so every tile
    at or below a band moves down a row per band above it); of a single-view group's members only
    the first; every other tile its own height."""
    bands = sorted(t.y_pos for t in tiles if t.widget.WhichOneof("content") in _GROUPS)
    views = [_area(t) for t in tiles if t.widget.WhichOneof("content") == "single_view_group"]
    first: dict[int, int] = {}  # single-view group → index of the member it shows
    out: list[tuple[Raw, int, int]] = []
    for index, tile in enumerate(tiles):
        if tile.widget.WhichOneof("content") in _GROUPS:
            above = sum(1 for y in bands if y < tile.y_pos) + sum(1 for t in tiles[:index] if _band_at(t, tile.y_pos))
            out.append((tile, tile.y_pos + above, 1))
            continue
        view = next((v for v, area in enumerate(views) if _within(_area(tile), area)), None)
        if view is not None and first.setdefault(view, index) != index:
            continue
        out.append((tile, tile.y_pos + sum(1 for y in bands if y <= tile.y_pos), tile.height))
    return out


def _band_at(tile: Raw, y: int) -> bool:
    return tile.widget.WhichOneof("content") in _GROUPS and tile.y_pos == y


def mosaic_tiles(
    widgets: Widgets,
    project: str,
    board: Raw,
    window: tuple[int, int],
    query: Mapping[str, list[str]],
    page_px: tuple[int, int],
) -> str:
    """The tiles of ``board`` over ``window`` (start, end ns) as grid items; ``page_px``: the
    page's width and the height of one grid row, in pixels."""
    start, end = window
    page_width, row_px = page_px
    chosen = {key[4:]: values[-1] for key, values in query.items() if key.startswith("var.") and values}
    variables = terms(board.dashboard_filters, chosen)
    columns = board.mosaic_layout.columns or 48
    out = []
    for tile, row, rows in shown(list(board.mosaic_layout.tiles)):
        width = int(tile.width * page_width / columns) - 24
        height = rows * (row_px + 8) - 70
        style = f"grid-column:{tile.x_pos + 1} / span {tile.width};grid-row:{row + 1} / span {rows}"
        inner = widgets.widget(project, tile.widget, start, end, width, max(height, 80), variables)
        out.append(f'<div class="tile" style="{style}">{inner}</div>')
    return "".join(out)
