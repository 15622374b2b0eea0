"""The emulator as a process: restarts on the same --data, fault injection, flags, concurrency."""

from __future__ import annotations

import threading
import time

import pytest
from google.api_core import exceptions

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.monitoring_emulator.admin import EmulatorAdminError
from helios_metrics.monitoring_emulator.launch import start_monitoring_emulator
from tests.helpers import HELIOS, distribution, minute_floor, read, series, summary_of


def client_for(process, project):
    return ClientFactory(Settings(project_id=project, monitoring_emulator_host=process.address)).metric_service()


def test_a_restart_on_the_same_data_file_keeps_descriptors_points_and_order(tmp_path, project_id):
    data = tmp_path / "monitoring.sqlite"
    t = minute_floor(900)
    latency = distribution([1.0, 7.0, 30.0], [5.0, 10.0])
    with start_monitoring_emulator(data=data, log_dir=tmp_path) as first:
        client = client_for(first, project_id)
        for step in range(3):
            client.create_time_series(
                name=f"projects/{project_id}",
                time_series=[
                    series(float(step), t + 10 * step, f"{HELIOS}/score", {"stage": "a"}),
                    series(latency, t + 10 * step, f"{HELIOS}/latency"),
                ],
            )
    assert first.process.returncode == 0  # stopped cleanly by SIGTERM
    with start_monitoring_emulator(data=data, log_dir=tmp_path) as second:
        client = client_for(second, project_id)
        (score,) = read(client, project_id, f"{HELIOS}/score", t - 1, t + 60)
        assert [p.value.double_value for p in score.points] == [2.0, 1.0, 0.0]
        (stored,) = read(client, project_id, f"{HELIOS}/latency", t - 1, t + 60)
        assert [list(p.value.distribution_value.bucket_counts) for p in stored.points] == [[1, 1, 1]] * 3
        descriptor = client.get_metric_descriptor(name=f"projects/{project_id}/metricDescriptors/{HELIOS}/score")
        assert [label.key for label in descriptor.labels] == ["stage"]
        with pytest.raises(exceptions.InvalidArgument, match="Points must be written in order"):
            client.create_time_series(
                name=f"projects/{project_id}", time_series=[series(9.0, t + 20, f"{HELIOS}/score", {"stage": "a"})]
            )


def test_a_restart_keeps_policies_channels_dashboards_and_open_incidents(tmp_path, project_id):
    from helios_metrics.monitoring_emulator.launch import MonitoringEmulatorProcess

    data = tmp_path / "monitoring.sqlite"
    start = minute_floor(900)
    flt = f'metric.type = "{HELIOS}/score" AND resource.type = "generic_task"'
    condition = {
        "filter": flt,
        "comparison": "COMPARISON_GT",
        "threshold_value": 0.5,
        "aggregations": [{"alignment_period": {"seconds": 60}, "per_series_aligner": "ALIGN_MEAN"}],
    }

    def factory_for(process: MonitoringEmulatorProcess) -> ClientFactory:
        return ClientFactory(Settings(project_id=project_id, monitoring_emulator_host=process.address))

    def at(minute: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 60 * minute))

    with start_monitoring_emulator(data=data, log_dir=tmp_path, extra_args=("--evaluate-every", "0")) as first:
        factory = factory_for(first)
        channel = factory.notification_channel().create_notification_channel(
            name=f"projects/{project_id}",
            notification_channel={"type_": "email", "labels": {"email_address": "a@b.co"}},
        )
        policy = factory.alert_policy().create_alert_policy(
            name=f"projects/{project_id}",
            alert_policy={
                "display_name": "hot",
                "combiner": "OR",
                "notification_channels": [channel.name],
                "conditions": [{"display_name": "hot", "condition_threshold": condition}],
            },
        )
        board = factory.dashboards().create_dashboard(
            parent=f"projects/{project_id}", dashboard={"display_name": "b", "mosaic_layout": {"columns": 48}}
        )
        factory.metric_service().create_time_series(
            name=f"projects/{project_id}", time_series=[series(0.9, start + 60, f"{HELIOS}/score")]
        )
        assert len(first.admin.evaluate(at(1), project_id)["opened"]) == 1
    with start_monitoring_emulator(data=data, log_dir=tmp_path, extra_args=("--evaluate-every", "0")) as second:
        factory = factory_for(second)
        assert factory.alert_policy().get_alert_policy(name=policy.name) == policy
        assert factory.notification_channel().get_notification_channel(name=channel.name).labels == channel.labels
        assert factory.dashboards().get_dashboard(request={"name": board.name}).etag == board.etag
        (incident,) = [i for i in second.admin.incidents() if i["scoping_project_id"] == project_id]
        assert incident["state"] == "open"
        factory.metric_service().create_time_series(
            name=f"projects/{project_id}", time_series=[series(0.1, start + 120, f"{HELIOS}/score")]
        )
        closed = second.admin.evaluate(at(2), project_id)["closed"]
        assert [i["incident_id"] for i in closed] == [incident["incident_id"]]


def test_injected_call_faults_fail_the_next_calls_then_clear(monitoring, factory, project_id):
    client = factory.metric_service()
    monitoring.admin.inject("CreateTimeSeries", "UNAVAILABLE", times=2)
    for _ in range(2):
        with pytest.raises(exceptions.ServiceUnavailable, match=r"The service is currently unavailable\."):
            client.create_time_series(name=f"projects/{project_id}", time_series=[series(1.0, time.time() - 60)])
    client.create_time_series(name=f"projects/{project_id}", time_series=[series(1.0, time.time() - 60)])
    assert monitoring.admin.faults() == []


def test_injected_series_faults_fail_only_the_chosen_series(monitoring, factory, project_id):
    client = factory.metric_service()
    monitoring.admin.inject("CreateTimeSeries", "INTERNAL", series_filter='metric.labels.stage = "b"')
    t = time.time() - 60
    with pytest.raises(exceptions.InternalServerError) as caught:
        client.create_time_series(
            name=f"projects/{project_id}",
            time_series=[series(1.0, t, labels={"stage": s}) for s in ("a", "b", "c")],
        )
    assert (
        caught.value.message
        == "One or more TimeSeries could not be written: An internal error occurred.: timeSeries[1]"
    )
    summary = summary_of(caught.value)
    assert (summary.success_point_count, [(e.status.code, e.point_count) for e in summary.errors]) == (2, [(13, 1)])
    found = read(client, project_id, f"{HELIOS}/test_metric", t - 60, t + 1)
    assert sorted(ts.metric.labels["stage"] for ts in found) == ["a", "c"]
    client.create_time_series(name=f"projects/{project_id}", time_series=[series(2.0, t, labels={"stage": "b"})])


def test_a_delayed_fault_trips_the_client_deadline(monitoring, factory, project_id):
    client = factory.metric_service()
    monitoring.admin.inject("ListMetricDescriptors", "DEADLINE_EXCEEDED", delay_s=1.0)
    with pytest.raises(exceptions.DeadlineExceeded):
        list(client.list_metric_descriptors(name=f"projects/{project_id}", retry=None, timeout=0.3))


def test_bad_fault_specs_are_refused(monitoring):
    with pytest.raises(EmulatorAdminError) as caught:
        monitoring.admin.inject("CreateTimeSeries", "NOT_A_CODE")
    assert caught.value.status == 400
    assert "unknown status code 'NOT_A_CODE'" in str(caught.value)


def test_sampling_period_and_series_cap_are_configurable(tmp_path, project_id):
    t = int(time.time()) - 900
    with start_monitoring_emulator(
        log_dir=tmp_path, extra_args=("--min-sampling-period", "10", "--max-active-series", "2")
    ) as emulator:
        client = client_for(emulator, project_id)
        client.create_time_series(name=f"projects/{project_id}", time_series=[series(1.0, t, labels={"k": "a"})])
        with pytest.raises(exceptions.InvalidArgument, match="more frequently than the maximum sampling period"):
            client.create_time_series(
                name=f"projects/{project_id}", time_series=[series(1.0, t + 5, labels={"k": "a"})]
            )
        with pytest.raises(exceptions.ResourceExhausted) as caught:
            client.create_time_series(
                name=f"projects/{project_id}", time_series=[series(1.0, t, labels={"k": k}) for k in ("b", "c")]
            )
        assert caught.value.message == (
            "One or more TimeSeries could not be written: Monitored resource has too many time series "
            "(custom metrics).: timeSeries[1]"
        )
        # another resource has its own budget; `global` counts per metric type
        other = {"location": "us-east1", "namespace": "n", "job": "j", "task_id": "t-9"}
        client.create_time_series(
            name=f"projects/{project_id}", time_series=[series(1.0, t, labels={"k": "c"}, resource_labels=other)]
        )


def test_concurrent_clients_commit_whole_requests(monitoring, project_id):
    t = minute_floor(900)
    errors: list[Exception] = []

    def writer(worker: int) -> None:
        client = client_for(monitoring, project_id)
        try:
            for step in range(10):
                batch = [series(float(step), t + 5 * step, labels={"w": str(worker), "k": str(k)}) for k in range(50)]
                client.create_time_series(name=f"projects/{project_id}", time_series=batch)
        except Exception as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    found = read(client_for(monitoring, project_id), project_id, f"{HELIOS}/test_metric", t - 1, t + 60)
    assert len(found) == 200
    assert all(len(ts.points) == 10 for ts in found)


def test_a_directory_made_for_the_emulator_goes_with_it_and_its_ports_read_as_taken():
    from helios_metrics.monitoring_emulator.launch import port_in_use

    emulator = start_monitoring_emulator()  # no log_dir: a directory of its own
    grpc_port = int(emulator.address.rsplit(":", 1)[1])
    assert emulator.owned_dir is not None
    assert emulator.owned_dir.is_dir()
    assert port_in_use(grpc_port)  # a gRPC server shares its port with anyone who sets SO_REUSEPORT
    emulator.stop()
    assert not emulator.owned_dir.exists()
    assert not port_in_use(grpc_port)


def test_an_emulator_that_cannot_start_says_why_in_one_line(tmp_path):
    from helios_metrics.monitoring_emulator.launch import EmulatorUnavailable

    with pytest.raises(EmulatorUnavailable) as caught:
        start_monitoring_emulator(log_dir=tmp_path, extra_args=("--evaluate-every", "soon"))
    log = tmp_path / "monitoring-emulator.log"
    assert str(caught.value) == (
        "the Monitoring emulator did not start: python -m helios_metrics.monitoring_emulator: error: "
        "argument --evaluate-every: "
        f"invalid float value: 'soon' (log: {log})"
    )
    assert "usage:" in caught.value.log_tail


@pytest.mark.parametrize("taken", ["gRPC", "HTTP"])
def test_a_second_emulator_on_a_taken_port_fails_in_one_line_and_the_first_keeps_its_port(taken, tmp_path, project_id):
    """gRPC sets SO_REUSEPORT by default: a second emulator on the first one's gRPC port would start
    and share the port, answering some connections with its own, empty, data."""
    import subprocess
    import sys

    from helios_metrics.monitoring_emulator.launch import EmulatorUnavailable

    with start_monitoring_emulator(log_dir=tmp_path / "first") as first:
        grpc_port, http_port = int(first.address.rsplit(":", 1)[1]), int(first.http_url.rsplit(":", 1)[1])
        port, flag, what = {
            "gRPC": (grpc_port, "--port", "gRPC API"),
            "HTTP": (http_port, "--http-port", "console and admin API"),
        }[taken]
        expected = (
            f"cannot listen on 127.0.0.1:{port} ({what}): the port is already in use — stop what listens there, "
            f"or choose another port with {flag} <port> ({flag} 0: any free one)"
        )
        ports = {"port": grpc_port, "http_port": 0} if taken == "gRPC" else {"port": 0, "http_port": http_port}
        second_log = tmp_path / "second"
        try:
            second = start_monitoring_emulator(log_dir=second_log, **ports)
        except EmulatorUnavailable as err:
            refused = err
        else:
            second.stop()
            pytest.fail(f"a second emulator started on the taken {taken} port {port}")
        (line,) = str(refused).splitlines()
        assert line.startswith("the Monitoring emulator did not start: ")
        assert expected in line
        assert line.endswith(f"(log: {second_log / 'monitoring-emulator.log'})")

        # the process itself: exit status 1, the reason on its last line of stderr, nothing on stdout
        argv = [sys.executable, "-m", "helios_metrics.monitoring_emulator", "--port", str(ports["port"])]
        argv += ["--http-port", str(ports["http_port"]), "--evaluate-every", "0"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout) == (1, "")
        assert (
            done.stderr.strip().splitlines()[-1] == f"python -m helios_metrics.monitoring_emulator: error: {expected}"
        )
        assert "Traceback" not in done.stderr

        # the first emulator alone answers on its port: what it stores is what every new channel reads
        t = minute_floor(600)
        client_for(first, project_id).create_time_series(
            name=f"projects/{project_id}", time_series=[series(1.0, t, f"{HELIOS}/score")]
        )
        for _ in range(5):
            assert len(read(client_for(first, project_id), project_id, f"{HELIOS}/score", t - 1, t + 60)) == 1
