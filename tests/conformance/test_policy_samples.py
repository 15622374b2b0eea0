"""Class 2 (and the policy side of 3 and 8) — Google's published alert policies are accepted as
written and read back unchanged.

Sources: GoogleCloudPlatform/monitoring-dashboard-samples ``alerts/**`` (copies under
samples/monitoring-dashboard-samples/alerts, see samples/README.md) and python-docs-samples
monitoring/api/v3/alerts-client/test_alert_policy.json (aggregation groupByFields ["project",
"resource.label.instance_id", "resource.label.zone"]). Each is loaded as the snippets load a policy
(``AlertPolicy.from_json``) and created with CreateAlertPolicy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.cloud import monitoring_v3

from ._api import Monitoring
from ._data import SAMPLES, sample

POLICIES = sorted(
    str(path.relative_to(SAMPLES))
    for folder in ("monitoring-dashboard-samples/alerts", "python-docs-samples")
    for path in (SAMPLES / folder).glob("*.json")
    if path.name != "test_notification_channel.json"
)


# Placeholders some samples ask the user to fill in before importing them (upper-case ``${NAME}``;
# Google's documentation variables such as ``${metric.label.value}`` stay as they are).
PLACEHOLDERS = {
    "INSTANCE_NAME": "orders-cache",
    "INSTANCE_ID": "orders-cache",
    "REGION": "us-central1",
    "FULL_RESERVATION_ID": "admin-project:US.prod",
    "RESERVATION_NAME": "prod",
}


def _filled(text: str, project: str) -> str:
    values = {**PLACEHOLDERS, "PROJECT_ID": project}
    return re.sub(r"\$\{([A-Z_]+)\}", lambda m: values[m.group(1)], text)


def _condition_body(condition: monitoring_v3.AlertPolicy.Condition) -> object:
    """The condition's own settings (whichever kind it is), without the names the server assigns."""
    which = monitoring_v3.AlertPolicy.Condition.pb(condition).WhichOneof("condition")
    return which, getattr(condition, which)


def test_there_are_enough_policy_samples():
    assert len(POLICIES) >= 15


@pytest.mark.parametrize("path", POLICIES, ids=[Path(p).stem for p in POLICIES])
def test_sample_policy_is_accepted_and_reads_back(api: Monitoring, path: str):
    """CreateAlertPolicy of the sample as published (its upper-case placeholders filled in, as its
    instructions ask); GetAlertPolicy returns it unchanged (display
    name, combiner, documentation, every condition's settings, strategy), named under the project
    id."""
    policy = monitoring_v3.AlertPolicy.from_json(_filled(sample(path), api.project))
    created = api.alert_policy.create_alert_policy(name=api.project_name, alert_policy=policy)
    assert created.name.startswith(f"{api.project_name}/alertPolicies/")
    fetched = api.alert_policy.get_alert_policy(name=created.name)
    assert fetched.display_name == policy.display_name
    assert fetched.combiner == policy.combiner
    assert fetched.documentation.content == policy.documentation.content
    assert [_condition_body(c) for c in fetched.conditions] == [_condition_body(c) for c in policy.conditions]
    assert [c.display_name for c in fetched.conditions] == [c.display_name for c in policy.conditions]
    assert fetched.alert_strategy.auto_close == policy.alert_strategy.auto_close
    assert all(c.name.startswith(f"{created.name}/conditions/") for c in fetched.conditions)
