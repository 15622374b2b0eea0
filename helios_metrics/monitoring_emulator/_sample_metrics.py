"""Google's metrics that its published samples read — Compute Engine CPU, Cloud Logging's byte and
entry counts, Cloud Run requests, Cloud Functions executions — for ``_builtin_metrics``.

``cpu/usage_time`` keeps the description Google's own sample test looks for ("Delta CPU usage for all
cores"); Google's list now words it "Delta vCPU usage for all vCPUs, in vCPU-seconds"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.api import metric_pb2

__all__ = ["sample_metrics"]

MD = metric_pb2.MetricDescriptor
_LOGGED = (
    "global",
    "gce_instance",
    "k8s_container",
    "cloud_run_revision",
    "cloud_function",
    "generic_task",
    "generic_node",
)
_VM = (("instance_name", "The name of the VM instance."),)
_REQUEST = (
    ("response_code", "Response code of a request."),
    ("response_code_class", "Response code class of a request."),
    ("route", "Route of the request."),
)


def sample_metrics(_m: Callable[..., Any]) -> tuple[Any, ...]:
    """The metrics, built by ``_builtin_metrics``' constructor ``_m``."""
    return (
        _m(
            "compute.googleapis.com/instance/cpu/utilization",
            MD.GAUGE,
            MD.DOUBLE,
            "10^2.%",
            "CPU utilization",
            "Fractional utilization of allocated CPU on this instance. Values are typically numbers between 0.0 and "
            "1.0 (but some machine types allow bursting above 1.0). Charts display the values as a percentage "
            "between 0% and 100% (or more).",
            ("gce_instance",),
            _VM,
            (60, 240),
        ),
        _m(
            "compute.googleapis.com/instance/cpu/usage_time",
            MD.DELTA,
            MD.DOUBLE,
            "s{CPU}",
            "CPU usage",
            "Delta CPU usage for all cores, in seconds. To compute the per-core CPU utilization fraction, divide "
            "this value by (end-start)*N, where end and start define this value's time interval and N is "
            "`compute.googleapis.com/instance/cpu/reserved_cores` at the end of the interval. This value is "
            "reported by the hypervisor for the VM and can differ from `agent.googleapis.com/cpu/usage_time`, "
            "which is reported from inside the VM.",
            ("gce_instance",),
            _VM,
            (60, 240),
        ),
        _m(
            "logging.googleapis.com/byte_count",
            MD.DELTA,
            MD.INT64,
            "By",
            "Log bytes",
            "Total bytes of log entries that were ingested.",
            _LOGGED,
            (("log", "Name of the log."),),
            (60, 180),
        ),
        _m(
            "logging.googleapis.com/log_entry_count",
            MD.DELTA,
            MD.INT64,
            "1",
            "Log entries",
            "Number of log entries that contributed to ingested bytes.",
            _LOGGED,
            (("log", "Name of the log."), ("severity", "Severity of the log entry.")),
            (60, 180),
        ),
        _m(
            "run.googleapis.com/request_count",
            MD.DELTA,
            MD.INT64,
            "1",
            "Request Count",
            "Number of requests reaching the revision.",
            ("cloud_run_revision",),
            _REQUEST,
            (60, 180),
        ),
        _m(
            "run.googleapis.com/request_latencies",
            MD.DELTA,
            MD.DISTRIBUTION,
            "ms",
            "Request Latency",
            "Distribution of request latency in milliseconds reaching the revision.",
            ("cloud_run_revision",),
            _REQUEST,
            (60, 180),
        ),
        _m(
            "cloudfunctions.googleapis.com/function/execution_count",
            MD.DELTA,
            MD.INT64,
            "1",
            "Executions",
            "Count of function executions broken down by status.",
            ("cloud_function",),
            (
                (
                    "status",
                    "Execution status of the function: 'ok', 'timeout', 'error', 'crash', 'out of memory', "
                    "'out of quota', 'load error', 'load timeout', 'connection error', 'invalid header', 'request too "
                    "large'.",
                ),
                ("trigger_type", "Type of trigger of the function."),
            ),
            (60, 240),
        ),
        _m(
            "cloudfunctions.googleapis.com/function/execution_times",
            MD.DELTA,
            MD.DISTRIBUTION,
            "ns",
            "Execution times",
            "Distribution of functions execution times in nanoseconds.",
            ("cloud_function",),
            (("status", "Execution status of the function."), ("trigger_type", "Type of trigger of the function.")),
            (60, 240),
        ),
    )
