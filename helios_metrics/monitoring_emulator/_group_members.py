"""The monitored resources a group can contain: those the emulator has seen in written time series,
and what a group filter may ask of each.

A group filter (Google's "Defining group membership") selects resources by ``resource.type``,
``resource.labels.K``, ``project``, and by resource metadata: ``resource.metadata.name``,
``resource.metadata.region``, ``resource.metadata.cloud_account`` and the system labels
``metadata.system_labels.name`` / ``.region``. Google reads metadata from the resource itself
(a VM's name, its region); a written time series carries none (``TimeSeries.metadata`` is output
only), so the emulator derives it from the resource's labels: the name from the label that names
the resource (``task_id``, ``instance_id``, ``pod_name``…), the region from ``region``, ``zone``
(``us-central1-a`` → ``us-central1``) or ``location``; user labels and tags are never set.

Membership in time: with an interval, a resource is a member when one of its series has a point
ending inside it; without one, every resource the emulator has seen is (Google answers "the last
minute" of resources that exist; the emulator's resources exist once written, and never end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from google.api import monitored_resource_pb2

from ._store import Store

__all__ = ["SeenResource", "seen_resources"]

_NAME_LABEL = {
    "generic_task": "task_id",
    "generic_node": "node_id",
    "gce_instance": "instance_id",
    "aws_ec2_instance": "instance_id",
    "gae_instance": "instance_id",
    "k8s_cluster": "cluster_name",
    "k8s_node": "node_name",
    "k8s_pod": "pod_name",
    "k8s_container": "container_name",
    "k8s_service": "service_name",
    "cloud_run_revision": "revision_name",
    "cloud_function": "function_name",
    "pubsub_topic": "topic_id",
    "pubsub_subscription": "subscription_id",
}
_ZONE = re.compile(r"([a-z]+-[a-z]+\d+)-[a-z]")


@dataclass(frozen=True)
class SeenResource:
    """One monitored resource of a project, with the labels it was written with plus ``project_id``."""

    project: str
    type: str
    labels: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str | None:
        label = _NAME_LABEL.get(self.type)
        return None if label is None else dict(self.labels).get(label)

    @property
    def region(self) -> str | None:
        labels = dict(self.labels)
        if "region" in labels:
            return labels["region"]
        place = labels.get("zone") or labels.get("location")
        if place is None:
            return None
        zone = _ZONE.fullmatch(place)
        return zone.group(1) if zone else place

    def resolve(self, selector: str) -> str | None:
        """Answer one filter selector for this resource (None: the resource has no such value)."""
        if selector == "resource.type":
            return self.type
        if selector == "project" or selector == "resource.metadata.cloud_account":
            return self.project
        if selector.startswith("resource.labels."):
            return dict(self.labels).get(selector[len("resource.labels.") :])
        metadata = selector.removeprefix("resource.")
        if metadata in ("metadata.name", "metadata.system_labels.name"):
            return self.name
        if metadata in ("metadata.region", "metadata.system_labels.region"):
            return self.region
        return None

    def pb(self) -> monitored_resource_pb2.MonitoredResource:
        return monitored_resource_pb2.MonitoredResource(type=self.type, labels=dict(self.labels))


def seen_resources(store: Store, project: str, interval: tuple[int, int] | None = None) -> list[SeenResource]:
    """The project's resources, in a stable order; with ``(start_ns, end_ns)``, only those with a
    point whose end time lies in ``[start, end]``."""
    return [SeenResource(project, type_, labels) for type_, labels in store.resources(project, interval)]
