"""Class 12 — the built-in catalogue: Google's monitored-resource types and built-in metrics.

Sources: python-docs-samples monitoring/snippets/v3/cloud-client/snippets_test.py
(test_list_metric_descriptors: "logging.googleapis.com/byte_count"; test_list_resources:
"pubsub_topic"; test_get_resources: "A topic in Google Cloud Pub/Sub"), monitoring/api/v3/api-client/
list_resources.py and list_resources_test.py ("An application running", "Delta CPU" for
compute.googleapis.com/instance/cpu/usage_time); Google's monitored-resource list
(cloud.google.com/monitoring/api/resources) for each type's labels; the Pub/Sub and uptime-check
metric lists (cloud.google.com/monitoring/api/metrics_gcp).
"""

from __future__ import annotations

import re

import pytest
from google.api import metric_pb2

from ._api import Monitoring

MD = metric_pb2.MetricDescriptor

# type -> labels as Google's monitored-resource list documents them
RESOURCE_LABELS = {
    "global": {"project_id"},
    "generic_task": {"project_id", "location", "namespace", "job", "task_id"},
    "generic_node": {"project_id", "location", "namespace", "node_id"},
    "gce_instance": {"project_id", "instance_id", "zone"},
    "k8s_container": {"project_id", "location", "cluster_name", "namespace_name", "pod_name", "container_name"},
    "k8s_pod": {"project_id", "location", "cluster_name", "namespace_name", "pod_name"},
    "cloud_run_revision": {"project_id", "service_name", "revision_name", "location", "configuration_name"},
    "cloud_function": {"project_id", "function_name", "region"},
    "pubsub_topic": {"project_id", "topic_id"},
    "pubsub_subscription": {"project_id", "subscription_id"},
}


def test_list_resources_names_pubsub_topic(api: Monitoring):
    """snippets.py list_monitored_resources; snippets_test.py test_list_resources."""
    types = {d.type for d in api.metric.list_monitored_resource_descriptors(name=api.project_name)}
    assert "pubsub_topic" in types
    assert set(RESOURCE_LABELS) <= types, sorted(set(RESOURCE_LABELS) - types)


def test_get_pubsub_topic_resource(api: Monitoring):
    """snippets.py get_monitored_resource_descriptor(project, "pubsub_topic"); snippets_test.py
    test_get_resources expects "A topic in Google Cloud Pub/Sub" in what it prints."""
    name = f"{api.project_name}/monitoredResourceDescriptors/pubsub_topic"
    descriptor = api.metric.get_monitored_resource_descriptor(name=name)
    assert descriptor.name == name
    assert "A topic in Google Cloud Pub/Sub" in str(descriptor)


@pytest.mark.parametrize("resource_type", list(RESOURCE_LABELS))
def test_resource_labels_as_google_documents_them(api: Monitoring, resource_type: str):
    """Each common type with the labels of Google's monitored-resource list."""
    descriptor = api.metric.get_monitored_resource_descriptor(
        name=f"{api.project_name}/monitoredResourceDescriptors/{resource_type}"
    )
    assert descriptor.type == resource_type
    assert {label.key for label in descriptor.labels} == RESOURCE_LABELS[resource_type]


def test_api_client_list_resources_mentions_an_application(api: Monitoring):
    """api-client list_resources.py list_monitored_resource_descriptors; list_resources_test.py
    searches its output for "An application running" (case-insensitive)."""
    listed = api.metric.list_monitored_resource_descriptors(name=api.project_name)
    assert re.search("An application running", " ".join(d.description for d in listed), re.I)


def test_resource_descriptors_filter_by_type_prefix(api: Monitoring):
    """ListMonitoredResourceDescriptors ``filter``: resource.type = starts_with("pubsub_")."""
    listed = api.metric.list_monitored_resource_descriptors(
        name=api.project_name, filter='resource.type = starts_with("pubsub_")'
    )
    types = {d.type for d in listed}
    assert {"pubsub_topic", "pubsub_subscription"} <= types
    assert all(t.startswith("pubsub_") for t in types)


def test_list_metric_descriptors_includes_builtin_ones(api: Monitoring):
    """snippets.py list_metric_descriptors; snippets_test.py test_list_metric_descriptors expects
    "logging.googleapis.com/byte_count" on a project that defined no metric."""
    types = {d.type for d in api.metric.list_metric_descriptors(name=api.project_name)}
    assert "logging.googleapis.com/byte_count" in types


def test_api_client_cpu_usage_time_descriptor(api: Monitoring):
    """api-client list_resources.py list_metric_descriptors(filter metric.type="compute.googleapis.com/
    instance/cpu/usage_time"); list_resources_test.py expects "Delta CPU" in the answer."""
    listed = api.metric.list_metric_descriptors(
        name=api.project_name, filter='metric.type="compute.googleapis.com/instance/cpu/usage_time"'
    )
    assert [d.type for d in listed] == ["compute.googleapis.com/instance/cpu/usage_time"]
    assert re.search("Delta CPU", str(listed[0]), re.I)


def test_pubsub_metrics_filter_by_prefix(api: Monitoring):
    """The product alerts on Pub/Sub's backlog: ``metric.type = starts_with("pubsub.googleapis.com/")``
    lists them (GAUGE INT64), and nothing outside the prefix."""
    listed = api.metric.list_metric_descriptors(
        name=api.project_name, filter='metric.type = starts_with("pubsub.googleapis.com/")'
    )
    by_type = {d.type: d for d in listed}
    assert all(t.startswith("pubsub.googleapis.com/") for t in by_type)
    for backlog in ("num_undelivered_messages", "oldest_unacked_message_age"):
        descriptor = by_type[f"pubsub.googleapis.com/subscription/{backlog}"]
        assert (descriptor.metric_kind, descriptor.value_type) == (MD.GAUGE, MD.INT64)
        assert list(descriptor.monitored_resource_types) == ["pubsub_subscription"]


def test_get_builtin_metric_descriptor_by_name(api: Monitoring):
    """GetMetricDescriptor of a built-in metric: projects/<id>/metricDescriptors/<type>."""
    metric_type = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"
    name = f"{api.project_name}/metricDescriptors/{metric_type}"
    descriptor = api.metric.get_metric_descriptor(name=name)
    assert (descriptor.name, descriptor.type, descriptor.unit) == (name, metric_type, "s")


@pytest.mark.parametrize(
    ("metric_type", "value_type"),
    [
        ("monitoring.googleapis.com/uptime_check/check_passed", MD.BOOL),
        ("monitoring.googleapis.com/uptime_check/request_latency", MD.DOUBLE),
    ],
    ids=["check_passed", "request_latency"],
)
def test_uptime_check_metrics(api: Monitoring, metric_type: str, value_type: int):
    """The uptime-check metrics policies on uptime checks alert on (GAUGE, on uptime_url)."""
    descriptor = api.metric.get_metric_descriptor(name=f"{api.project_name}/metricDescriptors/{metric_type}")
    assert (descriptor.metric_kind, descriptor.value_type) == (MD.GAUGE, value_type)
    assert "uptime_url" in descriptor.monitored_resource_types
