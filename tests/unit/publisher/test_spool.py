"""The on-disk spool alone: eviction past its limit, claims, and claims of processes that died."""

from __future__ import annotations

from helios_metrics.contract.wire import EncodedMessage
from helios_metrics.publisher._spool import Spool


def test_the_spool_evicts_oldest_first_past_its_limit(tmp_path):
    spool = Spool(tmp_path, limit_bytes=1500)
    for batch in range(3):
        spool.put(EncodedMessage(b"x" * 600, {"producer": "p", "batch": str(batch), "events": "10"}, 10))
    assert spool.backlog() == (2, 20)
    assert spool.dropped_events == 10
    claimed = spool.claim_oldest(10)
    assert [item.message.attributes["batch"] for item in claimed] == ["1", "2"]
    assert spool.claim_oldest(10) == []  # claimed messages are not handed out twice
    assert spool.backlog() == (2, 20)  # but they are still in the spool
    spool.release(claimed[0])
    spool.done(claimed[1])
    assert spool.backlog() == (1, 10)


def test_the_spool_limit_holds_without_listing_the_directory_on_every_put(tmp_path):
    """A writer keeps a running estimate of the spool's bytes (a listing per put made long outages
    quadratic); it scans when the estimate nears the limit, so one writer never passes it, and a
    writer that opens a spool others filled counts their files on its first put."""

    def message(batch: int) -> EncodedMessage:
        return EncodedMessage(b"x" * 900, {"producer": "p", "batch": str(batch), "events": "1"}, 1)

    def on_disk() -> int:
        return sum(path.stat().st_size for path in tmp_path.iterdir())

    writer = Spool(tmp_path, limit_bytes=10_000)
    for batch in range(30):
        writer.put(message(batch))
        assert on_disk() <= 10_000
    assert writer.dropped_events == 30 - writer.backlog()[0] > 0
    latecomer = Spool(tmp_path, limit_bytes=10_000)
    latecomer.put(message(99))
    assert on_disk() <= 10_000
    assert latecomer.dropped_events == 1


def test_claims_of_dead_processes_are_released(tmp_path):
    spool = Spool(tmp_path, limit_bytes=10**6)
    spool.put(EncodedMessage(b"data", {"producer": "p", "batch": "0", "events": "3"}, 3))
    (item,) = spool.claim_oldest(1)
    dead = item.path.with_name(item.path.name.rsplit("-", 1)[0] + "-999999999")
    item.path.rename(dead)
    assert Spool(tmp_path, limit_bytes=10**6).backlog() == (1, 3)
