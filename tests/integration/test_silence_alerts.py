"""Silence pages, end to end: the policies ``apply`` creates are accepted by the Monitoring
emulator as Google accepts them (the Pub/Sub backlog one on Google's own metric and resource), a
real collector that stops completing runs opens "collector has not completed a run" at the
configured time and closes it when it runs again, and a pipeline recording a run every 12 minutes
— the store's real volume — stays quiet until it stops, then opens "no pipeline run recorded".

The collector is the real one, on the official Pub/Sub emulator and our Monitoring emulator; only
its wall clock is set (to a past hour, so that evaluation can be replayed minute by minute)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from google.api_core import exceptions

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.contract.units import NS
from helios_metrics.contract.wire import encode_message
from helios_metrics.functions import Collector
from helios_metrics.setup_infra.config import AlertSettings, InfraConfig
from helios_metrics.setup_infra.engine import Infra
from helios_metrics.setup_infra.policies import BACKLOG_METRIC, POLICY_KEYS, policy_keys
from tests.helpers import collector_resources


class Clock:
    """The collector's wall clock, moved by the test (ns)."""

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def __call__(self) -> int:
        return self.ns


def instant(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS, UTC).isoformat().replace("+00:00", "Z")


def opened(monitoring: Any, project: str, at_ns: int, key: str) -> tuple[list[dict], list[dict]]:
    """Evaluate the project's policies at ``at_ns``: the incidents of policy ``key`` opened and closed."""
    result = monitoring.admin.evaluate(instant(at_ns), project)
    mine = {
        state: [i for i in result[state] if i["policy_user_labels"]["helios_key"] == key]
        for state in ("opened", "closed")
    }
    return mine["opened"], mine["closed"]


@pytest.fixture
def stack(pubsub_emulator, monitoring, project_id) -> tuple[Settings, ClientFactory]:
    settings = Settings(
        project_id=project_id,
        pubsub_emulator_host=pubsub_emulator.address,
        monitoring_emulator_host=monitoring.address,
        collect_budget_seconds=5,
    )
    factory = ClientFactory(settings)
    collector_resources(factory, settings)
    return settings, factory


def provision(settings: Settings, **alerts: Any) -> Infra:
    """The descriptors, the service and SLO, and the policies ``apply`` creates, without channels
    (nothing is notified)."""
    infra = Infra(
        settings,
        InfraConfig(alerts=replace(AlertSettings(), **alerts)),
        kinds=("metric_descriptor", "service", "slo", "alert_policy"),
    )
    infra.apply(infra.plan(), report=lambda line: None)
    return infra


def a_collector(settings: Settings, factory: ClientFactory, clock: Clock) -> Collector:
    return Collector.from_clients(
        settings, factory.subscriber(), factory.publisher_api(), factory.metric_service(), pull_wait_s=0.5, clock=clock
    )


def test_apply_creates_every_policy_as_the_emulator_accepts_them_and_plans_nothing_after(stack):
    settings, factory = stack
    infra = provision(settings, mode="both")  # every policy there is: the static rates and the burn rates
    found = {
        p.user_labels["helios_key"]: p
        for p in factory.alert_policy().list_alert_policies(name=f"projects/{settings.project_id}")
    }
    assert set(found) == set(POLICY_KEYS)
    dead = found["collector-dead"].conditions[0].condition_absent
    assert (dead.duration.total_seconds(), dead.aggregations[0].cross_series_reducer.name) == (600, "REDUCE_SUM")
    stopped = found["pipeline-stopped"].conditions[0].condition_absent
    assert stopped.duration.total_seconds() == 3600
    backlog = found["subscription-backlog"].conditions[0].condition_threshold
    assert f'metric.type = "{BACKLOG_METRIC}"' in backlog.filter
    assert f'resource.labels.subscription_id = "{settings.subscription}"' in backlog.filter
    success = found["pipeline-success-rate"].conditions[0].condition_threshold
    assert (success.comparison.name, success.threshold_value) == ("COMPARISON_LT", 0.85)
    fast = found["slo-fast-burn"]
    (slo,) = factory.service_monitoring().list_service_level_objectives(
        parent=f"projects/{settings.project_id}/services/helios-pipeline"
    )
    assert fast.conditions[0].condition_threshold.filter == f'select_slo_burn_rate("{slo.name}", "2160s")'
    assert fast.alert_strategy.notification_channel_strategy == []  # no channels here: nothing to renotify
    assert fast.documentation.subject == "[critical] ${policy.display_name}: ${condition.display_name}"
    forecast = found["resource-forecast"].conditions[0].condition_threshold
    assert forecast.forecast_options.forecast_horizon.total_seconds() == 3600
    assert not infra.plan().changes  # what the emulator returns is what was asked for (the SLO as its reference)


def test_by_default_apply_creates_the_burn_rate_policies_and_not_the_static_rates(stack):
    settings, factory = stack
    provision(settings)
    found = {
        p.user_labels["helios_key"]
        for p in factory.alert_policy().list_alert_policies(name=f"projects/{settings.project_id}")
    }
    assert found == set(policy_keys(InfraConfig()))
    assert {"slo-fast-burn", "slo-slow-burn", "slo-ticket"} <= found
    assert not {"pipeline-success-rate", "stage-error-rate"} & found


def _policy(condition: dict[str, Any]) -> dict[str, Any]:
    return {"display_name": "probe", "combiner": "OR", "conditions": [{"display_name": "c", **condition}]}


def _absent(duration: str, metric: str = "custom.googleapis.com/helios/collector_runs") -> dict[str, Any]:
    return {
        "condition_absent": {
            "filter": f'metric.type = "{metric}" AND resource.type = "generic_task"',
            "duration": duration,
        }
    }


def test_absence_durations_are_held_to_googles_bounds_and_builtin_metrics_are_checked_by_their_kind(stack):
    settings, factory = stack
    client, name = factory.alert_policy(), f"projects/{settings.project_id}"
    for duration in ("120s", "84600s"):  # 2 minutes to 23.5 hours
        client.create_alert_policy(name=name, alert_policy=_policy(_absent(duration)))
    for duration, reason in (
        ("60s", "The duration must be a multiple of 60s of at least 120s and at most 84600s."),
        ("84660s", "The duration must be a multiple of 60s of at least 120s and at most 84600s."),
        ("150s", "The duration must be a multiple of 60s of at least 120s and at most 84600s."),
    ):
        with pytest.raises(exceptions.InvalidArgument) as refused:
            client.create_alert_policy(name=name, alert_policy=_policy(_absent(duration)))
        assert refused.value.message == (
            f'Field alertPolicy.conditions[0].conditionAbsent.duration had an invalid value of "{duration}": {reason}'
        )
    backlog_filter = (
        f'metric.type = "{BACKLOG_METRIC}" AND resource.type = "pubsub_subscription" '
        f'AND resource.labels.subscription_id = "{settings.subscription}"'
    )
    rate = {"alignment_period": "60s", "per_series_aligner": "ALIGN_RATE"}  # a rate of a GAUGE: Google refuses it
    threshold = {"filter": backlog_filter, "comparison": "COMPARISON_GT", "threshold_value": 600, "duration": "0s"}
    with pytest.raises(exceptions.InvalidArgument, match="ALIGN_RATE"):
        client.create_alert_policy(
            name=name, alert_policy=_policy({"condition_threshold": {**threshold, "aggregations": [rate]}})
        )
    maximum = {"alignment_period": "60s", "per_series_aligner": "ALIGN_MAX", "cross_series_reducer": "REDUCE_MAX"}
    client.create_alert_policy(
        name=name, alert_policy=_policy({"condition_threshold": {**threshold, "aggregations": [maximum]}})
    )


def test_a_collector_that_stops_opens_collector_dead_at_the_configured_time_and_closes_it_when_it_runs(
    stack, monitoring
):
    settings, factory = stack
    provision(settings, collector_silence_s=300)
    t0 = (time.time_ns() - 2 * 3600 * NS) // (60 * NS) * 60 * NS  # a past hour, replayed minute by minute
    clock = Clock(t0)
    collector = a_collector(settings, factory, clock)
    for minute in range(3):  # scheduled every minute; each run ends 30 s into its minute
        clock.ns = t0 + minute * 60 * NS + 30 * NS
        assert collector.collect_once().heartbeat
    last = clock.ns  # t0 + 2 min 30 s: the collector then stops
    for minute in range(1, 8):
        assert opened(monitoring, settings.project_id, t0 + minute * 60 * NS, "collector-dead") == ([], [])
    # the first evaluation at least 5 minutes after the last heartbeat: minute 8 (t0 + 7:30 is not on the grid)
    (incident,), closed = opened(monitoring, settings.project_id, t0 + 8 * 60 * NS, "collector-dead")
    assert closed == []
    assert t0 + 8 * 60 * NS - last >= 300 * NS
    assert (incident["severity"], incident["state"]) == ("CRITICAL", "open")
    assert incident["metric"]["type"] == "custom.googleapis.com/helios/collector_runs"
    clock.ns = t0 + 9 * 60 * NS + 30 * NS  # it runs again
    assert collector.collect_once().heartbeat
    still, back = opened(monitoring, settings.project_id, t0 + 10 * 60 * NS, "collector-dead")
    assert still == []
    assert [i["incident_id"] for i in back] == [incident["incident_id"]]


def test_at_the_stores_volume_pipeline_stopped_stays_quiet_while_runs_continue_and_opens_an_hour_after_the_last(
    stack, monitoring
):
    settings, factory = stack
    provision(settings)  # the default: an hour without a recorded run
    t0 = (time.time_ns() - 3 * 3600 * NS) // (60 * NS) * 60 * NS
    clock = Clock(t0)
    collector = a_collector(settings, factory, clock)
    publisher = factory.publisher_api()
    runs = 5
    for run in range(runs):  # one pipeline run every 12 minutes, collected by the next scheduled run
        at = t0 + run * 12 * 60 * NS
        message = encode_message("store", run, [("p", at + 10 * NS, 100.0, 0.8, 0.9, 0.9, 0.95, True)])
        publisher.publish(
            topic=settings.topic_path, messages=[{"data": message.data, "attributes": message.attributes}]
        )
        clock.ns = at + 30 * NS
        summary = collector.collect_once()
        assert (summary.events, summary.not_acked) == (1, 0)
    last_window_end = t0 + (runs - 1) * 12 * 60 * NS + 60 * NS  # the last run's point: end of its minute
    first_page = last_window_end + 3600 * NS
    minute = t0 + 60 * NS
    while minute < first_page:  # every minute while runs continue and until the hour has passed: quiet
        assert opened(monitoring, settings.project_id, minute, "pipeline-stopped") == ([], []), instant(minute)
        minute += 60 * NS
    (incident,), _ = opened(monitoring, settings.project_id, first_page, "pipeline-stopped")
    assert incident["metric"]["type"] == "custom.googleapis.com/helios/pipeline_runs"
    assert incident["metric"]["labels"] == {}  # one series: every status of every collector instance
