"""The local stack's two Cloud Scheduler jobs: a POST on a cron-like schedule, each call's outcome
one line in the supervisor's log."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

__all__ = ["SchedulerJob", "collection_outcome", "forecast_outcome", "next_call_at"]

_log = logging.getLogger("helios.stack")


def collection_outcome(status: int, body: bytes) -> str:
    """A collector call as one log line: its JSON summary is one line already."""
    return f"HTTP {status} {body.decode(errors='replace').strip()}"


def forecast_outcome(status: int, body: bytes) -> str:
    """A forecast job call as one log line: what was written, or why not (not the whole analysis)."""
    try:
        forecast = json.loads(body)["forecast"]
        rate, runs = forecast["next_hour_success_rate"], forecast["based_on_runs"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {status} {' '.join(body.decode(errors='replace').split())[:300]}"
    if forecast.get("written"):
        return (
            f"HTTP {status}, wrote the forecast {rate:.1%} (from {runs} run{'' if runs == 1 else 's'} of the last 6 h)"
        )
    if "write_error" in forecast:
        return f"HTTP {status}, the forecast was not written: {forecast['write_error']}"
    return f"HTTP {status}, nothing to write: no pipeline run in the last 6 h"


def next_call_at(now_s: float, interval_s: float) -> float:
    """The next wall-clock multiple of ``interval_s`` after ``now_s``: a cron schedule fires on the
    minute (``* * * * *``), so the collector's passes at :00 and :30 fit in each call."""
    return (math.floor(now_s / interval_s) + 1) * interval_s


class SchedulerJob:
    """One Cloud Scheduler job: POST to ``url`` every ``interval_s``, the first ``first_after_s``
    after the start, the next ones on the clock's multiples of ``interval_s`` as cron fires them;
    one call at a time: a call that overruns its slot skips the instants it covered, and the next
    call comes at the first multiple after it returns. Every call is one line in the log; nothing a
    call meets stops the job."""

    def __init__(
        self,
        name: str,
        url: str,
        interval_s: float,
        timeout_s: float,
        outcome: Callable[[int, bytes], str],
        first_after_s: float = 0.0,
    ) -> None:
        self.name, self.url, self.interval_s, self.timeout_s = name, url, interval_s, timeout_s
        self._outcome, self._first_after_s = outcome, first_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"scheduler-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        next_at = time.monotonic() + self._first_after_s
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            try:
                self._call()
            except Exception:  # a bug in the job, not the stack's end: logged, and the next call comes
                _log.exception("scheduled %s: the call failed unexpectedly", self.name)
            next_at = time.monotonic() + next_call_at(time.time(), self.interval_s) - time.time()

    def _call(self) -> None:
        request = urllib.request.Request(self.url, data=b"", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as err:
            with err:
                status, body = err.code, err.read()
        except OSError as err:
            _log.warning("scheduled %s failed: %s", self.name, err)
            return
        _log.info("scheduled %s: %s", self.name, self._outcome(status, body))
