"""Services and SLOs in the plan: created before the policies that name them, updated in place,
deleted after them; an SLO's reference inside a filter resolves to its real name and maps back,
whatever project form the server writes, so a plan after apply is empty."""

from __future__ import annotations

import pytest

from helios_metrics.setup_infra.adapters import canonical, resolve
from helios_metrics.setup_infra.model import MANAGED_BY, Resource, ref
from helios_metrics.setup_infra.planner import plan

SLO_KEY = "helios-pipeline/run-success"
SLO_REF = ref("slo", SLO_KEY)
FILTER = f'select_slo_burn_rate("{SLO_REF}", "3600s")'


def service_body() -> dict:
    return {
        "display_name": "Helios pipeline",
        "custom": {},
        "user_labels": {**MANAGED_BY, "helios_key": "helios-pipeline"},
    }


def slo_body(goal: float = 0.85) -> dict:
    good = 'metric.type = "custom.googleapis.com/helios/pipeline_run_count" AND metric.labels.status = "success"'
    total = 'metric.type = "custom.googleapis.com/helios/pipeline_run_count"'
    return {
        "display_name": "Pipeline runs succeed",
        "goal": goal,
        "rolling_period": "604800s",
        "service_level_indicator": {
            "request_based": {"good_total_ratio": {"good_service_filter": good, "total_service_filter": total}}
        },
        "user_labels": {**MANAGED_BY, "helios_key": "run-success"},
    }


def policy_body(filter_: str = FILTER) -> dict:
    return {
        "display_name": "Helios: burn rate",
        "combiner": "OR",
        "conditions": [
            {
                "display_name": "fast burn",
                "condition_threshold": {
                    "filter": filter_,
                    "comparison": "COMPARISON_GT",
                    "threshold_value": 4.0,
                    "duration": "0s",
                },
            }
        ],
        "user_labels": {**MANAGED_BY, "helios_key": "slo-burn-page"},
    }


def desired(goal: float = 0.85) -> list[Resource]:
    return [
        canonical(r)
        for r in (
            Resource("alert_policy", "slo-burn-page", policy_body()),  # out of order on purpose
            Resource("slo", SLO_KEY, slo_body(goal)),
            Resource("service", "helios-pipeline", service_body()),
        )
    ]


def as_read(project: str = "123456") -> list[Resource]:
    """What the server returns after apply: names with the project's number, the SLO's real name in
    the filter, condition ids, and the service's empty telemetry."""
    service = f"projects/{project}/services/helios-pipeline"
    slo = f"{service}/serviceLevelObjectives/run-success"
    policy = policy_body(f'select_slo_burn_rate("{slo}", "3600s")')
    policy["conditions"][0]["name"] = f"projects/{project}/alertPolicies/7/conditions/8"
    policy["name"] = f"projects/{project}/alertPolicies/7"
    return [
        Resource("service", "helios-pipeline", {**service_body(), "name": service, "telemetry": {}}, service),
        Resource("slo", SLO_KEY, {**slo_body(), "name": slo}, slo),
        Resource("alert_policy", "slo-burn-page", policy, policy["name"]),
    ]


def test_from_nothing_the_service_comes_before_its_slo_before_the_policy_naming_it():
    changes = plan(desired(), []).changes
    assert [(c.action, c.kind, c.key) for c in changes] == [
        ("create", "service", "helios-pipeline"),
        ("create", "slo", SLO_KEY),
        ("create", "alert_policy", "slo-burn-page"),
    ]


@pytest.mark.parametrize("project", ["123456", "helios-prod"])
def test_the_real_slo_name_inside_a_filter_compares_as_its_reference(project):
    assert plan(desired(), as_read(project)).in_sync


def test_a_changed_goal_is_an_update_of_the_slo_only():
    (change,) = plan(desired(goal=0.9), as_read()).changes
    assert (change.action, change.kind, change.key, change.fields) == ("update", "slo", SLO_KEY, ("goal",))
    assert change.detail == {"goal": (0.85, 0.9)}


def test_a_filter_naming_another_slo_shows_as_a_change():
    read = as_read()
    other = "projects/123456/services/helios-pipeline/serviceLevelObjectives/hand-made"
    policy = policy_body(f'select_slo_burn_rate("{other}", "3600s")')
    read[2] = Resource("alert_policy", "slo-burn-page", policy, read[2].name)
    (change,) = plan(desired(), read).changes
    assert (change.kind, change.fields) == ("alert_policy", ("conditions",))
    assert change.detail["conditions[0].condition_threshold.filter"] == (
        f'select_slo_burn_rate("{other}", "3600s")',
        FILTER,
    )


def test_destroy_deletes_policies_before_the_slo_before_its_service():
    read = as_read()
    changes = plan([], [read[1], read[0], read[2]]).changes
    assert [(c.action, c.kind) for c in changes] == [
        ("delete", "alert_policy"),
        ("delete", "slo"),
        ("delete", "service"),
    ]


def test_a_renamed_service_moves_the_policy_to_the_new_slo_before_the_old_ones_go():
    moved = "helios-store"
    wanted = [
        Resource("service", moved, service_body()),
        Resource("slo", f"{moved}/run-success", slo_body()),
        Resource(
            "alert_policy",
            "slo-burn-page",
            policy_body(f'select_slo_burn_rate("{ref("slo", f"{moved}/run-success")}", "3600s")'),
        ),
    ]
    changes = plan([canonical(r) for r in wanted], as_read()).changes
    assert [(c.action, c.kind, c.key) for c in changes] == [
        ("create", "service", moved),
        ("create", "slo", f"{moved}/run-success"),
        ("update", "alert_policy", "slo-burn-page"),
        ("delete", "slo", SLO_KEY),
        ("delete", "service", "helios-pipeline"),
    ]


def test_resolve_replaces_a_reference_quoted_inside_a_string_and_whole_string_references():
    names = {
        ("slo", SLO_KEY): "projects/p/services/helios-pipeline/serviceLevelObjectives/run-success",
        ("notification_channel", "email"): "projects/p/notificationChannels/4",
    }
    body = {
        "filter": FILTER,
        "notification_channels": [ref("notification_channel", "email")],
        "text": "an unquoted ref:slo/x/y is left alone",
    }
    assert resolve(body, names) == {
        "filter": 'select_slo_burn_rate("projects/p/services/helios-pipeline/serviceLevelObjectives/run-success", '
        '"3600s")',
        "notification_channels": ["projects/p/notificationChannels/4"],
        "text": body["text"],
    }


def test_a_dashboard_filter_naming_the_slo_resolves_and_compares_the_same_way():
    def board(filter_: str) -> dict:
        query = {"time_series_filter": {"filter": filter_}}
        chart = {"title": "Burn rate", "xy_chart": {"data_sets": [{"time_series_query": query}]}}
        return {"display_name": "SLO", "mosaic_layout": {"columns": 48, "tiles": [{"width": 24, "widget": chart}]}}

    wanted = Resource("dashboard", "helios-slo", board(f'select_slo_compliance("{SLO_REF}")'))
    names = {("slo", SLO_KEY): "projects/p/services/helios-pipeline/serviceLevelObjectives/run-success"}
    written = resolve(dict(wanted.body), names)
    assert "ref:" not in str(written)
    read = Resource("dashboard", "helios-slo", written, "projects/p/dashboards/helios-slo")
    assert plan([wanted, *desired()], [read, *as_read("p")]).in_sync


def test_an_embedded_reference_to_something_missing_names_it():
    with pytest.raises(KeyError, match=f"slo {SLO_KEY} is referenced but does not exist"):
        resolve({"filter": FILTER}, {})
