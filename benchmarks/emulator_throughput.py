"""CreateTimeSeries throughput of the Monitoring emulator: 200-series requests per second.

Each run writes N requests of 200 GAUGE DOUBLE series (3 metric labels, generic_task) from 4
client threads of the official client, end times 5 s apart per series as the API demands. Printed:
wall-clock requests/s, the emulator's own CPU seconds per request (from /proc, so the client's
cost is excluded) and the single-core capacity that implies — beside the same figures for an
anchor measured in the same run: a bare gRPC server that only deserializes the request.

    python -m benchmarks.emulator_throughput [--runs 5] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc
from google.cloud.monitoring_v3.types import metric_service
from google.protobuf import empty_pb2

from benchmarks.results import Row, table
from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.monitoring_emulator.launch import ManagedProcess, free_port, start_monitoring_emulator

SERIES = 200
THREADS = 4
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _requests(project: str, count: int, lane: int) -> list[metric_service.CreateTimeSeriesRequest]:
    """``count`` requests over the same 200 series, end times 5 s apart, starting 24 h ago."""
    pb_type = metric_service.CreateTimeSeriesRequest.pb()
    start = int(time.time()) - 24 * 3600
    built = []
    for i in range(count):
        request = pb_type(name=f"projects/{project}")
        for k in range(SERIES):
            ts = request.time_series.add()
            ts.metric.type = "custom.googleapis.com/helios/bench"
            ts.metric.labels.update({"lane": str(lane), "series": str(k), "stage": "trend_discovery"})
            ts.resource.type = "generic_task"
            ts.resource.labels.update({"location": "global", "namespace": "bench", "job": "bench", "task_id": "t"})
            point = ts.points.add()
            point.interval.end_time.seconds = start + 5 * i
            point.value.double_value = float(i)
        built.append(metric_service.CreateTimeSeriesRequest.wrap(request))
    return built


def _drive(address: str, project: str, per_thread: int, lane_base: int) -> float:
    client = ClientFactory(Settings(project_id=project, monitoring_emulator_host=address)).metric_service()
    batches = [_requests(project, per_thread, lane_base + t) for t in range(THREADS)]
    client.create_time_series(request=_requests(project, 1, lane_base + THREADS)[0])  # warm the channel
    barrier = threading.Barrier(THREADS + 1)

    def worker(batch: list[metric_service.CreateTimeSeriesRequest]) -> None:
        barrier.wait()
        for request in batch:
            client.create_time_series(request=request)

    threads = [threading.Thread(target=worker, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _measure(process: ManagedProcess, address: str, runs: int, total: int) -> tuple[float, float]:
    """Median requests/s (wall) and median server CPU seconds per request."""
    rates, cpu = [], []
    per_thread = total // THREADS
    for run in range(runs):
        cpu_before = _cpu_seconds(process.pid)
        elapsed = _drive(address, f"bench-{run}", per_thread, lane_base=10 * run)
        cpu_used = _cpu_seconds(process.pid) - cpu_before
        requests = per_thread * THREADS + 1
        rates.append(requests / elapsed)
        cpu.append(cpu_used / requests)
    return statistics.median(rates), statistics.median(cpu)


async def _serve_null(port: int) -> None:
    """The anchor: a gRPC server built like the emulator's (grpc.aio) that deserializes and answers Empty."""
    pb_type = metric_service.CreateTimeSeriesRequest.pb()

    async def create(request: object, context: object) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    handler = grpc.unary_unary_rpc_method_handler(
        create, request_deserializer=pb_type.FromString, response_serializer=empty_pb2.Empty.SerializeToString
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("google.monitoring.v3.MetricService", {"CreateTimeSeries": handler})]
    )
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print("ready", flush=True)
    await server.wait_for_termination()


def _start_null(log_dir: Path) -> tuple[ManagedProcess, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.emulator_throughput", "--serve-null", str(port)],
        stdout=subprocess.PIPE,
        start_new_session=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None
    process.stdout.readline()
    return ManagedProcess(process, log_dir / "null.log"), f"127.0.0.1:{port}"


def rows(runs: int, requests: int) -> list[Row]:
    """``emulator_requests_per_s``: wall-clock requests/s vs the bare grpc.aio server in the same
    run; the target is one core's capacity, from the emulator's own CPU seconds per request."""
    work = Path(tempfile.mkdtemp(prefix="bench-emulator-"))
    null, null_address = _start_null(work)
    try:
        anchor_rate, anchor_cpu = _measure(null, null_address, runs, requests)
    finally:
        null.stop()
    measured = []
    for data in (None, work / "bench.sqlite"):
        emulator = start_monitoring_emulator(data=data, log_dir=work)
        try:
            measured.append(_measure(emulator, emulator.address, runs, requests))
        finally:
            emulator.stop()
    (rate, cpu), (file_rate, file_cpu) = measured
    return [
        Row(
            "emulator_requests_per_s",
            rate,
            anchor_rate,
            "bare grpc.aio server, deserialize only",
            f"CreateTimeSeries/s of {SERIES} series",
            ">= 200 requests/s on one core (server CPU)",
            1 / cpu >= 200,
            f"server CPU {cpu * 1000:.2f} ms/request (one core: {1 / cpu:,.0f}/s; anchor {anchor_cpu * 1000:.2f} ms); "
            f"SQLite file: {file_rate:,.0f}/s, {1 / file_cpu:,.0f}/s on one core",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="requests per run")
    parser.add_argument("--serve-null", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_null is not None:
        asyncio.run(_serve_null(args.serve_null))
        return 0
    for row in rows(args.runs, args.requests):
        print(table([row]))
        print(row.detail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
