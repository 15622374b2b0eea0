"""The report's text states its window as it was asked for."""

from __future__ import annotations

import pytest

from reporting.report import parse_window
from reporting.text import _span


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("10m", "10 min"), ("90m", "90 min"), ("1h", "1 h"), ("6h", "6 h"), ("1d", "1 d"), ("25h", "25 h")],
)
def test_a_window_reads_in_the_unit_it_was_asked_in(asked, shown):
    assert _span(parse_window(asked) / 3600) == shown
