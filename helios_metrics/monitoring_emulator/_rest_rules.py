"""The ``google.api.http`` annotations of the Monitoring API's services, as the protos write them.

The installed client packages carry no service descriptors (proto-plus builds message types only;
``descriptor_pool.Default().FindServiceByName`` finds none of these services), so the rules are
kept here in the annotation's own text-format syntax, copied rule by rule from googleapis'
``google/monitoring/v3/*_service.proto`` and ``google/monitoring/dashboard/v1/dashboards_service.proto``,
and parsed into ``google.api.HttpRule`` messages. Everything else — routes, path variables,
bodies, query parameters — is derived from these rules by ``_rest_template`` and ``_rest_transcode``.
The unit tests cross-check the table against the dashboards client's REST transport and, where
installed, the discovery documents of googleapiclient.
"""

from __future__ import annotations

from functools import cache

from google.api import http_pb2
from google.protobuf import text_format

__all__ = ["RULES", "bindings"]

_V3 = "google.monitoring.v3."

RULES: dict[str, dict[str, str]] = {
    _V3 + "MetricService": {
        "ListMonitoredResourceDescriptors": 'get: "/v3/{name=projects/*}/monitoredResourceDescriptors"',
        "GetMonitoredResourceDescriptor": 'get: "/v3/{name=projects/*/monitoredResourceDescriptors/**}"',
        "ListMetricDescriptors": 'get: "/v3/{name=projects/*}/metricDescriptors"',
        "GetMetricDescriptor": 'get: "/v3/{name=projects/*/metricDescriptors/**}"',
        "CreateMetricDescriptor": 'post: "/v3/{name=projects/*}/metricDescriptors" body: "metric_descriptor"',
        "DeleteMetricDescriptor": 'delete: "/v3/{name=projects/*/metricDescriptors/**}"',
        "ListTimeSeries": 'get: "/v3/{name=projects/*}/timeSeries"'
        ' additional_bindings { get: "/v3/{name=organizations/*}/timeSeries" }'
        ' additional_bindings { get: "/v3/{name=folders/*}/timeSeries" }',
        "CreateTimeSeries": 'post: "/v3/{name=projects/*}/timeSeries" body: "*"',
        "CreateServiceTimeSeries": 'post: "/v3/{name=projects/*}/timeSeries:createService" body: "*"',
    },
    _V3 + "AlertPolicyService": {
        "ListAlertPolicies": 'get: "/v3/{name=projects/*}/alertPolicies"',
        "GetAlertPolicy": 'get: "/v3/{name=projects/*/alertPolicies/*}"',
        "CreateAlertPolicy": 'post: "/v3/{name=projects/*}/alertPolicies" body: "alert_policy"',
        "DeleteAlertPolicy": 'delete: "/v3/{name=projects/*/alertPolicies/*}"',
        "UpdateAlertPolicy": 'patch: "/v3/{alert_policy.name=projects/*/alertPolicies/*}" body: "alert_policy"',
    },
    _V3 + "NotificationChannelService": {
        "ListNotificationChannelDescriptors": 'get: "/v3/{name=projects/*}/notificationChannelDescriptors"',
        "GetNotificationChannelDescriptor": 'get: "/v3/{name=projects/*/notificationChannelDescriptors/*}"',
        "ListNotificationChannels": 'get: "/v3/{name=projects/*}/notificationChannels"',
        "GetNotificationChannel": 'get: "/v3/{name=projects/*/notificationChannels/*}"',
        "CreateNotificationChannel": 'post: "/v3/{name=projects/*}/notificationChannels" body: "notification_channel"',
        "UpdateNotificationChannel": 'patch: "/v3/{notification_channel.name=projects/*/notificationChannels/*}"'
        ' body: "notification_channel"',
        "DeleteNotificationChannel": 'delete: "/v3/{name=projects/*/notificationChannels/*}"',
        "SendNotificationChannelVerificationCode": 'post: "/v3/{name=projects/*/notificationChannels/*}'
        ':sendVerificationCode" body: "*"',
        "GetNotificationChannelVerificationCode": 'post: "/v3/{name=projects/*/notificationChannels/*}'
        ':getVerificationCode" body: "*"',
        "VerifyNotificationChannel": 'post: "/v3/{name=projects/*/notificationChannels/*}:verify" body: "*"',
    },
    _V3 + "ServiceMonitoringService": {
        "CreateService": 'post: "/v3/{parent=*/*}/services" body: "service"',
        "GetService": 'get: "/v3/{name=*/*/services/*}"',
        "ListServices": 'get: "/v3/{parent=*/*}/services"',
        "UpdateService": 'patch: "/v3/{service.name=*/*/services/*}" body: "service"',
        "DeleteService": 'delete: "/v3/{name=*/*/services/*}"',
        "CreateServiceLevelObjective": 'post: "/v3/{parent=*/*/services/*}/serviceLevelObjectives"'
        ' body: "service_level_objective"',
        "GetServiceLevelObjective": 'get: "/v3/{name=*/*/services/*/serviceLevelObjectives/*}"',
        "ListServiceLevelObjectives": 'get: "/v3/{parent=*/*/services/*}/serviceLevelObjectives"',
        "UpdateServiceLevelObjective": 'patch: "/v3/{service_level_objective.name=*/*/services/*'
        '/serviceLevelObjectives/*}" body: "service_level_objective"',
        "DeleteServiceLevelObjective": 'delete: "/v3/{name=*/*/services/*/serviceLevelObjectives/*}"',
    },
    _V3 + "SnoozeService": {
        "CreateSnooze": 'post: "/v3/{parent=projects/*}/snoozes" body: "snooze"',
        "ListSnoozes": 'get: "/v3/{parent=projects/*}/snoozes"',
        "GetSnooze": 'get: "/v3/{name=projects/*/snoozes/*}"',
        "UpdateSnooze": 'patch: "/v3/{snooze.name=projects/*/snoozes/*}" body: "snooze"',
    },
    _V3 + "UptimeCheckService": {
        "ListUptimeCheckConfigs": 'get: "/v3/{parent=projects/*}/uptimeCheckConfigs"',
        "GetUptimeCheckConfig": 'get: "/v3/{name=projects/*/uptimeCheckConfigs/*}"',
        "CreateUptimeCheckConfig": 'post: "/v3/{parent=projects/*}/uptimeCheckConfigs" body: "uptime_check_config"',
        "UpdateUptimeCheckConfig": 'patch: "/v3/{uptime_check_config.name=projects/*/uptimeCheckConfigs/*}"'
        ' body: "uptime_check_config"',
        "DeleteUptimeCheckConfig": 'delete: "/v3/{name=projects/*/uptimeCheckConfigs/*}"',
        "ListUptimeCheckIps": 'get: "/v3/uptimeCheckIps"',
    },
    _V3 + "GroupService": {
        "ListGroups": 'get: "/v3/{name=projects/*}/groups"',
        "GetGroup": 'get: "/v3/{name=projects/*/groups/*}"',
        "CreateGroup": 'post: "/v3/{name=projects/*}/groups" body: "group"',
        "UpdateGroup": 'put: "/v3/{group.name=projects/*/groups/*}" body: "group"',
        "DeleteGroup": 'delete: "/v3/{name=projects/*/groups/*}"',
        "ListGroupMembers": 'get: "/v3/{name=projects/*/groups/*}/members"',
    },
    # Google's, not served by the emulator: answered UNIMPLEMENTED over REST as over gRPC
    _V3 + "AlertService": {
        "ListAlerts": 'get: "/v3/{parent=projects/*}/alerts"',
        "GetAlert": 'get: "/v3/{name=projects/*/alerts/*}"',
    },
    _V3 + "QueryService": {"QueryTimeSeries": 'post: "/v3/{name=projects/*}/timeSeries:query" body: "*"'},
    _V3 + "AgentTranslationService": {
        "CreateCollectdTimeSeries": 'post: "/v3/{name=projects/*}/collectdTimeSeries" body: "*"',
    },
    "google.monitoring.dashboard.v1.DashboardsService": {
        "CreateDashboard": 'post: "/v1/{parent=projects/*}/dashboards" body: "dashboard"',
        "ListDashboards": 'get: "/v1/{parent=projects/*}/dashboards"',
        "GetDashboard": 'get: "/v1/{name=projects/*/dashboards/*}"',
        "DeleteDashboard": 'delete: "/v1/{name=projects/*/dashboards/*}"',
        "UpdateDashboard": 'patch: "/v1/{dashboard.name=projects/*/dashboards/*}" body: "dashboard"',
    },
}


@cache
def bindings(service: str, method: str) -> tuple[http_pb2.HttpRule, ...]:
    """The rule of ``service``/``method`` and its additional bindings, each a rule of its own
    (an additional binding has no further bindings and inherits nothing). Empty: no REST binding."""
    text = RULES.get(service, {}).get(method)
    if text is None:
        return ()
    rule = text_format.Parse(text, http_pb2.HttpRule())
    extra = tuple(rule.additional_bindings)
    rule.ClearField("additional_bindings")
    return (rule, *extra)
