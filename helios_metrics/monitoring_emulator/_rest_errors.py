"""Errors over HTTP/JSON as Google's front end writes them.

A failed call answers with the HTTP status of its canonical code (``google/rpc/code.proto``) and
the body ``{"error": {"code": 400, "message": "…", "status": "INVALID_ARGUMENT", "details": [...]}}``,
details rendered as JSON ``Any`` (``"@type": "type.googleapis.com/…"``). A body that is not JSON
is refused with the wording of the protobuf JSON stream parser Google's transcoder uses
(``Invalid JSON payload received. Expected , or } after key:value pair.``), followed by the line
and a caret under the fault; fields it cannot bind are refused as ``Unknown name "x" at 'path':
Cannot find field.`` with a ``google.rpc.BadRequest`` detail listing each violation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import grpc
from google.protobuf import any_pb2, json_format
from google.rpc import error_details_pb2

from ._errors import ApiError

__all__ = ["HTTP_STATUS", "bad_request", "error_body", "invalid_json", "url_not_found"]

HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}


def error_body(error: ApiError) -> tuple[int, bytes]:
    """The HTTP status and JSON body of a failed call."""
    status = HTTP_STATUS.get(error.code, 500)
    payload: dict[str, object] = {"code": status, "message": error.message, "status": error.code.name}
    if error.details:
        details = []
        for detail in error.details:
            packed = any_pb2.Any()
            packed.Pack(detail)
            details.append(json_format.MessageToDict(packed))
        payload["details"] = details
    return status, json.dumps({"error": payload}, indent=2, ensure_ascii=False).encode()


def url_not_found(path: str) -> ApiError:
    """No binding has this path and verb: Google's front end answers 404 with this sentence."""
    return ApiError(grpc.StatusCode.NOT_FOUND, f"The requested URL {path} was not found on this server.")


def bad_request(violations: Sequence[tuple[str, str]]) -> ApiError:
    """INVALID_ARGUMENT listing ``(field, description)`` violations, one line each, and as a
    ``google.rpc.BadRequest`` detail (a violation at the root has no field)."""
    detail = error_details_pb2.BadRequest()
    for field, description in violations:
        violation = detail.field_violations.add(description=description)
        if field:
            violation.field = field
    message = "\n".join(description for _, description in violations)
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, message, [detail])


def _inside_array(text: str, position: int) -> bool:
    """Whether ``position`` is directly inside a JSON array (rather than an object)."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text[:position]:
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
    return bool(stack) and stack[-1] == "["


def invalid_json(err: json.JSONDecodeError) -> ApiError:
    """A body that is not JSON: Google's parser wording, then the line and a caret under the fault."""
    text, position, problem = err.doc, err.pos, err.msg
    if position >= len(text.rstrip()) or problem.startswith("Unterminated"):
        reason = "Unexpected end of string."
    elif problem.startswith("Expecting ',' delimiter"):
        reason = (
            "Expected , or ] after array value."
            if _inside_array(text, position)
            else ("Expected , or } after key:value pair.")
        )
    elif problem.startswith("Expecting ':' delimiter"):
        reason = "Expected : between key:value pair."
    elif problem.startswith("Expecting property name"):
        reason = "Expected an object key or }."
    elif problem.startswith("Extra data"):
        reason = "Parsing terminated before end of input."
    elif problem.startswith("Invalid \\escape") or problem.startswith("Invalid \\u"):
        reason = "Invalid escape sequence."
    else:
        reason = "Unexpected token."
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : len(text) if end < 0 else end]
    caret = " " * (position - start) + "^"
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, f"Invalid JSON payload received. {reason}\n{line}\n{caret}")
