"""``google.monitoring.v3.SnoozeService``: snoozes of alert policies, validated and updatable as the
API documents (there is no Delete: a snooze is cancelled by moving its end time to now).

- Create: a display name of 1 to 512 characters; 1 to 16 existing policies of the project (exactly
  one when ``criteria.filter`` is set — resource, metric and metadata labels joined by AND); an end
  time; a start time not more than 15 s in the past (the API's allowance for clock skew; unset, it
  is the end time, as a ``TimeInterval`` documents) and not after the end.
- Update: the mask is required and may name ``display_name``, ``interval.start_time`` and
  ``interval.end_time``; what may change depends on the snooze's state now — nothing once it has
  ended, the display name and end time while it runs, all three before it starts.
- List: ``filter`` on ``interval.start_time`` / ``interval.end_time`` compared with RFC 3339 times.

A snooze covers a policy from its start time up to (not including) its end time; :meth:`active` is
what the alert evaluator asks. Snoozes are read from the store once per project and kept in memory
(this service is their only writer), so asking at every instant of a replayed week costs nothing.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from google.cloud.monitoring_v3.types import snooze, snooze_service

from helios_metrics.contract.units import NS

from ._errors import invalid_argument
from ._filters import FilterError, parse_filter
from ._masks import apply_mask
from ._objects import Projects, new_id, page
from ._raw import Raw
from ._store import Store
from ._timeutil import format_rfc3339, parse_rfc3339, timestamp_ns

__all__ = ["SERVICE", "SnoozeService"]

SERVICE = "google.monitoring.v3.SnoozeService"
KIND = "snooze"
POLICY_KIND = "alert_policy"  # as the alert policy service stores them
_SNOOZE = snooze.Snooze.pb()
_SKEW_NS = 15 * NS
_MAX_POLICIES = 16
_UPDATABLE = ("display_name", "interval.start_time", "interval.end_time")
_FILTER_TERM = re.compile(
    r'\s*(resource\.labels|metric\.labels|metadata\.user_labels|metadata\.system_labels)\.[A-Za-z0-9_.\-]+\s*=\s*"[^"]*"\s*'
)
_QUOTED_TIME = re.compile(r'"(\d{4}-\d\d-\d\dT[^"]+)"')


def _policy_parts(name: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"projects/([^/]+)/alertPolicies/([^/]+)", name)
    return None if match is None else (match.group(1), match.group(2))


def _ordered_time(ns: int) -> str:
    """A time as text that orders as the time does (fixed width, UTC)."""
    return f"t{ns:024d}"  # not a number: the filter compares it as text


class SnoozeService:
    """Method name → (handler on raw request, raw request class, raw response class)."""

    def __init__(self, store: Store, projects: Projects, clock: Callable[[], int] = time.time_ns) -> None:
        self._store, self._projects, self._clock = store, projects, clock
        self._cache: dict[str, list[Raw]] = {}
        self._lock = threading.Lock()

    def handlers(self) -> dict[str, tuple[Callable[[Raw], Raw], Any, Any]]:
        s = snooze_service
        return {
            "CreateSnooze": (self.create, s.CreateSnoozeRequest.pb(), _SNOOZE),
            "ListSnoozes": (self.list, s.ListSnoozesRequest.pb(), s.ListSnoozesResponse.pb()),
            "GetSnooze": (self.get, s.GetSnoozeRequest.pb(), _SNOOZE),
            "UpdateSnooze": (self.update, s.UpdateSnoozeRequest.pb(), _SNOOZE),
        }

    # --- what the alert evaluator asks --------------------------------------------------------------
    def snoozes(self, project: str) -> list[Raw]:
        with self._lock:
            if project not in self._cache:
                rows = self._store.list_objects(KIND, project)
                self._cache[project] = [_SNOOZE.FromString(body) for _, body in rows]
            return list(self._cache[project])

    def _covering(self, project: str, policy_name: str, at_ns: int) -> list[Raw]:
        parts = _policy_parts(policy_name)
        if parts is None:
            return []
        wanted = parts[1]
        found = []
        for item in self.snoozes(project):
            start, end = timestamp_ns(item.interval.start_time), timestamp_ns(item.interval.end_time)
            if start <= at_ns < end and any(p.rsplit("/", 1)[1] == wanted for p in item.criteria.policies):
                found.append(item)
        return found

    def active(self, project: str, policy_name: str, at_ns: int) -> bool:
        """Whether a snooze without a filter covers the policy at ``at_ns``."""
        return any(not item.criteria.filter for item in self._covering(project, policy_name, at_ns))

    def covers(
        self, project: str, policy_name: str, at_ns: int, labels: Callable[[str], str | None] | None = None
    ) -> bool:
        """Whether a snooze covers one incident's series at ``at_ns``: unfiltered snoozes cover every
        series; a filtered one, those whose labels (``resource.labels.K``, ``metric.labels.K``,
        ``metadata.user_labels.K``… answered by ``labels``) match its filter."""
        for item in self._covering(project, policy_name, at_ns):
            if not item.criteria.filter:
                return True
            if labels is not None and parse_filter(item.criteria.filter).matches(labels):
                return True
        return False

    # --- methods ------------------------------------------------------------------------------------
    def create(self, request: Raw) -> Raw:
        project = self._projects.parent(request.parent, "parent")
        item = _SNOOZE()
        item.CopyFrom(request.snooze)
        if item.name:
            raise invalid_argument(
                f'Field snooze.name had an invalid value of "{item.name}": The name is assigned by the server; '
                "omit it when creating a snooze."
            )
        self._check_display_name(item)
        self._check_criteria(project, item)
        now = self._clock()
        if not item.interval.HasField("end_time"):
            raise invalid_argument("Field snooze.interval.endTime had an invalid value: An end time is required.")
        if not item.interval.HasField("start_time"):
            item.interval.start_time.CopyFrom(item.interval.end_time)
        self._check_start(item, now)
        self._check_order(item)
        item.name = self._projects.name(project, "snoozes", new_id())
        return self._save(project, item)

    def get(self, request: Raw) -> Raw:
        project, ident = self._projects.split(request.name, "snoozes", "SNOOZE")
        return _SNOOZE.FromString(self._projects.load(KIND, project, ident, "snooze"))

    def list(self, request: Raw) -> Raw:
        project = self._projects.parent(request.parent, "parent")
        found = sorted(self.snoozes(project), key=lambda s: (timestamp_ns(s.interval.start_time), s.name))
        if request.filter:
            parsed = _list_filter(request.filter)
            found = [s for s in found if parsed.matches(_resolver(s))]
        chunk, token = page(found, request.page_size, request.page_token, 1000)
        response = snooze_service.ListSnoozesResponse.pb()(next_page_token=token)
        response.snoozes.extend(chunk)
        return response

    def update(self, request: Raw) -> Raw:
        supplied = request.snooze
        project, ident = self._projects.split(supplied.name, "snoozes", "SNOOZE")
        paths = [_snake(path) for path in request.update_mask.paths]
        if not paths:
            raise invalid_argument(
                "Field update_mask had an invalid value: An update mask is required; it may name display_name, "
                "interval.start_time and interval.end_time."
            )
        for path in paths:
            if path not in _UPDATABLE:
                raise invalid_argument(
                    f'Field update_mask had an invalid value of "{path}": Only display_name, interval.start_time '
                    "and interval.end_time can be updated."
                )
        with self._store.change():
            stored = _SNOOZE.FromString(self._projects.load(KIND, project, ident, "snooze"))
            now = self._clock()
            start, end = timestamp_ns(stored.interval.start_time), timestamp_ns(stored.interval.end_time)
            if end <= now:
                raise invalid_argument(
                    f"Field snooze had an invalid value: Snooze {stored.name} ended at {format_rfc3339(end)}; a "
                    "past snooze cannot be updated."
                )
            if start <= now and "interval.start_time" in paths:
                raise invalid_argument(
                    f"Field snooze.interval.startTime had an invalid value: Snooze {stored.name} started at "
                    f"{format_rfc3339(start)}; only the display name and the end time of an active snooze can be "
                    "updated."
                )
            updated = _SNOOZE()
            updated.CopyFrom(stored)
            apply_mask(updated, supplied, paths, "Snooze")
            self._check_display_name(updated)
            if "interval.start_time" in paths:
                self._check_start(updated, now)
            if "interval.end_time" in paths and timestamp_ns(updated.interval.end_time) < now - _SKEW_NS:
                raise invalid_argument(
                    f'Field snooze.interval.endTime had an invalid value of "'
                    f'{format_rfc3339(timestamp_ns(updated.interval.end_time))}": The end time cannot be in the past.'
                )
            self._check_order(updated)
            return self._save(project, updated)

    # --- validation ---------------------------------------------------------------------------------
    @staticmethod
    def _check_display_name(item: Raw) -> None:
        if not item.display_name or len(item.display_name) > 512:
            raise invalid_argument(
                "Field snooze.displayName had an invalid value: A display name of 1 to 512 characters is required."
            )

    def _check_criteria(self, project: str, item: Raw) -> None:
        policies = item.criteria.policies
        if not 1 <= len(policies) <= _MAX_POLICIES:
            raise invalid_argument(
                f"Field snooze.criteria.policies had an invalid value: A snooze names 1 to {_MAX_POLICIES} alert "
                f"policies, but this one names {len(policies)}."
            )
        numbered = []
        for index, name in enumerate(policies):
            parts = _policy_parts(name)
            owner = None if parts is None else self._projects.remember(parts[0])
            if parts is None or owner != project or self._store.get_object(POLICY_KIND, project, parts[1]) is None:
                raise invalid_argument(
                    f'Field snooze.criteria.policies[{index}] had an invalid value of "{name}": The alert policy '
                    f"does not exist in project {project}."
                )
            numbered.append(self._projects.name(project, "alertPolicies", parts[1]))
        del policies[:]
        policies.extend(numbered)
        text = item.criteria.filter
        if text:
            if len(policies) != 1:
                raise invalid_argument(
                    "Field snooze.criteria.filter had an invalid value: A snooze with a filter must name exactly one "
                    f"alert policy, but this one names {len(policies)}."
                )
            if not all(_FILTER_TERM.fullmatch(term) for term in re.split(r"\bAND\b", text)):
                raise invalid_argument(
                    f'Field snooze.criteria.filter had an invalid value of "{text}": A snooze filter is one or more '
                    'resource.labels.K, metric.labels.K, metadata.user_labels.K or metadata.system_labels.K = "value" '
                    "terms joined by AND."
                )

    @staticmethod
    def _check_start(item: Raw, now: int) -> None:
        start = timestamp_ns(item.interval.start_time)
        if start < now - _SKEW_NS:
            raise invalid_argument(
                f'Field snooze.interval.startTime had an invalid value of "{format_rfc3339(start)}": The start time '
                "cannot be in the past."
            )

    @staticmethod
    def _check_order(item: Raw) -> None:
        start, end = timestamp_ns(item.interval.start_time), timestamp_ns(item.interval.end_time)
        if start > end:
            raise invalid_argument(
                f'Field snooze.interval.endTime had an invalid value of "{format_rfc3339(end)}": The end time must '
                f"not be before the start time ({format_rfc3339(start)})."
            )

    def _save(self, project: str, item: Raw) -> Raw:
        ident = item.name.rsplit("/", 1)[1]
        with self._lock:
            self._store.put_object(KIND, project, ident, item.SerializeToString())
            self._cache.pop(project, None)
        return item


def _snake(path: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), path)


def _list_filter(text: str) -> Any:
    """The list filter with its quoted RFC 3339 times rewritten to text that orders as the times do."""

    def normalise(match: re.Match[str]) -> str:
        try:
            return f'"{_ordered_time(parse_rfc3339(match.group(1)))}"'
        except ValueError:
            return match.group(0)

    try:
        return parse_filter(_QUOTED_TIME.sub(normalise, text))
    except FilterError as err:
        raise invalid_argument(f'Field filter had an invalid value of "{text}": {err}') from err


def _resolver(item: Raw) -> Callable[[str], str | None]:
    fields: Mapping[str, str] = {
        "interval.start_time": _ordered_time(timestamp_ns(item.interval.start_time)),
        "interval.end_time": _ordered_time(timestamp_ns(item.interval.end_time)),
        "display_name": str(item.display_name),
        "name": str(item.name),
    }
    return fields.get
