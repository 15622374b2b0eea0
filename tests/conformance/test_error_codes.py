"""Class 4 — the status codes Google answers with for missing or empty resources.

Source of the table: googleapis/python-monitoring tests/system/test_vpcsc_v3.py, whose "inside"
cases run each RPC of the v3 API against a real project on names that do not exist
(``mock_alert_policy``, ``mock_group``, …) or on empty messages, and assert the code ("no perms
issue"). The snippet's restore path adds two more (python-docs-samples
monitoring/snippets/v3/alerts-client/snippets.py ``restore``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.cloud import monitoring_v3

from ._api import Monitoring, raises

INVALID, NOT_FOUND = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND

Call = Callable[[Monitoring], Any]


def _policy(api: Monitoring) -> str:
    return f"{api.project_name}/alertPolicies/mock_alert_policy"


def _channel(api: Monitoring) -> str:
    return f"{api.project_name}/notificationChannels/mock_notification_channel"


def _group(api: Monitoring) -> str:
    return f"{api.project_name}/groups/mock_group"


def _uptime(api: Monitoring) -> str:
    return f"{api.project_name}/uptimeCheckConfigs/mock_notification_channel"


CASES: dict[str, tuple[Call, grpc.StatusCode]] = {
    # AlertPolicyService (TestCRUDAlertPolicies)
    "create_alert_policy_empty": (
        lambda api: api.alert_policy.create_alert_policy(name=api.project_name, alert_policy={}),
        INVALID,
    ),
    "get_alert_policy_missing": (lambda api: api.alert_policy.get_alert_policy(name=_policy(api)), NOT_FOUND),
    "update_alert_policy_missing": (
        lambda api: api.alert_policy.update_alert_policy(alert_policy={"name": _policy(api)}),
        INVALID,
    ),
    "delete_alert_policy_missing": (lambda api: api.alert_policy.delete_alert_policy(name=_policy(api)), NOT_FOUND),
    # GroupService (TestCRUDGroups)
    "create_group_empty": (lambda api: api.group.create_group(name=api.project_name, group={}), INVALID),
    "get_group_missing": (lambda api: api.group.get_group(name=_group(api)), INVALID),
    "list_group_members_missing": (lambda api: api.group.list_group_members(name=_group(api)), INVALID),
    "update_group_missing": (lambda api: api.group.update_group(group={"name": _group(api)}), INVALID),
    "delete_group_missing": (lambda api: api.group.delete_group(name=_group(api)), INVALID),
    # MetricService (TestCRUDMetricDescriptors, TestCRUDTimeSeries, TestCRUDMonitoredResourceDescriptor)
    "create_metric_descriptor_empty": (
        lambda api: api.metric.create_metric_descriptor(name=api.project_name, metric_descriptor={}),
        INVALID,
    ),
    "get_metric_descriptor_missing": (
        lambda api: api.metric.get_metric_descriptor(
            name=f"{api.project_name}/metricDescriptors/mock_metric_descriptor"
        ),
        NOT_FOUND,
    ),
    "delete_metric_descriptor_missing": (
        lambda api: api.metric.delete_metric_descriptor(
            name=f"{api.project_name}/metricDescriptors/mock_metric_descriptor"
        ),
        INVALID,
    ),
    "create_time_series_empty": (
        lambda api: api.metric.create_time_series(name=api.project_name, time_series=[{}]),
        INVALID,
    ),
    "list_time_series_without_filter_or_interval": (
        lambda api: api.metric.list_time_series(
            name=api.project_name,
            filter="",
            interval={},
            view=monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
        ),
        INVALID,
    ),
    "get_monitored_resource_descriptor_missing": (
        lambda api: api.metric.get_monitored_resource_descriptor(
            name=f"{api.project_name}/monitoredResourceDescriptors/mock_monitored_resource_descriptor"
        ),
        NOT_FOUND,
    ),
    # NotificationChannelService (TestCRUDNotificationChannels)
    "create_notification_channel_empty": (
        lambda api: api.channel.create_notification_channel(name=api.project_name, notification_channel={}),
        INVALID,
    ),
    "get_notification_channel_missing": (
        lambda api: api.channel.get_notification_channel(name=_channel(api)),
        NOT_FOUND,
    ),
    "get_verification_code_missing": (
        lambda api: api.channel.get_notification_channel_verification_code(name=_channel(api)),
        NOT_FOUND,
    ),
    "send_verification_code_missing": (
        lambda api: api.channel.send_notification_channel_verification_code(name=_channel(api)),
        NOT_FOUND,
    ),
    "verify_notification_channel_missing_empty_code": (
        lambda api: api.channel.verify_notification_channel(name=_channel(api), code=""),
        NOT_FOUND,
    ),
    "update_notification_channel_only_a_name": (
        lambda api: api.channel.update_notification_channel(notification_channel={"name": _channel(api)}),
        INVALID,
    ),
    "delete_notification_channel_missing": (
        lambda api: api.channel.delete_notification_channel(name=_channel(api)),
        NOT_FOUND,
    ),
    "get_notification_channel_descriptor_missing": (
        lambda api: api.channel.get_notification_channel_descriptor(
            name=f"{api.project_name}/notificationChannelDescriptors/mock_notification_channel_descriptor"
        ),
        NOT_FOUND,
    ),
    # UptimeCheckService (TestCRUDUptimeCheckConfigs)
    "create_uptime_check_config_empty": (
        lambda api: api.uptime.create_uptime_check_config(parent=api.project_name, uptime_check_config={}),
        INVALID,
    ),
    "get_uptime_check_config_missing": (
        lambda api: api.uptime.get_uptime_check_config(name=_uptime(api)),
        NOT_FOUND,
    ),
    "update_uptime_check_config_missing": (
        lambda api: api.uptime.update_uptime_check_config(uptime_check_config={"name": _uptime(api)}),
        NOT_FOUND,
    ),
    "delete_uptime_check_config_missing": (
        lambda api: api.uptime.delete_uptime_check_config(name=_uptime(api)),
        NOT_FOUND,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_missing_or_empty_resources_get_googles_code(api: Monitoring, case: str):
    """test_vpcsc_v3.py's ``*_inside`` cases: each call, its expected code."""
    call, code = CASES[case]
    with raises(code):
        call(api)


@pytest.mark.parametrize(
    "method",
    [
        lambda api: api.alert_policy.list_alert_policies(name=api.project_name),
        lambda api: api.group.list_groups(name=api.project_name),
        lambda api: api.metric.list_metric_descriptors(name=api.project_name),
        lambda api: api.metric.list_monitored_resource_descriptors(name=api.project_name),
        lambda api: api.channel.list_notification_channels(name=api.project_name),
        lambda api: api.channel.list_notification_channel_descriptors(name=api.project_name),
        lambda api: api.uptime.list_uptime_check_configs(parent=api.project_name),
    ],
    ids=[
        "alert_policies",
        "groups",
        "metric_descriptors",
        "resource_descriptors",
        "channels",
        "channel_types",
        "uptime",
    ],
)
def test_every_list_answers_on_a_fresh_project(api: Monitoring, method: Call):
    """test_vpcsc_v3.py ``test_list_*_inside``: every list call succeeds on the caller's project."""
    assert isinstance(method(api), list)


def test_update_of_a_deleted_policy_is_invalid_argument(api: Monitoring):
    """snippets.py ``restore``: updating a policy that no longer exists is answered INVALID_ARGUMENT
    ("Annoying that API throws InvalidArgument when the policy does not exist")."""
    created = api.alert_policy.create_alert_policy(name=api.project_name, alert_policy=_threshold_policy())
    api.alert_policy.delete_alert_policy(name=created.name)
    with raises(INVALID):
        api.alert_policy.update_alert_policy(alert_policy=created)


def test_update_of_a_deleted_channel_is_not_found(api: Monitoring):
    """snippets.py ``restore``: the whole channel, once deleted, updates to NOT_FOUND ("The channel
    was deleted. Create it below."), unlike a channel given by its name alone."""
    created = api.channel.create_notification_channel(
        name=api.project_name,
        notification_channel={
            "type": "email",
            "display_name": "Email joe.",
            "labels": {"email_address": "joe@example.com"},
        },
    )
    api.channel.delete_notification_channel(name=created.name, force=True)
    with raises(NOT_FOUND):
        api.channel.update_notification_channel(notification_channel=created)


def _threshold_policy() -> dict[str, Any]:
    return {
        "display_name": "deleted then updated",
        "combiner": "OR",
        "conditions": [
            {
                "display_name": "cpu",
                "condition_threshold": {
                    "filter": 'metric.type = "custom.googleapis.com/restore" AND resource.type = "gce_instance"',
                    "comparison": "COMPARISON_GT",
                    "threshold_value": 1,
                    "duration": "60s",
                },
            }
        ],
    }
