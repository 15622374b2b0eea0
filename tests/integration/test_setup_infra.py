"""setup_infra against both emulators: apply from nothing, no drift, hand edits found and undone,
updates in place, secret rotation seen through fingerprints, and a destroy that spares the rest."""

from __future__ import annotations

import pytest
from google.cloud import monitoring_dashboard_v1 as dashboards_v1
from google.cloud import monitoring_v3

from helios_metrics.contract import CATALOG, ClientFactory, Settings
from helios_metrics.setup_infra import Infra, load_config
from helios_metrics.setup_infra.__main__ import main
from helios_metrics.setup_infra.policies import STATIC_KEYS, policy_keys

ENV = {
    "HELIOS_ALERT_EMAIL": "oncall@example.com",
    "HELIOS_ALERT_SMS": "+15551234567",
    "HELIOS_SLACK_CHANNEL": "#helios",
    "HELIOS_SLACK_TOKEN": "xoxb-0000000000-first-token",
    "HELIOS_PAGERDUTY_SERVICE_KEY": "0123456789abcdef0123456789abcdef",
    "HELIOS_ALERT_WEBHOOK_URL": "http://127.0.0.1:9/hooks/helios",
}


@pytest.fixture
def infra_settings(pubsub_emulator, monitoring, project_id) -> Settings:
    return Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring.address,
    )


def infra(settings: Settings, env: dict[str, str] | None = None, config_file=None) -> Infra:
    return Infra(settings, load_config(config_file, env=ENV if env is None else env))


def applied(settings: Settings, **kwargs) -> Infra:
    target = infra(settings, **kwargs)
    target.apply(target.plan(), report=lambda line: None)
    return target


def test_apply_creates_everything_and_a_second_apply_changes_nothing(infra_settings):
    target = infra(infra_settings)
    first = target.plan()
    kinds = [c.kind for c in first.changes]
    assert {c.action for c in first.changes} == {"create"}
    assert kinds.count("notification_channel") == 5
    keys = {c.key for c in first.changes if c.kind == "alert_policy"}
    assert keys == set(policy_keys(target.config))
    assert not keys & set(STATIC_KEYS)  # by default the success SLO's burn rates replace the static rates
    assert [(c.kind, c.key) for c in first.changes if c.kind in ("service", "slo")] == [
        ("service", "helios-pipeline"),
        ("slo", "helios-pipeline/run-success"),
    ]
    assert kinds.count("dashboard") == 2
    assert kinds.count("metric_descriptor") == len(CATALOG)
    assert (kinds.count("topic"), kinds.count("subscription")) == (2, 2)
    target.apply(first, report=lambda line: None)
    again = target.plan()
    assert again.in_sync, [(c.action, c.kind, c.key, c.detail) for c in again.changes]
    factory = ClientFactory(infra_settings)
    policies = list(factory.alert_policy().list_alert_policies(name=f"projects/{infra_settings.project_id}"))
    assert len(policies) == len(keys)
    filters = [c.condition_threshold.filter or c.condition_absent.filter for p in policies for c in p.conditions]
    assert filters
    metrics = [f for f in filters if not f.startswith("select_slo_")]
    assert all('resource.type = "' in f for f in metrics)  # every metric filter names its resource type
    assert all('resource.type = "generic_task"' in f for f in metrics if "custom.googleapis.com/helios/" in f)
    (slo,) = factory.service_monitoring().list_service_level_objectives(
        parent=f"projects/{infra_settings.project_id}/services/helios-pipeline"
    )
    selectors = [f for f in filters if f.startswith("select_slo_")]
    assert selectors
    assert all(f.startswith(f'select_slo_burn_rate("{slo.name}", "') for f in selectors)  # the real name


def test_a_hand_edited_dashboard_shows_in_plan_and_apply_restores_it_under_the_same_name(infra_settings):
    target = applied(infra_settings)
    client = ClientFactory(infra_settings).dashboards()
    (board,) = [
        b
        for b in client.list_dashboards(request={"parent": f"projects/{infra_settings.project_id}"})
        if b.name.endswith("/helios-main")
    ]
    edited = dashboards_v1.Dashboard(board)
    edited.display_name = "Helios (someone's copy)"
    edited.mosaic_layout.tiles[0].widget.title = "renamed"
    client.update_dashboard(request={"dashboard": edited})
    drift = target.plan()
    assert [(c.action, c.kind, c.key) for c in drift.changes] == [("update", "dashboard", "helios-main")]
    assert set(drift.changes[0].detail) == {"display_name", "mosaic_layout.tiles[0].widget.title"}
    target.apply(drift, report=lambda line: None)
    restored = client.get_dashboard(name=board.name)
    assert (restored.name, restored.display_name) == (board.name, "Helios")
    assert target.plan().in_sync


def test_changing_a_threshold_updates_that_policy_and_its_chart_in_place(infra_settings, tmp_path):
    applied(infra_settings)
    policies = ClientFactory(infra_settings).alert_policy()
    parent = f"projects/{infra_settings.project_id}"
    before = {p.user_labels["helios_key"]: p for p in policies.list_alert_policies(name=parent)}
    config = tmp_path / "infra.toml"
    config.write_text("[alerts]\nexecution_time_s = 240\n")
    target = infra(infra_settings, config_file=config)
    change = target.plan()
    assert [(c.action, c.key) for c in change.changes] == [
        ("update", "pipeline-execution-time"),
        ("update", "helios-main"),  # the execution-time chart draws the threshold too
    ]
    assert change.changes[0].detail["conditions[0].condition_threshold.threshold_value"] == (300.0, 240.0)
    target.apply(change, report=lambda line: None)
    after = {p.user_labels["helios_key"]: p for p in policies.list_alert_policies(name=parent)}
    updated = after["pipeline-execution-time"]
    assert updated.name == before["pipeline-execution-time"].name
    assert updated.conditions[0].condition_threshold.threshold_value == 240
    assert updated.conditions[0].name == before["pipeline-execution-time"].conditions[0].name
    assert target.plan().in_sync


def test_a_rotated_secret_shows_as_one_channel_change_and_an_unchanged_one_does_not(infra_settings):
    applied(infra_settings)
    assert infra(infra_settings).plan().in_sync  # the obfuscated token read back is not a change
    rotated = infra(infra_settings, env={**ENV, "HELIOS_SLACK_TOKEN": "xoxb-1111111111-second-token"})
    change = rotated.plan()
    assert [(c.action, c.kind, c.key, c.fields) for c in change.changes] == [
        ("update", "notification_channel", "slack", ("user_labels",))
    ]
    rotated.apply(change, report=lambda line: None)
    assert rotated.plan().in_sync


def test_destroy_removes_what_it_manages_and_nothing_else(infra_settings):
    applied(infra_settings)
    factory = ClientFactory(infra_settings)
    parent = f"projects/{infra_settings.project_id}"
    mine = factory.alert_policy().create_alert_policy(
        name=parent,
        alert_policy=monitoring_v3.AlertPolicy(
            display_name="hand made",
            combiner="OR",
            conditions=[
                {
                    "display_name": "c",
                    "condition_absent": {
                        "filter": 'metric.type = "custom.googleapis.com/other/x" AND resource.type = "global"',
                        "duration": {"seconds": 300},
                    },
                }
            ],
        ),
    )
    board = factory.dashboards().create_dashboard(
        parent=parent, dashboard=dashboards_v1.Dashboard(display_name="hand made", mosaic_layout={"columns": 48})
    )
    target = infra(infra_settings)
    done: list[str] = []
    target.apply(target.destroy_plan(delete_data=True), report=done.append, allow_delete=True)
    order = [line.split()[1] for line in done]
    assert order.index("slo") > max(i for i, kind in enumerate(order) if kind in ("alert_policy", "dashboard"))
    assert order.index("service") == order.index("slo") + 1
    assert list(factory.service_monitoring().list_services(parent=parent)) == []
    assert [p.name for p in factory.alert_policy().list_alert_policies(name=parent)] == [mine.name]
    assert [b.name for b in factory.dashboards().list_dashboards(request={"parent": parent})] == [board.name]
    assert list(factory.notification_channel().list_notification_channels(name=parent)) == []
    assert [c.action for c in target.plan().changes] == ["create"] * len(target.desired())


def test_the_command_line_exit_codes(infra_settings, monkeypatch, capsys, tmp_path):
    for variable, value in {
        **ENV,
        "HELIOS_METRICS_SPOOL_DIR": str(tmp_path / "spool"),
        "GOOGLE_CLOUD_PROJECT": infra_settings.project_id,
        "PUBSUB_EMULATOR_HOST": infra_settings.pubsub_emulator_host,
        "MONITORING_EMULATOR_HOST": infra_settings.monitoring_emulator_host,
    }.items():
        monkeypatch.setenv(variable, value)
    assert main(["plan"]) == 2
    assert main(["apply"]) == 1  # not a terminal and no --yes: nothing is done
    assert main(["apply", "--yes"]) == 0
    assert main(["plan", "--json"]) == 0
    assert '"in_sync": true' in capsys.readouterr().out
    assert main(["verify"]) == 0
    assert "PASS probe" in capsys.readouterr().out
    monkeypatch.setenv("HELIOS_ALERT_SMS", "555-1234")
    assert main(["plan"]) == 1
    assert "HELIOS_ALERT_SMS" in capsys.readouterr().err


def test_descriptors_the_collector_auto_created_are_completed_not_duplicated(infra_settings):
    from tests.helpers import series

    client = ClientFactory(infra_settings).metric_service()
    labels = {"stage": "s", "status": "success"}
    client.create_time_series(
        name=f"projects/{infra_settings.project_id}",
        time_series=[series(3, metric_type="custom.googleapis.com/helios/stage_runs", labels=labels)],
    )
    target = infra(infra_settings)
    updates = [c for c in target.plan().changes if c.action == "update"]
    assert [(c.kind, c.key) for c in updates] == [("metric_descriptor", "custom.googleapis.com/helios/stage_runs")]
    target.apply(target.plan(), report=lambda line: None)
    assert target.plan().in_sync
    stored = client.get_metric_descriptor(
        name=f"projects/{infra_settings.project_id}/metricDescriptors/custom.googleapis.com/helios/stage_runs"
    )
    assert stored.description == "Number of stage executions."
    assert [label.description for label in stored.labels] != ["", ""]


def test_verify_passes_on_a_provisioned_stack_and_names_what_fails(infra_settings, tmp_path):
    from helios_metrics.setup_infra.verify import verify

    settings = Settings(**{**infra_settings.__dict__, "spool_dir": str(tmp_path / "spool")})
    target = applied(settings)
    checks = {c.name: c for c in verify(target)}
    assert (checks["resources"].passed, checks["probe"].passed, checks["permissions"].passed) == (True, True, None)
    factory = ClientFactory(settings)
    factory.dashboards().delete_dashboard(request={"name": f"projects/{settings.project_id}/dashboards/helios-main"})
    factory.subscriber().delete_subscription(subscription=settings.subscription_path)
    failed = {c.name: c for c in verify(target)}
    assert failed["resources"].passed is False
    assert "dashboard helios-main (missing)" in failed["resources"].detail
    assert f"subscription {settings.subscription} (missing)" in failed["resources"].detail
    assert failed["probe"].passed is False
    assert "NotFound" in failed["probe"].detail


def test_the_seed_documents_setup_call_provisions_through_setup_infra(infra_settings, tmp_path, monkeypatch):
    import asyncio

    from helios_metrics.publisher import PerformanceMonitor

    for variable, value in ENV.items():
        monkeypatch.setenv(variable, value)

    async def seed_usage() -> tuple[list[str], list[str]]:
        monitor = PerformanceMonitor(settings=infra_settings, spool_dir=tmp_path / "spool")
        first = await monitor.setup_monitoring_infrastructure()
        second = await monitor.setup_monitoring_infrastructure()
        await monitor.close()
        return first, second

    first, second = asyncio.run(seed_usage())
    assert "created dashboard helios-main" in first
    assert len(first) == len(infra(infra_settings).desired())
    assert second == []
