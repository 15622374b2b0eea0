"""A policy's documentation as notifications carry it: Google's variables substituted in the
content, the subject and link urls; ``$${`` escapes; unknown names left as written; the subject
cut to 255 bytes at a character boundary."""

from __future__ import annotations

import pytest

from helios_metrics.monitoring_emulator._documentation import expand, rendered, truncate_utf8, variables

INCIDENT = {
    "scoping_project_id": "helios-prod",
    "policy": "projects/123456789012/alertPolicies/42",
    "policy_name": "Helios: burn rate",
    "policy_user_labels": {"managed_by": "helios-setup-infra", "helios_key": "burn-fast"},
    "condition_resource": "projects/123456789012/alertPolicies/42/conditions/7",
    "condition_name": "burn rate over 1 h > 6",
    "metric": {
        "type": "custom.googleapis.com/helios/pipeline_runs",
        "displayName": "Pipeline runs",
        "labels": {"status": "failure", "odd": "-dash", "path": "/runs"},
    },
    "resource": {"type": "generic_task", "labels": {"project_id": "helios-prod", "task_id": "c-1"}},
    "metadata": {"system_labels": {}, "user_labels": {"team": "store"}},
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("condition.name", "projects/123456789012/alertPolicies/42/conditions/7"),
        ("condition.display_name", "burn rate over 1 h > 6"),
        ("metric.type", "custom.googleapis.com/helios/pipeline_runs"),
        ("metric.display_name", "Pipeline runs"),
        ("metric.label.status", "failure"),
        ("metric.label.path", "/runs"),
        ("metric.label.odd", ""),  # Google reports only values starting with a letter, digit, / or =
        ("metric.label.absent", ""),
        ("policy.name", "projects/123456789012/alertPolicies/42"),
        ("policy.display_name", "Helios: burn rate"),
        ("policy.user_label.helios_key", "burn-fast"),
        ("project", "helios-prod"),
        ("resource.type", "generic_task"),
        ("resource.project", "helios-prod"),
        ("resource.label.task_id", "c-1"),
        ("metadata.user_label.team", "store"),
        ("metadata.system_label.region", ""),
        ("log.extracted_label.user", ""),  # log-based policies only
        ("policy.displayname", None),  # not a variable Google documents
        ("resource.label.", None),
    ],
)
def test_each_documented_variable_resolves(name, value):
    assert variables(INCIDENT)(name) == value


def test_variables_are_substituted_and_dollar_dollar_escapes():
    resolve = variables(INCIDENT)
    text = "${policy.display_name} on ${resource.label.task_id}: $${not.a.variable} and ${policy.displayname}"
    assert expand(text, resolve) == (
        "Helios: burn rate on c-1: ${not.a.variable} and ${policy.displayname}"  # unknown names stay as written
    )
    assert expand("cost $5, ${ metric.label.status }", resolve) == "cost $5, failure"


def test_the_subject_is_cut_to_255_bytes_at_a_character_boundary():
    assert truncate_utf8("é" * 200) == "é" * 127  # 254 bytes: the 128th "é" would end at byte 256
    assert len(truncate_utf8("x" * 300).encode()) == 255


def test_the_whole_documentation_is_rendered_for_a_notification():
    documentation = {
        "content": "## ${condition.display_name}\nRunbook for ${project}.",
        "mime_type": "text/markdown",
        "subject": "[page] ${policy.display_name} " + "x" * 300,
        "links": [{"display_name": "Dashboard ${project}", "url": "https://example.com/d?p=${project}"}],
    }
    out = rendered(documentation, INCIDENT)
    assert out["content"] == "## burn rate over 1 h > 6\nRunbook for helios-prod."
    assert out["subject"].startswith("[page] Helios: burn rate xxx")
    assert len(out["subject"].encode()) == 255
    # a link's url takes variables; Google documents none for its display name
    assert out["links"] == [{"display_name": "Dashboard ${project}", "url": "https://example.com/d?p=helios-prod"}]
    assert out["mime_type"] == "text/markdown"
    assert documentation["content"].startswith("## ${condition")  # the policy's own copy is untouched
