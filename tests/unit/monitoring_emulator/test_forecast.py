"""The forecaster of ``forecastOptions``: a least-squares line over the training window (twice the
horizon), projected one horizon ahead, with no forecast until it holds enough data."""

from __future__ import annotations

import pytest

from helios_metrics.monitoring_emulator._forecast import MIN_SAMPLES, Forecast, fit_line, forecast, training_window_ns

MIN = 60 * 10**9
HOUR = 60 * MIN
NOW = 1_800_000_000 * 10**9


def every_minute(value_at, minutes: int) -> list[tuple[int, float]]:
    """One sample a minute for ``minutes`` minutes up to NOW, valued ``value_at(minutes before now)``."""
    return [(NOW - m * MIN, value_at(m)) for m in range(minutes - 1, -1, -1)]


def test_the_line_is_the_least_squares_fit():
    assert fit_line([(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]) == pytest.approx((2.0, 1.0))
    slope, intercept = fit_line([(0.0, 0.0), (1.0, 1.0), (2.0, 0.0), (3.0, 1.0)])
    assert (slope, intercept) == pytest.approx((0.2, 0.2))
    assert fit_line([(1.0, 1.0)]) is None
    assert fit_line([(1.0, 1.0), (1.0, 2.0)]) is None  # no spread in time: no line


def test_a_rising_series_is_projected_one_horizon_ahead():
    rising = every_minute(lambda before: 0.8 - 0.001 * before, 120)  # +0.06 an hour, 0.8 now
    predicted = forecast(rising, NOW, HOUR)
    assert predicted == Forecast(now=pytest.approx(0.8), horizon=pytest.approx(0.86))


def test_a_flat_series_forecasts_its_own_level():
    predicted = forecast(every_minute(lambda before: 0.5, 120), NOW, HOUR)
    assert predicted == Forecast(now=pytest.approx(0.5), horizon=pytest.approx(0.5))


def test_only_the_training_window_counts():
    assert training_window_ns(HOUR) == 2 * HOUR
    # three hours of samples: the oldest hour was far higher, and is outside the window
    samples = every_minute(lambda before: 100.0 if before >= 120 else 0.5, 180)
    assert forecast(samples, NOW, HOUR) == Forecast(now=pytest.approx(0.5), horizon=pytest.approx(0.5))


@pytest.mark.parametrize(
    ("samples", "why"),
    [
        (every_minute(lambda before: 0.5, 59), "59 minutes of data: less than one horizon"),
        ([(NOW - 90 * MIN, 0.1), (NOW, 0.2)], f"{MIN_SAMPLES - 1} samples"),
        ([(NOW + MIN, 0.1), (NOW + 2 * MIN, 0.2), (NOW + 3 * MIN, 0.3)], "samples after now do not count"),
    ],
)
def test_without_the_minimum_data_there_is_no_forecast(samples, why):
    assert forecast(samples, NOW, HOUR) is None, why


def test_one_horizon_of_data_is_enough():
    assert forecast(every_minute(lambda before: 0.5 - 0.001 * before, 61), NOW, HOUR) is not None
