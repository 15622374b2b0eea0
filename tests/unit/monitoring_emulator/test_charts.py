"""Chart axes cover every value: found when the soak's 457 MB line ran off a 0–400 axis."""

from __future__ import annotations

import pytest

from helios_metrics.monitoring_emulator._charts import nice_ticks


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 457, [0, 200, 400, 600]),
        (0, 400, [0, 100, 200, 300, 400]),
        (0, 1, [0, 0.5, 1.0]),
        (-3, 7, [-5, 0, 5, 10]),
    ],
)
def test_ticks_are_round_and_cover_the_range(low, high, expected):
    assert nice_ticks(low, high) == expected


@pytest.mark.parametrize("high", [0.37, 9.99, 57.0, 101.0, 457.3, 12_345.0])
def test_the_last_tick_is_never_below_the_highest_value(high):
    ticks = nice_ticks(0.0, high)
    assert ticks[0] <= 0.0
    assert ticks[-1] >= high
    assert len(ticks) <= 7
