"""Domain errors: what went wrong, in terms a caller can act on.

Domain code raises these; the gRPC layer (common.grpc_errors) maps each kind to a status
code and a google.rpc.Status with details, so no module below the servicers knows gRPC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """One invalid field: a path such as ``changes[2].value`` and why it is invalid."""

    field: str
    description: str


class ServiceError(Exception):
    """Base of every error a service reports to its callers.

    ``reason`` is a stable UPPER_SNAKE_CASE code for machines; the message is for people
    and never contains a secret.
    """

    reason: str = "ERROR"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason


class InvalidArgument(ServiceError):
    """The request is malformed; ``violations`` names every offending field."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, violations: Iterable[FieldViolation]) -> None:
        self.violations = tuple(violations)
        summary = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(f"invalid request: {summary}")


class NotFound(ServiceError):
    reason = "NOT_FOUND"


class AlreadyExists(ServiceError):
    reason = "ALREADY_EXISTS"


class FailedPrecondition(ServiceError):
    reason = "FAILED_PRECONDITION"


class Aborted(ServiceError):
    """A concurrency check failed (a stale expected revision): re-read and retry."""

    reason = "ABORTED"


class Unavailable(ServiceError):
    reason = "UNAVAILABLE"


def check(violations: list[FieldViolation]) -> None:
    """Raise InvalidArgument when any violation was collected."""
    if violations:
        raise InvalidArgument(violations)
