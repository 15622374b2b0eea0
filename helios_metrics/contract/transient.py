"""The one definition of a transient failure, shared by the publisher, the collector and the writer.

A failure is transient when a retry can succeed: the status codes Pub/Sub's own publisher retries
by default (ABORTED, CANCELLED, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNAVAILABLE,
UNKNOWN) — except Monitoring's active-series cap, a RESOURCE_EXHAUSTED that no retry fixes. Pure:
it reads the code off an exception (``grpc_status_code.name``) or takes ``google.rpc.Code``
numbers, so importing it loads neither gRPC nor api-core.
"""

from __future__ import annotations

__all__ = [
    "AMBIGUOUS_CODES",
    "CODE_NAMES",
    "TRANSIENT_CODES",
    "code_name",
    "is_ambiguous",
    "is_transient",
    "is_transient_code",
]

CODE_NAMES: dict[int, str] = {
    0: "OK",
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}
"""``google.rpc.Code`` numbers and their names."""

TRANSIENT_CODES = frozenset(
    {"ABORTED", "CANCELLED", "DEADLINE_EXCEEDED", "INTERNAL", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "UNKNOWN"}
)
AMBIGUOUS_CODES = frozenset({"CANCELLED", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN"})
"""A call that failed with these may still have been applied by the server."""

_PERMANENT_EXHAUSTION = "too many time series"  # Monitoring's series cap: waiting does not lift it


def code_name(code: int | str) -> str:
    """``8`` or ``"RESOURCE_EXHAUSTED"`` → ``"RESOURCE_EXHAUSTED"``."""
    return code if isinstance(code, str) else CODE_NAMES.get(code, "UNKNOWN")


def is_transient_code(code: int | str, reason: str = "") -> bool:
    """Whether a failure with this status code (and message) is worth retrying."""
    name = code_name(code)
    if name == "RESOURCE_EXHAUSTED" and _PERMANENT_EXHAUSTION in reason:
        return False
    return name in TRANSIENT_CODES


def _status_name(error: BaseException) -> str | None:
    status = getattr(error, "grpc_status_code", None)  # google.api_core.exceptions.GoogleAPICallError
    return None if status is None else str(status.name)


def is_transient(error: BaseException) -> bool:
    """A retry predicate for ``google.api_core.retry.Retry``: True for transient API errors."""
    name = _status_name(error)
    return name is not None and is_transient_code(name, str(getattr(error, "message", "") or ""))


def is_ambiguous(error: BaseException) -> bool:
    """True when the failed call may have been applied anyway (a timeout, an internal error)."""
    return _status_name(error) in AMBIGUOUS_CODES
