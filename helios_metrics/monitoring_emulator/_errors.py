"""API errors raised by the emulator's logic and turned into gRPC statuses at the edge.

The logic never touches a gRPC context: it raises :class:`ApiError`, and the server wrapper
converts it into the status (with packed details) that the official clients decode.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.protobuf import any_pb2, message
from google.rpc import status_pb2
from grpc_status import rpc_status

__all__ = ["ApiError", "invalid_argument", "not_found", "to_grpc_status"]


class ApiError(Exception):
    """A failed call: a canonical status code, Google's message, and optional packed details."""

    def __init__(self, code: grpc.StatusCode, message: str, details: Sequence[message.Message] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)


def invalid_argument(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, message)


def not_found(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.NOT_FOUND, message)


def to_grpc_status(error: ApiError) -> grpc.Status:
    """The rich status, details packed as ``google.protobuf.Any`` like Google's servers do."""
    status = status_pb2.Status(code=error.code.value[0], message=error.message)
    for detail in error.details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    return rpc_status.to_status(status)
