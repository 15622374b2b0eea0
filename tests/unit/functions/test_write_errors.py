from __future__ import annotations

import grpc
import pytest

from helios_metrics.functions.write_errors import parse_partial_failure
from helios_metrics.monitoring_emulator._partial import GRAMMARS, Failure, summary_error
from helios_metrics.monitoring_emulator._series import SeriesKey

ORDER = (
    "Points must be written in order. One or more of the points specified had an older end time than the most "
    "recent point."
)


def test_trailing_index_ranges_and_field_reasons():
    message = (
        f"One or more TimeSeries could not be written: {ORDER}: timeSeries[0-2,5]; "
        "Field timeSeries[7] had an invalid value: Duplicate TimeSeries encountered. Only one point can be written "
        "per TimeSeries per request."
    )
    failures = parse_partial_failure(message, [3, 3])
    assert sorted(failures) == [0, 1, 2, 5, 7]
    assert failures[0].out_of_order
    assert not failures[0].transient
    assert failures[7].reason.startswith("Field timeSeries[7]")


def test_leading_index_format():
    message = (
        "One or more TimeSeries could not be written: timeSeries[0-1]: write for resource=generic_task{…} "
        "failed with: Monitored resource has too many time series (custom metrics)."
    )
    failures = parse_partial_failure(message, [8])
    assert sorted(failures) == [0, 1]
    assert not failures[0].transient  # RESOURCE_EXHAUSTED for the series cap will not pass by retrying


def test_codes_decide_when_they_agree_and_wording_when_they_do_not():
    message = (
        "One or more TimeSeries could not be written: An internal error occurred.: timeSeries[1]; "
        f"{ORDER}: timeSeries[2]"
    )
    mixed = parse_partial_failure(message, [13, 3])
    assert (mixed[1].transient, mixed[2].transient) == (True, False)
    assert parse_partial_failure("One or more TimeSeries could not be written: whatever: timeSeries[4]", [14])[
        4
    ].transient


def test_unparseable_text_yields_no_failures():
    assert parse_partial_failure("something else entirely", [3]) == {}


@pytest.mark.parametrize("grammar", GRAMMARS)
def test_every_grammar_the_emulator_emits_is_placed_on_its_series(grammar):
    key = SeriesKey.of("p", "custom.googleapis.com/helios/stage_runs", {"stage": "s"}, "generic_task", {"job": "j"})
    failures = [
        Failure(i, grpc.StatusCode.INTERNAL, "An internal error occurred.", "x", grammar, key) for i in (0, 1, 2, 5)
    ]
    failures.append(Failure(7, grpc.StatusCode.INVALID_ARGUMENT, ORDER, "x", grammar, key))
    error = summary_error(failures, 9)
    placed = parse_partial_failure(error.message, [13, 3])
    assert sorted(placed) == [0, 1, 2, 5, 7]
    assert [placed[i].transient for i in (0, 1, 2, 5, 7)] == [True, True, True, True, False]
    assert placed[7].out_of_order  # the field form keeps "Field timeSeries[7]…" in front, still recognised
    assert placed[7].reason.endswith(ORDER)


def test_the_older_resource_grammar_as_google_wrote_it():
    message = (
        "One or more TimeSeries could not be written: An internal error occurred.: global{} timeSeries[3]: "
        "workload.googleapis.com/x{k:v}; Unrecognized region or location.: generic_task{location:mars,job:j} "
        "timeSeries[4]: custom.googleapis.com/y{}"
    )
    placed = parse_partial_failure(message, [13, 3])
    assert sorted(placed) == [3, 4]
    assert (placed[3].transient, placed[4].transient) == (True, False)
    assert placed[4].reason == "Unrecognized region or location."
