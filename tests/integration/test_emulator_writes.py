"""CreateTimeSeries rules, driven only through the official sync client against the emulator process."""

from __future__ import annotations

import time

import pytest
from google.api import metric_pb2
from google.api_core import exceptions
from google.cloud import monitoring_v3

from helios_metrics.contract import ClientFactory
from tests.helpers import HELIOS, TASK, distribution, read, series, summary_of

MD = metric_pb2.MetricDescriptor
METRIC = f"{HELIOS}/test_metric"


@pytest.fixture
def client(factory: ClientFactory) -> monitoring_v3.MetricServiceClient:
    return factory.metric_service()


def write(client: monitoring_v3.MetricServiceClient, project: str, *items: monitoring_v3.TimeSeries) -> None:
    client.create_time_series(name=f"projects/{project}", time_series=list(items))


def rejected(
    client: monitoring_v3.MetricServiceClient, project: str, *items: monitoring_v3.TimeSeries
) -> exceptions.GoogleAPICallError:
    with pytest.raises(exceptions.GoogleAPICallError) as caught:
        write(client, project, *items)
    return caught.value


def stored_values(
    client: monitoring_v3.MetricServiceClient, project: str, metric_type: str = METRIC
) -> dict[str, list[float]]:
    now = time.time()
    found = read(client, project, metric_type, now - 26 * 3600, now + 600)
    return {
        ts.metric.labels.get("k", ""): [p.value.double_value or p.value.int64_value for p in ts.points] for ts in found
    }


def test_more_than_200_series_fail_the_whole_request(client, project_id):
    now = time.time() - 60
    error = rejected(client, project_id, *[series(1.0, now, labels={"k": str(i)}) for i in range(201)])
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == (
        "Field timeSeries had an invalid value: A maximum of 200 TimeSeries can be written in a single request."
    )
    assert stored_values(client, project_id) == {}


def test_200_series_are_accepted(client, project_id):
    now = time.time() - 60
    write(client, project_id, *[series(float(i), now, labels={"k": str(i)}) for i in range(200)])
    assert len(stored_values(client, project_id)) == 200


def test_a_series_needs_exactly_one_point_and_the_valid_ones_are_committed(client, project_id):
    now = time.time() - 60
    error = rejected(
        client,
        project_id,
        series(1.0, now, labels={"k": "ok"}),
        series(2.0, now, labels={"k": "two"}, points=2),
        series(3.0, now, labels={"k": "none"}, points=0),
    )
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == (
        "One or more TimeSeries could not be written: "
        "Field timeSeries[1].points had an invalid value: Only one point can be written per TimeSeries per request.; "
        "Field timeSeries[2].points had an invalid value: Only one point can be written per TimeSeries per request."
    )
    summary = summary_of(error)
    assert (summary.total_point_count, summary.success_point_count) == (3, 1)
    assert [(e.status.code, e.point_count) for e in summary.errors] == [(3, 2)]
    assert stored_values(client, project_id) == {"ok": [1.0]}


def test_the_same_series_twice_in_a_request_fails_the_later_one(client, project_id):
    now = time.time() - 60
    error = rejected(client, project_id, series(1.0, now, labels={"k": "a"}), series(2.0, now - 30, labels={"k": "a"}))
    assert error.message == (
        "One or more TimeSeries could not be written: Field timeSeries[1] had an invalid value: "
        "Duplicate TimeSeries encountered. Only one point can be written per TimeSeries per request."
    )
    assert stored_values(client, project_id) == {"a": [1.0]}


@pytest.mark.parametrize(
    ("resource_type", "labels", "reason"),
    [
        ("no_such_type", {}, "Unrecognized resource type: no_such_type."),
        (
            "cloud_run_revision",
            {"service_name": "s", "revision_name": "r", "location": "l", "configuration_name": "c"},
            "Metrics cannot be written to cloud_run_revision. See "
            "https://cloud.google.com/monitoring/custom-metrics/creating-metrics#which-resource for a list of "
            "writable resource types.",
        ),
        (
            "generic_task",
            {"location": "l", "job": "j"},
            "The set of resource labels is incomplete. Missing labels: (namespace task_id).",
        ),
        ("generic_task", {**TASK, "zone": "z"}, "Unrecognized resource label: zone."),
    ],
)
def test_resources_must_be_writable_and_fully_labelled(client, project_id, resource_type, labels, reason):
    error = rejected(client, project_id, series(resource_type=resource_type, resource_labels=labels))
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == f"One or more TimeSeries could not be written: {reason}: timeSeries[0]"


def test_global_and_generic_node_are_writable(client, project_id):
    now = time.time() - 60
    write(
        client,
        project_id,
        series(1.0, now, labels={"k": "g"}, resource_type="global", resource_labels={}),
        series(
            2.0,
            now,
            labels={"k": "n"},
            resource_type="generic_node",
            resource_labels={"location": "global", "namespace": "n", "node_id": "x"},
        ),
    )
    assert stored_values(client, project_id) == {"g": [1.0], "n": [2.0]}


def test_points_older_than_25h_or_more_than_5min_ahead_are_refused(client, project_id):
    now = int(time.time())
    too_old, too_new = now - 26 * 3600, now + 600
    error = rejected(
        client,
        project_id,
        series(1.0, too_old, labels={"k": "old"}),
        series(2.0, too_new, labels={"k": "new"}),
        series(3.0, now - 24 * 3600, labels={"k": "day"}),
        series(4.0, now + 200, labels={"k": "soon"}),
    )
    old_text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(too_old))
    new_text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(too_new))
    assert error.message == (
        "One or more TimeSeries could not be written: "
        f'Field timeSeries[0].points[0].interval.end_time had an invalid value of "{old_text}": '
        "Data points cannot be written more than 25h10s in the past.; "
        f'Field timeSeries[1].points[0].interval.end_time had an invalid value of "{new_text}": '
        "Data points cannot be written more than 5m in the future."
    )
    assert stored_values(client, project_id) == {"day": [3.0], "soon": [4.0]}


def test_interval_shape_follows_the_metric_kind(client, project_id):
    end = int(time.time()) - 60
    gauge = series(1.0, end, start=end - 10, labels={"k": "g"})
    cumulative = series(5, end, start=end, metric_type=f"{HELIOS}/counter", metric_kind=MD.CUMULATIVE)
    error = rejected(client, project_id, gauge, cumulative)
    when, before = (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) for t in (end, end - 10))
    assert error.message == (
        "One or more TimeSeries could not be written: "
        f'Field timeSeries[0].points[0].interval.start_time had an invalid value of "{before}": '
        f"The start time must be equal to the end time ({when}) for the gauge metric '{METRIC}'.; "
        f'Field timeSeries[1].points[0].interval.start_time had an invalid value of "{when}": '
        f"The start time must be before the end time ({when}) for the non-gauge metric '{HELIOS}/counter'."
    )


def test_points_must_be_written_in_order(client, project_id):
    t = int(time.time()) - 600
    write(client, project_id, series(1.0, t, labels={"k": "a"}), series(1.0, t, labels={"k": "b"}))
    error = rejected(client, project_id, series(2.0, t, labels={"k": "a"}), series(2.0, t - 60, labels={"k": "b"}))
    assert error.message == (
        "One or more TimeSeries could not be written: Points must be written in order. One or more of the points "
        "specified had an older end time than the most recent point.: timeSeries[0-1]"
    )
    assert stored_values(client, project_id) == {"a": [1.0], "b": [1.0]}


def test_points_of_a_series_must_be_5s_apart(client, project_id):
    t = int(time.time()) - 600
    write(client, project_id, series(1.0, t + 0.25, labels={"k": "a"}))
    error = rejected(client, project_id, series(2.0, t + 4.25, labels={"k": "a"}))
    young, new = (time.strftime("%Y/%m/%d-%H:%M:%S", time.gmtime(x)) for x in (t, t + 4))
    assert error.message == (
        "One or more TimeSeries could not be written: One or more points were written more frequently than the "
        f"maximum sampling period configured for the metric. {{Metric: {METRIC}, Timestamps: "
        f"{{Youngest Existing: '{young}.250', New: '{new}.250'}}}}: timeSeries[0]"
    )
    write(client, project_id, series(3.0, t + 5.25, labels={"k": "a"}))
    assert stored_values(client, project_id) == {"a": [3.0, 1.0]}


def test_cumulative_points_keep_their_start_until_a_reset(client, project_id):
    counter = f"{HELIOS}/counter"
    t = int(time.time()) - 900
    write(client, project_id, series(1, t + 60, start=t, metric_type=counter, metric_kind=MD.CUMULATIVE))
    write(client, project_id, series(3, t + 120, start=t, metric_type=counter, metric_kind=MD.CUMULATIVE))
    error = rejected(
        client, project_id, series(4, t + 180, start=t + 30, metric_type=counter, metric_kind=MD.CUMULATIVE)
    )
    assert error.message == (
        "One or more TimeSeries could not be written: Points must be written in order. One or more of the points "
        "specified had an older start time than the most recent point.: timeSeries[0]"
    )
    write(client, project_id, series(1, t + 240, start=t + 121, metric_type=counter, metric_kind=MD.CUMULATIVE))


def test_kind_and_value_type_must_match_the_descriptor(client, project_id):
    client.create_metric_descriptor(
        name=f"projects/{project_id}",
        metric_descriptor=metric_pb2.MetricDescriptor(type=METRIC, metric_kind=MD.GAUGE, value_type=MD.DOUBLE),
    )
    t = int(time.time()) - 60
    error = rejected(
        client,
        project_id,
        series(7, t, labels={"k": "int"}),
        series(1.0, t, labels={"k": "kind"}, metric_kind=MD.CUMULATIVE, start=t - 60),
        series(1.0, t, labels={"k": "declared"}, value_type=MD.INT64),
    )
    assert error.message == (
        "One or more TimeSeries could not be written: "
        f"Value type for metric {METRIC} must be DOUBLE, but is INT64.: timeSeries[0,2]; "
        f"Metric kind for metric {METRIC} must be GAUGE, but is CUMULATIVE.: timeSeries[1]"
    )


def test_a_cumulative_start_older_than_25_hours_is_accepted(client, project_id):
    """Google bounds a point's end time (25 h in the past, 5 min ahead), not a counter's start: its
    current TimeInterval reference says so, and counters exported with their process's start time
    (the OpenTelemetry exporter's) run for weeks."""
    end = time.time() - 60
    counter = f"{HELIOS}/long_lived_counter"
    write(
        client, project_id, series(7, end, start=end - 30 * 24 * 3600, metric_type=counter, metric_kind=MD.CUMULATIVE)
    )
    assert stored_values(client, project_id, counter) == {"": [7]}


def test_writes_auto_create_gauge_and_cumulative_descriptors_only(client, project_id):
    t = int(time.time()) - 60
    write(client, project_id, series(3, t, metric_type=f"{HELIOS}/auto_int", labels={"stage": "s", "env": "e"}))
    created = client.get_metric_descriptor(name=f"projects/{project_id}/metricDescriptors/{HELIOS}/auto_int")
    assert (created.metric_kind, created.value_type) == (MD.GAUGE, MD.INT64)
    assert created.description == "Auto-created custom metric."
    assert sorted(label.key for label in created.labels) == ["env", "stage"]
    error = rejected(
        client,
        project_id,
        series(1.0, t, metric_type=f"{HELIOS}/delta", metric_kind=MD.DELTA, start=t - 60),
        series("text", t, metric_type=f"{HELIOS}/text"),
    )
    assert error.message == (
        "One or more TimeSeries could not be written: "
        f"Metric kind for metric {HELIOS}/delta must be GAUGE or CUMULATIVE to be created automatically, but is "
        "DELTA.: timeSeries[0]; "
        f"Value type for metric {HELIOS}/text must be BOOL, INT64, DOUBLE or DISTRIBUTION (BOOL only for GAUGE) "
        "to be created automatically, but is STRING.: timeSeries[1]"
    )
    with pytest.raises(exceptions.NotFound):
        client.get_metric_descriptor(name=f"projects/{project_id}/metricDescriptors/{HELIOS}/delta")


def test_writes_add_new_label_keys_to_the_descriptor_up_to_30(client, project_id):
    t = int(time.time()) - 600
    write(client, project_id, series(1.0, t, labels={f"l{i}": "v" for i in range(29)}))
    write(client, project_id, series(1.0, t, labels={"extra": "v"}))
    descriptor = client.get_metric_descriptor(name=f"projects/{project_id}/metricDescriptors/{METRIC}")
    assert len(descriptor.labels) == 30
    error = rejected(client, project_id, series(1.0, t, labels={"one_too_many": "v"}))
    assert error.message == (
        "One or more TimeSeries could not be written: "
        f"The new labels would cause the metric {METRIC} to have over 30 labels.: timeSeries[0]"
    )


def test_label_keys_and_value_lengths_are_checked(client, project_id):
    t = int(time.time()) - 60
    error = rejected(
        client,
        project_id,
        series(1.0, t, labels={"Bad-Key": "v"}),
        series(1.0, t, labels={"k": "x" * 1025}),
        series(1.0, t, labels={"k": "x" * 1024}),
    )
    assert error.message == (
        "One or more TimeSeries could not be written: "
        'Field timeSeries[0].metric.labels had an invalid value of "Bad-Key": Label keys must start with a '
        "letter and contain only letters, digits and underscores, at most 100 characters.; "
        "Field timeSeries[1].metric.labels[k] had an invalid value: Label values can be at most 1024 bytes long."
    )
    assert summary_of(error).success_point_count == 1


def test_metric_label_keys_with_capital_letters_are_written_and_read_back(client, project_id):
    """The OpenTelemetry exporter writes attribute keys as they are (``statusCode``); Google accepts them."""
    t = int(time.time()) - 60
    write(client, project_id, series(2.0, t, labels={"statusCode": "200", "TestLabel": "My Label Data"}))
    descriptor = client.get_metric_descriptor(name=f"projects/{project_id}/metricDescriptors/{METRIC}")
    assert sorted(label.key for label in descriptor.labels) == ["TestLabel", "statusCode"]
    found = read(client, project_id, METRIC, t - 60, t + 60, 'metric.label."statusCode" = "200"')
    assert [(dict(ts.metric.labels), ts.points[0].value.double_value) for ts in found] == [
        ({"statusCode": "200", "TestLabel": "My Label Data"}, 2.0)
    ]


def test_google_s_own_metrics_cannot_be_written(client, project_id):
    """Another domain's metric — Google's built-in ones — fails the whole request with PERMISSION_DENIED,
    as Google answers "User … does not have permission to write to metric …"; nothing is written."""
    t = time.time() - 60
    backlog = "pubsub.googleapis.com/subscription/num_undelivered_messages"
    error = rejected(
        client,
        project_id,
        series(1.0, t, labels={"k": "fine"}),
        series(5, t, backlog, resource_type="pubsub_subscription", resource_labels={"subscription_id": "s"}),
    )
    assert isinstance(error, exceptions.PermissionDenied)
    assert error.message == f"The caller does not have permission to write to metric {backlog}."
    assert stored_values(client, project_id) == {}
    error = rejected(client, project_id, series(metric_type="compute.googleapis.com/instance/cpu/utilization"))
    assert isinstance(error, exceptions.PermissionDenied)


def test_a_metric_type_must_be_a_url_with_a_domain_and_a_path(client, project_id):
    error = rejected(client, project_id, series(metric_type="minikube_start/custom.googleapis.com/minikube/x"))
    assert error.message == (
        "One or more TimeSeries could not be written: Field timeSeries[0].metric.type had an invalid value of "
        '"minikube_start/custom.googleapis.com/minikube/x": The metric type must be a URL-formatted string with '
        "a domain and non-empty path."
    )


def test_create_service_time_series_rejects_user_defined_metrics(client, project_id):
    with pytest.raises(exceptions.InvalidArgument) as caught:
        client.create_service_time_series(name=f"projects/{project_id}", time_series=[series()])
    assert "CreateServiceTimeSeries rejects writes to user-defined metrics" in caught.value.message


def _dist(**fields: object) -> object:
    d = distribution([1.0, 2.0], [1.0, 5.0])
    for name, value in fields.items():
        if name == "bucket_counts":
            del d.bucket_counts[:]
            d.bucket_counts.extend(value)  # type: ignore[arg-type]
        elif name == "bounds":
            del d.bucket_options.explicit_buckets.bounds[:]
            d.bucket_options.explicit_buckets.bounds.extend(value)  # type: ignore[arg-type]
        else:
            setattr(d, name, value)
    return d


@pytest.mark.parametrize(
    ("dist", "reason"),
    [
        (
            _dist(bucket_counts=[0, 2, 2]),
            "Distribution value has |bucket_counts| fields that sum to 4 which does not equal the |count| field "
            "value of 2.",
        ),
        (
            _dist(bucket_counts=[0, 2, 0, 0]),
            "Distribution value has 4 |bucket_counts| fields, which is more than the 3 buckets allowed by the "
            "bucketing options.",
        ),
        (_dist(bucket_counts=[3, -1]), "Distribution bucket_counts(1) has a negative count."),
        (_dist(bounds=[]), "Distribution |explicit_buckets.bounds| does not have at least one entry"),
    ],
)
def test_distribution_values_are_validated(client, project_id, dist, reason):
    error = rejected(client, project_id, series(dist, metric_type=f"{HELIOS}/latency"))
    assert error.message == (
        "One or more TimeSeries could not be written: "
        f"Field timeSeries[0].points[0].distributionValue had an invalid value: {reason}"
    )


def test_a_valid_distribution_round_trips(client, project_id):
    t = int(time.time()) - 60
    value = distribution([0.5, 2.0, 7.0, 12.0], [1.0, 5.0, 10.0])
    write(client, project_id, series(value, t, metric_type=f"{HELIOS}/latency"))
    (stored,) = read(client, project_id, f"{HELIOS}/latency", t - 60, t)
    got = stored.points[0].value.distribution_value
    assert (got.count, list(got.bucket_counts), got.mean) == (4, [1, 1, 1, 1], pytest.approx(5.375))
    assert stored.value_type == MD.DISTRIBUTION


def test_a_partial_failure_commits_every_valid_series(client, project_id):
    t = int(time.time()) - 600
    write(client, project_id, series(1.0, t, labels={"k": "late"}))
    error = rejected(
        client,
        project_id,
        series(1.0, t, labels={"k": "a"}),
        series(2.0, t - 60, labels={"k": "late"}),
        series(3.0, t, labels={"k": "b"}),
        series(
            4.0,
            t,
            labels={"k": "c"},
            resource_type="cloud_function",
            resource_labels={"function_name": "f", "region": "r"},
        ),
        series(5.0, t, labels={"k": "d"}),
    )
    summary = summary_of(error)
    assert (summary.total_point_count, summary.success_point_count) == (5, 3)
    assert sum(e.point_count for e in summary.errors) == 2
    assert stored_values(client, project_id) == {"a": [1.0], "b": [3.0], "d": [5.0], "late": [1.0]}


def test_the_emulator_counts_rejections_by_reason(client, project_id, monitoring):
    before = monitoring.admin.stats()["rejections"]
    t = int(time.time()) - 600
    write(client, project_id, series(1.0, t))
    rejected(client, project_id, series(1.0, t))
    rejected(client, project_id, series(1.0, t + 1))
    after = monitoring.admin.stats()["rejections"]
    assert after.get("order", 0) - before.get("order", 0) == 1
    assert after.get("spacing", 0) - before.get("spacing", 0) == 1


def test_an_empty_request_is_refused_with_googles_message(client, project_id):
    error = rejected(client, project_id)
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == "Request was missing field timeSeries."


@pytest.mark.parametrize("location", ["us-central1", "europe-west4-b", "global", "aws:us-east-1a"])
def test_known_regions_zones_and_aws_locations_are_accepted(client, project_id, location):
    write(client, project_id, series(1.0, time.time() - 60, resource_labels={**TASK, "location": location}))
    assert stored_values(client, project_id) == {"": [1.0]}


@pytest.mark.parametrize(
    ("resource_type", "labels"),
    [
        ("generic_task", {**TASK, "location": "not a region"}),
        ("generic_node", {"location": "us-central", "namespace": "helios", "node_id": "n-1"}),  # no such region
    ],
)
def test_a_malformed_location_is_refused_with_googles_message(client, project_id, resource_type, labels):
    error = rejected(client, project_id, series(1.0, resource_type=resource_type, resource_labels=labels))
    assert isinstance(error, exceptions.InvalidArgument)
    assert (
        error.message == "One or more TimeSeries could not be written: Unrecognized region or location.: timeSeries[0]"
    )
    assert stored_values(client, project_id) == {}


@pytest.mark.parametrize("field", ["mean", "sum_of_squared_deviation"])
def test_a_non_finite_distribution_field_is_refused(client, project_id, field):
    error = rejected(client, project_id, series(_dist(**{field: float("nan")}), metric_type=f"{HELIOS}/latency"))
    assert error.message == (
        "One or more TimeSeries could not be written: Field timeSeries[0].points[0].distributionValue had an "
        f"invalid value: Distribution value with a non-finite |{field}| of nan."
    )


def test_metric_types_with_periods_and_hyphens_are_accepted(client, project_id):
    metric_type = "custom.googleapis.com/opencensus/grpc.io/client/roundtrip-latency"
    write(client, project_id, series(2.5, time.time() - 60, metric_type=metric_type))
    assert stored_values(client, project_id, metric_type) == {"": [2.5]}
    error = rejected(client, project_id, series(metric_type="custom.googleapis.com/a//b"))
    assert "may contain only letters, digits, underscores, periods and hyphens" in error.message


@pytest.mark.parametrize("grammar", ["trailing", "field", "leading", "resource"])
def test_injected_partial_failures_in_each_grammar_are_placed_by_the_collectors_parser(
    client, project_id, monitoring, grammar
):
    from helios_metrics.functions.write_errors import parse_partial_failure

    monitoring.admin.inject(
        "CreateTimeSeries", "INTERNAL", times=2, series_filter='metric.labels.k = "bad"', grammar=grammar
    )
    t = time.time() - 60
    items = [series(float(i), t, labels={"k": "bad" if i in (1, 3) else f"ok{i}"}) for i in range(4)]
    items[3] = series(3.0, t, labels={"k": "bad"}, resource_labels={**TASK, "task_id": "t-2"})
    error = rejected(client, project_id, *items)
    placed = parse_partial_failure(error.message, [e.status.code for e in summary_of(error).errors])
    assert sorted(placed) == [1, 3], error.message
    assert all(failure.transient for failure in placed.values())
    assert sorted(stored_values(client, project_id)) == ["ok0", "ok2"]
