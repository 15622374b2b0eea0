"""AlertPolicyService and NotificationChannelService through the official clients: validation with
the API's codes, and resources returned the way the server returns them."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2

from helios_metrics.contract import ClientFactory
from helios_metrics.monitoring_emulator._objects import Projects
from tests.helpers import declare_runs_metric

FILTER = 'metric.type = "custom.googleapis.com/helios/pipeline_runs" AND resource.type = "generic_task"'


@pytest.fixture
def policies(factory: ClientFactory) -> monitoring_v3.AlertPolicyServiceClient:
    return factory.alert_policy()


@pytest.fixture
def channels(factory: ClientFactory) -> monitoring_v3.NotificationChannelServiceClient:
    return factory.notification_channel()


def threshold(**overrides) -> dict:
    body = {
        "filter": FILTER,
        "comparison": "COMPARISON_GT",
        "threshold_value": 5,
        "duration": {"seconds": 120},
        "aggregations": [
            {
                "alignment_period": {"seconds": 300},
                "per_series_aligner": "ALIGN_SUM",
                "cross_series_reducer": "REDUCE_SUM",
            }
        ],
    }
    body.update(overrides)
    return body


def policy(**overrides) -> monitoring_v3.AlertPolicy:
    body = {
        "display_name": "Too many runs",
        "combiner": "OR",
        "conditions": [{"display_name": "runs > 5", "condition_threshold": threshold()}],
        "documentation": {"content": "# Runbook\nCheck the scheduler."},
        "user_labels": {"managed_by": "helios-setup-infra"},
    }
    body.update(overrides)
    return monitoring_v3.AlertPolicy(body)


def rejected(call, *args, **kwargs) -> exceptions.GoogleAPICallError:
    with pytest.raises(exceptions.GoogleAPICallError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_created_policy_comes_back_as_the_server_returns_it(policies, project_id):
    created = policies.create_alert_policy(name=f"projects/{project_id}", alert_policy=policy())
    assert created.name.startswith(f"projects/{project_id}/alertPolicies/")  # the id, as Google names them
    assert created.conditions[0].name.startswith(f"{created.name}/conditions/")
    assert created.enabled is True  # BoolValue filled in
    assert created.conditions[0].condition_threshold.trigger.count == 1
    assert created.documentation.mime_type == "text/markdown"
    assert created.creation_record.mutate_time.timestamp() > 0
    assert policies.get_alert_policy(name=created.name) == created
    number = Projects.number_of(project_id)
    by_number = created.name.replace(f"projects/{project_id}/", f"projects/{number}/")
    assert policies.get_alert_policy(name=by_number) == created  # the number names the same project: same name
    assert [p.name for p in policies.list_alert_policies(name=f"projects/{number}")] == [created.name]


def test_names_stay_under_the_project_id_whichever_form_a_request_uses(policies, channels, project_id):
    number = Projects.number_of(project_id)
    email = channels.create_notification_channel(
        name=f"projects/{project_id}",
        notification_channel={"type_": "email", "labels": {"email_address": "ops@example.com"}},
    )
    assert email.name.startswith(f"projects/{project_id}/notificationChannels/")
    by_number = email.name.replace(project_id, number)
    assert channels.get_notification_channel(name=by_number).name == email.name
    strategy = {"notification_channel_names": [by_number], "renotify_interval": {"seconds": 1800}}
    created = policies.create_alert_policy(
        name=f"projects/{number}",  # created through the number, naming the channel by number
        alert_policy=policy(
            notification_channels=[by_number], alert_strategy={"notification_channel_strategy": [strategy]}
        ),
    )
    assert created.name.startswith(f"projects/{project_id}/alertPolicies/")
    assert created.conditions[0].name.startswith(f"projects/{project_id}/alertPolicies/")
    assert list(created.notification_channels) == [email.name]
    assert list(created.alert_strategy.notification_channel_strategy[0].notification_channel_names) == [email.name]
    descriptors = channels.list_notification_channel_descriptors(name=f"projects/{project_id}")
    assert next(iter(descriptors)).name.startswith(f"projects/{project_id}/notificationChannelDescriptors/")


def test_googles_enable_sample_filters_by_name_and_prints_the_project_id(policies, project_id):
    """What python-docs-samples' alerts snippet does: list with ``name='…'``, set ``enabled`` under
    a mask, and print the name, which its test expects to start with ``projects/<id>/``."""
    created = policies.create_alert_policy(name=f"projects/{project_id}", alert_policy=policy())
    [found] = policies.list_alert_policies(
        request={"name": f"projects/{project_id}", "filter": f"name='{created.name}'"}
    )
    found.enabled = False
    updated = policies.update_alert_policy(alert_policy=found, update_mask=field_mask_pb2.FieldMask(paths=["enabled"]))
    assert updated.name.startswith(f"projects/{project_id}/alertPolicies/")
    assert updated.enabled is False
    assert updated.conditions == created.conditions


def test_a_restore_of_a_policy_named_by_number_keeps_its_condition_ids(policies, project_id):
    """The restore sample updates a whole policy read earlier: its conditions keep their ids, in
    whichever project form they were written."""
    created = policies.create_alert_policy(name=f"projects/{project_id}", alert_policy=policy())
    number = Projects.number_of(project_id)
    backup = monitoring_v3.AlertPolicy.from_json(monitoring_v3.AlertPolicy.to_json(created).replace(project_id, number))
    del backup.creation_record
    del backup.mutation_record
    restored = policies.update_alert_policy(alert_policy=backup)
    assert restored.name == created.name
    assert [c.name for c in restored.conditions] == [c.name for c in created.conditions]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"conditions": []}, "between 1 and 6 conditions"),
        (
            {"conditions": [{"display_name": f"c{i}", "condition_threshold": threshold()} for i in range(7)]},
            "between 1 and 6 conditions, but has 7",
        ),
        ({"conditions": [{"display_name": "c", "condition_threshold": threshold(duration={"seconds": 90})}]}, '"90s"'),
        (
            {"conditions": [{"display_name": "c", "condition_threshold": threshold(filter='metric.type = "x"')}]},
            "must specify a resource.type",
        ),
        (
            {"conditions": [{"display_name": "c", "condition_threshold": threshold(comparison="COMPARISON_GE")}]},
            "Only COMPARISON_GT and COMPARISON_LT",
        ),
        (
            {
                "combiner": "COMBINE_UNSPECIFIED",
                "conditions": [{"display_name": f"c{i}", "condition_threshold": threshold()} for i in range(2)],
            },
            "A combiner is required",
        ),
        (
            {
                "conditions": [
                    {
                        "display_name": "c",
                        "condition_threshold": threshold(
                            aggregations=[{"alignment_period": {"seconds": 30}, "per_series_aligner": "ALIGN_SUM"}]
                        ),
                    }
                ]
            },
            "at least 60 seconds",
        ),
        (
            {
                "conditions": [
                    {"display_name": "c", "condition_absent": {"filter": FILTER, "duration": {"seconds": 60}}}
                ]
            },
            "of at least 120s",
        ),
        ({"notification_channels": ["projects/p/notificationChannels/404"]}, "notification channel does not exist"),
        ({"user_labels": {"Managed": "x"}}, "Label keys must start with a lower-case letter"),
    ],
)
def test_invalid_policies_are_refused_with_the_field_named(policies, project_id, change, message):
    error = rejected(policies.create_alert_policy, name=f"projects/{project_id}", alert_policy=policy(**change))
    assert isinstance(error, exceptions.InvalidArgument)
    assert message in error.message


def test_an_update_mask_sets_listed_fields_resets_absent_ones_and_keeps_the_rest(policies, project_id):
    created = policies.create_alert_policy(name=f"projects/{project_id}", alert_policy=policy())
    change = monitoring_v3.AlertPolicy(name=created.name, display_name="Renamed")  # no documentation given
    updated = policies.update_alert_policy(
        alert_policy=change, update_mask=field_mask_pb2.FieldMask(paths=["display_name", "documentation"])
    )
    assert (updated.name, updated.display_name) == (created.name, "Renamed")
    assert updated.documentation.content == ""  # listed but absent: reset
    assert updated.conditions == created.conditions  # not listed: kept, ids and all
    assert updated.creation_record == created.creation_record


def test_an_empty_mask_replaces_the_policy_keeping_named_condition_ids(policies, project_id):
    created = policies.create_alert_policy(name=f"projects/{project_id}", alert_policy=policy())
    kept = created.conditions[0]
    replacement = policy(
        name=created.name,
        conditions=[kept, {"display_name": "new", "condition_threshold": threshold(threshold_value=9)}],
    )
    updated = policies.update_alert_policy(alert_policy=replacement)
    assert updated.conditions[0].name == kept.name
    assert updated.conditions[1].name.startswith(f"{created.name}/conditions/")
    assert updated.conditions[1].name != kept.name


def test_list_filters_on_user_labels_and_delete_removes(policies, project_id):
    parent = f"projects/{project_id}"
    mine = policies.create_alert_policy(name=parent, alert_policy=policy())
    policies.create_alert_policy(name=parent, alert_policy=policy(user_labels={"owner": "someone"}))
    found = list(
        policies.list_alert_policies(
            request={"name": parent, "filter": 'user_labels.managed_by = "helios-setup-infra"'}
        )
    )
    assert [p.name for p in found] == [mine.name]
    policies.delete_alert_policy(name=mine.name)
    assert isinstance(rejected(policies.get_alert_policy, name=mine.name), exceptions.NotFound)
    assert len(list(policies.list_alert_policies(name=parent))) == 1


def test_channel_descriptors_list_the_five_kinds_the_seed_names(channels, project_id):
    found = {
        d.type_: [label.key for label in d.labels]
        for d in channels.list_notification_channel_descriptors(name=f"projects/{project_id}")
    }
    assert found == {
        "email": ["email_address"],
        "sms": ["number"],
        "slack": ["channel_name", "auth_token"],
        "pagerduty": ["service_key"],
        "webhook_tokenauth": ["url"],
        "webhook_basicauth": ["url", "username", "password"],
    }


def test_secrets_are_obfuscated_on_every_read(channels, project_id):
    token = "xoxb-0123456789-abcdefghijkl"
    created = channels.create_notification_channel(
        name=f"projects/{project_id}",
        notification_channel={
            "type_": "slack",
            "display_name": "Ops",
            "labels": {"channel_name": "#ops", "auth_token": token},
        },
    )
    assert created.name.startswith(f"projects/{project_id}/notificationChannels/")
    assert created.enabled is True
    for read in (created, channels.get_notification_channel(name=created.name)):
        assert read.labels["channel_name"] == "#ops"
        assert read.labels["auth_token"] != token
        assert read.labels["auth_token"].endswith("ijkl")
        assert token not in str(read)


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ({"type_": "carrier_pigeon", "labels": {}}, "Unknown channel type"),
        ({"type_": "slack", "labels": {"channel_name": "#ops"}}, "require auth_token"),
        ({"type_": "email", "labels": {"email_address": "a@b.c", "cc": "x"}}, 'invalid value of "cc"'),
        ({"type_": "sms", "labels": {"number": "555-1234"}}, "E.164"),
    ],
)
def test_invalid_channels_are_refused(channels, project_id, channel, message):
    error = rejected(channels.create_notification_channel, name=f"projects/{project_id}", notification_channel=channel)
    assert isinstance(error, exceptions.InvalidArgument)
    assert message in error.message


def test_a_channel_a_policy_uses_cannot_be_deleted_without_force(channels, policies, project_id):
    parent = f"projects/{project_id}"
    email = channels.create_notification_channel(
        name=parent, notification_channel={"type_": "email", "labels": {"email_address": "ops@example.com"}}
    )
    used = policies.create_alert_policy(name=parent, alert_policy=policy(notification_channels=[email.name]))
    assert list(used.notification_channels) == [email.name]
    assert isinstance(rejected(channels.delete_notification_channel, name=email.name), exceptions.FailedPrecondition)
    channels.delete_notification_channel(name=email.name, force=True)
    assert list(policies.get_alert_policy(name=used.name).notification_channels) == []


def test_a_channel_update_changes_only_masked_fields(channels, project_id):
    created = channels.create_notification_channel(
        name=f"projects/{project_id}",
        notification_channel={"type_": "email", "display_name": "Ops", "labels": {"email_address": "a@example.com"}},
    )
    updated = channels.update_notification_channel(
        notification_channel={
            "name": created.name,
            "display_name": "Pager",
            "labels": {"email_address": "b@example.com"},
        },
        update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
    )
    assert (updated.display_name, updated.labels["email_address"]) == ("Pager", "a@example.com")
    assert len(updated.mutation_records) == 1


def test_aligners_must_suit_the_metric_when_its_descriptor_exists(policies, factory, project_id):
    declare_runs_metric(factory, project_id)
    rate = threshold(aggregations=[{"alignment_period": {"seconds": 300}, "per_series_aligner": "ALIGN_RATE"}])
    error = rejected(
        policies.create_alert_policy,
        name=f"projects/{project_id}",
        alert_policy=policy(conditions=[{"display_name": "c", "condition_threshold": rate}]),
    )
    assert 'aggregations[0].perSeriesAligner had an invalid value of "ALIGN_RATE"' in error.message
    assert "kind GAUGE and value type INT64" in error.message


def forecasting(horizon_s: int) -> dict:
    return {
        "conditions": [
            {
                "display_name": "c",
                "condition_threshold": threshold(forecast_options={"forecast_horizon": {"seconds": horizon_s}}),
            }
        ]
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (forecasting(1800), 'forecastOptions.forecastHorizon had an invalid value of "1800s"'),
        (forecasting(216_001), "between 3600s (1 hour) and 216000s (60 hours)"),
        (
            {"conditions": [{"display_name": "c", "condition_threshold": threshold(forecast_options={})}]},
            'forecastHorizon had an invalid value of "0s"',  # required when forecastOptions is given
        ),
        ({"documentation": {"subject": "x" * 10_241}}, "subject can be at most 10240 bytes"),
        ({"documentation": {"content": "é" * 5121}}, "at most 8192 characters and 10240 bytes"),
        (
            {"documentation": {"links": [{"display_name": f"l{i}", "url": "https://x"} for i in range(4)]}},
            "at most 3 links, but has 4",
        ),
        ({"documentation": {"links": [{"display_name": "", "url": "https://x"}]}}, "links[0].displayName"),
        ({"documentation": {"links": [{"display_name": "x" * 64, "url": "https://x"}]}}, "1 to 63 characters"),
        ({"documentation": {"links": [{"display_name": "x", "url": "h" * 2084}]}}, "links[0].url"),
        ({"alert_strategy": {"notification_prompts": ["CLOSED"]}}, "can be [OPENED] or [OPENED, CLOSED]"),
        (
            {"alert_strategy": {"notification_prompts": ["OPENED", "NOTIFICATION_PROMPT_UNSPECIFIED"]}},
            'invalid value of "NOTIFICATION_PROMPT_UNSPECIFIED"',
        ),
    ],
)
def test_forecast_documentation_and_prompt_limits_are_googles(policies, project_id, change, message):
    error = rejected(policies.create_alert_policy, name=f"projects/{project_id}", alert_policy=policy(**change))
    assert isinstance(error, exceptions.InvalidArgument)
    assert message in error.message


def test_limits_at_their_bounds_are_accepted(policies, project_id):
    created = policies.create_alert_policy(
        name=f"projects/{project_id}",
        alert_policy=policy(
            **forecasting(216_000),
            documentation={
                "content": "é" * 5120,  # 10,240 bytes
                "subject": "${policy.display_name} " + "x" * 10_000,  # cut to 255 bytes only when sent
                "links": [{"display_name": "x" * 63, "url": "https://example.com/${project}"}] * 3,
            },
            alert_strategy={"notification_prompts": ["OPENED"]},
        ),
    )
    horizon = created.conditions[0].condition_threshold.forecast_options.forecast_horizon
    assert horizon.total_seconds() == 216_000
    assert created.documentation.subject.startswith("${policy.display_name}")  # stored as written
    assert len(created.documentation.links) == 3


@pytest.fixture
def email(channels, project_id):
    return channels.create_notification_channel(
        name=f"projects/{project_id}",
        notification_channel={"type_": "email", "labels": {"email_address": "oncall@example.com"}},
    )


@pytest.mark.parametrize(
    ("interval_s", "message"),
    [
        (1799, 'renotifyInterval had an invalid value of "1799s": The value must be between 1800s (30 minutes)'),
        (86_401, "and 86400s (24 hours)"),
    ],
)
def test_a_renotify_interval_is_30_minutes_to_24_hours(policies, project_id, email, interval_s, message):
    strategy = {"notification_channel_names": [email.name], "renotify_interval": {"seconds": interval_s}}
    change = {"notification_channels": [email.name], "alert_strategy": {"notification_channel_strategy": [strategy]}}
    error = rejected(policies.create_alert_policy, name=f"projects/{project_id}", alert_policy=policy(**change))
    assert isinstance(error, exceptions.InvalidArgument)
    assert message in error.message


def test_a_renotify_strategy_names_channels_of_the_policy(policies, channels, project_id, email):
    other = channels.create_notification_channel(
        name=f"projects/{project_id}",
        notification_channel={"type_": "email", "labels": {"email_address": "other@example.com"}},
    )
    strategy = {"notification_channel_names": [other.name], "renotify_interval": {"seconds": 1800}}
    change = {"notification_channels": [email.name], "alert_strategy": {"notification_channel_strategy": [strategy]}}
    error = rejected(policies.create_alert_policy, name=f"projects/{project_id}", alert_policy=policy(**change))
    assert "notificationChannelNames[0] had an invalid value" in error.message
    assert "one of the policy's notificationChannels" in error.message
    # named by project number, the channel is the policy's own: accepted, and returned under the id
    by_number = email.name.replace(f"projects/{project_id}/", f"projects/{Projects.number_of(project_id)}/")
    strategy = {"notification_channel_names": [by_number], "renotify_interval": {"seconds": 86_400}}
    change["alert_strategy"] = {"notification_channel_strategy": [strategy]}
    created = policies.create_alert_policy(name=f"projects/{project_id}", alert_policy=policy(**change))
    assert list(created.alert_strategy.notification_channel_strategy[0].notification_channel_names) == [email.name]
