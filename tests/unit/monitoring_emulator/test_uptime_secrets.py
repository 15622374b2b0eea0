"""What an uptime check keeps that no read returns: the password of its basic authentication and
the values of masked headers, kept through a read-modify-write update, on a real in-memory store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.cloud.monitoring_v3.types import uptime, uptime_service
from google.protobuf import field_mask_pb2

from helios_metrics.monitoring_emulator._objects import Projects
from helios_metrics.monitoring_emulator._store import Store
from helios_metrics.monitoring_emulator._uptime_service import KIND, UptimeCheckService

PROJECT = "p-uptime"


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store()
    yield store
    store.close()


@pytest.fixture
def service(store: Store) -> UptimeCheckService:
    return UptimeCheckService(store, Projects(store))


def stored(store: Store, name: str) -> uptime.UptimeCheckConfig:
    body = store.get_object(KIND, PROJECT, name.rsplit("/", 1)[1])
    assert body is not None
    return uptime.UptimeCheckConfig.deserialize(body)


def create(service: UptimeCheckService) -> uptime.UptimeCheckConfig:
    config = uptime.UptimeCheckConfig(
        display_name="private api",
        monitored_resource={"type": "uptime_url", "labels": {"host": "127.0.0.1"}},
        http_check={
            "auth_info": {"username": "robot", "password": "s3cret"},
            "mask_headers": True,
            "headers": {"X-Token": "abc", "X-Other": "def"},
        },
        timeout={"seconds": 10},
    )
    request = uptime_service.CreateUptimeCheckConfigRequest(parent=f"projects/{PROJECT}", uptime_check_config=config)
    return uptime.UptimeCheckConfig.wrap(service.create(uptime_service.CreateUptimeCheckConfigRequest.pb(request)))


def update(service: UptimeCheckService, config: uptime.UptimeCheckConfig, paths: list[str]) -> None:
    request = uptime_service.UpdateUptimeCheckConfigRequest(
        uptime_check_config=config, update_mask=field_mask_pb2.FieldMask(paths=paths)
    )
    service.update(uptime_service.UpdateUptimeCheckConfigRequest.pb(request))


def test_the_response_hides_what_the_store_keeps(service, store):
    made = create(service)
    assert made.http_check.auth_info.password == ""
    assert dict(made.http_check.headers) == {"X-Token": "******", "X-Other": "******"}
    kept = stored(store, made.name).http_check
    assert (kept.auth_info.password, dict(kept.headers)) == ("s3cret", {"X-Token": "abc", "X-Other": "def"})


def test_sending_back_what_a_read_returned_keeps_the_secrets(service, store):
    made = create(service)
    made.http_check.path = "/v2"
    made.http_check.headers["X-Other"] = "new"  # a value really changed, beside one sent back masked
    update(service, made, ["http_check"])
    kept = stored(store, made.name).http_check
    assert (kept.path, kept.auth_info.password) == ("/v2", "s3cret")
    assert dict(kept.headers) == {"X-Token": "abc", "X-Other": "new"}


def test_another_user_or_a_new_password_replaces_the_stored_one(service, store):
    made = create(service)
    made.http_check.auth_info.password = "rotated"
    update(service, made, ["http_check"])
    assert stored(store, made.name).http_check.auth_info.password == "rotated"
    made.http_check.auth_info = {"username": "someone-else"}
    update(service, made, ["http_check"])
    assert stored(store, made.name).http_check.auth_info.password == ""
