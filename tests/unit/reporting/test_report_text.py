"""The report's text states its window as it was asked for."""

from __future__ import annotations

import pytest

from helios_metrics.reporting.report import parse_window
from helios_metrics.reporting.text import _span


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("10m", "10 min"), ("90m", "90 min"), ("1h", "1 h"), ("6h", "6 h"), ("1d", "1 d"), ("25h", "25 h")],
)
def test_a_window_reads_in_the_unit_it_was_asked_in(asked, shown):
    assert _span(parse_window(asked) / 3600) == shown


def _analysis_forecast() -> dict:
    from helios_metrics.reporting.analysis import forecast_figures
    from tests.unit.reporting.test_forecast import NOW, healthy_then

    return forecast_figures(healthy_then("SFSF"), NOW)


def test_the_forecast_reads_with_both_horizons_their_intervals_and_the_six_hour_share():
    from helios_metrics.reporting.text import forecast_lines

    lines = forecast_lines(_analysis_forecast())
    assert lines[0].startswith("forecast, next hour: success ")
    assert "80 % interval" in lines[0]
    assert "95 %" in lines[0]
    assert lines[1].startswith("forecast, next 6 h: success ")
    assert "last 6 h's share 90.0% of 30 runs; last hour 60.0% of 5" in lines[2]
    assert lines[3].startswith("  the success rate has likely changed")


def test_the_band_holds_each_horizon_its_bounds_and_the_realised_rate():
    from helios_metrics.reporting.report import band_values

    figures = _analysis_forecast()
    band = {(labels["horizon"], labels["line"]): value for labels, value in band_values(figures)}
    assert band[("1h", "forecast")] == figures["next_hour_success_rate"]
    assert band[("1h", "low_95")] <= band[("1h", "low_80")] <= band[("1h", "forecast")] <= band[("1h", "high_80")]
    assert band[("6h", "high_95")] == figures["next_six_hours"]["interval_95"][1]
    assert band[("1h", "realised")] == pytest.approx(3 / 5)
    assert band[("6h", "realised")] == pytest.approx(27 / 30)
    assert len(band) == 12


def test_every_band_point_is_a_series_the_catalog_describes():
    from helios_metrics.contract.catalog import spec
    from helios_metrics.reporting.report import BAND_METRIC, band_values

    band = spec(BAND_METRIC)
    assert (band.value_type, band.unit, band.kind, band.label_keys) == ("DOUBLE", "1", "GAUGE", ("horizon", "line"))
    allowed = {label.key: set(label.values) for label in band.labels}
    assert (band.min_value, band.max_value) == (0.0, 1.0)
    for labels, value in band_values(_analysis_forecast()):
        assert all(labels[key] in allowed[key] for key in band.label_keys), labels
        assert 0.0 <= value <= 1.0


def test_a_line_without_a_value_is_left_out_of_the_band():
    from helios_metrics.reporting.report import band_values

    figures = _analysis_forecast()
    figures["realised_last_hour"] = {"rate": None, "runs": 0}  # no run ended in the last hour
    lines = {(labels["horizon"], labels["line"]) for labels, _ in band_values(figures)}
    assert len(lines) == 11
    assert ("1h", "realised") not in lines
    assert ("6h", "realised") in lines
