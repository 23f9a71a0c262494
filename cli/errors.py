"""Failed calls as one clear line and an exit code; never a traceback, never a secret."""

from __future__ import annotations

from collections.abc import Iterable

import grpc

from cmdarr_client.errors import CmdarrError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3

BAD_INPUT = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
}
UNREACHABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


class UsageError(Exception):
    """Bad input noticed by the client itself, before any call."""


class CallFailed(Exception):
    """A call to one of the services failed (``error`` is the client's typed error)."""

    def __init__(self, service: str, address: str, error: CmdarrError) -> None:
        super().__init__(f"{service}: {error.code.name}")
        self.service = service
        self.address = address
        self.error = error


def exit_code_of(code: grpc.StatusCode) -> int:
    if code in BAD_INPUT:
        return EXIT_BAD_INPUT
    if code in UNREACHABLE:
        return EXIT_UNREACHABLE
    return EXIT_FAILED


def describe(failure: CallFailed) -> str:
    """One line: what failed, the status code, the message and every field violation."""
    error = failure.error
    code = error.code
    if code in UNREACHABLE and not error.reason_text:
        # No rich status: the service itself was never reached (or never answered).
        return f"cannot reach {failure.service} at {failure.address}: is it running? ({code.name})"
    line = f"{code.name} from {failure.service}: {error.message}"
    if error.violations:
        line += " [" + "; ".join(f"{v.field}: {v.description}" for v in error.violations) + "]"
    if code is grpc.StatusCode.UNAUTHENTICATED:
        line += " (pass --api-key or set CMDARR_API_KEY)"
    return line


def redact(line: str, secrets: Iterable[str]) -> str:
    """``line`` with every secret replaced by ***."""
    for secret in secrets:
        if secret:
            line = line.replace(secret, "***")
    return " ".join(line.split())
