"""Which instants and incidents a snooze covers, on a real in-memory store with a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.cloud.monitoring_v3.types import alert, snooze_service

from helios_metrics.contract.units import NS
from helios_metrics.monitoring_emulator._objects import Projects
from helios_metrics.monitoring_emulator._snooze_service import POLICY_KIND, SnoozeService
from helios_metrics.monitoring_emulator._store import Store

NOW = 1_800_000_000 * NS
PROJECT = "p-snooze"
POLICY = f"projects/{Projects.number_of(PROJECT)}/alertPolicies/42"
OTHER = f"projects/{Projects.number_of(PROJECT)}/alertPolicies/43"


@pytest.fixture
def service() -> Iterator[SnoozeService]:
    store = Store()
    for name in (POLICY, OTHER):
        policy = alert.AlertPolicy.pb(alert.AlertPolicy(name=name, display_name="p"))
        store.put_object(POLICY_KIND, PROJECT, name.rsplit("/", 1)[1], policy.SerializeToString())
    yield SnoozeService(store, Projects(store, lambda: NOW), lambda: NOW)
    store.close()


def create(service: SnoozeService, start_s: int, end_s: int, filter_text: str = "") -> None:
    request = snooze_service.CreateSnoozeRequest(
        parent=f"projects/{PROJECT}",
        snooze={
            "display_name": "deploy",
            "criteria": {"policies": [POLICY], "filter": filter_text},
            "interval": {"start_time": {"seconds": start_s}, "end_time": {"seconds": end_s}},
        },
    )
    service.create(snooze_service.CreateSnoozeRequest.pb(request))


def test_a_snooze_covers_its_policy_from_its_start_up_to_its_end(service):
    start, end = NOW // NS + 60, NOW // NS + 600
    create(service, start, end)
    assert not service.active(PROJECT, POLICY, start * NS - 1)
    assert service.active(PROJECT, POLICY, start * NS)
    assert service.active(PROJECT, POLICY, end * NS - 1)
    assert not service.active(PROJECT, POLICY, end * NS)
    assert not service.active(PROJECT, OTHER, start * NS)  # only the policies it names
    assert not service.active("another-project", POLICY, start * NS)


def test_a_filtered_snooze_covers_only_the_matching_series(service):
    start = NOW // NS
    create(service, start, start + 600, 'resource.labels.task_id = "t-1" AND metric.labels.status = "failure"')
    at = (start + 60) * NS
    assert not service.active(PROJECT, POLICY, at)  # not every series of the policy
    matching = {"resource.labels.task_id": "t-1", "metric.labels.status": "failure"}.get
    other = {"resource.labels.task_id": "t-2", "metric.labels.status": "failure"}.get
    assert service.covers(PROJECT, POLICY, at, matching)
    assert not service.covers(PROJECT, POLICY, at, other)
