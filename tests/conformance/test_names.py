"""Class 3 — resource names: policies, their conditions and channels under the project id the
caller used; dashboards under the project number.

Source: python-docs-samples monitoring/snippets/v3/alerts-client/snippets.py and snippets_test.py
(the "pochan" fixture: a policy from test_alert_policy.json and a channel from
test_notification_channel.json; ``Enabled projects/<id>``, ``Updated <policy name>``).
"""

from __future__ import annotations

import json
import re
import time

import grpc
import proto
import pytest
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2

from ._api import Monitoring, raises
from ._data import sample

POLICY_JSON = "python-docs-samples/test_alert_policy.json"
CHANNEL_JSON = "python-docs-samples/test_notification_channel.json"


class Pochan:
    """The snippets' fixture: an alert POlicy and a notification CHANnel."""

    def __init__(self, api: Monitoring) -> None:
        policy = monitoring_v3.AlertPolicy.from_json(sample(POLICY_JSON))
        policy.display_name = "snippets-test-policy"
        self.alert_policy = api.alert_policy.create_alert_policy(name=api.project_name, alert_policy=policy)
        channel = monitoring_v3.NotificationChannel.from_json(sample(CHANNEL_JSON))
        channel.display_name = "snippets-test-channel"
        self.notification_channel = api.channel.create_notification_channel(
            name=api.project_name, notification_channel=channel
        )


@pytest.fixture
def pochan(api: Monitoring) -> Pochan:
    return Pochan(api)


def test_policy_condition_and_channel_are_named_under_the_project_id(api: Monitoring, pochan: Pochan):
    """A created policy, its condition and a channel are named under the project id of the request
    (snippets_test.py splits ``policy.name`` and ``channel.name`` on "/" and reuses the ids with
    ``alert_policy_path(project_id, …)``)."""
    policy = pochan.alert_policy
    assert re.fullmatch(rf"projects/{api.project}/alertPolicies/[^/]+", policy.name), policy.name
    [condition] = policy.conditions
    assert re.fullmatch(rf"{re.escape(policy.name)}/conditions/[^/]+", condition.name), condition.name
    channel = pochan.notification_channel
    assert re.fullmatch(rf"projects/{api.project}/notificationChannels/[^/]+", channel.name), channel.name
    assert api.alert_policy.get_alert_policy(name=policy.name).name == policy.name
    assert [p.name for p in api.alert_policy.list_alert_policies(name=api.project_name)] == [policy.name]
    assert [c.name for c in api.channel.list_notification_channels(name=api.project_name)] == [channel.name]


def test_enable_and_disable_policies_by_name_filter(api: Monitoring, pochan: Pochan):
    """snippets.py enable_alert_policies with filter ``name='<policy name>'`` and an update masked to
    ``enabled``; snippets_test.py test_enable_alert_policies asserts ``Enabled projects/<id>``."""
    for enable in (True, False):
        policies = api.alert_policy.list_alert_policies(
            name=api.project_name, filter=f"name='{pochan.alert_policy.name}'"
        )
        assert [p.name for p in policies] == [pochan.alert_policy.name]
        [policy] = policies
        assert policy.enabled != enable  # the sample policy starts disabled
        policy.enabled = enable
        updated = api.alert_policy.update_alert_policy(
            alert_policy=policy, update_mask=field_mask_pb2.FieldMask(paths=["enabled"])
        )
        line = f"{'Enabled' if enable else 'Disabled'} {updated.name}"
        assert line.startswith(f"{'Enabled' if enable else 'Disabled'} {api.project_name}/"), line
        assert api.alert_policy.get_alert_policy(name=policy.name).enabled is enable


def test_replace_notification_channels(api: Monitoring, pochan: Pochan):
    """snippets.py replace_notification_channels: a policy carrying only its name (built with
    ``alert_policy_path(project_id, id)``) and channels (``notification_channel_path``), masked to
    ``notification_channels``; snippets_test.py asserts ``Updated <policy name>``."""
    alert_client, channel_client = (
        monitoring_v3.AlertPolicyServiceClient,
        monitoring_v3.NotificationChannelServiceClient,
    )
    policy_id = pochan.alert_policy.name.split("/")[-1]
    channel_id = pochan.notification_channel.name.split("/")[-1]
    policy = monitoring_v3.AlertPolicy(name=alert_client.alert_policy_path(api.project, policy_id))
    policy.notification_channels.append(channel_client.notification_channel_path(api.project, channel_id))
    updated = api.alert_policy.update_alert_policy(
        alert_policy=policy, update_mask=field_mask_pb2.FieldMask(paths=["notification_channels"])
    )
    assert updated.name == pochan.alert_policy.name
    assert list(updated.notification_channels) == [pochan.notification_channel.name]
    assert updated.display_name == "snippets-test-policy"  # the mask kept the rest


def test_backup_and_restore(api: Monitoring, pochan: Pochan):
    """snippets.py backup (policies and channels to JSON with ``proto.Message.to_json``) and
    restore into the same project: each channel updated with its verification status cleared,
    each policy updated with creation and mutation records cleared; snippets_test.py asserts
    ``Updated <policy name>``."""
    record = json.dumps(
        {
            "project_name": api.project_name,
            "policies": [
                json.loads(proto.Message.to_json(p))
                for p in api.alert_policy.list_alert_policies(name=api.project_name)
            ],
            "channels": [
                json.loads(proto.Message.to_json(c))
                for c in api.channel.list_notification_channels(name=api.project_name)
            ],
        }
    )
    loaded = json.loads(record)
    for channel_json in loaded["channels"]:
        channel = monitoring_v3.NotificationChannel.from_json(json.dumps(channel_json))
        channel.verification_status = (
            monitoring_v3.NotificationChannel.VerificationStatus.VERIFICATION_STATUS_UNSPECIFIED
        )
        updated_channel = api.channel.update_notification_channel(notification_channel=channel)
        assert updated_channel.name == pochan.notification_channel.name
    for policy_json in loaded["policies"]:
        policy = monitoring_v3.AlertPolicy.from_json(json.dumps(policy_json))
        del policy.creation_record
        del policy.mutation_record
        updated_policy = api.alert_policy.update_alert_policy(alert_policy=policy)
        assert f"Updated {updated_policy.name}" == f"Updated {pochan.alert_policy.name}"
        assert [c.name for c in updated_policy.conditions] == [c.name for c in pochan.alert_policy.conditions]


def test_delete_channel_in_use_with_force(api: Monitoring, pochan: Pochan):
    """snippets.py delete_notification_channels(force=True) on a channel a policy names;
    snippets_test.py test_delete_channels."""
    api.alert_policy.update_alert_policy(
        alert_policy={"name": pochan.alert_policy.name, "notification_channels": [pochan.notification_channel.name]},
        update_mask=field_mask_pb2.FieldMask(paths=["notification_channels"]),
    )
    channel_id = pochan.notification_channel.name.split("/")[-1]
    api.channel.delete_notification_channel(name=f"{api.project_name}/notificationChannels/{channel_id}", force=True)
    with raises(grpc.StatusCode.NOT_FOUND):
        api.channel.get_notification_channel(name=pochan.notification_channel.name)


def test_dashboards_are_named_under_the_project_number(api: Monitoring):
    """Dashboards, unlike policies, come back under the project's number
    (``projects/123456789/dashboards/…``, the Dashboards API reference)."""
    created = api.dashboards.create_dashboard(
        parent=api.project_name, dashboard={"display_name": "numbered", "grid_layout": {"widgets": []}}
    )
    assert re.fullmatch(r"projects/\d+/dashboards/[^/]+", created.name), created.name
    assert api.dashboards.get_dashboard(name=created.name).display_name == "numbered"


def test_metric_service_takes_the_project_number_as_the_id(api: Monitoring):
    """A request may name the project by its number as well as its id (``projects/[PROJECT_ID_OR_NUMBER]``
    in the MetricService reference): a descriptor and a series written under the id are read under
    the number, and a series written under the number is read under the id."""
    dashboard = api.dashboards.create_dashboard(
        parent=api.project_name, dashboard={"display_name": "number", "grid_layout": {"widgets": []}}
    )
    by_number = "/".join(dashboard.name.split("/")[:2])  # the number, as the server returned it
    assert by_number != api.project_name
    kind = "custom.googleapis.com/conformance/by_number"
    api.metric.create_metric_descriptor(
        name=api.project_name,
        metric_descriptor={"type": kind, "metric_kind": "GAUGE", "value_type": "DOUBLE"},
    )
    assert api.metric.get_metric_descriptor(name=f"{by_number}/metricDescriptors/{kind}").type == kind
    now = int(time.time())
    for parent, value, age in ((api.project_name, 1.0, 20), (by_number, 2.0, 10)):  # one series, in order
        series = {
            "metric": {"type": kind},
            "resource": {"type": "global", "labels": {"project_id": api.project}},
            "points": [{"interval": {"end_time": {"seconds": now - age}}, "value": {"double_value": value}}],
        }
        api.metric.create_time_series(name=parent, time_series=[series])
    interval = {"start_time": {"seconds": now - 60}, "end_time": {"seconds": now}}
    for parent in (api.project_name, by_number):
        [read] = api.metric.list_time_series(
            name=parent, filter=f'metric.type = "{kind}"', interval=interval, view="FULL"
        )
        assert sorted(p.value.double_value for p in read.points) == [1.0, 2.0], parent
