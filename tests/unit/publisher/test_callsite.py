"""Validation at the call site: every field, every bound, NaN/inf and wrong types → ValueError naming the field."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from helios_metrics.contract import Settings
from helios_metrics.publisher import MetricsPublisher, PublisherOptions

GOOD_PIPELINE = {
    "execution_time": 120.5,
    "trend_opportunity_score": 0.85,
    "audience_confidence": 0.92,
    "design_generation_success": 0.88,
    "publication_success": 0.95,
}


@pytest.fixture
def metrics(tmp_path):
    """A real publisher whose Pub/Sub is unreachable: validation never needs the network."""
    publisher = MetricsPublisher(
        settings=Settings(project_id="unit", pubsub_emulator_host="127.0.0.1:9"),
        spool_dir=tmp_path,
        options=PublisherOptions(
            max_latency_s=3600, publish_deadline_s=0.2, publish_timeout_s=0.2, max_stages=3, max_data_keys=2
        ),
    )
    yield publisher
    publisher.close(timeout=0.5)


BAD_NUMBERS = [float("nan"), math.inf, -math.inf, "0.5", None, True, [0.5]]


@pytest.mark.parametrize("field", list(GOOD_PIPELINE))
@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_pipeline_numbers_must_be_finite_numbers(metrics, field, bad):
    with pytest.raises(ValueError, match=field) as caught:
        metrics.record_pipeline_metric(**{**GOOD_PIPELINE, field: bad})
    assert repr(bad) in str(caught.value)


@pytest.mark.parametrize("field", [f for f in GOOD_PIPELINE if f != "execution_time"])
@pytest.mark.parametrize("bad", [-0.01, 1.01, 2])
def test_scores_must_lie_in_0_1(metrics, field, bad):
    with pytest.raises(ValueError, match=f"{field} must be between 0 and 1"):
        metrics.record_pipeline_metric(**{**GOOD_PIPELINE, field: bad})


def test_scores_at_the_bounds_and_integers_are_accepted(metrics):
    metrics.record_pipeline_metric(
        execution_time=0,
        trend_opportunity_score=0,
        audience_confidence=1,
        design_generation_success=0.0,
        publication_success=1.0,
    )
    metrics.record_pipeline_metric(**{**GOOD_PIPELINE, "execution_time": Fraction(3, 2)})
    assert metrics.stats.recorded == 2


@pytest.mark.parametrize("bad", [-1.0, -1e-9])
def test_negative_durations_are_refused(metrics, bad):
    with pytest.raises(ValueError, match="execution_time must be a finite number of seconds >= 0"):
        metrics.record_pipeline_metric(**{**GOOD_PIPELINE, "execution_time": bad})
    with pytest.raises(ValueError, match="duration must be a finite number of seconds >= 0"):
        metrics.record_stage_metric(stage="trend_discovery", duration=bad)


@pytest.mark.parametrize("bad", [1, 0, "true", None])
def test_success_must_be_a_bool(metrics, bad):
    if bad is not None:  # None is the pipeline metric's default: its run's stages decide
        with pytest.raises(ValueError, match="success must be True or False"):
            metrics.record_pipeline_metric(**GOOD_PIPELINE, success=bad)
    with pytest.raises(ValueError, match="success must be True or False"):
        metrics.record_stage_metric(stage="publication", duration=1.0, success=bad)


@pytest.mark.parametrize("bad", ["", "Trend", "1stage", "with space", "a" * 64, 5, None])
def test_stage_names(metrics, bad):
    with pytest.raises(ValueError, match=r"stage must match \[a-z\]"):
        metrics.record_stage_metric(stage=bad, duration=1.0)
    metrics.record_stage_metric(stage="a" * 63, duration=1.0)


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_stage_durations(metrics, bad):
    with pytest.raises(ValueError, match="duration"):
        metrics.record_stage_metric(stage="trend_discovery", duration=bad)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2", None])
def test_error_count_must_be_a_non_negative_int(metrics, bad):
    with pytest.raises(ValueError, match="error_count must be an int >= 0"):
        metrics.record_stage_metric(stage="trend_discovery", duration=1.0, error_count=bad)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("trends=12", "additional_data must be a dict of numbers"),
        ([("trends", 12)], "additional_data must be a dict of numbers"),
        ({"trends": "12"}, "additional_data['trends'] must be a number, got '12'"),
        ({"trends": float("nan")}, "additional_data['trends'] must be a finite number"),
        ({"trends": math.inf}, "additional_data['trends'] must be a finite number"),
        ({"cached": True}, "additional_data['cached'] must be a number, got True"),
        ({"trends": None}, "additional_data['trends'] must be a number"),
        ({"bad key": 1}, "additional_data keys must match"),
        ({7: 1}, "additional_data keys must match"),
    ],
)
def test_additional_data(metrics, data, message):
    with pytest.raises(ValueError) as caught:
        metrics.record_stage_metric(stage="trend_discovery", duration=1.0, additional_data=data)
    assert message in str(caught.value)


def test_cardinality_caps_refuse_and_count_without_raising(metrics):
    for stage in ("a_stage", "b_stage", "c_stage"):
        metrics.record_stage_metric(stage=stage, duration=1.0)
    metrics.record_stage_metric(stage="d_stage", duration=1.0)  # a fourth distinct stage: refused
    assert (metrics.stats.recorded, metrics.stats.refused) == (3, 1)
    metrics.record_stage_metric(stage="a_stage", duration=1.0, additional_data={"k1": 1, "k2": 2, "k3": 3})
    assert (metrics.stats.recorded, metrics.stats.refused) == (4, 2)  # the event stays, key k3 is refused


def test_record_accepts_recordable_catalog_metrics_only(metrics):
    metrics.record("resource_utilization", 0.4, resource="cpu")
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        metrics.record("nope", 1.0)
    with pytest.raises(ValueError, match="cannot be recorded directly"):
        metrics.record("stage_duration", 1.0, stage="a", status="success")
    with pytest.raises(ValueError, match=r"labels of resource_utilization must be exactly \['resource'\]"):
        metrics.record("resource_utilization", 0.4)
    with pytest.raises(ValueError, match="label resource must be one of"):
        metrics.record("resource_utilization", 0.4, resource="disk")
    with pytest.raises(ValueError, match="within"):
        metrics.record("resource_utilization", 1.4, resource="cpu")
    with pytest.raises(ValueError, match="value must be a number"):
        metrics.record("resource_utilization", "0.4", resource="cpu")
    assert metrics.stats.recorded == 1


def test_stage_timer_checks_the_name_when_created(metrics):
    with pytest.raises(ValueError, match="stage must match"):
        metrics.stage("Not A Stage")


def test_a_project_is_required(tmp_path):
    with pytest.raises(ValueError, match="GOOGLE_CLOUD_PROJECT"):
        MetricsPublisher(settings=Settings(), spool_dir=tmp_path)


def test_recording_after_close_fails_loudly(metrics):
    metrics.record_stage_metric(stage="trend_discovery", duration=1.0)
    metrics.close(timeout=0.5)
    with pytest.raises(RuntimeError, match="closed"):
        metrics.record_stage_metric(stage="trend_discovery", duration=1.0)
    assert metrics.stats.recorded >= 1


def test_an_int_beyond_a_double_is_refused_naming_the_field_even_for_a_known_key(metrics):
    """The collector reads numbers as doubles: a larger int would dead-letter its whole message.
    Refused on the key's first use (the slow path) and once the key is known (the fast path)."""
    huge = 10**400
    metrics.record_stage_metric(stage="trend_discovery", duration=1.0, additional_data={"trends": 12})
    for _ in range(2):
        with pytest.raises(ValueError, match=r"additional_data\['trends'\] must be a finite number"):
            metrics.record_stage_metric(stage="trend_discovery", duration=1.0, additional_data={"trends": huge})
    with pytest.raises(ValueError, match=r"additional_data\['fresh'\] must be a finite number"):
        metrics.record_stage_metric(stage="trend_discovery", duration=1.0, additional_data={"fresh": huge})
    with pytest.raises(ValueError, match="duration must be a finite number"):
        metrics.record_stage_metric(stage="trend_discovery", duration=huge)
    with pytest.raises(ValueError, match="execution_time must be a finite number"):
        metrics.record_pipeline_metric(**{**GOOD_PIPELINE, "execution_time": huge})
    big_but_finite = 2**1000
    metrics.record_stage_metric(stage="trend_discovery", duration=1.0, additional_data={"trends": big_but_finite})
    assert metrics.stats.recorded == 2
