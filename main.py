"""Cloud Functions entry points: thin adapters over ``functions`` (the collector) and ``reporting``.

``collect_metrics`` is an HTTP function for Cloud Scheduler, called every minute: a collection pass
at once and one at every later end of an aggregation window in its minute (one pass with the
default 60 s window; two with the 30 s window production deploys, :mod:`helios_metrics.functions.passes`),
answered with the passes' summed JSON summary — HTTP 500 when the last pass's transient failure
left messages unacknowledged, so the scheduler shows the failed run (they come back on the next).
``performance_report`` answers the performance analysis of the last ``?window=`` as JSON, reading only; with
``?write_forecast=true`` (the scheduled forecast job) it also writes the success forecast.
"""

from __future__ import annotations

import functools
import json

import flask
import functions_framework

from helios_metrics.functions import InstanceCollector
from helios_metrics.functions.passes import collect_invocation
from helios_metrics.reporting import build_reporter, http_report

__all__ = ["collect_metrics", "performance_report"]

_instance = InstanceCollector()  # clients are built on the first request, once per instance
_reporter = functools.cache(build_reporter)  # likewise: built by the first report request, then reused


@functions_framework.http
def collect_metrics(request: flask.Request) -> tuple[str, int, dict[str, str]]:
    summary = collect_invocation(_instance.get())
    status = 500 if summary.transient_failure else 200
    return json.dumps(summary.as_dict()), status, {"Content-Type": "application/json"}


@functions_framework.http
def performance_report(request: flask.Request) -> tuple[str, int, dict[str, str]]:
    """The analysis of the last ``?window=`` (default 1h); ``?write_forecast=true`` also writes the forecast."""
    body, status = http_report(_reporter(), request.args)
    return json.dumps(body), status, {"Content-Type": "application/json"}
