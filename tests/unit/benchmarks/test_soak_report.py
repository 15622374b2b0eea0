"""The soak's accounting, on numbers worked out by hand: a loss in one window cannot hide a double
count in another, and dead-lettered events are accounted for, not lost."""

from __future__ import annotations

import itertools

from benchmarks._soak_pipeline import due_fraction
from benchmarks.soak_report import Sample, account, memory_page, rss_summary

RECORDED = {("a", 10): 100, ("a", 20): 50, ("pipeline", 10): 25}


def test_exact_books():
    books = account(RECORDED, dict(RECORDED), hostile_events=10, letters=[("expired", 5, True)] * 2)
    assert (books.events_in, books.counted, books.dead_lettered_events) == (185, 175, 10)
    assert (books.lost, books.double_counted, books.windows) == (0, 0, 3)
    assert books.dead_letter_reasons == {"expired": 2}


def test_a_loss_and_a_double_count_in_different_windows_do_not_cancel():
    counted = {("a", 10): 103, ("a", 20): 47, ("pipeline", 10): 25}  # same total, wrong windows
    books = account(RECORDED, counted, hostile_events=0, letters=[])
    assert books.counted == sum(RECORDED.values())
    assert (books.lost, books.double_counted) == (3, 3)


def test_pipeline_events_in_the_dead_letters_are_not_lost_and_missing_hostile_ones_are():
    counted = {("a", 10): 96, ("a", 20): 50, ("pipeline", 10): 25}
    letters = [("delivery attempts exhausted", 4, False), ("expired", 5, True), ("schema", 0, True)]
    books = account(RECORDED, counted, hostile_events=10, letters=letters)
    assert books.dead_lettered_events == 9
    assert books.lost == 5  # the 4 missing pipeline events are in a letter; 5 of the 10 hostile are nowhere


def test_rss_growth_compares_the_last_tenth_with_the_second():
    samples = [Sample(t, t / 10, {"c": 100.0 + (t >= 90) * 20, "p": 50.0}) for t in range(100)]
    summary = rss_summary(samples)
    assert summary["c"] == {"first_mb": 100.0, "last_mb": 120.0, "peak_mb": 120.0, "growth_mb": 20.0}
    assert summary["p"]["growth_mb"] == 0.0
    assert "<svg" in memory_page(samples, "title", 0)
    assert "</span> c</span>" in memory_page(samples, "t", 0)  # its legend


def test_the_weeks_rhythm_starts_at_zero_ends_at_one_and_never_runs_backwards():
    shares = [due_fraction(i / 1000) for i in range(1001)]
    assert shares[0] == 0.0
    assert abs(shares[-1] - 1.0) < 1e-12
    assert all(b >= a for a, b in itertools.pairwise(shares))
