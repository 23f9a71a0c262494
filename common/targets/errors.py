"""Typed failures of a target server, each with a message fit for people and logs.

Messages name the target, the method and the path, never a query string or a header, so a
token can never reach them.
"""

from __future__ import annotations

from common.errors import ErrorReason, FailedPrecondition, NotFound, Unavailable


class TargetError(FailedPrecondition):
    """Base of every failure talking to Plex or Jellyfin: the target, not the caller's
    request, is at fault (FAILED_PRECONDITION unless a subclass says NOT_FOUND or
    UNAVAILABLE)."""

    reason = ErrorReason.TARGET_ERROR


class TargetAuthError(TargetError, FailedPrecondition):
    """401/403: the token is wrong, revoked or lacks rights. Retrying cannot help."""

    reason = ErrorReason.TARGET_AUTH


class TargetNotFound(TargetError, NotFound):
    reason = ErrorReason.TARGET_NOT_FOUND


class TargetRejected(TargetError):
    """4xx other than auth and not-found: the server refused the request as sent."""

    reason = ErrorReason.TARGET_REJECTED

    def __init__(self, message: str, *, status: int, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        # The start of the server's answer (a validation failure says what it refused);
        # never part of the message, which stays free of anything the server echoes.
        self.body = body


class TargetServerError(TargetError, Unavailable):
    """5xx, 429 or a transport failure that persisted through every try."""

    reason = ErrorReason.TARGET_UNAVAILABLE

    def __init__(self, message: str, *, tries: int, status: int | None = None) -> None:
        super().__init__(message)
        self.tries = tries
        self.status = status


class TargetTimeout(TargetServerError):
    reason = ErrorReason.TARGET_TIMEOUT


class TargetMalformedResponse(TargetError):
    """The body could not be parsed or lacks what the API promises."""

    reason = ErrorReason.TARGET_MALFORMED_RESPONSE


class TargetShortListing(TargetError):
    """A listing ended before the total the server reported: never treat it as complete."""

    reason = ErrorReason.TARGET_SHORT_LISTING

    def __init__(self, message: str, *, expected: int, received: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.received = received


class TargetUnstableOrder(TargetShortListing):
    """Every page was full under an unchanged total, yet some items came twice (and as
    many never): the server's order has ties it breaks differently from one request to
    the next, so pages overlapped. The listing may be taken again in one request."""

    reason = ErrorReason.TARGET_SHORT_LISTING


class TargetUnsupportedVersion(TargetError):
    """The server is older than the oldest version whose API the client's requests need:
    said at connection time, naming both versions, rather than as a failed sync later."""

    reason = ErrorReason.TARGET_ERROR

    def __init__(self, message: str, *, version: str, minimum: str) -> None:
        super().__init__(message)
        self.version = version
        self.minimum = minimum


class TargetPartialWrite(TargetError):
    """A playlist write applied fewer items than requested (Plex leafCountAdded)."""

    reason = ErrorReason.TARGET_PARTIAL_WRITE

    def __init__(self, message: str, *, requested: int, added: int) -> None:
        super().__init__(message)
        self.requested = requested
        self.added = added
