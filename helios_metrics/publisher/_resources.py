"""Sampling the recording process's CPU and memory utilization (0..1) without blocking anyone.

CPU: process CPU time over wall time since the previous sample, divided by the CPUs available to
the process. Memory: resident set size over the memory limit (the cgroup limit in a container,
otherwise the machine's total). Linux only for memory; elsewhere only CPU is sampled.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from helios_metrics.contract.wire import MetricEvent

__all__ = ["ResourceSampler"]

_METRIC = "resource_utilization"
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _memory_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            return int(text)
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _rss() -> int | None:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


class ResourceSampler:
    def __init__(self) -> None:
        self._cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self._limit = _memory_limit()
        self._last = (time.monotonic(), self._cpu_seconds())

    @staticmethod
    def _cpu_seconds() -> float:
        times = os.times()
        return times.user + times.system

    def sample(self) -> list[MetricEvent]:
        """``resource_utilization`` events for cpu and, where known, memory."""
        now, cpu = time.monotonic(), self._cpu_seconds()
        (then, before), self._last = self._last, (now, cpu)
        stamp = time.time_ns()
        events: list[MetricEvent] = []
        if now > then:
            share = min(max((cpu - before) / (now - then) / self._cpus, 0.0), 1.0)
            events.append(MetricEvent(t=stamp, name=_METRIC, value=share, labels={"resource": "cpu"}))
        rss = _rss()
        if rss is not None and self._limit:
            share = min(rss / self._limit, 1.0)
            events.append(MetricEvent(t=stamp, name=_METRIC, value=share, labels={"resource": "memory"}))
        return events
