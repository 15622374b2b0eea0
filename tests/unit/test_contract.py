"""The contract's pure pieces: one definition of transient, the catalog's reductions and descriptors."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.protobuf import json_format

from helios_metrics.contract import CATALOG, METRIC_KIND, is_ambiguous, is_transient, is_transient_code, spec
from helios_metrics.functions.writer import descriptor_for

TRANSIENT = [
    exceptions.Aborted("x"),
    exceptions.Cancelled("x"),
    exceptions.DeadlineExceeded("x"),
    exceptions.InternalServerError("x"),
    exceptions.ResourceExhausted("Quota exceeded for this method; try again later."),
    exceptions.ServiceUnavailable("x"),
    exceptions.Unknown("x"),
]
PERMANENT = [
    exceptions.InvalidArgument("x"),
    exceptions.NotFound("x"),
    exceptions.PermissionDenied("x"),
    exceptions.FailedPrecondition("x"),
    exceptions.ResourceExhausted("Monitored resource has too many time series (custom metrics)."),
    ValueError("not an API error"),
]


@pytest.mark.parametrize("error", TRANSIENT, ids=lambda e: type(e).__name__)
def test_transient_errors_are_the_codes_pubsub_itself_retries(error):
    assert is_transient(error)


@pytest.mark.parametrize("error", PERMANENT, ids=lambda e: f"{type(e).__name__}:{e}"[:40])
def test_permanent_errors_and_the_series_cap_are_not_retried(error):
    assert not is_transient(error)


def test_codes_by_number_and_name_agree():
    assert is_transient_code(14)
    assert is_transient_code("UNAVAILABLE")
    assert not is_transient_code(3)
    assert not is_transient_code("INVALID_ARGUMENT")
    assert not is_transient_code(8, "Monitored resource has too many time series (custom metrics).")
    assert is_ambiguous(exceptions.DeadlineExceeded("x"))
    assert not is_ambiguous(exceptions.ServiceUnavailable("x"))


def test_every_metric_says_how_it_reduces_across_collector_instances():
    reductions = {m.name: (m.reduction.aligner, m.reduction.reducer) for m in CATALOG}
    assert reductions["pipeline_runs"] == reductions["stage_duration"] == ("ALIGN_SUM", "REDUCE_SUM")
    assert reductions["stage_value"] == reductions["resource_utilization"] == ("ALIGN_MEAN", "REDUCE_MEAN")
    assert set(reductions) == {m.name for m in CATALOG}


def test_the_descriptor_is_plain_data_the_api_message_takes_as_is():
    data = spec("stage_duration").descriptor("p")
    assert data["metric_kind"] == METRIC_KIND == "GAUGE"
    assert (data["value_type"], data["unit"], [label["key"] for label in data["labels"]]) == (
        "DISTRIBUTION",
        "s",
        ["stage", "status"],
    )
    message = descriptor_for(spec("stage_duration"), "p")
    assert json_format.MessageToDict(message, preserving_proto_field_name=True) == {
        **data,
        "labels": [{k: v for k, v in label.items() if k != "value_type"} for label in data["labels"]],  # STRING = 0
    }
