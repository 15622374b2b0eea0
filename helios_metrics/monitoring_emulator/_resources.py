"""Monitored resource types: which exist, which accept custom metrics, and their labels.

Names, display names, descriptions and labels as Google's "Monitored resource types" list gives them
(docs.cloud.google.com/monitoring/api/resources, generated 2026-04-10); writable ones as "Which
resource types can hold custom metrics" lists them (generic_task, generic_node, global, gce_instance,
the k8s_* types, aws_ec2_instance, gae_instance). The others are Google's own: their metrics are
built in (``_builtin_metrics``), and nobody else may write to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from google.api import label_pb2, monitored_resource_pb2

__all__ = ["GCP_REGIONS", "RESOURCE_TYPES", "ResourceType", "check_resource", "descriptor_pb", "location_problem"]

_PROJECT = 'The identifier of the GCP project associated with this resource, such as "my-project".'
_LOCATION = (
    "The Google Cloud region or zone that determines where data about the resource is stored. "
    'For example, "us-east1-a".'
)
_NAMESPACE = "A namespace identifier, such as a cluster name."


@dataclass(frozen=True)
class ResourceType:
    type: str
    display_name: str
    description: str
    labels: tuple[tuple[str, str], ...]  # (key, description) besides project_id, which every type has
    writable: bool

    @property
    def label_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.labels)


_TYPES = (
    ResourceType("global", "Global", "A resource type that is not associated with any specific resource.", (), True),
    ResourceType(
        "generic_task",
        "Generic Task",
        "A generic task identifies an application process for which no more specific resource is applicable, "
        "such as a process scheduled by a custom orchestration system. The label values must uniquely identify "
        "the task.",
        (
            ("location", _LOCATION),
            ("namespace", _NAMESPACE),
            (
                "job",
                "An identifier for a grouping of related tasks, such as the name of a microservice or "
                "distributed batch job.",
            ),
            (
                "task_id",
                "A unique identifier for the task within the namespace and job, such as a replica index "
                "identifying the task within the job.",
            ),
        ),
        True,
    ),
    ResourceType(
        "generic_node",
        "Generic Node",
        "A generic node identifies a machine or other computational resource for which no more specific resource "
        "type is applicable. The label values must uniquely identify the node.",
        (
            ("location", _LOCATION),
            ("namespace", _NAMESPACE),
            ("node_id", "A unique identifier for the node within the namespace, such as a hostname or IP address."),
        ),
        True,
    ),
    ResourceType(
        "gce_instance",
        "VM Instance",
        "A virtual machine instance hosted in Compute Engine.",
        (
            ("instance_id", "The numeric VM instance identifier assigned by Compute Engine."),
            ("zone", "The Compute Engine zone in which the VM is running."),
        ),
        True,
    ),
    ResourceType(
        "k8s_cluster",
        "Kubernetes Cluster",
        "A Kubernetes cluster. It contains Kubernetes audit logs from the cluster.",
        (("location", "The physical location of the cluster."), ("cluster_name", "The name of the cluster.")),
        True,
    ),
    ResourceType(
        "k8s_node",
        "Kubernetes Node",
        "A Kubernetes node instance.",
        (
            ("location", "The physical location of the cluster that contains the node."),
            ("cluster_name", "The name of the cluster that the node is a part of."),
            ("node_name", "The name of the node."),
        ),
        True,
    ),
    ResourceType(
        "k8s_pod",
        "Kubernetes Pod",
        "A Kubernetes pod instance.",
        (
            ("location", "The physical location of the cluster that contains the pod."),
            ("cluster_name", "The name of the cluster that the pod is running in."),
            ("namespace_name", "The name of the namespace that the pod is running in."),
            ("pod_name", "The name of the pod."),
        ),
        True,
    ),
    ResourceType(
        "k8s_container",
        "Kubernetes Container",
        "A Kubernetes container instance.",
        (
            ("location", "The physical location of the cluster that contains the container."),
            ("cluster_name", "The name of the cluster that the container is running in."),
            ("namespace_name", "The name of the namespace that the container is running in."),
            ("pod_name", "The name of the pod that the container is running in."),
            ("container_name", "The name of the container."),
        ),
        True,
    ),
    ResourceType(
        "aws_ec2_instance",
        "Amazon EC2 Instance",
        "A VM instance in Amazon EC2.",
        (
            ("instance_id", "The VM instance identifier assigned by AWS."),
            (
                "region",
                'The AWS region for the VM. The format of this field is "aws:{region}", where supported '
                "values for {region} are listed at http://docs.aws.amazon.com/general/latest/gr/rande.html .",
            ),
            ("aws_account", "The AWS account number for the VM."),
        ),
        True,
    ),
    ResourceType(
        "gae_instance",
        "GAE Instance",
        "A single instance of a Google App Engine (GAE) version.",
        (
            ("module_id", "The service/module name."),
            ("version_id", "The version name."),
            ("instance_id", "The instance id."),
            ("location", "App Engine's external notion of location."),
        ),
        True,
    ),
    ResourceType(
        "gae_app",
        "GAE Application",
        "An application running in Google App Engine (GAE).",
        (
            ("module_id", "The service/module name."),
            ("version_id", "The version name."),
            ("zone", "The GAE zone where the application is running."),
        ),
        False,
    ),
    ResourceType(
        "cloud_run_revision",
        "Cloud Run Revision",
        "A revision in Cloud Run.",
        (
            ("service_name", "Name of the service."),
            ("revision_name", "Name of the monitored revision."),
            ("location", "Region where the service is running."),
            ("configuration_name", "Name of the configuration which created the monitored revision."),
        ),
        False,
    ),
    ResourceType(
        "cloud_function",
        "Cloud Function",
        "A function in Google Cloud Functions.",
        (("function_name", "The short function name."), ("region", "The region in which the function is running.")),
        False,
    ),
    ResourceType(
        "k8s_service",
        "Kubernetes Service",
        "A Kubernetes Service instance.",
        (
            ("location", "The physical location of the cluster that contains the service."),
            ("cluster_name", "The name of the cluster that the service is running in."),
            ("namespace_name", "The name of the namespace that the service is running in."),
            ("service_name", "The name of the service."),
        ),
        False,
    ),
    ResourceType(
        "pubsub_subscription",
        "Cloud Pub/Sub Subscription",
        "A subscription in Google Cloud Pub/Sub.",
        (("subscription_id", 'The identifier of the subscription, such as "my-subscription".'),),
        False,
    ),
    ResourceType(
        "pubsub_topic",
        "Cloud Pub/Sub Topic",
        "A topic in Google Cloud Pub/Sub.",
        (("topic_id", 'The identifier of the topic, such as "my-topic".'),),
        False,
    ),
    ResourceType(
        "uptime_url",
        "Uptime Check URL",
        "An Uptime Monitoring check against a custom URL.",
        (("host", "The hostname or IP address of the check."),),
        False,
    ),
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
        if key != "project_id" and key not in known.label_keys:
            return f"Unrecognized resource label: {key}."
    if labels.get("project_id", project) != project:
        return (
            f"The resource label project_id has the value {labels['project_id']}, "
            f"which is not the project of the request ({project})."
        )
    missing = [key for key in known.label_keys if key not in labels]
    if missing:
        return f"The set of resource labels is incomplete. Missing labels: ({' '.join(missing)})."
    if "location" in known.label_keys:
        return location_problem(labels["location"])
    return None


def descriptor_pb(resource: ResourceType, project: str) -> monitored_resource_pb2.MonitoredResourceDescriptor:
    descriptor = monitored_resource_pb2.MonitoredResourceDescriptor(
        name=f"projects/{project}/monitoredResourceDescriptors/{resource.type}",
        type=resource.type,
        display_name=resource.display_name,
        description=resource.description,
    )
    descriptor.labels.append(label_pb2.LabelDescriptor(key="project_id", description=_PROJECT))
    for key, text in resource.labels:
        descriptor.labels.append(label_pb2.LabelDescriptor(key=key, description=text))
    return descriptor
