"""A collector run in a process of its own, SIGKILLed at a chosen step (or left to finish).

``python -m tests.reliability._collector_process --kill after_write …`` prints the run's summary
as one JSON line when it survives. The kill happens inside the real run, through subclasses of the
real writer and subscription, so every step before it happened exactly as deployed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
from collections.abc import Sequence

from helios_metrics.contract import ClientFactory, Settings
from helios_metrics.functions import Collector
from helios_metrics.functions.journal import Journal
from helios_metrics.functions.subscription import Subscription
from helios_metrics.functions.timeseries import SeriesPoint
from helios_metrics.functions.writer import MonitoringWriter, WriteReport

STEPS = ("none", "before_write", "mid_write", "after_write", "after_ack")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _Writer(MonitoringWriter):
    kill = "none"

    def write(self, points: Sequence[SeriesPoint], deadline: float) -> WriteReport:
        if self.kill == "before_write":
            _die()
        if self.kill == "mid_write":  # the first half lands, then the process dies
            super().write(points[: len(points) // 2], deadline)
            _die()
        report = super().write(points, deadline)
        if self.kill == "after_write":
            _die()
        return report


class _Subscription(Subscription):
    kill = "none"

    def acknowledge(self, ack_ids: Sequence[str]) -> int:
        acked = super().acknowledge(ack_ids)
        if self.kill == "after_ack":
            _die()
        return acked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--pubsub", required=True)
    parser.add_argument("--monitoring", required=True)
    parser.add_argument("--ledger-dir")
    parser.add_argument("--kill", choices=STEPS, default="none")
    args = parser.parse_args()
    settings = Settings(
        project_id=args.project,
        pubsub_emulator_host=args.pubsub,
        monitoring_emulator_host=args.monitoring,
        ledger_dir=args.ledger_dir,
        collect_budget_seconds=4,  # its messages are held 4 + 15 s: a kill's come back soon
    )
    factory = ClientFactory(settings)
    source = _Subscription(settings, factory.subscriber(), factory.publisher_api(), pull_wait_s=0.5)
    writer = _Writer(factory.metric_service(), args.project)
    source.kill = writer.kill = args.kill
    journal = Journal(settings.journal_path) if settings.journal_path else None
    summary = Collector(settings, source, writer, journal=journal).collect_once()
    print(json.dumps(summary.as_dict()), flush=True)


if __name__ == "__main__":
    main()
