"""A spool whose every file was claimed by a process that then died (SIGKILL mid-replay) is still
found by the next process, which releases the claims and replays — found by the reliability suite,
where the successor recorded nothing of its own and so never opened the spool."""

from __future__ import annotations

import subprocess

from helios_metrics.contract import Settings
from helios_metrics.contract.wire import encode_message
from helios_metrics.publisher import MetricsPublisher
from helios_metrics.publisher._spool import Spool


def test_claims_of_a_dead_process_are_released_and_replayed(tmp_path):
    settings = Settings(project_id="p", pubsub_emulator_host="127.0.0.1:9")  # nothing listens: it stays spooled
    directory = tmp_path / "p" / "helios-metrics"
    Spool(directory, 10**6).put(encode_message("dead", 0, [("s", 1, "a", 1.0, True, 0, None)]))
    (spooled,) = list(directory.iterdir())
    with subprocess.Popen(["true"]) as gone:  # a process that has exited and been reaped
        gone.wait()
    spooled.rename(spooled.with_name(f"{spooled.name}.claimed-{gone.pid}"))

    metrics = MetricsPublisher(settings=settings, spool_dir=tmp_path)
    try:
        assert metrics.stats.spooled == 1  # its sender started and opened the spool
        assert [p.name.endswith(".msg") for p in directory.iterdir()] == [True]  # the claim was released
    finally:
        metrics.close(0.5)
