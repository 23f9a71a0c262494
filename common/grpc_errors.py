"""Domain errors as rich gRPC statuses (google.rpc.Status with ErrorInfo and BadRequest),
built and read with grpcio-status, so servers and clients agree on one encoding."""

from __future__ import annotations

from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

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


# ----- the client side ------------------------------------------------------------------


def details_of(error: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    """The google.rpc.Status a failed call carries, or None when it carries none (or one
    that contradicts the call's own code and message, which a proxy may have rewritten)."""
    try:
        status: status_pb2.Status | None = rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError:
        return None
    return status


def error_reason(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a failed call, or '' when it carries none."""
    status = details_of(error)
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


def reason_of(error: grpc.aio.AioRpcError) -> errors.ErrorReason | None:
    """The ErrorReason of a failed call; None when it carries none or one unknown here."""
    try:
        return errors.ErrorReason(error_reason(error))
    except ValueError:
        return None


def field_violations(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    """The (field, description) pairs of a failed call's BadRequest detail."""
    status = details_of(error)
    for detail in status.details if status else ():
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            return [(v.field, v.description) for v in bad.field_violations]
    return []
