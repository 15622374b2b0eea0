"""Plans as text and JSON: what a change destroys beyond itself is on its own line, notes follow."""

from __future__ import annotations

import json

from helios_metrics.setup_infra.model import Change, Plan, Resource
from helios_metrics.setup_infra.render import plan_json, plan_text

DESCRIPTOR = Resource("metric_descriptor", "custom.googleapis.com/helios/pipeline_runs", {}, "projects/p/x")
LOSS = "deletes its 3 time series (counted over the last 760 days)"


def test_a_delete_that_loses_data_says_so_on_its_line_and_in_json():
    planned = Plan(
        (Change("delete", DESCRIPTOR.kind, DESCRIPTOR.key, actual=DESCRIPTOR, consequence=LOSS),),
        ("deleting the metric descriptors deletes 3 time series with all their points",),
    )
    lines = plan_text(planned, "destroy --delete-data").splitlines()
    assert lines == [
        f"- delete metric_descriptor custom.googleapis.com/helios/pipeline_runs: {LOSS}",
        "note: deleting the metric descriptors deletes 3 time series with all their points",
        "Plan: 0 to create, 0 to update, 1 to delete. Run `python -m setup_infra destroy --delete-data --yes` "
        "to carry it out.",
    ]
    assert json.loads(plan_json(planned))["changes"][0]["consequence"] == LOSS


def test_a_plan_in_sync_still_shows_its_notes():
    text = plan_text(Plan((), ("channel sms: not configured in this environment, kept",)))
    assert text.splitlines() == [
        "note: channel sms: not configured in this environment, kept",
        "In sync: nothing to change.",
    ]
