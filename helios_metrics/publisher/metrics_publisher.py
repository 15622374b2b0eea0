"""``MetricsPublisher``: what pipeline code calls. A record call validates and appends to a buffer;
a background thread does everything else (see ``_sender``). Nothing here blocks on I/O."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from helios_metrics.contract.catalog import MetricSpec, spec
from helios_metrics.contract.clients import ClientFactory
from helios_metrics.contract.settings import Settings
from helios_metrics.contract.wire import Event, MetricEvent, PipelineEvent, StageEvent

from . import _process_hooks
from ._callsite import CallSiteGuard, check_fraction, check_seconds, number
from ._resources import ResourceSampler
from ._run_outcome import RunScope, RunTracker
from ._sender import Sender
from ._spool import Spool
from ._stage_timer import StageTimer
from ._transport import PubSubTransport
from .options import FlushResult, PublisherOptions, PublisherStats

__all__ = ["MetricsPublisher"]

_log = logging.getLogger("publisher")
_INF = math.inf


class MetricsPublisher:
    """Records Helios metric events and delivers them to Pub/Sub in the background.

    ``MetricsPublisher()`` reads the project and topic from the environment; arguments win.
    Invalid values raise ``ValueError`` naming the field. Events are packed many to a message and
    published by a background thread; while Pub/Sub is unreachable they wait in memory, then in an
    on-disk spool replayed oldest first (also by the next process using the same spool).

    A pipeline metric recorded without ``success`` takes its run's outcome: failed if a stage of
    the run was recorded with ``success=False`` (see :meth:`run` for which stages belong to a run).
    """

    def __init__(
        self,
        project_id: str | None = None,
        topic: str | None = None,
        *,
        settings: Settings | None = None,
        options: PublisherOptions | None = None,
        spool_dir: str | os.PathLike[str] | None = None,
        factory: ClientFactory | None = None,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        base = settings if settings is not None else Settings.from_env()
        self.settings = base.with_overrides(project_id=project_id, topic=topic)
        self.topic_path = self.settings.topic_path  # fails now, not later, without a project
        self.options = options or PublisherOptions()
        self._factory = factory or ClientFactory(self.settings)
        self._now = clock  # stamps events, in ns since the epoch (tests pass a fixed instant)
        root = Path(spool_dir) if spool_dir else self.settings.spool_root
        self.spool_dir = root / self.settings.require_project() / self.settings.topic
        self._guard = CallSiteGuard(self.options.max_stages, self.options.max_data_keys)
        self._runs = RunTracker()
        self._specs: dict[str, MetricSpec] = {}
        self.closed = False
        self._start_new_process()
        _process_hooks.register(self)
        if self.options.resource_interval_s or Spool.has_backlog(self.spool_dir):
            self._start_sender()  # sample from now on / replay what an earlier process spooled

    def _start_new_process(self) -> None:
        """Per-process state: set at construction and again in a forked child, which starts
        empty (the parent publishes what it recorded) under a producer id of its own."""
        self.producer_id = os.urandom(8).hex()
        self._buffer: deque[Event] = deque()
        self._buffer_limit = self.options.buffer_limit
        self._wake_at = self.options.max_events_per_message
        self._sender: Sender | None = None
        self._stopped: Sender | None = None
        self._spool: Spool | None = None
        self._transport = self._new_transport()  # its client (a gRPC channel) is built on first use
        self._start_lock = threading.Lock()

    def _new_transport(self) -> PubSubTransport:
        return PubSubTransport(self._factory, self.topic_path, self.options.publish_timeout_s)

    def after_fork_in_child(self) -> None:
        self._guard.after_fork()
        self._start_new_process()

    def close_at_exit(self) -> None:
        result = self.close(self.options.exit_timeout_s)
        if not result.complete:
            _log.error("metrics publisher exit: %d events neither published nor spooled", result.failed)

    # --- recording (the caller's thread: validate, append, return) --------------------------
    def record_pipeline_metric(
        self,
        execution_time: float,
        trend_opportunity_score: float,
        audience_confidence: float,
        design_generation_success: float,
        publication_success: float,
        success: bool | None = None,
    ) -> None:
        """One pipeline run: total seconds, the four 0..1 quality scores, and whether it succeeded.

        Without ``success`` the run failed if one of its stages was recorded with ``success=False``;
        ``success=True``/``False`` overrides that. Either way this ends the run: the next stage
        recorded here starts a new one. A call that raises ``ValueError`` changes nothing.
        """
        event = PipelineEvent(
            t=self._now(),
            execution_time=check_seconds("execution_time", execution_time),
            trend_opportunity_score=check_fraction("trend_opportunity_score", trend_opportunity_score),
            audience_confidence=check_fraction("audience_confidence", audience_confidence),
            design_generation_success=check_fraction("design_generation_success", design_generation_success),
            publication_success=check_fraction("publication_success", publication_success),
            success=self._runs.finish(success),  # last: validation above has passed
        )
        buffer = self._buffer  # _append inlined: the hot path (a call is ~5 % of it)
        buffer.append(event)
        if self._sender is None or len(buffer) >= self._wake_at:
            self._after_append(len(buffer))

    def record_stage_metric(
        self,
        stage: str,
        duration: float,
        success: bool = True,
        error_count: int = 0,
        additional_data: dict[str, float] | None = None,
    ) -> None:
        """One stage execution. ``additional_data`` values must be numbers (e.g. trends_found=12).
        ``success=False`` also fails the current run (see :meth:`run`), even past the stage cap."""
        if duration.__class__ is not float or not 0.0 <= duration < _INF:
            duration = check_seconds("duration", duration)
        checked: object = success  # typed bool, but callers may pass anything: checked at run time
        if checked is not True and checked is not False:
            raise ValueError(f"success must be True or False, got {checked!r}")
        if error_count.__class__ is not int or error_count < 0:
            raise ValueError(f"error_count must be an int >= 0, got {error_count!r}")
        guard = self._guard
        if stage not in guard.stages and not guard.admit_stage(stage):
            if success is not True:
                self._runs.stage_failed()  # the event is refused, the run still failed
            return  # refused by the cardinality cap: counted and logged
        if additional_data:
            additional_data = guard.check_data(stage, additional_data)
        if success is not True:
            self._runs.stage_failed()
        buffer = self._buffer  # _append inlined: the hot path (a call is ~5 % of it)
        buffer.append(StageEvent(self._now(), stage, duration, success, error_count, additional_data or None))
        if self._sender is None or len(buffer) >= self._wake_at:
            self._after_append(len(buffer))

    def record(self, name: str, value: float, **labels: str) -> None:
        """A catalog metric marked recordable, e.g. ``record("resource_utilization", 0.4, resource="cpu")``."""
        metric = self._specs.get(name)
        if metric is None:
            try:
                metric = spec(name)
            except KeyError as err:
                raise ValueError(str(err.args[0])) from None
            if not metric.recordable:
                raise ValueError(f"{metric.name} is derived from pipeline/stage events and cannot be recorded directly")
            self._specs[name] = metric
        number_value = number("value", value)
        low, high = metric.min_value, metric.max_value
        if (
            not math.isfinite(number_value)
            or (low is not None and number_value < low)
            or (high is not None and number_value > high)
        ):
            raise ValueError(f"value of {metric.name} must be finite and within [{low}, {high}], got {value!r}")
        checked = self._guard.check_labels(metric, labels)
        self._append(MetricEvent(t=self._now(), name=metric.name, value=number_value, labels=checked))

    def stage(self, name: str) -> StageTimer:
        """Time a block or function as one stage run::

        with metrics.stage("trend_discovery") as stage:
            stage.add(trends_found=12)
        """
        return StageTimer(self, self._runs, name)

    def run(self) -> RunScope:
        """Scope one pipeline run explicitly (a context manager, sync or async, and a decorator)::

        with metrics.run():  # or: async with monitor.run():  /  @metrics.run()
            with metrics.stage("trend_discovery"):
                ...
            metrics.record_pipeline_metric(...)  # no success=: failed if a stage in the block failed

        Without it a run is what one asyncio task (or one thread outside any task) records between
        pipeline metrics. Use it when a run's stages are recorded in tasks or ``asyncio.to_thread``
        calls it starts, or to drop a run that ends without its pipeline metric (an exception).
        """
        return self._runs.scope()

    def validate_stage(self, name: str) -> None:
        self._guard.admit_stage(name)

    def _append(self, event: Event) -> None:
        buffer = self._buffer
        buffer.append(event)
        if self._sender is None or len(buffer) >= self._wake_at:
            self._after_append(len(buffer))

    def _after_append(self, waiting: int) -> None:
        """Start the sender with the first event. Then, once a full message is waiting, wake it;
        past ``buffer_limit`` (the caller outruns it) pack one message here, so memory stays
        bounded and nothing is dropped."""
        sender = self._sender
        if sender is None:
            self._start_sender()
        elif waiting >= self._buffer_limit:
            sender.pack_one()
        elif waiting == self._wake_at:
            sender.wake()

    # --- the background side ------------------------------------------------------------------
    def _start_sender(self) -> None:
        if self.closed:
            raise RuntimeError("this MetricsPublisher is closed")
        with self._start_lock:
            if self._sender is not None:
                return
            try:
                self._spool = Spool(self.spool_dir, self.options.spool_limit_bytes)
            except OSError as err:
                _log.error("metrics spool %s unavailable (%s): an outage will drop events", self.spool_dir, err)
            sampler = ResourceSampler() if self.options.resource_interval_s else None
            sender = Sender(
                self._buffer,
                self.options,
                self.producer_id,
                self._transport,
                self._spool,
                None if sampler is None else sampler.sample,
            )
            sender.start()
            self._sender = sender

    def check_topic(self, timeout: float = 5.0) -> None:
        """Raise unless the topic answers within ``timeout`` (a health probe; no retries)."""
        self._transport.check_topic(timeout)

    # --- control --------------------------------------------------------------------------------
    def flush(self, timeout: float | None = 10.0) -> FlushResult:
        """Wait until everything recorded so far is published or safe in the spool (at most ``timeout``)."""
        return FlushResult(0, 0, 0) if self._sender is None else self._sender.flush(timeout)

    def close(self, timeout: float | None = None) -> FlushResult:
        """Flush (bounded by ``timeout``, default ``exit_timeout_s``), spool the rest, stop the threads."""
        self.closed = True
        _process_hooks.forget(self)
        sender = self._sender
        result = FlushResult(0, 0, 0)
        if sender is not None:
            self._sender = None  # a record call after close now fails instead of filling a dead buffer
            self._stopped = sender
            result = sender.stop(self.options.exit_timeout_s if timeout is None else timeout)
        if sender is None or sender.idle:
            self._transport.close()  # a courier still stuck in a call keeps its channel
        return result

    def __enter__(self) -> MetricsPublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stats(self) -> PublisherStats:
        sender = self._sender or self._stopped
        spooled = self._spool.backlog()[1] if self._spool is not None else 0
        spool_dropped = self._spool.dropped_events if self._spool is not None else 0
        if sender is None:
            return PublisherStats(
                len(self._buffer), 0, spooled, len(self._buffer), spool_dropped, self._guard.refused, 0
            )
        return PublisherStats(
            recorded=sender.drained + len(self._buffer),
            published=sender.published,
            spooled=spooled,
            pending=sender.pending_events,
            dropped=spool_dropped + sender.dropped,
            refused=self._guard.refused,
            publish_errors=sender.publish_errors,
        )
