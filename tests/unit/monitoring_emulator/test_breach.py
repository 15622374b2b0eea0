"""What an incident reads as: a ratio condition's values as percentages with the comparison,
whatever the condition stores (success share below 85 %, or failure share above 15 %); a forecast as
one; and the window its condition measured over (which of two burn-rate windows tripped)."""

from __future__ import annotations

import pytest

from helios_metrics.monitoring_emulator.breach import Reading, percent, reading, window

RUNS = 'metric.type = "custom.googleapis.com/helios/pipeline_runs"'


def incident(observed: str, threshold: str, comparison: str = "COMPARISON_LT", ratio: bool = True) -> dict:
    body = {"filter": f'{RUNS} AND metric.labels.status = "success"', "comparison": comparison}
    if ratio:
        body["denominatorFilter"] = RUNS
    return {
        "observed_value": observed,
        "threshold_value": threshold,
        "condition": {"displayName": "c", "conditionThreshold": body},
    }


@pytest.mark.parametrize(
    ("observed", "threshold", "comparison", "expected"),
    [
        ("0.666667", "0.85", "COMPARISON_LT", "66.7 % < 85 %"),  # the success share
        ("0.333333", "0.15", "COMPARISON_GT", "33.3 % > 15 %"),  # the same runs as a failure share
        ("1", "0.9", "COMPARISON_GE", "100 % >= 90 %"),
        ("0", "0.05", "COMPARISON_LE", "0 % <= 5 %"),
        ("0.8499", "0.85", "COMPARISON_LT", "84.99 % < 85 %"),  # never "85 % < 85 %"
        ("0.125", "0.125", "COMPARISON_EQ", "12.5 % = 12.5 %"),
    ],
)
def test_a_ratio_reads_as_percentages_with_its_comparison(observed, threshold, comparison, expected):
    assert str(reading(incident(observed, threshold, comparison))) == expected


def test_a_plain_threshold_keeps_its_numbers_and_shows_its_comparison():
    assert reading(incident("412.5", "300", "COMPARISON_GT", ratio=False)) == Reading("412.5", "> 300")


def test_an_absence_reads_as_no_data_for_its_duration():
    absent = {"observed_value": "", "threshold_value": "", "condition": {"conditionAbsent": {"duration": "600s"}}}
    assert str(reading(absent)) == "no data for 10 min"
    absent["condition"]["conditionAbsent"]["duration"] = "7200s"
    assert str(reading(absent)) == "no data for 2 h"


def test_a_ratio_without_a_value_says_so():
    assert str(reading(incident("", "0.85"))) == "no data < 85 %"


def test_a_condition_the_emulator_does_not_evaluate_shows_the_value_alone():
    assert str(reading({"observed_value": "3", "threshold_value": "", "condition": {"conditionMatchedLog": {}}})) == "3"


@pytest.mark.parametrize(
    ("share", "text"), [(0.85, "85 %"), (0.6666667, "66.7 %"), (0.155, "15.5 %"), (1.0, "100 %"), (0.0, "0 %")]
)
def test_percentages_drop_trailing_zeros(share, text):
    assert percent(share) == text


def burn_rate(lookback: str, period: str = "60s", duration: str = "0s") -> dict:
    slo = "projects/p/services/helios-pipeline/serviceLevelObjectives/run-success"
    return {
        "observed_value": "7.5",
        "threshold_value": "6",
        "condition": {
            "displayName": "burn rate",
            "conditionThreshold": {
                "filter": f'select_slo_burn_rate("{slo}", "{lookback}")',
                "comparison": "COMPARISON_GT",
                "aggregations": [{"alignmentPeriod": period, "perSeriesAligner": "ALIGN_MEAN"}],
                "duration": duration,
            },
        },
    }


def test_the_window_names_the_lookback_that_tripped():
    assert window(burn_rate("3600s")) == "lookback 1 h, aligned over 1 min"
    assert window(burn_rate("21600s", duration="300s")) == "lookback 6 h, aligned over 1 min, for 5 min"
    assert window(burn_rate("1h")) == "lookback 1 h, aligned over 1 min"  # the selector's own duration syntax


def test_the_window_of_plain_absent_and_forecast_conditions():
    plain = incident("412.5", "300", "COMPARISON_GT", ratio=False)
    assert window(plain) == ""
    plain["condition"]["conditionThreshold"].update(
        aggregations=[{"alignmentPeriod": "600s"}], duration="120s", forecastOptions={"forecastHorizon": "7200s"}
    )
    assert window(plain) == "aligned over 10 min, for 2 min, forecast 2 h ahead"
    absent = {"condition": {"conditionAbsent": {"duration": "600s", "aggregations": [{"alignmentPeriod": "60s"}]}}}
    assert window(absent) == "aligned over 1 min"  # its duration is in its reading: "no data for 10 min"


def test_an_incident_opened_on_a_forecast_reads_as_one():
    forecast = {
        **incident("0.95", "0.9", "COMPARISON_GT", ratio=False),
        "forecast": {"horizon": "3600s", "value": "0.95"},
    }
    assert str(reading(forecast)) == "forecast 0.95 within 1 h > 0.9"
    share = {**incident("0.8", "0.85"), "forecast": {"horizon": "7200s", "value": "0.8"}}
    assert str(reading(share)) == "forecast 80 % within 2 h < 85 %"
