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
    assert [d.type for d in client.list_metric_descriptors(name=name)][-1] == "custom.googleapis.com/other/z"


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
