"""Domain errors: what went wrong, in terms a caller can act on.

Domain code raises these; the gRPC layer (common.wire.rich_errors) maps each kind to a status
code and a google.rpc.Status with details, so no module below the servicers knows gRPC.
Every concrete error names its ``ErrorReason``, the machine-readable half of the contract
(cmdarr.type.v1.ErrorReason documents each one: when, which code, what to do).

Callers read the reason and the field violations back (cmdarr_client.errors): the CLI
prints them, and cache_svc's follower starts over from a snapshot on REVISION_COMPACTED. A
downstream service's verdict passes through unchanged; a downstream that is away becomes
UNAVAILABLE.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# One mirror of the proto enum and one violation type, shared with the client package.
from cmdarr_client.errors import ErrorReason as ErrorReason
from cmdarr_client.errors import FieldViolation as FieldViolation


class ServiceError(Exception):
    """Base of every error a service reports to its callers.

    The kinds below (NotFound, FailedPrecondition, ...) choose the status code; concrete
    errors choose the ``reason``. The message is for people and never contains a secret.
    """

    reason: ErrorReason = ErrorReason.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ----- kinds: one per status code --------------------------------------------------------


class InvalidArgument(ServiceError):
    """The request is malformed; ``violations`` names every offending field."""

    reason = ErrorReason.INVALID_ARGUMENT

    def __init__(self, violations: Iterable[FieldViolation]) -> None:
        self.violations = tuple(violations)
        summary = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(f"invalid request: {summary}")


class Unauthenticated(ServiceError):
    reason = ErrorReason.UNAUTHENTICATED


class NotFound(ServiceError):
    pass


class AlreadyExists(ServiceError):
    pass


class FailedPrecondition(ServiceError):
    pass


class Aborted(ServiceError):
    """A concurrency check failed (a stale expected revision): re-read and retry."""


class Unavailable(ServiceError):
    pass


# ----- concrete errors -------------------------------------------------------------------


class UpstreamUnavailable(Unavailable):
    """Another cmdarr service this call needs did not answer."""

    reason = ErrorReason.UPSTREAM_UNAVAILABLE


class DatabaseUnavailable(Unavailable):
    """The service's database cannot be reached or used right now; nothing was changed
    unless the reply said so. Retry with backoff."""

    reason = ErrorReason.DATABASE_UNAVAILABLE


class RevisionMismatch(Aborted):
    """An expected (mod) revision is stale; nothing was written."""

    reason = ErrorReason.REVISION_MISMATCH

    def __init__(
        self,
        expected: int,
        actual: int,
        *,
        command: str | None = None,
        subject: str | None = None,
    ) -> None:
        if command is not None:
            subject = f"command {command!r}"
        if subject is None:
            message = (
                f"expected revision {expected}, but the current revision is {actual}: "
                "re-read and retry"
            )
        else:
            message = f"{subject} changed at revision {actual}, not {expected}: re-read and retry"
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class RevisionCompacted(FailedPrecondition):
    """A watch asked to resume after a revision the change log no longer holds."""

    reason = ErrorReason.REVISION_COMPACTED

    def __init__(self, after: int, floor: int) -> None:
        super().__init__(
            f"revision {after} has been compacted (the log now starts after {floor}); "
            "start again from a snapshot (after_revision = 0)"
        )
        self.after = after
        self.floor = floor


class SettingPinnedByEnv(FailedPrecondition):
    """A write would change a setting the environment pins."""

    reason = ErrorReason.SETTING_PINNED_BY_ENV

    def __init__(self, keys: Sequence[str], message: str | None = None) -> None:
        self.keys = tuple(keys)
        super().__init__(
            message
            or f"{', '.join(keys)} {'is' if len(keys) == 1 else 'are'} set by the "
            "environment and cannot be changed here; change the environment variable "
            "and restart config_svc"
        )


class CommandNotFound(NotFound):
    reason = ErrorReason.COMMAND_NOT_FOUND

    def __init__(self, name: str, *, kind: str = "command") -> None:
        super().__init__(f"no {kind} named {name!r}")
        self.name = name


class CommandAlreadyExists(AlreadyExists):
    reason = ErrorReason.COMMAND_ALREADY_EXISTS

    def __init__(self, name: str) -> None:
        super().__init__(f"a command named {name!r} already exists")
        self.name = name


class MatchOverrideNotFound(NotFound):
    reason = ErrorReason.MATCH_OVERRIDE_NOT_FOUND

    def __init__(self, label: str) -> None:
        super().__init__(f"no match override for {label}; list them with ListMatchOverrides")


class MatchOverrideAlreadyExists(AlreadyExists):
    """A create-only put (expected_mod_revision 0) found an override for the key."""

    reason = ErrorReason.MATCH_OVERRIDE_ALREADY_EXISTS

    def __init__(self, label: str, mod_revision: int) -> None:
        super().__init__(
            f"a match override for {label} already exists (mod_revision {mod_revision}); "
            "to replace it, put it again with that expected_mod_revision, or delete it first"
        )
        self.mod_revision = mod_revision


class ServerNotFound(NotFound):
    reason = ErrorReason.SERVER_NOT_FOUND

    def __init__(self, name: str) -> None:
        super().__init__(f"no server named {name!r}; list them with ListServers")
        self.name = name


class ServerAlreadyExists(AlreadyExists):
    reason = ErrorReason.SERVER_ALREADY_EXISTS

    def __init__(self, name: str, *, built_in: bool = False) -> None:
        super().__init__(
            f"a server named {name!r} already exists"
            + (" (the built-in one the settings define)" if built_in else "")
        )
        self.name = name


class BuiltinServer(FailedPrecondition):
    """A built-in server ("plex", "jellyfin") is its settings: change those instead."""

    reason = ErrorReason.BUILTIN_SERVER


class ServerInUse(FailedPrecondition):
    """Commands still write to the server or read their playlist from it: deleting it
    would leave them writing nowhere, or reading nothing."""

    reason = ErrorReason.SERVER_IN_USE

    def __init__(self, name: str, commands: Sequence[str]) -> None:
        super().__init__(
            f"server {name!r} is a destination or the source of "
            + ", ".join(repr(c) for c in commands)
            + "; remove it from their destinations or source first (UpdateCommand)"
        )
        self.name = name
        self.commands = tuple(commands)


class BuiltinCommand(FailedPrecondition):
    """The built-in command cannot be changed this way."""

    reason = ErrorReason.BUILTIN_COMMAND


class CacheDisabled(FailedPrecondition):
    reason = ErrorReason.CACHE_DISABLED


class RunNotFound(NotFound):
    reason = ErrorReason.RUN_NOT_FOUND

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no sync run {run_id!r}")
        self.run_id = run_id


class LidarrOff(FailedPrecondition):
    """Lidarr cannot take a hand-off: LIDARR_URL is not set, or LIDARR_ENABLED is off."""

    reason = ErrorReason.LIDARR_OFF


class RunNotFinished(FailedPrecondition):
    reason = ErrorReason.RUN_NOT_FINISHED

    def __init__(self, run_id: str) -> None:
        super().__init__(f"sync run {run_id!r} has not finished: wait for it, then ask again")


class CoverNotFound(NotFound):
    reason = ErrorReason.COVER_NOT_FOUND

    def __init__(self, key: str) -> None:
        super().__init__(f"no cover {key!r} is kept")
        self.key = key


class SourceFailed(FailedPrecondition):
    """A playlist source is missing, refuses access or answers nonsense."""

    reason = ErrorReason.SOURCE_FAILED


class SourceUnavailable(Unavailable):
    """A playlist source is down, too slow or rate limiting: try again later."""

    reason = ErrorReason.SOURCE_UNAVAILABLE


def check(violations: list[FieldViolation]) -> None:
    """Raise InvalidArgument when any violation was collected."""
    if violations:
        raise InvalidArgument(violations)
