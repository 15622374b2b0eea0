"""Wiring: the store, the services, the gRPC server and the HTTP side, started and stopped together.

The gRPC side is a ``grpc.aio`` server whose handlers run on one event-loop thread: the work is
CPU-bound Python, and with thread-pool workers four concurrent writers cost 35% more CPU per
request in GIL hand-offs than one loop serving them in turn (benchmarks/emulator_throughput.py).

gRPC sets SO_REUSEPORT by default, so a second emulator on a taken gRPC port would start and
silently share it (each connection answered by one of the two, with different data). The server
is created with ``grpc.so_reuseport`` off, and a taken port (gRPC or HTTP) fails the start with a
:class:`ListenError` whose message is the one line to show.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from helios_metrics.contract.units import NS

from . import (
    _alert_service,
    _channel_service,
    _dashboard_service,
    _group_service,
    _service_monitoring,
    _snooze_service,
    _uptime_service,
)
from ._alerting import AlertEvaluator
from ._console import Console
from ._errors import ApiError, to_grpc_status
from ._faults import Faults
from ._http import HttpServer
from ._metric_service import SERVICE as METRIC_SERVICE
from ._metric_service import Handler, MetricService
from ._notify import Notifier
from ._objects import Projects
from ._raw import Raw
from ._rest import RestApi
from ._stats import Stats
from ._store import Store
from ._writes import TimeSeriesWriter, WriteLimits

__all__ = ["Emulator", "EmulatorConfig", "ListenError"]

_log = logging.getLogger("monitoring_emulator")


@dataclass(frozen=True)
class EmulatorConfig:
    """How to run the emulator; every field is a command-line flag of
    ``python -m helios_metrics.monitoring_emulator``."""

    host: str = "127.0.0.1"
    port: int = 8086
    http_port: int = 8087
    data: str | None = None  # SQLite file; None keeps everything in memory
    min_sampling_period_s: float = 5.0  # Google: points of a series at least 5 s apart
    max_active_series: int = 200_000  # Google: per monitored resource (per type for `global`)
    evaluate_every_s: float = 60.0  # alert evaluation interval; 0 evaluates only on demand


class ListenError(OSError):
    """A port the emulator must listen on cannot be had; the message is one line naming the
    address, the flag that chose it and what to do."""


def _cannot_listen(host: str, port: int, what: str, flag: str, reason: str | None) -> ListenError:
    if reason is None:
        return ListenError(
            f"cannot listen on {host}:{port} ({what}): the port is already in use — stop what listens there, "
            f"or choose another port with {flag} <port> ({flag} 0: any free one)",
        )
    return ListenError(f"cannot listen on {host}:{port} ({what}, {flag}): {reason}")


def _check_free(host: str, port: int, what: str, flag: str) -> None:
    """Bind ``host:port`` as gRPC will (SO_REUSEADDR, no SO_REUSEPORT) and let go, so a taken port
    is reported by us in one line rather than by gRPC's core in a log line and a RuntimeError."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as err:
        in_use = err.errno == errno.EADDRINUSE
        raise _cannot_listen(host, port, what, flag, None if in_use else (err.strerror or str(err))) from None


async def _call(method: str, handler: Handler, faults: Faults, stats: Stats, request: Raw) -> Raw:
    """One call of ``method``, over gRPC or REST alike: counted, failed or slowed by an armed fault,
    and any error raised as the :class:`ApiError` the caller turns into its transport's status."""
    stats.call(method)
    fault = faults.take_call_fault(method)
    if fault is not None:
        await asyncio.sleep(fault.delay_s)
    if fault is not None and fault.code != grpc.StatusCode.OK:
        raise ApiError(fault.code, fault.message)
    try:  # no fault, or a slow success: served after its delay (the client may have given up)
        return handler[0](request)
    except ApiError:
        raise
    except Exception:
        _log.exception("%s failed", method)
        raise ApiError(grpc.StatusCode.INTERNAL, "An internal error occurred.") from None


def _rpc_handler(method: str, handler: Handler, faults: Faults, stats: Stats) -> grpc.RpcMethodHandler:
    _, request_type, response_type = handler

    async def serve(request: Raw, context: grpc.aio.ServicerContext) -> Raw:
        try:
            return await _call(method, handler, faults, stats, request)
        except ApiError as error:
            await context.abort_with_status(to_grpc_status(error))
        raise AssertionError("abort_with_status returns only by raising")

    return grpc.unary_unary_rpc_method_handler(
        serve,
        request_deserializer=request_type.FromString,
        response_serializer=response_type.SerializeToString,
    )


class Emulator:
    """A running Cloud Monitoring emulator (gRPC API on ``port``; the console, the admin API and
    the same API over HTTP/JSON on ``http_port``)."""

    def __init__(self, config: EmulatorConfig, clock: Callable[[], int] = time.time_ns) -> None:
        self.config = config
        self.store = Store(config.data)
        self.faults = Faults()
        self.stats = Stats()
        limits = WriteLimits(
            min_sampling_ns=int(config.min_sampling_period_s * NS),
            max_active_series=config.max_active_series,
        )
        writer = TimeSeriesWriter(self.store, limits, self.faults, self.stats, clock)
        projects = Projects(self.store, clock)
        channel_exists = _channel_service.channel_exists(self.store, projects)
        policies = _alert_service.AlertPolicyService(self.store, projects, channel_exists, clock)
        channels = _channel_service.NotificationChannelService(
            self.store, projects, policies.channel_users, policies.drop_channel, clock
        )
        self.policies, self.channels = policies, channels
        self.dashboards = _dashboard_service.DashboardsService(self.store, projects)
        self.service_monitoring = _service_monitoring.ServiceMonitoringService(self.store, projects, clock)
        self.snoozes = _snooze_service.SnoozeService(self.store, projects, clock)
        self._services = {
            METRIC_SERVICE: MetricService(self.store, writer, projects, clock).handlers(),
            _alert_service.SERVICE: policies.handlers(),
            _channel_service.SERVICE: channels.handlers(),
            _dashboard_service.SERVICE: self.dashboards.handlers(),
            _service_monitoring.SERVICE: self.service_monitoring.handlers(),
            _snooze_service.SERVICE: self.snoozes.handlers(),
            _uptime_service.SERVICE: _uptime_service.UptimeCheckService(self.store, projects).handlers(),
            _group_service.SERVICE: _group_service.GroupService(self.store, projects).handlers(),
        }
        try:
            self._http = HttpServer(config.host, config.http_port, self.faults, self.stats)
        except OSError as err:
            self.store.close()
            reason = None if err.errno == errno.EADDRINUSE else (err.strerror or str(err))
            raise _cannot_listen(
                config.host, config.http_port, "console and admin API", "--http-port", reason
            ) from None
        self.http_port = self._http.port
        self.notifier = Notifier(clock)
        console_url = self.http_url  # fixed once the HTTP server holds its port
        self.evaluator = AlertEvaluator(
            self.store,
            projects,
            policies.policies,
            channels,
            self.notifier,
            lambda: console_url,
            clock,
            snoozed=self.snoozes.active,
            snooze_covers=self.snoozes.covers,
        )
        self._http.add_alerting(self.evaluator)
        self._http.add_console(Console(self.store, self.evaluator, self.dashboards.dashboards, clock))
        self._http.add_api(RestApi(self._services, self._invoke))
        self._evaluating = threading.Event()
        self._evaluation_thread = threading.Thread(
            target=self._evaluate_periodically, name="emulator-alerts", daemon=True
        )
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="emulator-grpc", daemon=True)

    @property
    def address(self) -> str:
        """``host:port`` of the gRPC API, the value for ``MONITORING_EMULATOR_HOST``."""
        return f"{self.config.host}:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.config.host}:{self.http_port}"

    def _invoke(self, method: str, handler: Handler, request: Raw) -> Raw:
        """A REST call, run on the gRPC server's event loop like every gRPC call (one thread runs
        all handlers), from the HTTP thread that waits for it."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise ApiError(grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")
        return asyncio.run_coroutine_threadsafe(_call(method, handler, self.faults, self.stats, request), loop).result()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as err:  # reported to start()
            self._failure = err
            self._ready.set()

    async def _serve(self) -> None:
        host, port = self.config.host, self.config.port
        if port:
            _check_free(host, port, "gRPC API", "--port")
        options = [("grpc.max_receive_message_length", 64 * 1024 * 1024), ("grpc.so_reuseport", 0)]
        server = grpc.aio.server(options=options)
        for service, handlers in self._services.items():
            table = {name: _rpc_handler(name, h, self.faults, self.stats) for name, h in handlers.items()}
            server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(service, table)])
        try:
            self.port = server.add_insecure_port(f"{host}:{port}")
        except RuntimeError:  # taken between the check and here, or an address gRPC cannot bind
            self.port = 0
        if self.port == 0:
            raise _cannot_listen(host, port, "gRPC API", "--port", None if port else "gRPC could not bind it")
        await server.start()
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        await self._stopping.wait()
        await server.stop(1.0)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self.store.close()
            raise self._failure
        self._http.start()
        if self.config.evaluate_every_s > 0:
            self._evaluation_thread.start()

    def _evaluate_periodically(self) -> None:
        while not self._evaluating.wait(self.config.evaluate_every_s):
            try:
                self.evaluator.evaluate()
            except Exception:  # a bad policy must not stop evaluation of the others next time
                _log.exception("alert evaluation failed")

    def stop(self) -> None:
        self._evaluating.set()
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join()
        self._http.stop()
        self.store.close()
