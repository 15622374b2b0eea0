"""Before a command talks to Google (or to an emulator): can it? One line saying what to fix, fast.

A wrong address otherwise costs minutes: gRPC retries a closed port until the call's deadline
(``setup_infra plan`` against a dead Pub/Sub emulator printed nothing for 584 s), and an HTTP port
or the wrong emulator gives a traceback after 30 s. So every command checks, within a few seconds,
each service it needs: with an emulator address, that something listens there, speaks gRPC and
serves the right API (one call of that API with an empty request: any answer but UNIMPLEMENTED
proves the service); without one, that Application Default Credentials exist. Pipeline code that
only records never calls this: the publisher keeps recording (and spooling) whatever the network does.

gRPC is imported only when an emulator address is probed; importing this module loads nothing.
"""

from __future__ import annotations

import socket
from typing import Any, Literal

from .settings import Settings

__all__ = ["PreflightError", "Service", "require_services"]

Service = Literal["pubsub", "monitoring"]

_PROBES: dict[Service, tuple[str, str, str]] = {
    # service -> (variable, a gRPC method every server of that API has, the API's name)
    "pubsub": ("PUBSUB_EMULATOR_HOST", "/google.pubsub.v1.Publisher/ListTopics", "Pub/Sub"),
    "monitoring": (
        "MONITORING_EMULATOR_HOST",
        "/google.monitoring.v3.MetricService/ListMetricDescriptors",
        "Monitoring",
    ),
}


class PreflightError(RuntimeError):
    """A service a command needs cannot be reached; the message is one line naming the variable,
    the address and what to check."""


def _host_and_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def _connect(variable: str, address: str, api: str, timeout: float) -> None:
    host, port = _host_and_port(address)
    fix = f"start the {api} emulator (`make up` prints its address) or unset {variable} to use Google Cloud"
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except socket.gaierror:
        raise PreflightError(f"{variable}={address}: cannot resolve the host {host!r}; {fix}") from None
    except ConnectionRefusedError:
        raise PreflightError(f"{variable}={address}: nothing listens there (connection refused); {fix}") from None
    except OSError as err:
        reason = "no answer" if isinstance(err, TimeoutError) else (err.strerror or str(err))
        raise PreflightError(f"{variable}={address}: cannot connect ({reason} within {timeout:g} s); {fix}") from None


def _probe(service: Service, address: str, timeout: float) -> None:
    """One call of the service's API with an empty request, answered by any status but
    UNIMPLEMENTED (the wrong API) or UNAVAILABLE/DEADLINE_EXCEEDED (not a gRPC server)."""
    import grpc

    variable, method, api = _PROBES[service]
    _connect(variable, address, api, timeout)
    with grpc.insecure_channel(address) as channel:
        call: Any = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
        try:
            call(b"", timeout=timeout)
            return
        except grpc.RpcError as err:  # raised errors are also grpc.Call objects: they carry a code
            code = err.code() if callable(getattr(err, "code", None)) else None
    if code == grpc.StatusCode.UNIMPLEMENTED:
        other = next(name for key, (_, _, name) in _PROBES.items() if key != service)
        raise PreflightError(
            f"{variable}={address}: the server there does not serve the {api} API (is it the {other} "
            f"emulator?); point {variable} at the {api} emulator"
        )
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        raise PreflightError(
            f"{variable}={address}: something listens there but does not speak gRPC "
            f"(an HTTP port, such as the emulator console's?); point {variable} at the {api} emulator's gRPC port"
        )


def _credentials() -> None:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        google.auth.default()
    except DefaultCredentialsError:
        raise PreflightError(
            "no Google Cloud credentials: run `gcloud auth application-default login` or set "
            "GOOGLE_APPLICATION_CREDENTIALS; for the local emulators set PUBSUB_EMULATOR_HOST and "
            "MONITORING_EMULATOR_HOST (`make up` prints them)"
        ) from None


def require_services(settings: Settings, *services: Service, timeout: float = 5.0) -> None:
    """Raise :class:`PreflightError` (or ``SettingsError`` for a missing project) unless the
    project is set and each of ``services`` answers, checking in a few seconds at most."""
    settings.require_project()
    checked_credentials = False
    for service in services:
        address = settings.pubsub_emulator_host if service == "pubsub" else settings.monitoring_emulator_host
        if address:
            _probe(service, address, timeout)
        elif not checked_credentials:
            _credentials()
            checked_credentials = True
