"""ServiceMonitoringService through the official client: services and SLOs created, read, listed,
updated and deleted as the server does it, and every refusal with the API's code and message."""

from __future__ import annotations

import pytest
from google.api import metric_pb2
from google.api_core import exceptions
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2
from google.type import calendar_period_pb2

from helios_metrics.contract import ClientFactory
from helios_metrics.monitoring_emulator._objects import Projects

RUNS = "custom.googleapis.com/helios/pipeline_run_count"
GAUGE_RUNS = "custom.googleapis.com/helios/pipeline_runs"
LATENCY = "custom.googleapis.com/helios/stage_latency"
GOOD = f'metric.type = "{RUNS}" AND resource.type = "generic_task" AND metric.labels.status = "success"'
TOTAL = f'metric.type = "{RUNS}" AND resource.type = "generic_task"'
MD = metric_pb2.MetricDescriptor


@pytest.fixture
def slos(factory: ClientFactory) -> monitoring_v3.ServiceMonitoringServiceClient:
    return factory.service_monitoring()


@pytest.fixture
def described(factory: ClientFactory, project_id: str) -> None:
    """The descriptors an SLI's filters name: the CUMULATIVE run count and the GAUGE runs."""
    metrics = factory.metric_service()
    for metric_type, kind, value_type in (
        (RUNS, MD.CUMULATIVE, MD.INT64),
        (GAUGE_RUNS, MD.GAUGE, MD.INT64),
        (LATENCY, MD.CUMULATIVE, MD.DISTRIBUTION),
    ):
        metrics.create_metric_descriptor(
            name=f"projects/{project_id}",
            metric_descriptor={
                "type": metric_type,
                "metric_kind": kind,
                "value_type": value_type,
                "unit": "1",
                "labels": [{"key": "status"}],
            },
        )


def custom_service(**overrides) -> dict:
    body = {"display_name": "Helios pipeline", "custom": {}, "user_labels": {"managed_by": "helios-setup-infra"}}
    body.update(overrides)
    return body


def objective(**overrides) -> dict:
    body = {
        "display_name": "Runs succeed",
        "goal": 0.85,
        "rolling_period": {"seconds": 7 * 86400},
        "service_level_indicator": {
            "request_based": {"good_total_ratio": {"good_service_filter": GOOD, "total_service_filter": TOTAL}}
        },
        "user_labels": {"helios_key": "run-success"},
    }
    body.update(overrides)
    return body


def create_slo(slos, service, ident: str, **changes) -> monitoring_v3.ServiceLevelObjective:
    request = {
        "parent": service.name,
        "service_level_objective_id": ident,
        "service_level_objective": objective(**changes),
    }
    return slos.create_service_level_objective(request=request)


def mask(paths: list[str]) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=paths)


def rejected(call, *args, **kwargs) -> exceptions.GoogleAPICallError:
    with pytest.raises(exceptions.GoogleAPICallError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def service(slos, project_id, described) -> monitoring_v3.Service:
    request = {"parent": f"projects/{project_id}", "service_id": "helios-pipeline", "service": custom_service()}
    return slos.create_service(request=request)


def test_a_service_and_its_slo_come_back_named_with_the_project_number(slos, project_id, service):
    number = Projects.number_of(project_id)
    assert service.name == f"projects/{number}/services/helios-pipeline"
    assert service.display_name == "Helios pipeline"
    assert "custom" in service
    slo = create_slo(slos, service, "run-success")
    assert slo.name == f"projects/{number}/services/helios-pipeline/serviceLevelObjectives/run-success"
    assert slo.goal == 0.85
    assert slo.rolling_period.total_seconds() == 7 * 86400
    by_id = f"projects/{project_id}/services/helios-pipeline/serviceLevelObjectives/run-success"
    assert slos.get_service_level_objective(name=by_id) == slo  # the id and the number name one project
    assert slos.get_service(name=f"projects/{project_id}/services/helios-pipeline") == service
    assert [s.name for s in slos.list_services(parent=f"projects/{project_id}")] == [service.name]
    assert [o.name for o in slos.list_service_level_objectives(parent=service.name)] == [slo.name]
    everything = slos.list_service_level_objectives(parent=f"workspaces/{project_id}/services/-")
    assert [o.name for o in everything] == [slo.name]


def test_ids_are_generated_when_omitted_and_an_slo_name_is_respected(slos, project_id, service):
    generated = slos.create_service(parent=f"projects/{project_id}", service=custom_service())
    assert generated.name.rsplit("/", 1)[1] != ""
    assert generated.name != service.name
    named = slos.create_service_level_objective(
        parent=service.name, service_level_objective=objective(name=f"{service.name}/serviceLevelObjectives/mine")
    )
    assert named.name.endswith("/serviceLevelObjectives/mine")
    anonymous = slos.create_service_level_objective(parent=service.name, service_level_objective=objective())
    assert len(anonymous.name.rsplit("/", 1)[1]) == 22


def test_a_calendar_period_and_an_update_mask(slos, service):
    slo = create_slo(slos, service, "weekly", rolling_period=None, calendar_period="WEEK")
    assert slo.calendar_period == calendar_period_pb2.CalendarPeriod.WEEK
    changed = slos.update_service_level_objective(
        request={
            "service_level_objective": {"name": slo.name, "goal": 0.9, "display_name": "ignored"},
            "update_mask": mask(["goal"]),
        }
    )
    assert changed.goal == 0.9
    assert changed.display_name == "Runs succeed"
    switched = slos.update_service_level_objective(
        request={
            "service_level_objective": {"name": slo.name, "rolling_period": {"seconds": 86400}},
            "update_mask": mask(["rolling_period"]),
        }
    )
    assert switched.rolling_period.total_seconds() == 86400
    assert "calendar_period" not in switched  # the period is a oneof
    service_update = slos.update_service(
        request={"service": {"name": service.name, "display_name": "Pipeline"}, "update_mask": mask(["display_name"])}
    )
    assert service_update.display_name == "Pipeline"
    assert "custom" in service_update


def test_deleting_a_service_deletes_its_slos(slos, project_id, service):
    slo = create_slo(slos, service, "run-success")
    slos.delete_service_level_objective(name=slo.name)
    assert isinstance(rejected(slos.get_service_level_objective, name=slo.name), exceptions.NotFound)
    again = create_slo(slos, service, "run-success")
    slos.delete_service(name=service.name)
    assert isinstance(rejected(slos.get_service, name=service.name), exceptions.NotFound)
    assert isinstance(rejected(slos.get_service_level_objective, name=again.name), exceptions.NotFound)
    assert list(slos.list_service_level_objectives(parent=f"workspaces/{project_id}/services/-")) == []


def test_an_id_taken_is_already_exists(slos, project_id, service):
    request = {"parent": f"projects/{project_id}", "service_id": "helios-pipeline", "service": custom_service()}
    error = rejected(slos.create_service, request=request)
    assert isinstance(error, exceptions.AlreadyExists)
    assert error.message == f"Service {service.name} already exists."
    create_slo(slos, service, "run-success")
    error = rejected(create_slo, slos, service, "run-success")
    assert isinstance(error, exceptions.AlreadyExists)


def test_an_slo_of_a_missing_service_is_not_found(slos, project_id, described):
    error = rejected(
        slos.create_service_level_objective,
        parent=f"projects/{project_id}/services/nope",
        service_level_objective=objective(),
    )
    assert isinstance(error, exceptions.NotFound)
    assert error.message == f"Requested entity was not found: service nope does not exist in project {project_id}."


@pytest.mark.parametrize(
    ("create", "message"),
    [
        (
            {"service_id": "Helios_Pipeline"},
            'Field serviceId had an invalid value of "Helios_Pipeline": A service id must match [a-z0-9-]+ and be '
            "at most 63 characters long.",
        ),
        (
            {"service": {"display_name": "typeless"}},
            "Field service had an invalid value: The service must have a type; set custom (for a service of your "
            "own) or basicService.",
        ),
        (
            {"service": {"basic_service": {"service_type": "CLOUD_RUN", "service_labels": {"location": "eu"}}}},
            "Field service.basicService.serviceLabels had an invalid value: A CLOUD_RUN service requires the labels "
            "service_name, location (missing service_name).",
        ),
        (
            {"service": {"custom": {}, "user_labels": {"Bad": "x"}}},
            'Field service.userLabels had an invalid value of "Bad": Label keys must start with a lower-case letter '
            "and contain only lower-case letters, digits, underscores and dashes, at most 63 characters.",
        ),
    ],
)
def test_a_service_google_would_refuse_is_invalid_argument(slos, project_id, create, message):
    request = {"parent": f"projects/{project_id}", "service": custom_service(), **create}
    error = rejected(slos.create_service, request=request)
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == message


RATIO = "serviceLevelObjective.serviceLevelIndicator.requestBased"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"goal": 1.0},
            'Field serviceLevelObjective.goal had an invalid value of "1": The goal must be greater than 0 and at '
            "most 0.9999.",
        ),
        (
            {"goal": 0.0},
            'Field serviceLevelObjective.goal had an invalid value of "0": The goal must be greater than 0 and at '
            "most 0.9999.",
        ),
        (
            {"rolling_period": {"seconds": 3600}},
            'Field serviceLevelObjective.rollingPeriod had an invalid value of "3600s": The rolling period must be '
            "a whole number of days, from 1 to 30 days (86400s to 2592000s).",
        ),
        (
            {"rolling_period": {"seconds": 31 * 86400}},
            'Field serviceLevelObjective.rollingPeriod had an invalid value of "2678400s": The rolling period must '
            "be a whole number of days, from 1 to 30 days (86400s to 2592000s).",
        ),
        (
            {"rolling_period": None, "calendar_period": "YEAR"},
            'Field serviceLevelObjective.calendarPeriod had an invalid value of "YEAR": Only DAY, WEEK, FORTNIGHT '
            "and MONTH are supported.",
        ),
        (
            {"rolling_period": None},
            "Field serviceLevelObjective had an invalid value: A rollingPeriod or a calendarPeriod is required.",
        ),
        (
            {"service_level_indicator": {}},
            "Field serviceLevelObjective.serviceLevelIndicator had an invalid value: An SLI is required: basicSli, "
            "requestBased or windowsBased.",
        ),
        (
            {"service_level_indicator": {"basic_sli": {"availability": {}}}},
            "Field serviceLevelObjective.serviceLevelIndicator.basicSli had an invalid value: A basic SLI is not "
            "available for a custom service; use requestBased or windowsBased.",
        ),
        (
            {"service_level_indicator": {"request_based": {"good_total_ratio": {"good_service_filter": GOOD}}}},
            f"Field {RATIO}.goodTotalRatio had an invalid value: A TimeSeriesRatio must specify exactly two of "
            "goodServiceFilter, badServiceFilter and totalServiceFilter, but specifies 1.",
        ),
        (
            {
                "service_level_indicator": {
                    "request_based": {
                        "good_total_ratio": {
                            "good_service_filter": GOOD,
                            "bad_service_filter": GOOD,
                            "total_service_filter": TOTAL,
                        }
                    }
                }
            },
            f"Field {RATIO}.goodTotalRatio had an invalid value: A TimeSeriesRatio must specify exactly two of "
            "goodServiceFilter, badServiceFilter and totalServiceFilter, but specifies 3.",
        ),
        (
            {
                "service_level_indicator": {
                    "request_based": {
                        "good_total_ratio": {
                            "good_service_filter": f'metric.type = "{GAUGE_RUNS}"',
                            "total_service_filter": TOTAL,
                        }
                    }
                }
            },
            f'Field {RATIO}.goodTotalRatio.goodServiceFilter had an invalid value of "metric.type = '
            f'"{GAUGE_RUNS}"": The time series must have MetricKind DELTA or CUMULATIVE and ValueType INT64 or '
            f"DOUBLE, but {GAUGE_RUNS} is GAUGE INT64.",
        ),
        (
            {
                "service_level_indicator": {
                    "request_based": {
                        "good_total_ratio": {
                            "good_service_filter": 'resource.type = "x"',
                            "total_service_filter": TOTAL,
                        }
                    }
                }
            },
            f'Field {RATIO}.goodTotalRatio.goodServiceFilter had an invalid value of "resource.type = "x"": The '
            "filter must specify exactly one metric.type.",
        ),
        (
            {
                "service_level_indicator": {
                    "request_based": {"distribution_cut": {"distribution_filter": TOTAL, "range": {"max_": 1}}}
                }
            },
            f'Field {RATIO}.distributionCut.distributionFilter had an invalid value of "{TOTAL}": The time series '
            f"must have MetricKind DELTA or CUMULATIVE and ValueType DISTRIBUTION, but {RUNS} is CUMULATIVE INT64.",
        ),
        (
            {
                "service_level_indicator": {
                    "request_based": {
                        "distribution_cut": {
                            "distribution_filter": f'metric.type = "{LATENCY}"',
                            "range": {"min_": 5, "max_": 1},
                        }
                    }
                }
            },
            f"Field {RATIO}.distributionCut.range had an invalid value: The range must have min < max (set one bound "
            "to an infinite value for a one-sided range).",
        ),
        (
            {"service_level_indicator": {"windows_based": {"window_period": {"seconds": 7}}}},
            "Field serviceLevelObjective.serviceLevelIndicator.windowsBased.windowPeriod had an invalid value of "
            '"7s": The window period must be an integer fraction of a day and at least 60s.',
        ),
        (
            {
                "service_level_indicator": {
                    "windows_based": {
                        "window_period": {"seconds": 300},
                        "metric_mean_in_range": {"time_series": TOTAL, "range": {"min_": 0, "max_": 1}},
                    }
                }
            },
            "Field serviceLevelObjective.serviceLevelIndicator.windowsBased.metricMeanInRange.timeSeries had an "
            f'invalid value of "{TOTAL}": The filter must specify one metric.type of MetricKind GAUGE and ValueType '
            "INT64 or DOUBLE.",
        ),
    ],
)
def test_an_slo_google_would_refuse_is_invalid_argument(slos, service, changes, message):
    error = rejected(
        slos.create_service_level_objective, parent=service.name, service_level_objective=objective(**changes)
    )
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == message


def test_a_distribution_cut_is_accepted(slos, service):
    cut = {"distribution_filter": f'metric.type = "{LATENCY}"', "range": {"min_": float("-inf"), "max_": 30}}
    slo = slos.create_service_level_objective(
        parent=service.name,
        service_level_objective=objective(service_level_indicator={"request_based": {"distribution_cut": cut}}),
    )
    assert slo.service_level_indicator.request_based.distribution_cut.range_.max_ == 30


def test_windows_based_slis_are_accepted(slos, service):
    slo = slos.create_service_level_objective(
        parent=service.name,
        service_level_objective=objective(
            service_level_indicator={
                "windows_based": {
                    "window_period": {"seconds": 300},
                    "good_total_ratio_threshold": {
                        "performance": {
                            "good_total_ratio": {"good_service_filter": GOOD, "total_service_filter": TOTAL}
                        },
                        "threshold": 0.9,
                    },
                }
            }
        ),
    )
    assert slo.service_level_indicator.windows_based.window_period.total_seconds() == 300


def test_an_update_is_validated_as_a_whole(slos, service):
    slo = create_slo(slos, service, "run-success")
    error = rejected(
        slos.update_service_level_objective,
        request={"service_level_objective": {"name": slo.name, "goal": 2}, "update_mask": mask(["goal"])},
    )
    assert isinstance(error, exceptions.InvalidArgument)
    error = rejected(
        slos.update_service_level_objective,
        request={"service_level_objective": {"name": slo.name}, "update_mask": mask(["nonsense"])},
    )
    assert (
        error.message
        == 'Field update_mask had an invalid value of "nonsense": ServiceLevelObjective has no such field.'
    )
    assert slos.get_service_level_objective(name=slo.name).goal == 0.85


def test_services_list_by_type_and_basic_services_need_their_labels(slos, project_id, service):
    cloud_run = slos.create_service(
        request={
            "parent": f"projects/{project_id}",
            "service_id": "frontend",
            "service": {
                "display_name": "Frontend",
                "basic_service": {
                    "service_type": "CLOUD_RUN",
                    "service_labels": {"service_name": "frontend", "location": "europe-west1"},
                },
            },
        }
    )
    parent = f"projects/{project_id}"
    custom = slos.list_services(request={"parent": parent, "filter": 'identifier_case = "CUSTOM"'})
    assert [s.name for s in custom] == [service.name]
    basic = slos.list_services(request={"parent": parent, "filter": 'basic_service.service_type = "CLOUD_RUN"'})
    assert [s.name for s in basic] == [cloud_run.name]
    assert [s.name for s in slos.list_services(parent=f"workspaces/{project_id}")] == [cloud_run.name, service.name]
    error = rejected(
        slos.create_service_level_objective,
        parent=cloud_run.name,
        service_level_objective=objective(service_level_indicator={}),
    )
    assert isinstance(error, exceptions.InvalidArgument)
    error = rejected(
        slos.update_service,
        request={"service": {"name": service.name, "basic_service": {"service_type": "CLOUD_RUN"}}},
    )
    assert isinstance(error, exceptions.InvalidArgument)
