"""Typed errors: a failed call becomes one exception class per status code, carrying the
``ErrorReason`` and the field violations the service put in its rich status.

The services send a ``google.rpc.Status`` with an ``ErrorInfo`` (a stable UPPER_SNAKE
reason) and, for bad requests, a ``BadRequest``; grpcio-status reads them back here. The
services read their downstream errors with the same functions (common/wire/rich_errors.py), and
ErrorReason is the one Python mirror of ``cmdarr.type.v1.ErrorReason``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status


class ErrorReason(enum.Enum):
    """Mirror of cmdarr.type.v1.ErrorReason; the value is the wire form of
    ``google.rpc.ErrorInfo.reason`` (the proto name without ``ERROR_REASON_``)."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INTERNAL = "INTERNAL"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    REVISION_MISMATCH = "REVISION_MISMATCH"
    REVISION_COMPACTED = "REVISION_COMPACTED"
    SETTING_PINNED_BY_ENV = "SETTING_PINNED_BY_ENV"
    COMMAND_NOT_FOUND = "COMMAND_NOT_FOUND"
    COMMAND_ALREADY_EXISTS = "COMMAND_ALREADY_EXISTS"
    BUILTIN_COMMAND = "BUILTIN_COMMAND"
    MATCH_OVERRIDE_NOT_FOUND = "MATCH_OVERRIDE_NOT_FOUND"
    MATCH_OVERRIDE_ALREADY_EXISTS = "MATCH_OVERRIDE_ALREADY_EXISTS"
    SERVER_NOT_FOUND = "SERVER_NOT_FOUND"
    SERVER_ALREADY_EXISTS = "SERVER_ALREADY_EXISTS"
    BUILTIN_SERVER = "BUILTIN_SERVER"
    SERVER_IN_USE = "SERVER_IN_USE"
    CACHE_DISABLED = "CACHE_DISABLED"
    RUN_NOT_FOUND = "RUN_NOT_FOUND"
    COVER_NOT_FOUND = "COVER_NOT_FOUND"
    SOURCE_FAILED = "SOURCE_FAILED"
    LIDARR_OFF = "LIDARR_OFF"
    RUN_NOT_FINISHED = "RUN_NOT_FINISHED"
    SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"
    TARGET_ERROR = "TARGET_ERROR"
    TARGET_AUTH = "TARGET_AUTH"
    TARGET_NOT_FOUND = "TARGET_NOT_FOUND"
    TARGET_REJECTED = "TARGET_REJECTED"
    TARGET_UNAVAILABLE = "TARGET_UNAVAILABLE"
    TARGET_TIMEOUT = "TARGET_TIMEOUT"
    TARGET_MALFORMED_RESPONSE = "TARGET_MALFORMED_RESPONSE"
    TARGET_SHORT_LISTING = "TARGET_SHORT_LISTING"
    TARGET_PARTIAL_WRITE = "TARGET_PARTIAL_WRITE"


@dataclass(frozen=True)
class FieldViolation:
    """One invalid field: a path such as ``changes[2].value`` and why it is invalid."""

    field: str
    description: str


class FailedCall(Protocol):
    """What a failed call offers, blocking (grpc.RpcError) or asyncio (AioRpcError)."""

    def code(self) -> grpc.StatusCode: ...

    def details(self) -> str | None: ...

    def trailing_metadata(self) -> Any: ...


# ----- reading a failed call's rich status ------------------------------------------------


def details_of(error: FailedCall) -> status_pb2.Status | None:
    """The google.rpc.Status a failed call carries, or None when it carries none (or one
    that contradicts the call's own code and message, which a proxy may have rewritten)."""
    try:
        # grpcio-status reads code(), details() and trailing_metadata(): FailedCall's.
        status: status_pb2.Status | None = rpc_status.from_call(error)  # type: ignore[arg-type]
    except (ValueError, AttributeError):
        return None
    return status


def error_reason(error: FailedCall) -> str:
    """The ErrorInfo reason of a failed call, or '' when it carries none."""
    status = details_of(error)
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


def reason_of(error: FailedCall) -> ErrorReason | None:
    """The ErrorReason of a failed call; None when it carries none or one unknown here."""
    try:
        return ErrorReason(error_reason(error))
    except ValueError:
        return None


def field_violations(error: FailedCall) -> list[tuple[str, str]]:
    """The (field, description) pairs of a failed call's BadRequest detail."""
    status = details_of(error)
    for detail in status.details if status else ():
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            return [(v.field, v.description) for v in bad.field_violations]
    return []


# ----- the exceptions ---------------------------------------------------------------------


class CmdarrError(Exception):
    """A call to a cmdarr service failed.

    ``code`` is the gRPC status code, ``reason`` the ErrorReason (None when the service sent
    none, e.g. it was never reached), ``violations`` every invalid field, ``service`` the
    short name of the service called (config, cache, sync, gateway)."""

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode,
        service: str = "",
        reason: ErrorReason | None = None,
        reason_text: str = "",
        violations: Iterable[FieldViolation] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.service = service
        self.reason = reason
        self.reason_text = reason_text or (reason.value if reason else "")
        self.violations = tuple(violations)

    def __str__(self) -> str:
        text = f"{self.code.name}: {self.message}"
        if self.violations:
            text += " [" + "; ".join(f"{v.field}: {v.description}" for v in self.violations) + "]"
        return text


class InvalidArgument(CmdarrError):
    """The request is malformed; ``violations`` names every offending field."""


class AuthenticationError(CmdarrError):
    """The API key is missing or wrong (UNAUTHENTICATED). Never retried."""


class PermissionDenied(CmdarrError):
    pass


class NotFound(CmdarrError):
    pass


class AlreadyExists(CmdarrError):
    pass


class FailedPrecondition(CmdarrError):
    pass


class RevisionCompacted(FailedPrecondition):
    """A watch asked to resume after a revision the change log no longer holds."""


class Conflict(CmdarrError):
    """ABORTED: a concurrency check failed (a stale expected revision); re-read and retry."""


class Unavailable(CmdarrError):
    """The service (or one it needs) cannot be reached or used right now."""


class DeadlineExceeded(CmdarrError):
    pass


class ResourceExhausted(CmdarrError):
    pass


class Unimplemented(CmdarrError):
    pass


class Cancelled(CmdarrError):
    pass


class InternalError(CmdarrError):
    """INTERNAL, UNKNOWN, DATA_LOSS or another code without a class of its own."""


class CacheBuildFailed(Exception):
    """wait_for_cache: the build ended FAILED; ``status`` (a CacheStatus) says why in
    ``last_error``."""

    def __init__(self, status: Any) -> None:
        super().__init__(status.last_error or "the library cache build failed")
        self.status = status


_BY_CODE: dict[grpc.StatusCode, type[CmdarrError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.UNAUTHENTICATED: AuthenticationError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ABORTED: Conflict,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNIMPLEMENTED: Unimplemented,
    grpc.StatusCode.CANCELLED: Cancelled,
}


def error_from(error: FailedCall, service: str = "") -> CmdarrError:
    """The typed exception for a failed call to ``service``."""
    code = error.code()
    reason_text = error_reason(error)
    reason = reason_of(error)
    kind = _BY_CODE.get(code, InternalError)
    if reason is ErrorReason.REVISION_COMPACTED:
        kind = RevisionCompacted
    violations = [FieldViolation(f, d) for f, d in field_violations(error)]
    return kind(
        error.details() or "no details",
        code=code,
        service=service,
        reason=reason,
        reason_text=reason_text,
        violations=violations,
    )
