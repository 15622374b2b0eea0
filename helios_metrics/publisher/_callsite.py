"""Validation at the call site: fast checks that raise ``ValueError`` naming the field and value.

Valid stage names and ``additional_data`` keys are remembered, so the common call pays a set
lookup instead of a regex. The caps on distinct stages and keys keep cardinality bounded before
anything reaches Monitoring; what they refuse is counted and logged once per name.
"""

from __future__ import annotations

import logging
import math
import numbers
import re
import sys
import threading
from collections.abc import Mapping
from typing import Any

from helios_metrics.contract.catalog import MetricSpec
from helios_metrics.contract.wire import DATA_KEY, IDENTIFIER

__all__ = ["CallSiteGuard", "check_fraction", "check_seconds", "number"]

_log = logging.getLogger("publisher")
_STAGE = re.compile(IDENTIFIER)
_KEY = re.compile(DATA_KEY)
_MAX_LABEL_BYTES = 1024
_INF = math.inf
_MAX_INT = int(sys.float_info.max)  # an int past it has no double: the collector could not decode it
_MIN_INT = -_MAX_INT


def number(field: str, value: Any) -> float:
    """``value`` as a float; bools, strings, non-numbers and ints past a double's range raise
    ``ValueError`` naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{field} must be a number, got {value!r}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{field} must be a finite number, got one beyond a double's range") from None


def check_seconds(field: str, value: Any) -> float:
    seconds = value if value.__class__ is float else number(field, value)
    if not 0.0 <= seconds < math.inf:  # NaN fails every comparison
        raise ValueError(f"{field} must be a finite number of seconds >= 0, got {value!r}")
    return seconds


def check_fraction(field: str, value: Any) -> float:
    fraction = value if value.__class__ is float else number(field, value)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"{field} must be between 0 and 1, got {value!r}")
    return fraction


class CallSiteGuard:
    """Remembers admitted stage names and data keys, and enforces the cardinality caps."""

    def __init__(self, max_stages: int, max_data_keys: int) -> None:
        self._lock = threading.Lock()
        self._max_stages, self._max_keys = max_stages, max_data_keys
        self.stages: set[str] = set()
        self._keys: dict[str, set[str]] = {}
        self._refused_names: set[str] = set()
        self.refused = 0

    def after_fork(self) -> None:
        """In a forked child: another thread may have held the lock at the fork."""
        self._lock = threading.Lock()

    def admit_stage(self, stage: Any) -> bool:
        """True if ``stage`` may be recorded; False (counted) past the cap; ValueError if malformed."""
        if not isinstance(stage, str) or not _STAGE.match(stage):
            raise ValueError(f"stage must match [a-z][a-z0-9_]{{0,62}}, got {stage!r}")
        with self._lock:
            if stage in self.stages:
                return True
            if len(self.stages) >= self._max_stages:
                self._refuse(f"stage {stage!r}", f"more than {self._max_stages} distinct stages")
                return False
            self.stages.add(stage)
            self._keys[stage] = set()
            return True

    def check_data(self, stage: str, data: Any) -> dict[str, float] | None:
        """A validated copy of ``additional_data`` (the caller may reuse its dict). The common
        case — a plain dict of known keys and int/float values — is checked without a regex."""
        if data.__class__ is dict and self._keys[stage].issuperset(data):
            for value in data.values():
                kind = value.__class__
                if kind is float:
                    if not -_INF < value < _INF:
                        break
                elif kind is not int or not _MIN_INT <= value <= _MAX_INT:  # int to int: no float compare
                    break
            else:
                return dict(data)
        return self._check_data_slowly(stage, data)

    def _check_data_slowly(self, stage: str, data: Any) -> dict[str, float] | None:
        if not isinstance(data, Mapping):
            raise ValueError(f"additional_data must be a dict of numbers, got {data!r}")
        known = self._keys[stage]
        checked: dict[str, float] = {}
        for key, value in data.items():
            if key not in known and not self._admit_key(stage, key):
                continue
            number_value = number(f"additional_data[{key!r}]", value)
            if not -_INF < number_value < _INF:
                raise ValueError(f"additional_data[{key!r}] must be a finite number, got {value!r}")
            checked[key] = value if value.__class__ in (int, float) else number_value
        return checked or None

    def _admit_key(self, stage: str, key: Any) -> bool:
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"additional_data keys must match [A-Za-z][A-Za-z0-9_]{{0,62}}, got {key!r}")
        with self._lock:
            known = self._keys[stage]
            if key in known:
                return True
            if len(known) >= self._max_keys:
                self._refuse(f"additional_data key {key!r} of stage {stage!r}", f"more than {self._max_keys} keys")
                return False
            known.add(key)
            return True

    def _refuse(self, what: str, why: str) -> None:
        self.refused += 1
        if what not in self._refused_names:
            self._refused_names.add(what)
            _log.warning("refusing %s: %s (cardinality cap; counted in stats.refused)", what, why)

    @staticmethod
    def check_labels(metric: MetricSpec, labels: Mapping[str, Any]) -> dict[str, str]:
        expected = metric.label_keys
        if set(labels) != set(expected):
            raise ValueError(f"labels of {metric.name} must be exactly {list(expected)}, got {sorted(labels)}")
        checked: dict[str, str] = {}
        for label in metric.labels:
            value = labels[label.key]
            if not isinstance(value, str) or len(value.encode()) > _MAX_LABEL_BYTES:
                raise ValueError(f"label {label.key} must be a string of at most 1024 bytes, got {value!r}")
            if label.values and value not in label.values:
                raise ValueError(f"label {label.key} must be one of {list(label.values)}, got {value!r}")
            checked[label.key] = value
        return checked
