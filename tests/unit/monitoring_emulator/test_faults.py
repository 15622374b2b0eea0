"""Arming faults: what the admin API accepts, and how a slow success is told apart."""

from __future__ import annotations

import grpc
import pytest

from helios_metrics.monitoring_emulator._faults import Faults


def test_a_slow_success_needs_a_delay_and_no_series_filter():
    faults = Faults()
    with pytest.raises(ValueError, match="slow success"):
        faults.add({"method": "CreateTimeSeries", "code": "OK"})
    with pytest.raises(ValueError, match="slow success"):
        faults.add({"method": "CreateTimeSeries", "code": "OK", "delay_s": 1, "series_filter": 'metric.type = "x"'})
    fault = faults.add({"method": "CreateTimeSeries", "code": "OK", "delay_s": 2})
    assert faults.take_call_fault("CreateTimeSeries") is fault
    assert fault.code == grpc.StatusCode.OK
    assert faults.take_call_fault("CreateTimeSeries") is None  # spent after one call


def test_unknown_fields_and_codes_are_refused():
    faults = Faults()
    with pytest.raises(ValueError, match="unknown fault fields"):
        faults.add({"method": "CreateTimeSeries", "colour": "red"})
    with pytest.raises(ValueError, match="unknown status code"):
        faults.add({"method": "CreateTimeSeries", "code": "TEAPOT"})
