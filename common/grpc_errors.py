"""Mapping of domain errors to rich gRPC statuses, and back on the client side."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from common import errors

DOMAIN = "cmdarr"
# Where a google.rpc.Status travels: the trailing metadata key grpc-status reads.
DETAILS_KEY = "grpc-status-details-bin"

_CODES: dict[type[errors.ServiceError], grpc.StatusCode] = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.Aborted: grpc.StatusCode.ABORTED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}


def status_code_of(error: errors.ServiceError) -> grpc.StatusCode:
    for kind in type(error).__mro__:
        if kind in _CODES:
            return _CODES[kind]
    return grpc.StatusCode.INTERNAL


def rich_status(
    code: grpc.StatusCode, message: str, reason: str, violations: tuple[errors.FieldViolation, ...]
) -> status_pb2.Status:
    """A google.rpc.Status with an ErrorInfo and, for bad requests, a BadRequest."""
    details: list[any_pb2.Any] = []
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN))
    details.append(info)
    if violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in violations
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(bad)
        details.append(packed)
    return status_pb2.Status(code=code.value[0], message=message, details=details)


def status_for(error: errors.ServiceError) -> tuple[grpc.StatusCode, status_pb2.Status]:
    code = status_code_of(error)
    violations = error.violations if isinstance(error, errors.InvalidArgument) else ()
    return code, rich_status(code, error.message, error.reason, violations)


def trailing_metadata_for(status: status_pb2.Status) -> tuple[tuple[str, bytes], ...]:
    return ((DETAILS_KEY, status.SerializeToString()),)


def internal_status() -> tuple[grpc.StatusCode, status_pb2.Status]:
    code = grpc.StatusCode.INTERNAL
    return code, rich_status(code, "internal error; see the service log", "INTERNAL", ())


def _details_of(error: grpc.aio.AioRpcError) -> list[any_pb2.Any]:
    metadata: Any = error.trailing_metadata() or ()
    for key, value in metadata:
        if key == DETAILS_KEY and isinstance(value, bytes):
            return list(status_pb2.Status.FromString(value).details)
    return []


def error_reason(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a failed call, or '' when it carries none."""
    for detail in _details_of(error):
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


def field_violations(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    """The (field, description) pairs of a failed call's BadRequest detail."""
    for detail in _details_of(error):
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            return [(v.field, v.description) for v in bad.field_violations]
    return []
