"""Metric and monitored-resource descriptors through the official client."""

from __future__ import annotations

import time

import pytest
from google.api import label_pb2, metric_pb2
from google.api_core import exceptions

from tests.helpers import HELIOS, read, series

MD = metric_pb2.MetricDescriptor


def descriptor(
    metric_type: str, kind: int = MD.GAUGE, value_type: int = MD.DOUBLE, labels: tuple[str, ...] = (), **fields: object
) -> metric_pb2.MetricDescriptor:
    d = metric_pb2.MetricDescriptor(type=metric_type, metric_kind=kind, value_type=value_type, **fields)
    for key in labels:
        d.labels.append(label_pb2.LabelDescriptor(key=key))
    return d


@pytest.fixture
def client(factory):
    return factory.metric_service()


def test_create_get_and_merge_compatible_descriptors(client, project_id):
    name = f"projects/{project_id}"
    created = client.create_metric_descriptor(
        name=name, metric_descriptor=descriptor(f"{HELIOS}/runs", MD.GAUGE, MD.INT64, ("status",), unit="1")
    )
    assert created.name == f"projects/{project_id}/metricDescriptors/{HELIOS}/runs"
    merged = client.create_metric_descriptor(
        name=name,
        metric_descriptor=descriptor(f"{HELIOS}/runs", MD.GAUGE, MD.INT64, ("stage",), description="Pipeline runs"),
    )
    assert [label.key for label in merged.labels] == ["status", "stage"]  # labels are added, never removed
    assert merged.description == "Pipeline runs"
    fetched = client.get_metric_descriptor(name=created.name)
    assert fetched == merged


def test_an_incompatible_descriptor_already_exists(client, project_id):
    name = f"projects/{project_id}"
    client.create_metric_descriptor(name=name, metric_descriptor=descriptor(f"{HELIOS}/runs", MD.GAUGE, MD.INT64))
    with pytest.raises(exceptions.AlreadyExists) as caught:
        client.create_metric_descriptor(
            name=name, metric_descriptor=descriptor(f"{HELIOS}/runs", MD.CUMULATIVE, MD.INT64)
        )
    assert caught.value.message == (
        f"Errors during metric descriptor creation: {{(metric: {HELIOS}/runs, error: The metric already exists.)}}"
    )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            descriptor(f"{HELIOS}/x", MD.GAUGE, MD.VALUE_TYPE_UNSPECIFIED),
            "Request was missing field metricDescriptor.valueType: The descriptor does not have the value type set.",
        ),
        (
            descriptor(f"{HELIOS}/x", MD.METRIC_KIND_UNSPECIFIED, MD.DOUBLE),
            "Request was missing field metricDescriptor.metricKind: The descriptor does not have the metric kind set.",
        ),
        (
            descriptor(f"{HELIOS}/x", MD.DELTA, MD.DOUBLE),
            'Field metricDescriptor.metricKind had an invalid value of "DELTA": '
            "User-defined metrics can only be GAUGE or CUMULATIVE.",
        ),
        (
            descriptor(f"{HELIOS}/x", MD.GAUGE, MD.DOUBLE, tuple(f"l{i}" for i in range(31))),
            f"The new labels would cause the metric {HELIOS}/x to have over 30 labels.",
        ),
    ],
)
def test_invalid_descriptors_are_refused(client, project_id, bad, message):
    with pytest.raises(exceptions.InvalidArgument) as caught:
        client.create_metric_descriptor(name=f"projects/{project_id}", metric_descriptor=bad)
    assert caught.value.message == message


def test_list_filters_and_pages_descriptors(client, project_id):
    name = f"projects/{project_id}"
    for suffix in ("a", "b", "c", "d", "e"):
        client.create_metric_descriptor(name=name, metric_descriptor=descriptor(f"{HELIOS}/{suffix}"))
    client.create_metric_descriptor(name=name, metric_descriptor=descriptor("custom.googleapis.com/other/z"))
    pager = client.list_metric_descriptors(
        request={"name": name, "filter": f'metric.type = starts_with("{HELIOS}/")', "page_size": 2}
    )
    pages = list(pager.pages)
    assert [len(p.metric_descriptors) for p in pages] == [2, 2, 1]
    assert [d.type for p in pages for d in p.metric_descriptors] == [f"{HELIOS}/{s}" for s in "abcde"]
    listed = [d.type for d in client.list_metric_descriptors(name=name)]
    assert [t for t in listed if t.startswith("custom.")][-1] == "custom.googleapis.com/other/z"
    assert listed == sorted(listed)  # custom and built-in metrics, by type


def test_active_only_lists_descriptors_with_recent_points(client, project_id):
    name = f"projects/{project_id}"
    client.create_metric_descriptor(name=name, metric_descriptor=descriptor(f"{HELIOS}/idle"))
    client.create_time_series(name=name, time_series=[series(1.0, time.time() - 60, metric_type=f"{HELIOS}/busy")])
    active = [d.type for d in client.list_metric_descriptors(request={"name": name, "active_only": True})]
    assert active == [f"{HELIOS}/busy"]


def test_deleting_a_descriptor_drops_its_data(client, project_id):
    name = f"projects/{project_id}"
    t = time.time() - 60
    client.create_time_series(name=name, time_series=[series(1.0, t, metric_type=f"{HELIOS}/gone")])
    client.delete_metric_descriptor(name=f"{name}/metricDescriptors/{HELIOS}/gone")
    with pytest.raises(exceptions.NotFound):
        client.get_metric_descriptor(name=f"{name}/metricDescriptors/{HELIOS}/gone")
    assert read(client, project_id, f"{HELIOS}/gone", t - 60, t + 60) == []
    with pytest.raises(exceptions.NotFound):
        client.delete_metric_descriptor(name=f"{name}/metricDescriptors/{HELIOS}/gone")


def test_monitored_resource_descriptors(client, project_id):
    name = f"projects/{project_id}"
    found = list(
        client.list_monitored_resource_descriptors(request={"name": name, "filter": 'resource.type = "generic_task"'})
    )
    assert [d.type for d in found] == ["generic_task"]
    assert [label.key for label in found[0].labels] == ["project_id", "location", "namespace", "job", "task_id"]
    assert client.get_monitored_resource_descriptor(name=f"{name}/monitoredResourceDescriptors/global").type == "global"
    with pytest.raises(exceptions.NotFound):
        client.get_monitored_resource_descriptor(name=f"{name}/monitoredResourceDescriptors/nope")
    every = {d.type for d in client.list_monitored_resource_descriptors(name=name)}
    assert {"global", "generic_task", "generic_node", "cloud_run_revision"} <= every


REQUIRED_RESOURCES = {
    # type: labels, as Google's "Monitored resource types" list gives them
    "global": ["project_id"],
    "generic_task": ["project_id", "location", "namespace", "job", "task_id"],
    "generic_node": ["project_id", "location", "namespace", "node_id"],
    "gce_instance": ["project_id", "instance_id", "zone"],
    "k8s_container": ["project_id", "location", "cluster_name", "namespace_name", "pod_name", "container_name"],
    "k8s_pod": ["project_id", "location", "cluster_name", "namespace_name", "pod_name"],
    "cloud_run_revision": ["project_id", "service_name", "revision_name", "location", "configuration_name"],
    "cloud_function": ["project_id", "function_name", "region"],
    "pubsub_topic": ["project_id", "topic_id"],
    "pubsub_subscription": ["project_id", "subscription_id"],
    "uptime_url": ["project_id", "host"],
}


@pytest.mark.parametrize(("resource_type", "labels"), sorted(REQUIRED_RESOURCES.items()))
def test_the_catalogue_of_monitored_resources_is_google_s(client, project_id, resource_type, labels):
    found = client.get_monitored_resource_descriptor(
        name=f"projects/{project_id}/monitoredResourceDescriptors/{resource_type}"
    )
    assert found.name == f"projects/{project_id}/monitoredResourceDescriptors/{resource_type}"
    assert [label.key for label in found.labels] == labels
    assert found.display_name
    assert found.description
    assert all(label.description for label in found.labels)


def test_resource_descriptors_read_as_google_s_samples_expect(client, project_id):
    """python-docs-samples: the list holds pubsub_topic, whose description is "A topic in Google
    Cloud Pub/Sub"; the api-client sample looks for "An application running" (gae_app)."""
    name = f"projects/{project_id}"
    listed = list(client.list_monitored_resource_descriptors(name=name))
    assert "pubsub_topic" in {d.type for d in listed}
    assert any("An application running" in d.description for d in listed)
    topic = client.get_monitored_resource_descriptor(name=f"{name}/monitoredResourceDescriptors/pubsub_topic")
    assert topic.description == "A topic in Google Cloud Pub/Sub."
    k8s = client.list_monitored_resource_descriptors(
        request={"name": name, "filter": 'resource.type = starts_with("k8s_")'}
    )
    assert {d.type for d in k8s} == {"k8s_cluster", "k8s_node", "k8s_pod", "k8s_container", "k8s_service"}


PUBSUB_BACKLOG = {
    "pubsub.googleapis.com/subscription/num_undelivered_messages": (MD.GAUGE, MD.INT64, "1"),
    "pubsub.googleapis.com/subscription/oldest_unacked_message_age": (MD.GAUGE, MD.INT64, "s"),
    "pubsub.googleapis.com/subscription/backlog_bytes": (MD.GAUGE, MD.INT64, "By"),
}


def test_built_in_metrics_are_listed_and_filtered_like_google_s(client, project_id):
    name = f"projects/{project_id}"
    pubsub = {
        d.type: d
        for d in client.list_metric_descriptors(
            request={"name": name, "filter": 'metric.type = starts_with("pubsub.googleapis.com/")'}
        )
    }
    assert set(PUBSUB_BACKLOG) <= set(pubsub)
    assert all(t.startswith("pubsub.googleapis.com/") for t in pubsub)
    for metric_type, (kind, value_type, unit) in PUBSUB_BACKLOG.items():
        d = pubsub[metric_type]
        assert (d.metric_kind, d.value_type, d.unit) == (kind, value_type, unit)
        assert d.name == f"{name}/metricDescriptors/{metric_type}"
        assert list(d.monitored_resource_types) == ["pubsub_subscription"]
        assert "Sampled every 60 seconds" in d.description
    uptime = [
        d.type
        for d in client.list_metric_descriptors(
            request={"name": name, "filter": 'metric.type = starts_with("monitoring.googleapis.com/uptime_check/")'}
        )
    ]
    assert {
        "monitoring.googleapis.com/uptime_check/check_passed",
        "monitoring.googleapis.com/uptime_check/request_latency",
    } <= set(uptime)
    on_subscriptions = client.list_metric_descriptors(
        request={"name": name, "filter": 'resource.type = "pubsub_subscription"'}
    )
    assert {d.type for d in on_subscriptions} == {t for t in pubsub if "/subscription/" in t}
    everything = {d.type for d in client.list_metric_descriptors(name=name)}
    assert "logging.googleapis.com/byte_count" in everything  # python-docs-samples' list test looks for it
    check = client.get_metric_descriptor(
        name=f"{name}/metricDescriptors/monitoring.googleapis.com/uptime_check/check_passed"
    )
    assert (check.metric_kind, check.value_type) == (MD.GAUGE, MD.BOOL)
    assert [label.key for label in check.labels] == ["check_id", "checker_location"]


def test_built_in_metrics_are_neither_created_nor_deleted_by_callers(client, project_id):
    name = f"projects/{project_id}"
    backlog = "pubsub.googleapis.com/subscription/num_undelivered_messages"
    with pytest.raises(exceptions.PermissionDenied) as caught:
        client.create_metric_descriptor(name=name, metric_descriptor=descriptor(backlog, MD.GAUGE, MD.INT64))
    assert caught.value.message == f"The caller does not have permission to write to metric {backlog}."
    with pytest.raises(exceptions.InvalidArgument) as caught:
        client.delete_metric_descriptor(name=f"{name}/metricDescriptors/{backlog}")
    assert caught.value.message == "Only user-created custom metrics can be deleted."
    assert client.get_metric_descriptor(name=f"{name}/metricDescriptors/{backlog}").type == backlog


def test_label_keys_may_hold_capital_letters_as_the_api_reference_allows(client, project_id):
    """``[a-zA-Z][a-zA-Z0-9_]*``, at most 100 characters: Google's snippet creates ``TestLabel``."""
    name = f"projects/{project_id}"
    created = client.create_metric_descriptor(
        name=name, metric_descriptor=descriptor(f"{HELIOS}/capital", labels=("TestLabel", "statusCode", "a" * 100))
    )
    assert [label.key for label in created.labels] == ["TestLabel", "statusCode", "a" * 100]


@pytest.mark.parametrize("key", ["1st", "_x", "bad-key", "has.dot", "b" * 101, ""])
def test_label_keys_outside_the_rule_are_refused(client, project_id, key):
    with pytest.raises(exceptions.InvalidArgument) as caught:
        client.create_metric_descriptor(
            name=f"projects/{project_id}", metric_descriptor=descriptor(f"{HELIOS}/bad_key", labels=(key,))
        )
    assert caught.value.message == (
        f'Field metricDescriptor.labels[0].key had an invalid value of "{key}": Label keys must start with a '
        "letter and contain only letters, digits and underscores, at most 100 characters."
    )
