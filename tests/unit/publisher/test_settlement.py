"""The settlement ledger alone: ranges settle once, out of order, and each waiting flush counts only
the events recorded before it."""

from __future__ import annotations

import threading

from helios_metrics.publisher._settlement import Settlement
from helios_metrics.publisher.options import FlushResult


def test_ranges_settled_out_of_order_join_the_prefix_when_the_gap_closes():
    ledger = Settlement()
    assert ledger.settle(10, 10, "spooled")
    assert ledger.prefix == 0  # events 0..9 are still out
    assert ledger.is_settled(10)
    assert not ledger.is_settled(0)
    assert ledger.settle(0, 10, "published")
    assert ledger.prefix == 20
    assert ledger.is_settled(0)
    assert (ledger.published, ledger.dropped) == (10, 0)


def test_a_range_settles_once_when_two_paths_race():
    ledger = Settlement()
    assert ledger.settle(0, 5, "spooled")  # the exit path spooled it ...
    assert not ledger.settle(0, 5, "published")  # ... then the stuck call returned
    assert ledger.published == 0
    with ledger.tally(5) as tally:
        assert tally.empty
        assert ledger.result(tally) == FlushResult(0, 0, 0)
    assert ledger.settle(5, 5, "dropped")
    assert not ledger.settle(5, 5, "dropped")
    assert ledger.dropped == 5


def test_a_tally_counts_only_its_own_events_and_how_each_ended():
    ledger = Settlement()
    ledger.settle(0, 10, "published")  # before the flush: not its business
    with ledger.tally(40) as tally:
        assert (tally.start, tally.target, ledger.waiting) == (10, 40, 1)
        ledger.settle(10, 10, "published")
        ledger.settle(30, 10, "dropped")  # past the prefix: counted from the ranges ahead
        assert ledger.result(tally) == FlushResult(published=10, spooled=0, failed=20)
        ledger.settle(20, 10, "spooled")
        ledger.settle(40, 10, "published")  # recorded after the flush: not counted
        assert ledger.wait(tally, timeout=0) == FlushResult(published=10, spooled=10, failed=10)
    assert ledger.waiting == 0


def test_wait_returns_when_the_last_range_settles_and_reports_what_is_missing_on_timeout():
    ledger = Settlement()
    with ledger.tally(20) as tally:
        ledger.settle(10, 10, "published")
        assert ledger.wait(tally, timeout=0.05) == FlushResult(published=10, spooled=0, failed=10)
        settler = threading.Timer(0.05, ledger.settle, (0, 10, "spooled"))
        settler.start()
        assert ledger.wait(tally, timeout=30) == FlushResult(published=10, spooled=10, failed=0)
        settler.join()


def test_a_target_already_settled_makes_an_empty_tally():
    ledger = Settlement()
    ledger.settle(0, 10, "published")
    with ledger.tally(5) as tally:
        assert tally.empty
        assert ledger.wait(tally, timeout=None) == FlushResult(0, 0, 0)


def test_replayed_events_count_as_published_without_touching_the_numbering():
    ledger = Settlement()
    ledger.replayed(300)
    assert (ledger.published, ledger.prefix) == (300, 0)
