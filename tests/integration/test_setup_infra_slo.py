"""Services and SLOs through setup_infra against the Monitoring emulator (official clients): apply
creates the service, then the SLO, then the policy and dashboard naming the SLO inside their
filters; plan after apply is in sync although the server writes the SLO's name with the project's
number; a changed goal is an update of the SLO alone, in place; destroy deletes the policy and
dashboard before the SLO before the service, and nothing it did not make."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from helios_metrics.contract import Settings
from helios_metrics.setup_infra import Infra, InfraConfig, Resource
from helios_metrics.setup_infra.adapters import canonical
from helios_metrics.setup_infra.model import MANAGED_BY, ref

SERVICE, SLO = "helios-pipeline", "run-success"
SLO_KEY = f"{SERVICE}/{SLO}"
RUNS = 'metric.type = "custom.googleapis.com/helios/pipeline_run_count" AND resource.type = "generic_task"'
KINDS = ("service", "slo", "alert_policy", "dashboard")


def resources(goal: float, service: str = SERVICE) -> list[Resource]:
    slo_ref = ref("slo", f"{service}/{SLO}")
    labels = {**MANAGED_BY}
    burn = {
        "display_name": "fast burn",
        "condition_threshold": {
            "filter": f'select_slo_burn_rate("{slo_ref}", "3600s")',
            "comparison": "COMPARISON_GT",
            "threshold_value": 4.0,
            "duration": "0s",
        },
    }
    chart = {
        "title": "Compliance",
        "xy_chart": {
            "data_sets": [
                {
                    "time_series_query": {
                        "time_series_filter": {
                            "filter": f'select_slo_compliance("{slo_ref}")',
                            "aggregation": {"alignment_period": "3600s", "per_series_aligner": "ALIGN_NEXT_OLDER"},
                        }
                    }
                }
            ]
        },
    }
    return [
        Resource(
            "service",
            service,
            {"display_name": "Helios pipeline", "custom": {}, "user_labels": {**labels, "helios_key": service}},
        ),
        Resource(
            "slo",
            f"{service}/{SLO}",
            {
                "display_name": "Pipeline runs succeed",
                "goal": goal,
                "rolling_period": f"{7 * 86400}s",
                "service_level_indicator": {
                    "request_based": {
                        "good_total_ratio": {
                            "good_service_filter": f'{RUNS} AND metric.labels.status = "success"',
                            "total_service_filter": RUNS,
                        }
                    }
                },
                "user_labels": {**labels, "helios_key": SLO},
            },
        ),
        Resource(
            "alert_policy",
            "slo-burn-page",
            {
                "display_name": "Helios: error budget burning",
                "combiner": "OR",
                "conditions": [burn],
                "user_labels": {**labels, "helios_key": "slo-burn-page"},
            },
        ),
        Resource(
            "dashboard",
            "helios-slo-test",
            {
                "display_name": "Helios SLO",
                "mosaic_layout": {"columns": 48, "tiles": [{"width": 24, "height": 16, "widget": chart}]},
                "labels": {**labels},
            },
        ),
    ]


class SloInfra(Infra):
    """The managed infrastructure reduced to one service, its SLO and what names the SLO."""

    def __init__(self, settings: Settings, goal: float = 0.85, service: str = SERVICE) -> None:
        super().__init__(settings, InfraConfig(channels=()), kinds=KINDS)
        self.wanted = resources(goal, service)

    def desired(self, kept: Sequence[Resource] = ()) -> list[Resource]:
        return [canonical(r) for r in self.wanted]


@pytest.fixture
def provisioned(settings: Settings) -> SloInfra:
    infra = SloInfra(settings)
    first = infra.plan()
    assert [(c.action, c.kind, c.key) for c in first.changes] == [
        ("create", "service", SERVICE),
        ("create", "slo", SLO_KEY),
        ("create", "alert_policy", "slo-burn-page"),
        ("create", "dashboard", "helios-slo-test"),
    ]
    infra.apply(first, report=lambda line: None)
    return infra


def test_apply_creates_the_service_and_slo_and_the_policy_names_the_real_slo(provisioned, settings, factory):
    parent = f"projects/{settings.project_id}"
    client = factory.service_monitoring()
    (service,) = client.list_services(parent=parent)
    (slo,) = client.list_service_level_objectives(parent=service.name)
    assert (service.name.rsplit("/", 1)[1], service.display_name) == (SERVICE, "Helios pipeline")
    assert (slo.name.rsplit("/", 1)[1], slo.goal) == (SLO, 0.85)
    (policy,) = factory.alert_policy().list_alert_policies(name=parent)
    filter_ = policy.conditions[0].condition_threshold.filter
    assert filter_ == f'select_slo_burn_rate("{slo.name}", "3600s")'
    assert "ref:" not in str(factory.dashboards().get_dashboard(name=f"{parent}/dashboards/helios-slo-test"))
    again = provisioned.plan()
    assert again.in_sync, [(c.action, c.kind, c.key, c.detail) for c in again.changes]


def test_a_changed_goal_updates_the_slo_alone_in_place(provisioned, settings, factory):
    client = factory.service_monitoring()
    (before,) = client.list_service_level_objectives(parent=f"projects/{settings.project_id}/services/{SERVICE}")
    stricter = SloInfra(settings, goal=0.9)
    change = stricter.plan()
    assert [(c.action, c.kind, c.key, c.fields) for c in change.changes] == [("update", "slo", SLO_KEY, ("goal",))]
    assert change.changes[0].detail == {"goal": (0.85, 0.9)}
    stricter.apply(change, report=lambda line: None)
    after = client.get_service_level_objective(name=before.name)
    assert (after.goal, after.rolling_period, after.display_name) == (0.9, before.rolling_period, before.display_name)
    assert stricter.plan().in_sync


def test_destroy_removes_what_names_the_slo_then_the_slo_then_its_service_and_nothing_else(
    provisioned, settings, factory
):
    parent = f"projects/{settings.project_id}"
    client = factory.service_monitoring()
    hand_made = client.create_service(
        request={"parent": parent, "service_id": "hand-made", "service": {"display_name": "x", "custom": {}}}
    )
    done: list[str] = []
    provisioned.apply(provisioned.destroy_plan(), report=done.append, allow_delete=True)
    assert done == [
        "deleted dashboard helios-slo-test",
        "deleted alert_policy slo-burn-page",
        f"deleted slo {SLO_KEY}",
        f"deleted service {SERVICE}",
    ]
    assert [s.name for s in client.list_services(parent=parent)] == [hand_made.name]
    assert list(factory.alert_policy().list_alert_policies(name=parent)) == []


def test_a_renamed_service_moves_the_policy_to_the_new_slo_before_the_old_one_goes(provisioned, settings, factory):
    moved = SloInfra(settings, service="helios-store")
    change = moved.plan()
    assert [(c.action, c.kind, c.key) for c in change.changes] == [
        ("create", "service", "helios-store"),
        ("create", "slo", f"helios-store/{SLO}"),
        ("update", "alert_policy", "slo-burn-page"),
        ("update", "dashboard", "helios-slo-test"),
        ("delete", "slo", SLO_KEY),
        ("delete", "service", SERVICE),
    ]
    moved.apply(change, report=lambda line: None, allow_delete=True)
    assert moved.plan().in_sync
    (policy,) = factory.alert_policy().list_alert_policies(name=f"projects/{settings.project_id}")
    assert (
        "/services/helios-store/serviceLevelObjectives/run-success" in policy.conditions[0].condition_threshold.filter
    )
