"""Alert policies and notification channels as Google's own samples and client tests use them:
what they expect to be accepted is, the codes they expect are returned (python-docs-samples'
alerts snippets and tests, python-monitoring's system tests, monitoring-dashboard-samples' alert
policies), and evaluation works on what is accepted."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2

from tests.helpers import HELIOS, minute_floor, series

RUNS = f"{HELIOS}/pipeline_runs"
FILTER = f'metric.type = "{RUNS}" AND resource.type = "generic_task"'


@pytest.fixture
def policies(factory):
    return factory.alert_policy()


@pytest.fixture
def channels(factory):
    return factory.notification_channel()


def rejected(call, *args, **kwargs) -> exceptions.GoogleAPICallError:
    with pytest.raises(exceptions.GoogleAPICallError) as caught:
        call(*args, **kwargs)
    return caught.value


def condition(aggregation: dict | None = None, **overrides) -> dict:
    threshold = {
        "filter": FILTER,
        "comparison": "COMPARISON_GT",
        "threshold_value": 5,
        "duration": {"seconds": 0},
        "aggregations": [aggregation or {"alignment_period": {"seconds": 300}, "per_series_aligner": "ALIGN_SUM"}],
    }
    threshold.update(overrides)
    return {"display_name": "runs", "condition_threshold": threshold}


def policy(*conditions: dict, **overrides) -> monitoring_v3.AlertPolicy:
    body = {"display_name": "sample", "combiner": "OR", "conditions": list(conditions) or [condition()]}
    body.update(overrides)
    return monitoring_v3.AlertPolicy(body)


# --- class 2: group-by fields Google's sample policies use --------------------------------------
@pytest.mark.parametrize(
    "fields",
    [
        ["project"],  # the sample policies': one series per project
        ["project", "resource.label.task_id", "resource.label.job"],
        ['resource.label."task_id"', 'metric.label."status"'],
        ['metadata.system_labels."name"', 'metadata.user_labels."team"'],
        ["resource.labels.zone", "metric.labels.status"],
    ],
)
def test_group_by_fields_of_googles_samples_are_accepted_as_written(policies, project_id, fields):
    aggregation = {
        "alignment_period": {"seconds": 300},
        "per_series_aligner": "ALIGN_SUM",
        "cross_series_reducer": "REDUCE_SUM",
        "group_by_fields": fields,
    }
    created = policies.create_alert_policy(name=f"projects/{project_id}", alert_policy=policy(condition(aggregation)))
    assert list(created.conditions[0].condition_threshold.aggregations[0].group_by_fields) == fields


def test_a_group_by_field_naming_nothing_a_series_has_is_refused(policies, project_id):
    """The evaluator could not group by it (Google's reference: the fields "to preserve")."""
    aggregation = {
        "alignment_period": {"seconds": 300},
        "per_series_aligner": "ALIGN_SUM",
        "cross_series_reducer": "REDUCE_SUM",
        "group_by_fields": ["project", "colour"],
    }
    error = rejected(
        policies.create_alert_policy, name=f"projects/{project_id}", alert_policy=policy(condition(aggregation))
    )
    assert isinstance(error, exceptions.InvalidArgument)
    assert 'aggregations[0].groupByFields had an invalid value of "colour"' in error.message


def test_a_policy_grouped_by_project_is_evaluated_and_opens_one_incident(policies, factory, monitoring, project_id):
    aggregation = {
        "alignment_period": {"seconds": 60},
        "per_series_aligner": "ALIGN_MAX",
        "cross_series_reducer": "REDUCE_SUM",
        "group_by_fields": ["project"],
    }
    created = policies.create_alert_policy(
        name=f"projects/{project_id}", alert_policy=policy(condition(aggregation, threshold_value=2))
    )
    end = minute_floor(300)
    tasks = [{"location": "global", "namespace": "helios", "job": "j", "task_id": t} for t in ("a", "b")]
    factory.metric_service().create_time_series(
        name=f"projects/{project_id}",
        time_series=[series(2, end, RUNS, {"status": "failure"}, resource_labels=task) for task in tasks],
    )
    opened = monitoring.admin.evaluate(f"{_rfc3339(end + 30)}", project_id)["opened"]
    assert [(i["policy"], i["observed_value"]) for i in opened] == [(created.name, "4")]  # 2 + 2 in one project


def _rfc3339(epoch_s: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_aligners_are_checked_against_the_metrics_kind_built_in_or_not(policies, factory, project_id):
    """monitoring-dashboard-samples' "OiC Sample Metric-Based Alert Policy" aligns
    ``compute.googleapis.com/instance/cpu/usage_time`` (DELTA) with ALIGN_MEAN: accepted. The same
    aligner on a CUMULATIVE metric is refused, as ListTimeSeries refuses it."""
    mean = {"alignment_period": {"seconds": 600}, "per_series_aligner": "ALIGN_MEAN"}
    cpu = 'resource.type = "gce_instance" AND metric.type = "compute.googleapis.com/instance/cpu/usage_time"'
    created = policies.create_alert_policy(
        name=f"projects/{project_id}", alert_policy=policy(condition(mean, filter=cpu))
    )
    assert created.conditions[0].condition_threshold.aggregations[0].per_series_aligner.name == "ALIGN_MEAN"
    usage = f"{HELIOS}/usage_time"
    factory.metric_service().create_metric_descriptor(
        name=f"projects/{project_id}",
        metric_descriptor={"type": usage, "metric_kind": "CUMULATIVE", "value_type": "DOUBLE"},
    )
    mine = f'resource.type = "generic_task" AND metric.type = "{usage}"'
    error = rejected(
        policies.create_alert_policy, name=f"projects/{project_id}", alert_policy=policy(condition(mean, filter=mine))
    )
    assert "kind CUMULATIVE and value type DOUBLE" in error.message


# --- Google's words for what it refuses ---------------------------------------------------------
@pytest.mark.parametrize(
    ("alert_policy", "message"),
    [
        (
            policy({"display_name": "untyped"}),
            'Field alert_policy.conditions[0].condition_case had an invalid value of "0": Condition subtype '
            '(e.g. "condition_absent","condition_threshold", etc.) is absent or unknown.',
        ),
        (
            policy({"display_name": "log", "condition_matched_log": {"filter": "severity=ERROR"}}, condition()),
            "Alert policies with a log matching condition can only have a single condition.",
        ),
        (
            policy(condition(evaluation_missing_data="EVALUATION_MISSING_DATA_INACTIVE")),
            "Field alert_policy.conditions[0].condition_threshold.evaluation_missing_data had an invalid value of "
            '"EVALUATION_MISSING_DATA_INACTIVE": Conditions setting evaluation_missing_data must have a non-zero '
            "duration.",
        ),
        (
            policy(alert_strategy={"notification_rate_limit": {"period": {"seconds": 3600}}}),
            'Field alertStrategy.notificationRateLimit had an invalid value of "period { seconds: 3600 }": '
            "metric-based alert policies must not specify a notification rate limit",
        ),
        (
            policy(name="projects/p/alertPolicies/mine"),
            "Cannot set 'name' when creating alert policy. Tried to set to 'projects/p/alertPolicies/mine'.",
        ),
        (monitoring_v3.AlertPolicy(), "displayName"),  # python-monitoring's system test: {} is INVALID_ARGUMENT
    ],
)
def test_refusals_use_googles_code_and_words(policies, project_id, alert_policy, message):
    error = rejected(policies.create_alert_policy, name=f"projects/{project_id}", alert_policy=alert_policy)
    assert isinstance(error, exceptions.InvalidArgument)
    assert message in error.message


def test_a_log_match_policy_may_limit_its_notifications(policies, project_id):
    """monitoring-dashboard-samples' log-match-condition policy: a rate limit and an auto-close."""
    created = policies.create_alert_policy(
        name=f"projects/{project_id}",
        alert_policy=policy(
            {"display_name": "Log match condition", "condition_matched_log": {"filter": 'logName="x"'}},
            alert_strategy={"notification_rate_limit": {"period": {"seconds": 300}}, "auto_close": {"seconds": 1800}},
        ),
    )
    assert created.alert_strategy.notification_rate_limit.period.total_seconds() == 300


# --- class 4: the codes Google's tests and samples expect ---------------------------------------
def test_updating_a_policy_that_does_not_exist_is_invalid_argument(policies, project_id):
    """python-monitoring's system test (a name only) and the restore sample (a whole policy, whose
    comment: "Annoying that API throws InvalidArgument when the policy does not exist")."""
    missing = f"projects/{project_id}/alertPolicies/mock_alert_policy"
    for supplied in ({"name": missing}, policy(name=missing)):
        error = rejected(policies.update_alert_policy, request={"alert_policy": supplied})
        assert isinstance(error, exceptions.InvalidArgument)
        assert missing in error.message
    masked = {"alert_policy": {"name": missing}, "update_mask": field_mask_pb2.FieldMask(paths=["enabled"])}
    assert isinstance(rejected(policies.update_alert_policy, request=masked), exceptions.InvalidArgument)
    assert isinstance(rejected(policies.get_alert_policy, name=missing), exceptions.NotFound)
    assert isinstance(rejected(policies.delete_alert_policy, name=missing), exceptions.NotFound)


def test_updating_a_policy_with_only_its_name_is_invalid_argument(policies, project_id):
    created = policies.create_alert_policy(name=f"projects/{project_id}", alert_policy=policy())
    error = rejected(policies.update_alert_policy, request={"alert_policy": {"name": created.name}})
    assert isinstance(error, exceptions.InvalidArgument)
    assert policies.get_alert_policy(name=created.name) == created


def test_channel_calls_on_a_missing_channel_answer_as_googles_system_tests_expect(channels, project_id):
    missing = f"projects/{project_id}/notificationChannels/mock_notification_channel"
    for call, request in (
        (channels.get_notification_channel, {"name": missing}),
        (channels.delete_notification_channel, {"name": missing}),
        (channels.send_notification_channel_verification_code, {"name": missing}),
        (channels.get_notification_channel_verification_code, {"name": missing}),
        (channels.verify_notification_channel, {"name": missing, "code": ""}),
        (
            channels.get_notification_channel_descriptor,
            {"name": f"projects/{project_id}/notificationChannelDescriptors/mock_notification_channel_descriptor"},
        ),
    ):
        assert isinstance(rejected(call, request=request), exceptions.NotFound), call
    only_name = {"notification_channel": {"name": missing}}
    assert isinstance(rejected(channels.update_notification_channel, request=only_name), exceptions.InvalidArgument)
    created = {"name": f"projects/{project_id}", "notification_channel": {}}
    assert isinstance(rejected(channels.create_notification_channel, request=created), exceptions.InvalidArgument)


def test_the_restore_sample_recreates_a_channel_whose_update_is_not_found(channels, project_id):
    """Restoring a deleted channel: a whole channel updated gets NOT_FOUND, so the sample creates it."""
    email = {"type_": "email", "display_name": "Email joe.", "labels": {"email_address": "joe@example.com"}}
    created = channels.create_notification_channel(name=f"projects/{project_id}", notification_channel=email)
    channels.delete_notification_channel(name=created.name)
    error = rejected(channels.update_notification_channel, notification_channel={**email, "name": created.name})
    assert isinstance(error, exceptions.NotFound)


def test_an_existing_channel_updated_with_only_its_name_is_invalid_argument(channels, project_id):
    email = {"type_": "email", "labels": {"email_address": "joe@example.com"}}
    created = channels.create_notification_channel(name=f"projects/{project_id}", notification_channel=email)
    error = rejected(channels.update_notification_channel, notification_channel={"name": created.name})
    assert isinstance(error, exceptions.InvalidArgument)
    assert channels.get_notification_channel(name=created.name) == created


def test_verification_checks_the_channel_then_the_code(channels, project_id):
    email = {"type_": "email", "labels": {"email_address": "joe@example.com"}}
    created = channels.create_notification_channel(name=f"projects/{project_id}", notification_channel=email)
    error = rejected(channels.verify_notification_channel, name=created.name, code="")
    assert isinstance(error, exceptions.InvalidArgument)
    assert "verification code is not valid" in error.message
