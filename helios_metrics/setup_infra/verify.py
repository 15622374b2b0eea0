"""``python -m setup_infra verify``: the Helios monitoring design's ``test-monitoring``, done
right — check the provisioned stack end to end and say PASS or FAIL per check.

1. **resources**: every desired resource exists as desired (the plan is empty);
2. **probe**: a probe event published through ``MetricsPublisher`` is collected (by one collection
   run here, or with ``--wait`` by the deployed collector) and read back with ListTimeSeries — its
   value is a random number, so it is this probe and no other event;
3. **permissions**: on a real project, ``testIamPermissions`` on the topic and subscription for what
   the pipeline and the collector need (Monitoring's are exercised by the probe's write and read);
   against the emulators this is skipped with a note.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from google.api_core import exceptions

from helios_metrics.contract.catalog import spec

from .engine import Infra

__all__ = ["PROBE_STAGE", "Check", "verify"]

PROBE_STAGE = "setup_infra_probe"
_TOPIC_PERMISSIONS = ["pubsub.topics.publish", "pubsub.topics.get"]
_SUBSCRIPTION_PERMISSIONS = ["pubsub.subscriptions.consume", "pubsub.subscriptions.get"]


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool | None
    """None: skipped."""
    detail: str

    @property
    def line(self) -> str:
        status = "SKIP" if self.passed is None else ("PASS" if self.passed else "FAIL")
        return f"{status} {self.name}: {self.detail}"


def _resources(infra: Infra) -> Check:
    planned = infra.plan()
    if planned.in_sync:
        return Check("resources", True, "every managed resource exists as configured")
    missing = [f"{c.kind} {c.key} ({'missing' if c.action == 'create' else c.action})" for c in planned.changes]
    return Check("resources", False, f"{len(missing)} not as configured: " + "; ".join(missing[:8]))


def _probe_value(infra: Infra, nonce: float, since_s: float) -> float | None:
    client = infra.adapters.metric_client()
    metric = spec("stage_value")
    now = time.time()
    found = client.list_time_series(
        request={
            "name": infra.adapters.parent,
            "filter": f'metric.type = "{metric.type}" AND metric.labels.stage = "{PROBE_STAGE}"',
            "interval": {"start_time": {"seconds": int(since_s) - 120}, "end_time": {"seconds": int(now) + 300}},
        }
    )
    for series in found:
        for point in series.points:
            if abs(point.value.double_value - nonce) < 1e-6:
                return point.value.double_value
    return None


def _probe(infra: Infra, wait: bool, timeout_s: float, collect: Callable[[], object] | None) -> Check:
    from helios_metrics.publisher import MetricsPublisher

    nonce = float(secrets.randbelow(10**9) + 1)
    started = time.time()
    # a spool of its own, removed after: a probe that could not be published is a failed check,
    # never an event the pipeline's publisher replays later into the next probe's window
    with tempfile.TemporaryDirectory(prefix="helios-probe-") as spool:
        metrics = MetricsPublisher(settings=infra.settings, spool_dir=spool)
        try:
            metrics.record_stage_metric(PROBE_STAGE, 0.001, True, 0, {"probe": nonce})
            result = metrics.flush(30)
        finally:
            metrics.close(5)
    if result.published != 1:
        return Check("probe", False, f"the probe event was not published to {infra.settings.topic_path}")
    try:
        if not wait:
            (collect or _collect_once(infra))()
        deadline = time.monotonic() + (timeout_s if wait else 15)
        while True:
            if _probe_value(infra, nonce, started) is not None:
                elapsed = time.time() - started
                return Check("probe", True, f"published, collected and read back in {elapsed:.1f} s")
            if time.monotonic() > deadline:
                waited = "the deployed collector" if wait else "one collection run"
                return Check("probe", False, f"the probe point was not readable after {waited}")
            time.sleep(2)
    except exceptions.GoogleAPICallError as err:
        return Check("probe", False, f"{type(err).__name__}: {err.message}")


def _collect_once(infra: Infra) -> Callable[[], object]:
    def run() -> object:
        from helios_metrics.functions import build_collector

        summary = build_collector(infra.settings).collect_once()
        if summary.transient_failure:
            raise exceptions.ServiceUnavailable("the collection run left messages unacknowledged")
        return summary

    return run


def _permissions(infra: Infra) -> Check:
    if infra.settings.pubsub_emulator_host:
        return Check("permissions", None, "the Pub/Sub emulator has no IAM; checked on a real project")
    missing: list[str] = []
    for resource, wanted in (
        (infra.settings.topic_path, _TOPIC_PERMISSIONS),
        (infra.settings.subscription_path, _SUBSCRIPTION_PERMISSIONS),
    ):
        try:
            granted = set(infra.adapters.test_permissions(resource, wanted))
        except exceptions.GoogleAPICallError as err:
            return Check("permissions", False, f"testIamPermissions on {resource}: {err.message}")
        missing += [f"{p} on {resource}" for p in wanted if p not in granted]
    if missing:
        return Check("permissions", False, "missing " + ", ".join(missing))
    return Check("permissions", True, "the pipeline may publish and the collector may consume")


def verify(
    infra: Infra, wait: bool = False, timeout_s: float = 180.0, collect: Callable[[], object] | None = None
) -> list[Check]:
    """Every check, in order; a later one runs even when an earlier one failed."""
    return [_resources(infra), _probe(infra, wait, timeout_s, collect), _permissions(infra)]
