"""The forecaster behind a threshold condition's ``forecastOptions.forecastHorizon``.

Google trains a model per time series and documents only its outline: the model needs an initial
training time of twice the forecast horizon, and a forecast predicts whether the series will
violate the threshold within the horizon. The emulator's forecaster is deliberately simple and
fully specified, so a test can say what it will do:

- **Samples**: the condition's own measurements — its aligned values (its ratio, for a ratio
  condition), one per alignment period — ending at the evaluation instant, over the **training
  window of twice the horizon** (as Google's training time).
- **Model**: the least-squares straight line through those samples.
- **Minimum data**: at least :data:`MIN_SAMPLES` samples, spanning at least one horizon (half the
  training window). Google waits for the whole training time before its first forecast; the
  emulator starts once half of it holds data, so a replay of a few hours exercises a one-hour
  horizon. With less, there is no forecast and only the measured values count.
- **Prediction**: the line over the next horizon. Since it is straight, it violates the threshold
  somewhere in ``(now, now + horizon]`` exactly when it does at one of the two ends; the forecast
  value reported is the line's value at ``now + horizon``.

A flat series forecasts its own level, so it never fires before it actually crosses; a series
rising steadily toward the threshold fires once the line reaches it within the horizon.
Pure: plain numbers in, plain numbers out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MIN_SAMPLES", "Forecast", "fit_line", "forecast", "training_window_ns"]

MIN_SAMPLES = 3


@dataclass(frozen=True)
class Forecast:
    """The fitted line's value now and at the horizon's end."""

    now: float
    horizon: float


def training_window_ns(horizon_ns: int) -> int:
    """How far back the samples of one forecast reach: twice the horizon."""
    return 2 * horizon_ns


def fit_line(samples: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """``(slope, intercept)`` of the least-squares line through ``(x, y)`` samples; None for fewer
    than two distinct x."""
    n = len(samples)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in samples) / n
    mean_y = sum(y for _, y in samples) / n
    spread = sum((x - mean_x) ** 2 for x, _ in samples)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in samples) / spread
    return slope, mean_y - slope * mean_x


def forecast(samples: Sequence[tuple[int, float]], now_ns: int, horizon_ns: int) -> Forecast | None:
    """The line through ``(time ns, value)`` samples inside the training window ending at
    ``now_ns``, evaluated at ``now_ns`` and ``now_ns + horizon_ns``; None without the minimum data."""
    start = now_ns - training_window_ns(horizon_ns)
    inside = [(t, v) for t, v in samples if start < t <= now_ns]
    if len(inside) < MIN_SAMPLES or now_ns - min(t for t, _ in inside) < horizon_ns:
        return None
    hours = [((t - now_ns) / 3.6e12, v) for t, v in inside]  # hours before now: well-conditioned
    line = fit_line(hours)
    if line is None:
        return None
    slope, intercept = line
    return Forecast(now=intercept, horizon=intercept + slope * horizon_ns / 3.6e12)
