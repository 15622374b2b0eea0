"""Retry and health alone: exponential backoff between failed rounds, capped, reset by a success,
and a log line at the first failure and every tenth — on a clock the test moves."""

from __future__ import annotations

import logging

from helios_metrics.publisher._health import Health


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_up_to_its_cap_and_a_success_resets_it():
    clock = Clock()
    health = Health(max_backoff_s=5.0, clock=clock)
    assert health.healthy
    assert health.due(clock.now)
    delays = [health.failed(ConnectionError("down"), kept=0) for _ in range(5)]
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert (health.healthy, health.failures, health.publish_errors) == (False, 5, 5)
    assert not health.due(clock.now + 4.9)
    assert health.due(clock.now + 5.0)
    health.succeeded()
    assert (health.healthy, health.failures, health.publish_errors) == (True, 0, 5)
    assert health.failed(ConnectionError("down again"), kept=0) == 1.0


def test_an_outage_logs_its_first_failure_and_every_tenth(caplog):
    health = Health(max_backoff_s=30.0, clock=Clock())
    with caplog.at_level(logging.WARNING, logger="publisher"):
        for _ in range(25):
            health.failed(ConnectionError("Pub/Sub unreachable"), kept=1234)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3  # failures 1, 10 and 20
    assert "Pub/Sub unreachable" in lines[0]
    assert "1234 events kept" in lines[0]
    assert "retrying in 1.0s" in lines[0]
    assert "retrying in 30.0s" in lines[-1]
