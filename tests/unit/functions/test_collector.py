"""The collector's fast tier: every settle and dead-letter path on fake time, with an in-memory
message source and an in-memory Monitoring client (the integration tests use the real emulators)."""

from __future__ import annotations

import grpc
from google.api_core import exceptions

from helios_metrics.contract.settings import Settings
from helios_metrics.contract.wire import decode_message
from helios_metrics.functions.collector import Collector
from helios_metrics.functions.writer import MonitoringWriter
from tests.unit.functions.fakes import FakeMetricService, FakeSource, StageFailure

S = 1_000_000_000
NOW = 1_764_000_000 * S - (1_764_000_000 * S) % (60 * S) + 30 * S  # mid-window
SETTINGS = Settings(project_id="p", collect_budget_seconds=30)


class FakeClock:
    """Wall time fixed at NOW; monotonic time advances by ``step`` on every reading."""

    def __init__(self, step: float = 0.0) -> None:
        self.t, self.step = 0.0, step

    def monotonic(self) -> float:
        self.t += self.step
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def collector(source: FakeSource, client: FakeMetricService, clock: FakeClock | None = None) -> Collector:
    clock = clock or FakeClock()
    writer = MonitoringWriter(client, "p", clock=clock.monotonic, sleep=clock.sleep)
    return Collector(SETTINGS, source, writer, "c-test", clock=lambda: NOW, monotonic=clock.monotonic)


def stage(stage_name: str, seconds_before_now: float, duration: float = 1.0) -> tuple:
    return ("s", int(NOW - seconds_before_now * S), stage_name, duration, True, 0, None)


def runs(client: FakeMetricService) -> dict[str, int]:
    """stage_runs points sent and accepted, summed per stage."""
    out: dict[str, int] = {}
    for ts in client.written("stage_runs"):
        out[ts.metric.labels["stage"]] = out.get(ts.metric.labels["stage"], 0) + ts.points[0].value.int64_value
    return out


def reasons(source: FakeSource) -> list[str]:
    return [attributes["dead_letter_reason"] for _, attributes in source.letters]


def test_a_clean_run_writes_acks_and_counts_itself():
    source, client = FakeSource(), FakeMetricService()
    source.publish("p1", 0, [stage("a", 10), stage("a", 12), stage("b", 10)])
    summary = collector(source, client).collect_once()
    assert (summary.pulled, summary.events, summary.acked, summary.not_acked, summary.dead_lettered) == (1, 3, 1, 0, 0)
    assert runs(client) == {"a": 2, "b": 1}
    [own] = client.written("collector_events")
    assert (own.metric.labels["outcome"], own.points[0].value.int64_value) == ("processed", 3)


def test_events_too_old_or_too_far_ahead_are_written_where_possible_and_dead_lettered():
    source, client = FakeSource(), FakeMetricService()
    source.publish("p1", 0, [stage("ok", 10), stage("old", 25 * 3600)])
    source.publish("p2", 0, [stage("ok", 20), stage("ahead", -600)])
    summary = collector(source, client).collect_once()
    assert runs(client) == {"ok": 2}
    assert sorted(reasons(source)) == ["expired", "future"]
    assert (summary.expired, summary.acked, summary.not_acked) == (2, 2, 0)
    details = {a["dead_letter_reason"]: a["dead_letter_detail"] for _, a in source.letters}
    assert details["expired"].startswith("1 events in windows ending more than 24h55m before")
    assert details["future"].startswith("1 events in windows ending more than 4m30s after")
    assert all(a["partially_written"] == "true" for _, a in source.letters)


def test_points_refused_for_good_are_dead_lettered_as_write_rejected_and_acked():
    reason = "Value type for metric custom.googleapis.com/helios/stage_runs must be DOUBLE, but is INT64."
    client = FakeMetricService(
        rules=[
            lambda i, ts: (grpc.StatusCode.INVALID_ARGUMENT, reason) if ts.metric.labels.get("stage") == "b" else None
        ]
    )
    source = FakeSource()
    source.publish("p1", 0, [stage("a", 10)])
    source.publish("p2", 0, [stage("b", 10)])
    c = collector(source, client)
    summary = c.collect_once()
    assert reasons(source) == ["write_rejected"]
    [(data, attributes)] = source.letters
    assert decode_message(data, attributes).producer == "p2"
    assert reason in attributes["dead_letter_detail"]
    assert (summary.acked, summary.not_acked, summary.transient_failure) == (2, 0, False)
    [errors] = client.written("collector_write_errors")
    assert errors.metric.labels["kind"] == "permanent"
    source.publish("p2", 0, [stage("b", 10)])  # a redelivered copy is recognised, not dead-lettered again
    again = c.collect_once()
    assert (again.duplicates, again.dead_lettered, len(source.letters)) == (1, 0, 1)


def test_a_failing_dead_letter_publish_hands_the_message_back_and_a_later_run_sends_it():
    source, client = FakeSource(dead_letter_down=True), FakeMetricService()
    source.publish_raw(b"not a message", {"schema": "helios.metrics.v1"})
    source.publish("p1", 0, [stage("a", 10)])
    c = collector(source, client)
    first = c.collect_once()
    assert first.transient_failure
    assert (first.acked, first.not_acked, first.dead_lettered) == (1, 1, 0)
    assert len(source.handed_back) == 1
    assert source.letters == []
    source.dead_letter_down = False
    second = c.collect_once()
    assert (second.pulled, second.dead_lettered, second.acked, second.transient_failure) == (1, 1, 1, False)
    assert reasons(source) == ["not_decodable"]
    assert runs(client) == {"a": 1}


def test_a_transient_write_failure_hands_messages_back_and_the_next_run_writes_only_what_is_missing():
    unavailable = StageFailure("b", grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")
    client = FakeMetricService(rules=[unavailable])
    source = FakeSource()
    source.publish("p1", 0, [stage("a", 10), stage("b", 10)])
    c = collector(source, client, FakeClock(step=0.5))
    first = c.collect_once(budget_s=10)
    assert first.transient_failure
    assert (first.acked, first.not_acked) == (0, 1)
    assert runs(client) == {"a": 1}
    unavailable.active = False
    second = c.collect_once()
    assert (second.events, second.acked, second.not_acked, second.transient_failure) == (2, 1, 0, False)
    assert runs(client) == {"a": 1, "b": 1}  # "a" was not written a second time


def test_copies_within_a_run_and_across_runs_are_counted_once():
    source, client = FakeSource(), FakeMetricService()
    for _ in range(2):
        source.publish("p1", 7, [stage("a", 10)] * 4)
    c = collector(source, client)
    first = c.collect_once()
    assert (first.events, first.duplicates, first.acked) == (4, 4, 2)
    source.publish("p1", 7, [stage("a", 10)] * 4)
    second = c.collect_once()
    assert (second.events, second.duplicates, second.acked) == (0, 4, 1)
    assert runs(client) == {"a": 4}


def test_a_long_run_extends_the_deadlines_of_the_messages_it_holds():
    source, client = FakeSource(pull_size=1), FakeMetricService()
    for batch in range(4):
        source.publish("p1", batch, [stage("a", 10)])
    summary = collector(source, client, FakeClock(step=6.0)).collect_once(budget_s=120)
    assert summary.acked == 4
    kept_alive = [(n, seconds) for n, seconds in source.extended if n > 1]  # all held, not one pull's
    assert kept_alive
    assert all(15 < seconds <= 120 + 15 for _, seconds in kept_alive)  # the rest of the run, plus margin


def test_messages_are_held_from_the_pull_on_whatever_the_subscriptions_ack_deadline():
    source, client = FakeSource(pull_size=2), FakeMetricService()
    for batch in range(4):
        source.publish("p1", batch, [stage("a", 10)])
    collector(source, client).collect_once()
    # each pull's messages, before anything else, for the run's 30 s budget plus 15 s
    assert source.extended[:2] == [(2, 45), (2, 45)]


def test_a_pull_that_fails_mid_run_settles_what_the_run_holds():
    class Failing(FakeSource):
        def pull(self):
            if self.acked or len(self.outstanding) >= 2:
                raise exceptions.ServiceUnavailable("failed to connect to all addresses")
            return super().pull()

    source, client = Failing(pull_size=2), FakeMetricService()
    for batch in range(3):
        source.publish("p1", batch, [stage("a", 10)] * 2)
    summary = collector(source, client).collect_once()
    assert (summary.pulled, summary.events, summary.acked, summary.transient_failure) == (2, 4, 2, True)
    assert runs(client) == {"a": 4}
    assert len(source.queue) == 1  # the third message waits in Pub/Sub


def test_a_run_stops_pulling_when_its_budget_is_spent_and_leaves_the_rest_queued():
    source, client = FakeSource(pull_size=1), FakeMetricService()
    for batch in range(10):
        source.publish("p1", batch, [stage("a", 10)])
    summary = collector(source, client, FakeClock(step=1.0)).collect_once(budget_s=9)
    assert 0 < summary.pulled < 10
    assert summary.acked == summary.pulled
    assert len(source.queue) == 10 - summary.pulled


def test_a_run_writes_its_own_lag():
    source, client = FakeSource(), FakeMetricService()
    source.publish("p1", 0, [stage("a", 10), stage("a", 30)])
    collector(source, client).collect_once()
    [lag] = client.written("collector_lag")
    assert (lag.points[0].value.distribution_value.count, lag.points[0].value.distribution_value.mean) == (2, 20.0)


# --- the heartbeat ------------------------------------------------------------------------------
def beats(client: FakeMetricService) -> list[tuple[str, int, int]]:
    """Heartbeats Monitoring accepted: (task_id, end ns, value)."""
    return [
        (ts.resource.labels["task_id"], ts.points[0].interval.end_time.ToNanoseconds(), ts.points[0].value.int64_value)
        for ts in client.written("collector_runs")
    ]


def test_every_completed_run_beats_once_also_when_it_pulled_nothing():
    source, client = FakeSource(), FakeMetricService()
    c = collector(source, client)
    idle = c.collect_once()
    assert (idle.pulled, idle.points, idle.heartbeat) == (0, 0, True)
    assert beats(client) == [("c-test", NOW, 1)]  # stamped when the run completed, not at a window's end
    source.publish("p1", 0, [stage("a", 10)])
    busy = c.collect_once()
    assert (busy.acked, busy.heartbeat) == (1, True)
    assert len(beats(client)) == 2
    assert client.requests[-1] == [ts for ts in client.requests[-1] if ts.metric.type.endswith("/collector_runs")]
    assert all(not ts.metric.type.endswith("/collector_runs") for ts in client.requests[-2])  # after the data


def test_runs_less_than_5_s_apart_beat_on_lanes_so_none_is_refused_as_too_frequent():
    source, client = FakeSource(), FakeMetricService()  # the fake refuses a point not newer than its series'
    c = collector(source, client)  # its wall clock stands still: every run ends at NOW
    assert all(c.collect_once().heartbeat for _ in range(3))
    assert beats(client) == [("c-test", NOW, 1), ("c-test-1", NOW, 1), ("c-test-2", NOW, 1)]


def test_a_run_whose_pull_failed_does_not_beat():
    class Down(FakeSource):
        def pull(self):
            raise exceptions.ServiceUnavailable("failed to connect to all addresses")

    client = FakeMetricService()
    summary = collector(Down(), client).collect_once()
    assert (summary.transient_failure, summary.heartbeat) == (True, False)
    assert beats(client) == []


def test_a_run_that_fails_does_not_beat():
    class Revoked(FakeSource):
        def pull(self):
            raise exceptions.PermissionDenied("User not authorized to perform this action.")

    client = FakeMetricService()
    c = collector(Revoked(), client)
    try:
        c.collect_once()
    except exceptions.PermissionDenied:
        pass
    else:
        raise AssertionError("the run should fail with its cause")
    assert beats(client) == []


def test_a_heartbeat_monitoring_keeps_refusing_is_given_up_within_seconds_and_the_run_stands():
    unavailable = lambda i, ts: (  # noqa: E731
        (grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")
        if ts.metric.type.endswith("/collector_runs")
        else None
    )
    source, client, clock = FakeSource(), FakeMetricService(rules=[unavailable]), FakeClock()
    source.publish("p1", 0, [stage("a", 10)])
    c = collector(source, client, clock)
    summary = c.collect_once(budget_s=30)  # whatever budget is left: 5 s is the heartbeat's bound
    assert (summary.acked, summary.not_acked, summary.transient_failure, summary.heartbeat) == (1, 0, False, False)
    attempts = sum(1 for request in client.requests for ts in request if ts.metric.type.endswith("/collector_runs"))
    assert 1 < attempts <= 6  # retried with backoff for at most 5 s of the fake clock, then given up
    assert clock.t <= 5  # the fake clock only moves by the writer's pauses: the run was held up 5 s at most
    client.rules.clear()
    assert c.collect_once().heartbeat  # the next run beats again


def test_a_heartbeat_refused_for_good_is_sent_once_and_never_fails_the_run():
    refused = lambda i, ts: (  # noqa: E731
        (grpc.StatusCode.PERMISSION_DENIED, "Permission monitoring.timeSeries.create denied.")
        if ts.metric.type.endswith("/collector_runs")
        else None
    )
    client = FakeMetricService(rules=[refused])
    summary = collector(FakeSource(), client).collect_once()
    assert summary.heartbeat is False
    assert sum(1 for r in client.requests for ts in r if ts.metric.type.endswith("/collector_runs")) == 1


def test_a_failed_call_for_the_heartbeat_is_logged_not_raised():
    client = FakeMetricService(call_failures=[grpc.StatusCode.INVALID_ARGUMENT])
    summary = collector(FakeSource(), client).collect_once()  # the only call of an idle run: the heartbeat
    assert (summary.heartbeat, summary.transient_failure) == (False, False)


# --- zero points --------------------------------------------------------------------------------
def test_each_window_with_runs_gets_a_zero_for_the_status_without_any():
    source, client = FakeSource(), FakeMetricService()
    source.publish("p1", 0, [stage("a", 10), ("s", int(NOW - 10 * S), "b", 1.0, False, 1, None)])
    collector(source, client).collect_once()
    written = {
        (ts.metric.labels["stage"], ts.metric.labels["status"]): ts.points[0].value.int64_value
        for ts in client.written("stage_runs")
    }
    assert written == {("a", "success"): 1, ("a", "failure"): 0, ("b", "failure"): 1, ("b", "success"): 0}


def test_a_zero_monitoring_refuses_holds_no_message_back_and_counts_stay_exact():
    zero_unavailable = StageFailure("a", grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")
    original = zero_unavailable.__call__

    def only_failure_series(index, ts):
        return original(index, ts) if ts.metric.labels.get("status") == "failure" else None

    client = FakeMetricService(rules=[only_failure_series])
    source = FakeSource()
    source.publish("p1", 0, [stage("a", 10)] * 3)
    summary = collector(source, client, FakeClock(step=0.5)).collect_once(budget_s=5)
    assert (summary.acked, summary.not_acked, summary.transient_failure) == (1, 0, False)  # counted, settled
    assert runs(client) == {"a": 3}
    assert source.queue == []  # nothing comes back to be counted again


def test_the_journal_intends_the_messages_points_not_their_zeros_nor_the_heartbeat(tmp_path):
    from helios_metrics.functions.journal import Journal

    source, client = FakeSource(), FakeMetricService()
    source.publish("p1", 0, [stage("a", 10)])
    clock = FakeClock()
    writer = MonitoringWriter(client, "p", clock=clock.monotonic, sleep=clock.sleep)
    journal = Journal(tmp_path / "ledger.journal")
    c = Collector(SETTINGS, source, writer, "c-test", clock=lambda: NOW, monotonic=clock.monotonic, journal=journal)
    assert c.collect_once().heartbeat
    journal.close()
    import json

    [intent] = [r for r in map(json.loads, (tmp_path / "ledger.journal").read_text().splitlines()) if "intent" in r]
    intended = {(p[0].rsplit("/", 1)[1], p[1].get("status", "")) for p in intent["points"]}
    assert ("stage_runs", "success") in intended
    assert ("stage_runs", "failure") not in intended  # the zero: written, but nobody's contribution
    assert not any(metric == "collector_runs" for metric, _ in intended)
    assert ("stage_runs", "failure") in {
        (ts.metric.type.rsplit("/", 1)[1], ts.metric.labels["status"]) for ts in client.written("stage_runs")
    }


# --- the order the guarantees need ----------------------------------------------------------------
def test_acknowledgements_go_out_after_the_write_and_after_the_journal_recorded_it(tmp_path):
    from helios_metrics.functions.journal import Journal

    steps: list[str] = []
    journal_file = tmp_path / "ledger.journal"

    class Logged(FakeSource):
        def acknowledge(self, ack_ids):
            steps.append(f"ack:{'done' in journal_file.read_text()}")
            return super().acknowledge(ack_ids)

    class LoggedMonitoring(FakeMetricService):
        def create_time_series(self, request, retry=None, timeout=None):
            steps.append("write")
            return super().create_time_series(request, retry, timeout)

    source, client, clock = Logged(), LoggedMonitoring(), FakeClock()
    source.publish("p1", 0, [stage("a", 10)])
    writer = MonitoringWriter(client, "p", clock=clock.monotonic, sleep=clock.sleep)
    journal = Journal(journal_file)
    c = Collector(SETTINGS, source, writer, "c-test", clock=lambda: NOW, monotonic=clock.monotonic, journal=journal)
    assert c.collect_once().acked == 1
    journal.close()
    assert steps[:2] == ["write", "ack:True"]  # the data, then the ack once the outcome is durable
    assert steps[2:] == ["write"]  # the heartbeat comes last


def test_a_copy_pulled_beside_a_message_whose_write_failed_is_handed_back_with_it():
    unavailable = StageFailure("a", grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")
    source, client = FakeSource(), FakeMetricService(rules=[unavailable])
    source.publish("p1", 0, [stage("a", 10)])
    source.publish("p1", 0, [stage("a", 10)])  # the same batch again (a publisher's replay)
    c = collector(source, client, FakeClock(step=0.5))
    first = c.collect_once(budget_s=5)
    assert (first.events, first.duplicates, first.acked, first.not_acked) == (1, 1, 0, 2)
    unavailable.active = False
    second = c.collect_once()
    assert (second.events, second.duplicates, second.acked, second.not_acked) == (1, 1, 2, 0)
    assert runs(client) == {"a": 1}
