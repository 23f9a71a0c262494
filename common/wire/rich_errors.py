"""Domain errors as rich gRPC statuses (google.rpc.Status with ErrorInfo and BadRequest),
built and read with grpcio-status, so servers and clients agree on one encoding."""

from __future__ import annotations

from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from cmdarr_client.errors import details_of, error_reason, field_violations, reason_of
from common import errors

DOMAIN = "cmdarr"

# Checked in this order, so that an error of two kinds (a target's 404 is a TargetError,
# itself a FailedPrecondition, and a NotFound) gets the more specific code.
_CODES: tuple[tuple[type[errors.ServiceError], grpc.StatusCode], ...] = (
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (errors.Aborted, grpc.StatusCode.ABORTED),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE),
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
)


def status_code_of(error: errors.ServiceError) -> grpc.StatusCode:
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL


def rich_status(
    code: grpc.StatusCode,
    message: str,
    reason: str,
    violations: tuple[errors.FieldViolation, ...] = (),
) -> grpc.Status:
    """A status whose google.rpc.Status carries an ErrorInfo and, for bad requests, a
    BadRequest; ``reason`` is an ErrorReason's wire form (or one passed through)."""
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN))
    details = [info]
    if violations:
        bad = any_pb2.Any()
        bad.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=v.field, description=v.description
                    )
                    for v in violations
                ]
            )
        )
        details.append(bad)
    return rpc_status.to_status(
        status_pb2.Status(code=code.value[0], message=message, details=details)
    )


def status_for(error: errors.ServiceError) -> grpc.Status:
    violations = error.violations if isinstance(error, errors.InvalidArgument) else ()
    return rich_status(status_code_of(error), error.message, error.reason.value, violations)


def internal_status() -> grpc.Status:
    return rich_status(
        grpc.StatusCode.INTERNAL,
        "internal error; see the service log",
        errors.ErrorReason.INTERNAL.value,
    )


async def abort_with(context: grpc.aio.ServicerContext[Any, Any], status: grpc.Status) -> NoReturn:
    """End the call with ``status`` (its details travel in the trailing metadata)."""
    # grpc-stubs lacks the aio context's abort_with_status; grpcio has it.
    await context.abort_with_status(status)  # type: ignore[attr-defined]
    raise AssertionError("abort_with_status returned")  # pragma: no cover


# ----- the client side: cmdarr_client.errors reads the statuses; one copy for everyone ----

__all__ = [
    "abort_with",
    "details_of",
    "error_reason",
    "field_violations",
    "internal_status",
    "reason_of",
    "rich_status",
    "status_code_of",
    "status_for",
]
