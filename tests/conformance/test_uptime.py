"""Class 10 — UptimeCheckService: CRUD with Google's validation, ListUptimeCheckIps.

Sources: python-docs-samples monitoring/snippets/v3/uptime-check-client/snippets.py and
snippets_test.py (GET and POST checks on uptime_url example.com, update of display name and
http_check.path, list, get, delete, list IPs including "Singapore"); the UptimeCheckConfig
reference (monitoring v3 discovery document: period "the only supported values are 60s, 300s,
600s, and 900s … defaults to 60s"; timeout "must be between 1 and 60 seconds. Required"; path
"If the provided path does not begin with "/", a "/" will be prepended").
"""

from __future__ import annotations

import re
from typing import Any

import grpc
import pytest
from google.cloud import monitoring_v3
from google.protobuf import field_mask_pb2

from ._api import Monitoring, raises

Config = monitoring_v3.UptimeCheckConfig


def _get_check(display_name: str = "New GET uptime check", host: str = "example.com") -> Config:
    config = Config()
    config.display_name = display_name
    config.monitored_resource = {"type": "uptime_url", "labels": {"host": host}}
    config.http_check = {"request_method": Config.HttpCheck.RequestMethod.GET, "path": "/", "port": 80}
    config.timeout = {"seconds": 10}
    config.period = {"seconds": 300}
    return config


def _post_check() -> Config:
    config = Config()
    config.display_name = "New POST uptime check"
    config.monitored_resource = {"type": "uptime_url", "labels": {"host": "example.com"}}
    config.http_check = {
        "request_method": Config.HttpCheck.RequestMethod.POST,
        "content_type": Config.HttpCheck.ContentType.URL_ENCODED,
        "body": b"foo=bar",
        "path": "/",
        "port": 80,
    }
    config.timeout = {"seconds": 10}
    config.period = {"seconds": 300}
    return config


def test_create_get_list_delete_get_check(api: Monitoring):
    """snippets.py create_uptime_check_config_get, get_uptime_check_config, list_uptime_check_configs,
    delete_uptime_check_config; snippets_test.py test_get_uptime_check_config and
    test_list_uptime_check_configs."""
    created = api.uptime.create_uptime_check_config(
        parent=api.project_name, uptime_check_config=_get_check("get-check")
    )
    assert re.fullmatch(rf"projects/{api.project}/uptimeCheckConfigs/[^/]+", created.name), created.name
    fetched = api.uptime.get_uptime_check_config(name=created.name)
    assert fetched.display_name == "get-check"
    assert fetched.http_check.request_method == Config.HttpCheck.RequestMethod.GET
    assert (fetched.timeout.total_seconds(), fetched.period.total_seconds()) == (10, 300)
    assert dict(fetched.monitored_resource.labels) == {"host": "example.com"}
    listed = api.uptime.list_uptime_check_configs(parent=api.project_name)
    assert any(item.display_name == "get-check" for item in listed)
    api.uptime.delete_uptime_check_config(name=created.name)
    with raises(grpc.StatusCode.NOT_FOUND):
        api.uptime.get_uptime_check_config(name=created.name)


def test_create_post_check_keeps_its_body(api: Monitoring):
    """snippets.py create_uptime_check_config_post: POST, URL_ENCODED, body b"foo=bar"."""
    created = api.uptime.create_uptime_check_config(parent=api.project_name, uptime_check_config=_post_check())
    fetched = api.uptime.get_uptime_check_config(name=created.name)
    assert fetched.http_check.request_method == Config.HttpCheck.RequestMethod.POST
    assert fetched.http_check.content_type == Config.HttpCheck.ContentType.URL_ENCODED
    assert fetched.http_check.body == b"foo=bar"


def test_update_display_name_and_path(api: Monitoring):
    """snippets.py update_uptime_check_config: get, change display_name and http_check.path, update
    with that mask; snippets_test.py test_update_uptime_config reads both back."""
    created = api.uptime.create_uptime_check_config(parent=api.project_name, uptime_check_config=_get_check())
    config = api.uptime.get_uptime_check_config(name=created.name)
    config.display_name = "renamed"
    config.http_check.path = "/healthz"
    api.uptime.update_uptime_check_config(
        uptime_check_config=config, update_mask=field_mask_pb2.FieldMask(paths=["display_name", "http_check.path"])
    )
    fetched = api.uptime.get_uptime_check_config(name=created.name)
    assert (fetched.display_name, fetched.http_check.path) == ("renamed", "/healthz")
    assert fetched.period.total_seconds() == 300  # outside the mask: kept


def test_update_mask_leaves_other_fields(api: Monitoring):
    """A masked update changes only the masked field, even when the request carries others."""
    created = api.uptime.create_uptime_check_config(parent=api.project_name, uptime_check_config=_get_check("kept"))
    changed = _get_check("ignored")
    changed.name = created.name
    changed.http_check.path = "/changed"
    api.uptime.update_uptime_check_config(
        uptime_check_config=changed, update_mask=field_mask_pb2.FieldMask(paths=["http_check.path"])
    )
    fetched = api.uptime.get_uptime_check_config(name=created.name)
    assert (fetched.display_name, fetched.http_check.path) == ("kept", "/changed")


def test_list_uptime_check_ips(api: Monitoring):
    """snippets.py list_uptime_check_ips (region, location, ip_address); snippets_test.py
    test_list_uptime_check_ips: some location is "Singapore"."""
    ips = api.uptime.list_uptime_check_ips()
    assert any(ip.location == "Singapore" for ip in ips)
    assert all(ip.region and ip.location and ip.ip_address for ip in ips)


def test_period_defaults_to_sixty_seconds(api: Monitoring):
    """UptimeCheckConfig.period: "Optional, defaults to 60s"."""
    config = _get_check()
    del config.period
    created = api.uptime.create_uptime_check_config(parent=api.project_name, uptime_check_config=config)
    assert created.period.total_seconds() == 60


def test_path_without_leading_slash_gets_one(api: Monitoring):
    """HttpCheck.path: "If the provided path does not begin with "/", a "/" will be prepended"."""
    config = _get_check()
    config.http_check.path = "status"
    created = api.uptime.create_uptime_check_config(parent=api.project_name, uptime_check_config=config)
    assert created.http_check.path == "/status"


def test_tcp_check_on_a_port(api: Monitoring):
    """A TCP check (TcpCheck.port) on an uptime_url host, from the UptimeCheckConfig reference."""
    config = Config(
        display_name="tcp",
        monitored_resource={"type": "uptime_url", "labels": {"host": "example.com"}},
        tcp_check={"port": 22},
        timeout={"seconds": 5},
        period={"seconds": 60},
    )
    created = api.uptime.create_uptime_check_config(parent=api.project_name, uptime_check_config=config)
    assert api.uptime.get_uptime_check_config(name=created.name).tcp_check.port == 22


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"period": {"seconds": 120}}, "period not one of 60s, 300s, 600s, 900s"),
        ({"timeout": {"seconds": 61}}, "timeout above 60 s"),
        ({"timeout": None}, "timeout required"),
    ],
)
def test_invalid_configs_are_refused(api: Monitoring, change: dict[str, Any], why: str):
    """The reference's rules on period and timeout are refused with INVALID_ARGUMENT."""
    config = _get_check()
    for field, value in change.items():
        if value is None:
            delattr(config, field)
        else:
            setattr(config, field, value)
    with raises(grpc.StatusCode.INVALID_ARGUMENT):
        api.uptime.create_uptime_check_config(parent=api.project_name, uptime_check_config=config)
