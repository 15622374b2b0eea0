"""The store changes only through Store.change: whole or not at all, a change inside a change is part
of it, and a change that fails before writing leaves the series (and the caches keyed on them) as
they were. Its queries read descriptors, series and points at one moment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api import metric_pb2

from helios_metrics.monitoring_emulator._series import SeriesKey, SeriesLabels
from helios_metrics.monitoring_emulator._store import Store

MD = metric_pb2.MetricDescriptor
PROJECT = "p"
METRIC = "custom.googleapis.com/m"


def key(task: str) -> SeriesKey:
    return SeriesKey.of(PROJECT, METRIC, {"k": "v"}, "generic_task", {"project_id": PROJECT, "task_id": task})


@pytest.fixture
def store() -> Iterator[Store]:
    db = Store()
    with db.change() as change:
        change.put_descriptor(PROJECT, MD(type=METRIC, metric_kind=MD.CUMULATIVE, value_type=MD.INT64))
        series = change.new_series(key("a"), MD.CUMULATIVE, MD.INT64)
        change.add_points([(series, 10, 20, b"one")])
        change.add_points([(series, 10, 30, b"two")])
    yield db
    db.close()


def test_a_change_that_fails_after_writing_leaves_nothing_of_it(store):
    before = store.series_named(key("a"))

    def refused() -> None:
        with store.change() as change:
            change.new_series(key("b"), MD.CUMULATIVE, MD.INT64)
            change.put_object("thing", PROJECT, "x", b"body")
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    assert store.series_named(key("b")) is None
    assert store.get_object("thing", PROJECT, "x") is None
    again = store.series_named(key("a"))
    assert again is not None
    assert again.last_end == 30
    assert before is not None
    assert not before.alive


def test_a_change_that_fails_before_writing_keeps_the_series_as_they_are(store):
    before = store.series_named(key("a"))
    with pytest.raises(RuntimeError), store.change():
        raise RuntimeError("refused before any write")
    assert store.series_named(key("a")) is before
    assert before is not None
    assert before.alive


def test_a_change_inside_a_change_commits_with_it_or_not_at_all(store):
    with store.change() as outer:
        outer.put_object("thing", PROJECT, "x", b"1")
        store.put_object("thing", PROJECT, "y", b"2")  # a change of its own, inside the outer one
    assert [ident for ident, _ in store.list_objects("thing", PROJECT)] == ["x", "y"]

    def refused() -> None:
        with store.change():
            store.delete_object("thing", PROJECT, "x")
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    assert store.get_object("thing", PROJECT, "x") == b"1"


def test_a_selection_reads_the_kind_and_each_series_with_its_base_point(store):
    picked = store.select(
        PROJECT, METRIC, lambda k: k.resolver()("resource.labels.task_id") == "a", 40, lambda _: (25, True)
    )
    assert (picked.kind, picked.value_type) == (MD.CUMULATIVE, MD.INT64)
    [(series, rows)] = picked.series
    assert series.key == key("a")
    assert [(end, bytes(value)) for end, _, value in rows] == [(30, b"two"), (20, b"one")]  # the base last


def test_the_resources_seen_carry_the_project_and_can_be_limited_to_an_interval(store):
    labels = (("project_id", PROJECT), ("task_id", "a"))
    assert store.resources(PROJECT) == [("generic_task", labels)]
    assert store.resources(PROJECT, (25, 35)) == [("generic_task", labels)]
    assert store.resources(PROJECT, (31, 40)) == []


def test_a_measured_series_and_a_stored_one_are_different_things():
    measured = SeriesLabels.of("generic_task", {"task_id": "a"}, {"k": "v"})
    assert SeriesLabels.parse(measured.text()) == measured
    assert measured.label_resolver()("resource.labels.task_id") == "a"
    assert measured.label_resolver()("metric.label.k") == "v"
    assert key("a").counted_resource == ("p", "generic_task", "project_id=p", "task_id=a")
