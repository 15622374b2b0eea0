"""What the alert-policy, notification-channel and dashboard services share: resource names (a
request may name a project by id or by number; each collection comes back in the form Google
returns it in), server-assigned ids, etags, change records, user-label rules and paging.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from ._errors import invalid_argument, not_found
from ._store import Store

__all__ = ["Projects", "check_user_labels", "new_etag", "new_id", "page"]

_T = TypeVar("_T")
_BY_ID = frozenset({"alertPolicies", "notificationChannels", "notificationChannelDescriptors"})
"""Collections Google returns under the project id (an alert policy, its conditions, a channel:
``projects/my-proj/alertPolicies/…/conditions/…``); the others (dashboards, services, snoozes)
come back with the project number."""
_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")


def new_id() -> str:
    """A server-assigned numeric id, like the 19–20 digit ids of policies and channels."""
    return str(secrets.randbelow(9 * 10**18) + 10**18)


def new_etag() -> str:
    """A fresh 32-hex etag (the form the Dashboards API returns)."""
    return secrets.token_hex(16)


class Projects:
    """Maps project ids to the project numbers names are returned with, and back.

    A project's number is derived from its id (12 digits), so it is stable across restarts; a
    request may name a project by either."""

    def __init__(self, store: Store, clock: Callable[[], int] = time.time_ns) -> None:
        self._store, self._clock = store, clock
        self._lock = threading.Lock()
        self._by_number: dict[str, str] = {}

    @staticmethod
    def number_of(project: str) -> str:
        if project.isdigit():
            return project
        digest = hashlib.sha256(project.encode()).digest()
        return str(int.from_bytes(digest[:8], "big") % (9 * 10**11) + 10**11)

    def remember(self, project: str) -> str:
        """The project id for a name's project part (an id, or the number of a project the store knows)."""
        with self._lock:
            if not project.isdigit():
                self._by_number[self.number_of(project)] = project
                return project
            if project not in self._by_number:  # e.g. after a restart on the same data file
                for known in self._store.known_projects():
                    self._by_number.setdefault(self.number_of(known), known)
            return self._by_number.get(project, project)

    def parent(self, name: str, field: str = "name") -> str:
        """``projects/P`` → the project id."""
        match = re.fullmatch(r"projects/([^/]+)", name)
        if not match:
            raise invalid_argument(
                f'Field {field} had an invalid value of "{name}": The name must have the form projects/[PROJECT_ID].'
            )
        return self.remember(match.group(1))

    def split(self, name: str, collection: str, what: str) -> tuple[str, str]:
        """``projects/P/<collection>/ID`` → (project id, ID); NOT_FOUND in Google's words otherwise."""
        match = re.fullmatch(rf"projects/([^/]+)/{collection}/([^/]+)", name)
        if not match:
            raise invalid_argument(
                f'Field name had an invalid value of "{name}": The name must have the form '
                f"projects/[PROJECT_ID_OR_NUMBER]/{collection}/[{what}_ID]."
            )
        return self.remember(match.group(1)), match.group(2)

    def name(self, project: str, collection: str, ident: str) -> str:
        """The name as the server returns it: under the project id for alert policies and
        notification channels, the project number for the rest. ``project`` is the id the store
        keys the project by, so whichever form a caller used, the name is the same (a caller who
        uses the number gets the id back); a number the emulator cannot map to an id stays a number."""
        owner = project if collection in _BY_ID else self.number_of(project)
        return f"projects/{owner}/{collection}/{ident}"

    def canonical(self, name: str) -> str:
        """``projects/<id or number>/<collection>/…`` as the server returns it (see :meth:`name`);
        any other text unchanged. Names written by older versions (with the number) read back in
        today's form."""
        parts = name.split("/", 3)
        if len(parts) < 4 or parts[0] != "projects" or not parts[1]:
            return name
        return self.name(self.remember(parts[1]), parts[2], parts[3])

    def load(self, kind: str, project: str, ident: str, what: str) -> bytes:
        body = self._store.get_object(kind, project, ident)
        if body is None:
            raise not_found(f"Requested entity was not found: {what} {ident} does not exist in project {project}.")
        return body


def check_user_labels(labels: Mapping[str, str], field: str) -> None:
    """User labels: at most 64; keys start with a letter; keys and values of ``[a-z0-9_-]``, ≤ 63 chars."""
    if len(labels) > 64:
        raise invalid_argument(f"Field {field} had an invalid value: At most 64 user labels are allowed.")
    for key, value in labels.items():
        if not _LABEL_KEY.fullmatch(key):
            raise invalid_argument(
                f'Field {field} had an invalid value of "{key}": Label keys must start with a lower-case letter and '
                "contain only lower-case letters, digits, underscores and dashes, at most 63 characters."
            )
        if not _LABEL_VALUE.fullmatch(value):
            raise invalid_argument(
                f'Field {field}.{key} had an invalid value of "{value}": Label values may contain only lower-case '
                "letters, digits, underscores and dashes, at most 63 characters."
            )


def page(items: Sequence[_T], page_size: int, page_token: str, default: int) -> tuple[Sequence[_T], str]:
    """One page of ``items`` and the token of the next one ('' when this is the last)."""
    if page_token and not page_token.isdigit():
        raise invalid_argument(f'Field pageToken had an invalid value of "{page_token}": The page token is not valid.')
    offset = int(page_token or 0)
    size = default if page_size <= 0 or page_size > default else page_size
    chunk = items[offset : offset + size]
    return chunk, str(offset + size) if offset + size < len(items) else ""
