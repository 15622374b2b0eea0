"""UptimeCheckService through the official client: Google's uptime samples run as written (create a
GET and a POST check, get, list, update by mask, delete, list the checker IPs), the server's
defaults, each refusal of the API reference with its code and message, the 100-check limit and
the secrets a read does not return."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2

from helios_metrics.contract import ClientFactory
from helios_metrics.monitoring_emulator._objects import Projects

Config = monitoring_v3.UptimeCheckConfig
Http = Config.HttpCheck


@pytest.fixture
def uptime(factory: ClientFactory) -> monitoring_v3.UptimeCheckServiceClient:
    return factory.uptime_check()


@pytest.fixture
def parent(project_id: str) -> str:
    return f"projects/{project_id}"


def get_config(display_name: str = "New GET uptime check", host: str = "example.com") -> Config:
    """The GET check of Google's ``create_uptime_check_config_get`` sample."""
    config = Config()
    config.display_name = display_name
    config.monitored_resource = {"type": "uptime_url", "labels": {"host": host}}
    config.http_check = {"request_method": Http.RequestMethod.GET, "path": "/", "port": 80}
    config.timeout = {"seconds": 10}
    config.period = {"seconds": 300}
    return config


def post_config(display_name: str = "New POST uptime check") -> Config:
    """The POST check of Google's ``create_uptime_check_config_post`` sample."""
    config = get_config(display_name)
    config.http_check = {
        "request_method": Http.RequestMethod.POST,
        "content_type": Http.ContentType.URL_ENCODED,
        "body": b"foo=bar",
        "path": "/",
        "port": 80,
    }
    return config


def create(uptime, parent: str, config: Config) -> Config:
    return uptime.create_uptime_check_config(request={"parent": parent, "uptime_check_config": config})


def rejected(call, *args, **kwargs) -> exceptions.GoogleAPICallError:
    with pytest.raises(exceptions.GoogleAPICallError) as caught:
        call(*args, **kwargs)
    return caught.value


def update(uptime, config: Config, paths: list[str]) -> Config:
    mask = field_mask_pb2.FieldMask(paths=paths)
    return uptime.update_uptime_check_config(request={"uptime_check_config": config, "update_mask": mask})


def test_the_samples_get_and_post_checks_are_created_read_listed_and_deleted(uptime, parent):
    made_get, made_post = create(uptime, parent, get_config()), create(uptime, parent, post_config())
    assert made_get.name == f"{parent}/uptimeCheckConfigs/new-get-uptime-check"  # the display name, respelt
    assert made_post.name == f"{parent}/uptimeCheckConfigs/new-post-uptime-check"
    assert made_get.checker_type == Config.CheckerType.STATIC_IP_CHECKERS  # what an unset type becomes
    assert made_post.http_check.body == b"foo=bar"
    assert uptime.get_uptime_check_config(request={"name": made_get.name}) == made_get
    pager = uptime.list_uptime_check_configs(request={"parent": parent})
    assert [c.display_name for c in pager] == ["New GET uptime check", "New POST uptime check"]
    uptime.delete_uptime_check_config(request={"name": made_get.name})
    assert [c.name for c in uptime.list_uptime_check_configs(request={"parent": parent})] == [made_post.name]
    error = rejected(uptime.get_uptime_check_config, request={"name": made_get.name})
    assert isinstance(error, exceptions.NotFound)


def test_a_check_is_named_under_the_project_id_whichever_form_the_caller_used(uptime, project_id):
    by_id = create(uptime, f"projects/{project_id}", get_config("by id"))
    number = Projects.number_of(project_id)
    by_number = create(uptime, f"projects/{number}", get_config("by number"))
    assert by_number.name == f"projects/{project_id}/uptimeCheckConfigs/by-number"
    listed = uptime.list_uptime_check_configs(request={"parent": f"projects/{number}"})
    assert [c.name for c in listed] == [by_id.name, by_number.name]
    assert uptime.get_uptime_check_config(request={"name": f"projects/{number}/uptimeCheckConfigs/by-id"}) == by_id


def test_a_taken_id_gets_a_suffix_and_a_given_name_is_ignored(uptime, parent):
    first = create(uptime, parent, get_config("Checkout API"))
    config = get_config("Checkout API")
    config.name = f"{parent}/uptimeCheckConfigs/chosen-by-me"
    second = create(uptime, parent, config)
    assert first.name == f"{parent}/uptimeCheckConfigs/checkout-api"
    assert second.name.startswith(f"{parent}/uptimeCheckConfigs/checkout-api-")
    assert second.name != first.name


def test_the_server_fills_in_the_period_port_and_leading_slash(uptime, parent):
    config = get_config()
    del config.period
    config.http_check = {"use_ssl": True, "path": "health"}
    made = create(uptime, parent, config)
    assert made.period.seconds == 60  # "Optional, defaults to 60s"
    assert made.http_check.port == 443  # 443 with SSL
    assert made.http_check.path == "/health"  # "a / will be prepended"
    tcp = get_config("tcp")
    tcp.tcp_check = {"port": 5432}
    assert create(uptime, parent, tcp).tcp_check.port == 5432


def test_the_update_samples_change_what_their_masks_name(uptime, parent):
    made = create(uptime, parent, get_config())
    config = uptime.get_uptime_check_config(request={"name": made.name})  # the 2018 sample: read, modify, update
    config.display_name = "renamed"
    config.http_check.path = "/status"
    config.period = {"seconds": 900}  # not in the mask: kept as it was
    updated = update(uptime, config, ["display_name", "http_check.path"])
    assert (updated.display_name, updated.http_check.path, updated.period.seconds) == ("renamed", "/status", 300)
    sparse = Config(name=made.name, display_name="My updated display name", timeout={"seconds": 20})
    updated = update(uptime, sparse, ["display_name", "timeout"])  # the 2025 samples' mask
    assert (updated.display_name, updated.timeout.seconds, updated.http_check.path) == (
        "My updated display name",
        20,
        "/status",
    )
    assert uptime.get_uptime_check_config(request={"name": made.name}) == updated


def test_an_update_without_a_mask_replaces_the_updatable_fields_only(uptime, parent):
    made = create(uptime, parent, get_config())
    replacement = Config(name=made.name, display_name="replaced", timeout={"seconds": 5})
    replacement.tcp_check = {"port": 8080}
    updated = uptime.update_uptime_check_config(request={"uptime_check_config": replacement})
    assert updated.tcp_check.port == 8080  # the check type changed
    assert not updated.http_check.path
    assert (updated.display_name, updated.timeout.seconds, updated.period.seconds) == ("replaced", 5, 300)
    assert updated.monitored_resource.labels["host"] == "example.com"  # left out: kept
    replacement.period = {"seconds": 60}
    error = rejected(uptime.update_uptime_check_config, request={"uptime_check_config": replacement})
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == (
        f"Field uptimeCheckConfig.period had an invalid value: period of uptime check {made.name} cannot be "
        "changed; only displayName, httpCheck, tcpCheck, timeout, contentMatchers, selectedRegions and userLabels "
        "can be updated."
    )


@pytest.mark.parametrize("path", ["period", "monitored_resource", "checkerType"])
def test_a_mask_naming_a_field_that_cannot_change_is_refused(uptime, parent, path):
    made = create(uptime, parent, get_config())
    error = rejected(update, uptime, made, [path])
    assert isinstance(error, exceptions.InvalidArgument)
    snake = {"checkerType": "checker_type"}.get(path, path)
    assert error.message == (
        f'Field update_mask had an invalid value of "{snake}": Only display_name, http_check, tcp_check, timeout, '
        "content_matchers, selected_regions and user_labels can be updated."
    )


def test_an_update_is_validated_as_a_whole(uptime, parent):
    made = create(uptime, parent, get_config())
    made.timeout = {"seconds": 61}
    error = rejected(update, uptime, made, ["timeout"])
    assert error.message == (
        'Field uptimeCheckConfig.timeout had an invalid value of "61s": The timeout must be between 1 and 60 seconds.'
    )
    assert uptime.get_uptime_check_config(request={"name": made.name}).timeout.seconds == 10


def test_missing_checks_and_malformed_names(uptime, parent):
    missing = f"{parent}/uptimeCheckConfigs/nope"
    for call in (uptime.get_uptime_check_config, uptime.delete_uptime_check_config):
        error = rejected(call, request={"name": missing})
        assert isinstance(error, exceptions.NotFound)
        assert error.message.startswith("Requested entity was not found")
    error = rejected(update, uptime, Config(name=missing, display_name="x"), ["display_name"])
    assert isinstance(error, exceptions.NotFound)
    error = rejected(uptime.get_uptime_check_config, request={"name": f"{parent}/checks/nope"})
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == (
        f'Field name had an invalid value of "{parent}/checks/nope": The name must have the form '
        "projects/[PROJECT_ID_OR_NUMBER]/uptimeCheckConfigs/[UPTIME_CHECK_ID]."
    )


def _resource(config: Config, value: dict[str, Any]) -> None:
    config.monitored_resource = value


def _http(config: Config, value: dict[str, Any]) -> None:
    config.http_check = value


def _set(field: str, value: Any):
    def apply(config: Config) -> None:
        setattr(config, field, value)

    return apply


def _drop(field: str):
    return lambda config: config.__delattr__(field)


F = "Field uptimeCheckConfig"
REFUSALS = [
    (_set("display_name", ""), f"{F}.displayName had an invalid value: A display name is required."),
    (
        _drop("monitored_resource"),
        f"{F} had an invalid value: One of monitoredResource, resourceGroup or syntheticMonitor is required.",
    ),
    (
        lambda c: _resource(c, {"type": "global", "labels": {}}),
        f'{F}.monitoredResource.type had an invalid value of "global": Uptime checks can monitor resources of types '
        "uptime_url, gce_instance, gae_app, aws_ec2_instance, aws_elb_load_balancer, k8s_service, "
        "servicedirectory_service, cloud_run_revision.",
    ),
    (
        lambda c: _resource(c, {"type": "uptime_url", "labels": {"project_id": "p"}}),
        f"{F}.monitoredResource.labels had an invalid value: An uptime_url resource needs its host label.",
    ),
    (
        _set("resource_group", {"group_id": "projects/p/groups/123", "resource_type": "INSTANCE"}),
        f'{F}.resourceGroup.groupId had an invalid value of "projects/p/groups/123": The group id is required, as '
        "the [GROUP_ID] alone, not projects/[PROJECT_ID_OR_NUMBER]/groups/[GROUP_ID].",
    ),
    (
        _set("resource_group", {"group_id": "123"}),
        f"{F}.resourceGroup.resourceType had an invalid value: The resource type of the group's members is required.",
    ),
    (
        _set("synthetic_monitor", {"cloud_function_v2": {"name": "my-function"}}),
        f'{F}.syntheticMonitor.cloudFunctionV2.name had an invalid value of "my-function": The name must have the '
        "form projects/{project}/locations/{location}/functions/{function}.",
    ),
    (_drop("http_check"), f"{F} had an invalid value: One of httpCheck or tcpCheck is required."),
    (
        _set("period", {"seconds": 120}),
        f'{F}.period had an invalid value of "120s": The period must be 60s, 300s, 600s or 900s.',
    ),
    (_drop("timeout"), f"{F}.timeout had an invalid value: A timeout is required."),
    (
        _set("timeout", {"nanos": 500_000_000}),
        f'{F}.timeout had an invalid value of "0.5s": The timeout must be between 1 and 60 seconds.',
    ),
    (
        _set("selected_regions", ["EUROPE"]),
        f"{F}.selectedRegions had an invalid value: The selected regions (EUROPE) have 1 checker location(s); at "
        "least 3 are required.",
    ),
    (
        _set("selected_regions", ["USA_OREGON", "SOUTH_AMERICA"]),
        f"{F}.selectedRegions had an invalid value: The selected regions (USA_OREGON, SOUTH_AMERICA) have 2 checker "
        "location(s); at least 3 are required.",
    ),
    (
        lambda c: _http(c, {"request_method": "GET", "body": b"x=1"}),
        f"{F}.httpCheck.body had an invalid value: A GET request cannot have a body.",
    ),
    (
        lambda c: _http(c, {"content_type": "URL_ENCODED"}),
        f"{F}.httpCheck.contentType had an invalid value: A GET request cannot have a content type.",
    ),
    (
        lambda c: _http(c, {"request_method": "POST", "body": b"x=1"}),
        f"{F}.httpCheck.contentType had an invalid value: A POST request needs a content type.",
    ),
    (
        lambda c: _http(
            c, {"request_method": "POST", "content_type": "URL_ENCODED", "headers": {"content-type": "text/plain"}}
        ),
        f"{F}.httpCheck.headers had an invalid value: A content type is given in both headers and contentType.",
    ),
    (
        lambda c: _http(c, {"request_method": "POST", "content_type": "USER_PROVIDED"}),
        f"{F}.httpCheck.customContentType had an invalid value: A USER_PROVIDED content type needs customContentType.",
    ),
    (
        lambda c: _http(
            c, {"request_method": "POST", "content_type": "URL_ENCODED", "custom_content_type": "application/json"}
        ),
        f"{F}.httpCheck.customContentType had an invalid value: A URL_ENCODED check cannot have a custom content type.",
    ),
    (
        lambda c: _http(c, {"headers": {f"h{i}": "v" for i in range(101)}}),
        f"{F}.httpCheck.headers had an invalid value: At most 100 headers are allowed.",
    ),
    (
        lambda c: _http(c, {"port": 70000}),
        f'{F}.httpCheck.port had an invalid value of "70000": The port must be between 1 and 65535.',
    ),
    (
        lambda c: _http(c, {"auth_info": {"username": "u", "password": "p"}, "service_agent_authentication": {}}),
        f"{F}.httpCheck had an invalid value: Set authInfo or serviceAgentAuthentication, not both.",
    ),
    (
        lambda c: _http(c, {"ping_config": {"pings_count": 4}}),
        f'{F}.httpCheck.pingConfig.pingsCount had an invalid value of "4": At most 3 pings are supported.',
    ),
    (_set("tcp_check", {}), f'{F}.tcpCheck.port had an invalid value of "0": The port must be between 1 and 65535.'),
    (
        _set("content_matchers", [{"content": "x" * 1025}]),
        f"{F}.contentMatchers[0].content had an invalid value: The content can be at most 1024 bytes.",
    ),
    (
        lambda c: (
            c.__setattr__("tcp_check", {"port": 22}),
            c.__setattr__("content_matchers", [{"content": "^SSH", "matcher": "MATCHES_REGEX"}]),
        ),
        f'{F}.contentMatchers[0].matcher had an invalid value of "MATCHES_REGEX": Regular expression and JSONPath '
        "matching need an HTTP check.",
    ),
    (
        _set("content_matchers", [{"content": "ok", "matcher": "MATCHES_JSON_PATH"}]),
        f"{F}.contentMatchers[0].jsonPathMatcher.jsonPath had an invalid value: A JSONPath is required with "
        "MATCHES_JSON_PATH.",
    ),
    (
        _set(
            "content_matchers",
            [{"content": "ok", "matcher": "MATCHES_JSON_PATH", "json_path_matcher": {"json_path": "$.a"}}],
        ),
        f"{F}.contentMatchers[0].jsonPathMatcher.jsonMatcher had an invalid value: EXACT_MATCH or REGEX_MATCH is "
        "required.",
    ),
    (
        lambda c: (c.__setattr__("is_internal", True), c.__setattr__("selected_regions", ["USA"])),
        f"{F}.selectedRegions had an invalid value: An internal check cannot have selected regions.",
    ),
    (
        _set("internal_checkers", [{"name": "projects/p/internalCheckers/c"}]),
        f"{F}.internalCheckers had an invalid value: Internal checkers need isInternal.",
    ),
    (
        _set("checker_type", "VPC_CHECKERS"),
        f'{F}.checkerType had an invalid value of "VPC_CHECKERS": VPC_CHECKERS are required for a '
        "servicedirectory_service resource and allowed only for it.",
    ),
    (
        lambda c: _resource(c, {"type": "servicedirectory_service", "labels": {"service_name": "s"}}),
        f'{F}.checkerType had an invalid value of "STATIC_IP_CHECKERS": VPC_CHECKERS are required for a '
        "servicedirectory_service resource and allowed only for it.",
    ),
    (
        _set("user_labels", {"Team": "core"}),
        f'{F}.userLabels had an invalid value of "Team": Label keys must start with a lower-case letter and contain '
        "only lower-case letters, digits, underscores and dashes, at most 63 characters.",
    ),
]


@pytest.mark.parametrize(("change", "message"), REFUSALS, ids=[m.split(" had")[0][6:] for _, m in REFUSALS])
def test_each_refusal_of_the_api_reference_has_its_code_and_message(uptime, parent, change, message):
    config = get_config()
    change(config)
    error = rejected(create, uptime, parent, config)
    assert isinstance(error, exceptions.InvalidArgument)
    assert error.message == message
    assert list(uptime.list_uptime_check_configs(request={"parent": parent})) == []


@pytest.mark.parametrize(
    "regions",
    [["USA"], ["USA_VIRGINIA", "USA_OREGON", "EUROPE", "ASIA_PACIFIC"], ["EUROPE", "SOUTH_AMERICA", "ASIA_PACIFIC"]],
)
def test_selected_regions_reaching_three_locations_are_accepted(uptime, parent, regions):
    config = get_config()
    config.selected_regions = regions  # ["USA"] is three checkers; the Node sample picks four regions
    made = create(uptime, parent, config)
    assert [monitoring_v3.UptimeCheckRegion(r).name for r in made.selected_regions] == regions


def test_the_shapes_google_publishes_are_accepted(uptime, parent):
    shapes = [
        {  # terraform's status-code example: accepted response codes
            "http_check": {
                "accepted_response_status_codes": [{"status_class": "STATUS_CLASS_2XX"}, {"status_value": 302}]
            }
        },
        {  # a JSONPath matcher
            "content_matchers": [
                {
                    "content": "123",
                    "matcher": "MATCHES_JSON_PATH",
                    "json_path_matcher": {"json_path": "$.path", "json_matcher": "EXACT_MATCH"},
                }
            ]
        },
        {  # a group check over TCP (terraform's tcp_group example)
            "resource_group": {"group_id": "1234", "resource_type": "INSTANCE"},
            "tcp_check": {"port": 888},
        },
        {  # a POST with a user-provided content type and pings
            "http_check": {
                "request_method": "POST",
                "content_type": "USER_PROVIDED",
                "custom_content_type": "application/json",
                "body": b'{"a": 1}',
                "ping_config": {"pings_count": 1},
            }
        },
        {
            "monitored_resource": {"type": "servicedirectory_service", "labels": {"service_name": "s"}},
            "checker_type": 3,
        },
        {"synthetic_monitor": {"cloud_function_v2": {"name": "projects/p/locations/us-central1/functions/f"}}},
        {"user_labels": {"team": "core"}, "period": {"seconds": 900}, "timeout": {"seconds": 60}},
    ]
    for index, shape in enumerate(shapes):
        config = get_config(f"shape {index}")
        for field, value in shape.items():
            setattr(config, field, value)
        if "synthetic_monitor" in shape:
            del config.http_check
        create(uptime, parent, config)
    assert len(list(uptime.list_uptime_check_configs(request={"parent": parent}))) == len(shapes)


def test_a_read_leaves_out_the_password_and_masks_headers_that_an_update_keeps(uptime, parent):
    config = get_config()
    config.http_check = {
        "auth_info": {"username": "robot", "password": "s3cret"},
        "mask_headers": True,
        "headers": {"X-Token": "abc"},
    }
    made = create(uptime, parent, config)
    read = uptime.get_uptime_check_config(request={"name": made.name})
    assert (read.http_check.auth_info.username, read.http_check.auth_info.password) == ("robot", "")
    assert dict(read.http_check.headers) == {"X-Token": "******"}
    read.http_check.path = "/changed"
    updated = update(uptime, read, ["http_check"])  # the whole check sent back as it was read
    assert updated.http_check.path == "/changed"
    assert dict(updated.http_check.headers) == {"X-Token": "******"}


def test_list_filters_by_display_name_and_user_labels(uptime, parent):
    for name, team in (("api", "core"), ("web", "edge"), ("batch", "core")):
        config = get_config(name)
        config.user_labels = {"team": team}
        create(uptime, parent, config)
    found = uptime.list_uptime_check_configs(request={"parent": parent, "filter": 'user_labels.team = "core"'})
    assert sorted(c.display_name for c in found) == ["api", "batch"]
    found = uptime.list_uptime_check_configs(request={"parent": parent, "filter": 'display_name = starts_with("w")'})
    assert [c.display_name for c in found] == ["web"]
    pages = uptime.list_uptime_check_configs(request={"parent": parent, "page_size": 2}).pages
    first = next(iter(pages))
    assert (len(first.uptime_check_configs), first.total_size) == (2, 3)


def test_a_project_holds_at_most_100_checks(uptime, parent):
    for index in range(100):
        create(uptime, parent, get_config(f"check {index}"))
    error = rejected(create, uptime, parent, get_config("one too many"))
    assert isinstance(error, exceptions.ResourceExhausted)
    assert "100" in error.message


def test_a_check_an_alert_policy_names_cannot_be_deleted(uptime, parent, factory):
    made = create(uptime, parent, get_config())
    check_id = made.name.rsplit("/", 1)[1]
    condition = {
        "display_name": "Failure of uptime check",
        "condition_threshold": {
            "filter": (
                'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND resource.type="uptime_url" '
                f'AND metric.label.check_id="{check_id}"'
            ),
            "comparison": "COMPARISON_GT",
            "threshold_value": 1,
            "duration": {"seconds": 60},
            "aggregations": [
                {
                    "alignment_period": {"seconds": 1200},
                    "per_series_aligner": "ALIGN_NEXT_OLDER",
                    "cross_series_reducer": "REDUCE_COUNT_FALSE",
                    "group_by_fields": ["resource.label.*"],
                }
            ],
        },
    }
    policies = factory.alert_policy()
    policy = policies.create_alert_policy(
        name=parent, alert_policy={"display_name": "Uptime", "combiner": "OR", "conditions": [condition]}
    )
    error = rejected(uptime.delete_uptime_check_config, request={"name": made.name})
    assert isinstance(error, exceptions.FailedPrecondition)
    assert error.message == (
        f"Uptime check config {made.name} is referenced by alert policy {policy.name}; change or delete the policy "
        "first."
    )
    policies.delete_alert_policy(name=policy.name)
    uptime.delete_uptime_check_config(request={"name": made.name})


def test_the_checker_ips_are_listed_in_googles_shape(uptime):
    ips = list(uptime.list_uptime_check_ips(request={}))
    assert any(ip.location == "Singapore" for ip in ips)  # what Google's sample test asserts
    regions = {monitoring_v3.UptimeCheckRegion(ip.region).name for ip in ips}
    assert regions == {"USA", "EUROPE", "SOUTH_AMERICA", "ASIA_PACIFIC"}
    assert {ip.location for ip in ips} == {"Iowa", "Oregon", "Virginia", "Belgium", "Sao Paulo", "Singapore"}
    addresses = [ipaddress.ip_address(ip.ip_address) for ip in ips]
    assert len(set(addresses)) == len(ips) == 18
    assert all(address.version == 4 for address in addresses)
