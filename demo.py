"""``make demo``: the product end to end on the local emulators, then everything stopped again.

Today it starts the official Pub/Sub emulator and the Monitoring emulator, writes pipeline
metrics with the official Monitoring client, and prints them read back.
"""

from __future__ import annotations

import sys
import tempfile
import time

from google.cloud import monitoring_v3

from monitoring_emulator.launch import start_monitoring_emulator, start_pubsub_emulator
from publisher import ClientFactory, Settings

PROJECT = "helios-local"
METRIC = "custom.googleapis.com/helios/stage_duration_demo"
TASK = {"location": "local", "namespace": "helios", "job": "demo", "task_id": "demo-1"}


def _write_and_read(settings: Settings) -> None:
    client = ClientFactory(settings).metric_service()
    now = int(time.time())
    stages = {"trend_discovery": 45.2, "audience_analysis": 31.0, "design_generation": 88.4, "publication": 12.5}
    series = []
    for stage, seconds in stages.items():
        ts = monitoring_v3.TimeSeries()
        ts.metric.type = METRIC
        ts.metric.labels["stage"] = stage
        ts.resource.type = "generic_task"
        ts.resource.labels.update(TASK)
        ts.points = [
            monitoring_v3.Point({"interval": {"end_time": {"seconds": now}}, "value": {"double_value": seconds}})
        ]
        series.append(ts)
    client.create_time_series(name=settings.project_path, time_series=series)
    print(f"wrote {len(series)} points to {METRIC}")
    found = client.list_time_series(
        name=settings.project_path,
        filter=f'metric.type = "{METRIC}"',
        interval=monitoring_v3.TimeInterval({"start_time": {"seconds": now - 60}, "end_time": {"seconds": now}}),
        view=monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
    )
    for ts in found:
        print(f"  read back  stage={ts.metric.labels['stage']:<18} {ts.points[0].value.double_value:6.1f} s")


def main() -> int:
    work = tempfile.mkdtemp(prefix="helios-demo-")
    pubsub = start_pubsub_emulator(log_dir=work)
    try:
        monitoring = start_monitoring_emulator(log_dir=work)
        try:
            print(f"Pub/Sub emulator     {pubsub.address}")
            print(f"Monitoring emulator  {monitoring.address} (admin {monitoring.http_url})")
            _write_and_read(
                Settings(
                    project_id=PROJECT,
                    pubsub_emulator_host=pubsub.address,
                    monitoring_emulator_host=monitoring.address,
                )
            )
        finally:
            monitoring.stop()
    finally:
        pubsub.stop()
    print("emulators stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
