"""Nothing destructive happens implicitly, against both emulators: provisioning from code never
deletes (channels this environment does not configure are kept and still routed to), destroy keeps
the metrics' data unless asked and then says how many series it loses, pruning channels needs the
flag and a confirmation, and ``apply`` adopts a subscription someone made by hand on the Pub/Sub
emulator, saying which fields the emulator cannot update."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3

from helios_metrics.contract import CATALOG, ClientFactory, Settings
from helios_metrics.setup_infra import Infra, load_config
from helios_metrics.setup_infra.__main__ import main
from helios_metrics.setup_infra.desired import ACK_DEADLINE_S, MAX_DELIVERY_ATTEMPTS

ENV = {  # all five channels, as the demo configures them
    "HELIOS_ALERT_EMAIL": "oncall@example.com",
    "HELIOS_ALERT_SMS": "+15551234567",
    "HELIOS_SLACK_CHANNEL": "#helios",
    "HELIOS_SLACK_TOKEN": "xoxb-0000000000-first-token",
    "HELIOS_PAGERDUTY_SERVICE_KEY": "0123456789abcdef0123456789abcdef",
    "HELIOS_ALERT_WEBHOOK_URL": "http://127.0.0.1:9/hooks/helios",
}
CHANNELS = {"email", "sms", "slack", "pagerduty", "webhook"}
ROUTING = {"critical": CHANNELS, "warning": {"email", "slack", "webhook"}, "info": {"slack", "webhook"}}


@pytest.fixture
def infra_settings(pubsub_emulator, monitoring, project_id) -> Settings:
    return Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring.address,
    )


@pytest.fixture
def shell(infra_settings, monkeypatch, tmp_path):
    """A shell pointed at the emulators, with no channel variable at all (a test sets what it needs)."""
    for variable in (*ENV, "HELIOS_ALERT_WEBHOOK_USER", "HELIOS_ALERT_WEBHOOK_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in {
        "GOOGLE_CLOUD_PROJECT": infra_settings.project_id,
        "PUBSUB_EMULATOR_HOST": infra_settings.pubsub_emulator_host,
        "MONITORING_EMULATOR_HOST": infra_settings.monitoring_emulator_host,
        "HELIOS_METRICS_SPOOL_DIR": str(tmp_path / "spool"),
    }.items():
        monkeypatch.setenv(variable, value)
    return monkeypatch


def provisioned(settings: Settings, env: dict[str, str] = ENV) -> Infra:
    target = Infra(settings, load_config(env=env))
    target.apply(target.plan(), report=lambda line: None)
    return target


def channels(settings: Settings) -> dict[str, str]:
    """helios_key -> name of every notification channel in the project."""
    client = ClientFactory(settings).notification_channel()
    listed = client.list_notification_channels(name=f"projects/{settings.project_id}")
    return {c.user_labels.get("helios_key", c.name): c.name for c in listed}


def routing(settings: Settings) -> dict[str, set[str]]:
    """severity -> the channel keys its policies route to (the same for every policy of a severity)."""
    by_name = {name: key for key, name in channels(settings).items()}
    client = ClientFactory(settings).alert_policy()
    out: dict[str, set[str]] = {}
    for policy in client.list_alert_policies(name=f"projects/{settings.project_id}"):
        routed = {by_name.get(name, name) for name in policy.notification_channels}
        assert out.setdefault(policy.user_labels["severity"], routed) == routed, policy.display_name
    return out


def test_the_documents_setup_call_from_a_shell_without_channel_variables_deletes_nothing(infra_settings, shell, capsys):
    from helios_metrics.publisher import PerformanceMonitor

    provisioned(infra_settings)
    before = channels(infra_settings)
    assert set(before) == CHANNELS
    assert routing(infra_settings) == ROUTING

    async def documented() -> list[str]:
        monitor = PerformanceMonitor(infra_settings.project_id)  # the document's call, nothing else
        try:
            return await monitor.setup_monitoring_infrastructure()
        finally:
            await monitor.close()

    done = asyncio.run(documented())
    assert done == []  # nothing to create, nothing to update, and nothing deleted
    assert channels(infra_settings) == before
    assert routing(infra_settings) == ROUTING
    capsys.readouterr()
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    for kind in CHANNELS:
        assert f"note: channel {kind}: not configured in this environment (" in out
    assert "channel sms: not configured in this environment (HELIOS_ALERT_SMS unset), kept" in out
    assert "(apply --prune-channels deletes it)" in out
    assert "In sync: nothing to change." in out


def test_apply_from_code_never_deletes_it_reports_what_it_kept(infra_settings):
    target = provisioned(infra_settings)
    lines: list[str] = []
    destroy = target.destroy_plan(delete_data=True)
    assert destroy.count("delete") == len(target.desired())  # everything, descriptors included
    target.apply(destroy, report=lines.append)
    assert len(lines) == destroy.count("delete")
    assert all(line.startswith("kept ") for line in lines)
    assert "kept notification_channel sms: code never deletes; `python -m setup_infra apply` asks first" in lines
    assert target.plan().in_sync
    assert set(channels(infra_settings)) == CHANNELS


def test_prune_channels_needs_the_flag_and_a_confirmation(infra_settings, shell, capsys):
    provisioned(infra_settings)
    shell.setenv("HELIOS_ALERT_EMAIL", ENV["HELIOS_ALERT_EMAIL"])  # only email configured here
    capsys.readouterr()
    assert main(["apply", "--yes"]) == 0  # without the flag: in sync, the four others kept
    assert "In sync" in capsys.readouterr().out
    assert main(["apply", "--prune-channels"]) == 1  # not a terminal and no --yes
    assert "pass --yes" in capsys.readouterr().err
    assert set(channels(infra_settings)) == CHANNELS
    assert main(["plan", "--prune-channels"]) == 2
    out = capsys.readouterr().out
    assert sorted(re.findall(r"^- delete notification_channel (\w+)$", out, re.M)) == sorted(CHANNELS - {"email"})
    assert "~ update alert_policy slo-fast-burn" in out  # it stops routing to them first
    assert "apply --prune-channels --yes" in out
    assert main(["apply", "--prune-channels", "--yes"]) == 0
    assert set(channels(infra_settings)) == {"email"}
    assert routing(infra_settings) == {"critical": {"email"}, "warning": {"email"}, "info": set()}
    capsys.readouterr()
    assert main(["plan"]) == 0
    assert "note:" not in capsys.readouterr().out


def _all_series(settings: Settings, start: int, end: int) -> dict[str, list[tuple]]:
    """metric type -> every series (labels and points) written in (start, end], as plain values."""
    client = ClientFactory(settings).metric_service()
    found: dict[str, list[tuple]] = {}
    for metric in CATALOG:
        listed = client.list_time_series(
            request={
                "name": f"projects/{settings.project_id}",
                "filter": f'metric.type = "{metric.type}"',
                "interval": {"start_time": {"seconds": start}, "end_time": {"seconds": end}},
                "view": monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
            }
        )
        series = sorted(
            (
                tuple(sorted(s.metric.labels.items())),
                tuple(sorted(s.resource.labels.items())),
                tuple((p.interval.end_time.timestamp(), str(p.value)) for p in s.points),
            )
            for s in listed
        )
        if series:
            found[metric.type] = series
    return found


def _descriptors(settings: Settings) -> set[str]:
    client = ClientFactory(settings).metric_service()
    listed = client.list_metric_descriptors(
        request={"name": f"projects/{settings.project_id}", "filter": 'metric.type = starts_with("custom.")'}
    )
    return {d.type for d in listed}


def test_destroy_keeps_every_metrics_data_and_delete_data_says_how_many_series_it_loses(infra_settings, shell, capsys):
    from helios_metrics.functions import build_collector
    from helios_metrics.publisher import MetricsPublisher

    provisioned(infra_settings)
    settings = Settings.from_env()
    started = int(time.time()) - 120
    metrics = MetricsPublisher(settings=settings)
    for success in (True, True, False):
        metrics.record_pipeline_metric(120.5, 0.85, 0.92, 0.88, 0.95, success=success)
    for stage in ("trend_discovery", "publication"):
        metrics.record_stage_metric(stage, 45.2, True, 1, {"trends_found": 12})
    metrics.flush(30)
    metrics.close(5)
    summary = build_collector(settings).collect_once()
    assert summary.events == 5
    end = int(time.time()) + 60
    before = _all_series(infra_settings, started, end)
    assert len(before) >= 8, sorted(before)  # the pipeline's, the stages' and the collector's own metrics

    capsys.readouterr()
    assert main(["destroy", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "- delete metric_descriptor" not in out
    assert f"note: {len(CATALOG)} metric descriptors kept, and with them their data" in out
    assert "destroy --delete-data deletes them" in out
    assert _all_series(infra_settings, started, end) == before  # every point written is read back
    assert _descriptors(infra_settings) == {m.type for m in CATALOG}
    assert channels(infra_settings) == {}

    assert main(["destroy", "--yes", "--delete-data"]) == 0
    out = capsys.readouterr().out
    counted = {
        metric: int(count)
        for metric, count in re.findall(
            r"^- delete metric_descriptor (\S+): deletes its (\d+) time series \(counted over the last 760 days\)$",
            out,
            re.M,
        )
    }
    assert counted == {m.type: len(before.get(m.type, [])) for m in CATALOG}
    total = sum(counted.values())
    assert total >= 8
    assert f"note: deleting the metric descriptors deletes {total} time series with all their points" in out
    assert _all_series(infra_settings, started, end) == {}
    assert _descriptors(infra_settings) == set()


def test_apply_adopts_a_hand_made_subscription_on_the_pubsub_emulator_and_says_what_it_cannot_update(
    infra_settings, shell, capsys
):
    factory = ClientFactory(infra_settings)
    factory.publisher().create_topic(name=infra_settings.topic_path)
    factory.subscriber().create_subscription(
        request={"name": infra_settings.subscription_path, "topic": infra_settings.topic_path}  # gcloud's defaults
    )
    shell.setenv("HELIOS_ALERT_EMAIL", ENV["HELIOS_ALERT_EMAIL"])
    capsys.readouterr()
    assert main(["apply", "--yes"]) == 0
    out = capsys.readouterr().out
    sub = infra_settings.subscription
    assert f"~ update subscription {sub}" in out
    assert (
        f"note: subscription {sub}: field expiration_policy differs (expiration_policy is unset, wanted {{}}) and the "
        "Pub/Sub emulator cannot update it (on a real project apply updates it); left as it is"
    ) in out
    assert (
        f"note: subscription {sub}: field labels differs (labels.managed_by is unset, wanted 'helios-setup-infra')"
        in out
    )
    assert f"note: topic {infra_settings.topic}: field labels differs" in out
    stored = factory.subscriber().get_subscription(subscription=infra_settings.subscription_path)
    assert stored.ack_deadline_seconds == ACK_DEADLINE_S  # the fields it can update are updated
    assert stored.dead_letter_policy.dead_letter_topic == infra_settings.dead_letter_topic_path
    assert stored.dead_letter_policy.max_delivery_attempts == MAX_DELIVERY_ATTEMPTS
    assert main(["plan"]) == 0  # in sync, with the same notes
    assert f"note: subscription {sub}: field expiration_policy differs" in capsys.readouterr().out

    assert main(["destroy", "--yes"]) == 0  # what it did not make (no managed_by label) it does not delete
    out = capsys.readouterr().out
    assert f"note: subscription {sub}: not labelled managed_by=helios-setup-infra, kept" in out
    assert f"- delete subscription {infra_settings.dead_letter_topic}-sub" in out
    assert factory.subscriber().get_subscription(subscription=infra_settings.subscription_path).name
    with pytest.raises(exceptions.NotFound):
        factory.publisher().get_topic(topic=infra_settings.dead_letter_topic_path)
