"""Monitored resource types: which exist, which accept custom metrics, and their labels.

Sources: monitoring_api.md §2 (generic_task/generic_node/global writable; cloud_run_revision and
cloud_function known but not writable; label sets from the OpenTelemetry resource mapping);
Google's list of monitored resource types (pubsub_subscription, pubsub_topic: Pub/Sub's own).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from google.api import label_pb2, monitored_resource_pb2

__all__ = ["GCP_REGIONS", "RESOURCE_TYPES", "ResourceType", "check_resource", "descriptor_pb", "location_problem"]


@dataclass(frozen=True)
class ResourceType:
    type: str
    display_name: str
    labels: tuple[str, ...]  # besides project_id, which every type has
    writable: bool


_TYPES = (
    ResourceType("global", "Global", (), True),
    ResourceType("generic_task", "Generic Task", ("location", "namespace", "job", "task_id"), True),
    ResourceType("generic_node", "Generic Node", ("location", "namespace", "node_id"), True),
    ResourceType("gce_instance", "VM Instance", ("instance_id", "zone"), True),
    ResourceType("k8s_cluster", "Kubernetes Cluster", ("location", "cluster_name"), True),
    ResourceType("k8s_node", "Kubernetes Node", ("location", "cluster_name", "node_name"), True),
    ResourceType("k8s_pod", "Kubernetes Pod", ("location", "cluster_name", "namespace_name", "pod_name"), True),
    ResourceType(
        "k8s_container",
        "Kubernetes Container",
        ("location", "cluster_name", "namespace_name", "pod_name", "container_name"),
        True,
    ),
    ResourceType("aws_ec2_instance", "Amazon EC2 Instance", ("instance_id", "region", "aws_account"), True),
    ResourceType("gae_instance", "GAE Instance", ("module_id", "version_id", "instance_id", "location"), True),
    ResourceType(
        "cloud_run_revision",
        "Cloud Run Revision",
        ("service_name", "revision_name", "location", "configuration_name"),
        False,
    ),
    ResourceType("cloud_function", "Cloud Function", ("function_name", "region"), False),
    ResourceType(
        "k8s_service", "Kubernetes Service", ("location", "cluster_name", "namespace_name", "service_name"), False
    ),
    # Pub/Sub's own resources: its built-in metrics live there (alert policies may name them), and
    # nobody else may write to them
    ResourceType("pubsub_subscription", "Cloud Pub/Sub Subscription", ("subscription_id",), False),
    ResourceType("pubsub_topic", "Cloud Pub/Sub Topic", ("topic_id",), False),
)

RESOURCE_TYPES: Mapping[str, ResourceType] = {t.type: t for t in _TYPES}

# Google Cloud regions as of 2026; a zone is a region plus "-a" … "-f". Add a region here when
# Google opens one (a location Google knows but this list lacks fails loudly, never silently).
GCP_REGIONS = frozenset(
    {
        "africa-south1",
        *(f"asia-east{n}" for n in (1, 2)),
        *(f"asia-northeast{n}" for n in (1, 2, 3)),
        *(f"asia-south{n}" for n in (1, 2)),
        *(f"asia-southeast{n}" for n in (1, 2, 3)),
        *(f"australia-southeast{n}" for n in (1, 2)),
        "europe-central2",
        *(f"europe-north{n}" for n in (1, 2)),
        "europe-southwest1",
        *(f"europe-west{n}" for n in (1, 2, 3, 4, 6, 8, 9, 10, 12)),
        *(f"me-central{n}" for n in (1, 2)),
        "me-west1",
        *(f"northamerica-northeast{n}" for n in (1, 2)),
        "northamerica-south1",
        "southamerica-east1",
        "southamerica-west1",
        "us-central1",
        *(f"us-east{n}" for n in (1, 4, 5, 7)),
        "us-south1",
        *(f"us-west{n}" for n in (1, 2, 3, 4)),
    }
)
_ZONE = re.compile(r"(?P<region>[a-z]+-[a-z]+\d+)-[a-f]")
_AWS = re.compile(r"aws:[a-z]{2}(-gov)?-[a-z]+-\d[a-z]?")  # aws:us-east-1 (region) or aws:us-east-1a (zone)
_BAD_LOCATION = "Unrecognized region or location."


def location_problem(location: str) -> str | None:
    """Why Monitoring would refuse this ``location`` resource label, or None: ``global``, a Google
    Cloud region or zone, or an AWS region or zone as ``aws:us-east-1a``."""
    if location == "global" or location in GCP_REGIONS or _AWS.fullmatch(location):
        return None
    zone = _ZONE.fullmatch(location)
    if zone and zone.group("region") in GCP_REGIONS:
        return None
    return _BAD_LOCATION


_WHICH_RESOURCE = (
    "See https://cloud.google.com/monitoring/custom-metrics/creating-metrics#which-resource "
    "for a list of writable resource types."
)


def check_resource(resource_type: str, labels: Mapping[str, str], project: str) -> str | None:
    """Why a custom-metric write to this resource is refused, or None when it is accepted."""
    known = RESOURCE_TYPES.get(resource_type)
    if known is None:
        return f"Unrecognized resource type: {resource_type}."
    if not known.writable:
        return f"Metrics cannot be written to {resource_type}. {_WHICH_RESOURCE}"
    for key in labels:
        if key != "project_id" and key not in known.labels:
            return f"Unrecognized resource label: {key}."
    if labels.get("project_id", project) != project:
        return (
            f"The resource label project_id has the value {labels['project_id']}, "
            f"which is not the project of the request ({project})."
        )
    missing = [key for key in known.labels if key not in labels]
    if missing:
        return f"The set of resource labels is incomplete. Missing labels: ({' '.join(missing)})."
    if "location" in known.labels:
        return location_problem(labels["location"])
    return None


def descriptor_pb(resource: ResourceType, project: str) -> monitored_resource_pb2.MonitoredResourceDescriptor:
    descriptor = monitored_resource_pb2.MonitoredResourceDescriptor(
        name=f"projects/{project}/monitoredResourceDescriptors/{resource.type}",
        type=resource.type,
        display_name=resource.display_name,
        description=f"{resource.display_name} ({'' if resource.writable else 'not '}writable for custom metrics).",
    )
    for key in ("project_id", *resource.labels):
        descriptor.labels.append(label_pb2.LabelDescriptor(key=key, value_type=label_pb2.LabelDescriptor.STRING))
    return descriptor
