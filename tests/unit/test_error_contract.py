"""The one error contract: domain errors, their codes and reasons, and the rich status
that carries them, read back the way every client reads it."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from cmdarr.type.v1 import type_pb2 as tpb

from common import errors
from common.config.registry import Registry
from common.targets import errors as target_errors
from common.wire.rich_errors import (
    error_reason,
    field_violations,
    internal_status,
    reason_of,
    status_code_of,
    status_for,
)
from sync_svc.config_client import ConfigClient

PREFIX = "ERROR_REASON_"
C = grpc.StatusCode


def test_the_python_reasons_mirror_the_proto_enum() -> None:
    wire = {name.removeprefix(PREFIX) for name in tpb.ErrorReason.keys()}  # noqa: SIM118
    assert wire - {"UNSPECIFIED"} == {r.value for r in errors.ErrorReason}
    assert all(r.name == r.value for r in errors.ErrorReason)


@pytest.mark.parametrize(
    ("error", "code", "reason"),
    [
        (errors.CommandNotFound("x"), C.NOT_FOUND, "COMMAND_NOT_FOUND"),
        (errors.CommandAlreadyExists("x"), C.ALREADY_EXISTS, "COMMAND_ALREADY_EXISTS"),
        (errors.ServerNotFound("den"), C.NOT_FOUND, "SERVER_NOT_FOUND"),
        (errors.ServerAlreadyExists("den"), C.ALREADY_EXISTS, "SERVER_ALREADY_EXISTS"),
        (errors.BuiltinServer("plex"), C.FAILED_PRECONDITION, "BUILTIN_SERVER"),
        (errors.RevisionMismatch(3, 4), C.ABORTED, "REVISION_MISMATCH"),
        (errors.RevisionCompacted(3, 9), C.FAILED_PRECONDITION, "REVISION_COMPACTED"),
        (errors.SettingPinnedByEnv(["PLEX_URL"]), C.FAILED_PRECONDITION, "SETTING_PINNED_BY_ENV"),
        (errors.RunNotFound("r"), C.NOT_FOUND, "RUN_NOT_FOUND"),
        (errors.CacheDisabled("off"), C.FAILED_PRECONDITION, "CACHE_DISABLED"),
        (errors.UpstreamUnavailable("down"), C.UNAVAILABLE, "UPSTREAM_UNAVAILABLE"),
        (errors.Unauthenticated("key"), C.UNAUTHENTICATED, "UNAUTHENTICATED"),
        (errors.SourceFailed("gone"), C.FAILED_PRECONDITION, "SOURCE_FAILED"),
        (errors.SourceUnavailable("busy"), C.UNAVAILABLE, "SOURCE_UNAVAILABLE"),
        (target_errors.TargetNotFound("404"), C.NOT_FOUND, "TARGET_NOT_FOUND"),
        (target_errors.TargetAuthError("401"), C.FAILED_PRECONDITION, "TARGET_AUTH"),
        (target_errors.TargetTimeout("slow", tries=3), C.UNAVAILABLE, "TARGET_TIMEOUT"),
        (target_errors.TargetRejected("400", status=400), C.FAILED_PRECONDITION, "TARGET_REJECTED"),
    ],
)
def test_each_error_has_its_code_and_reason(
    error: errors.ServiceError, code: grpc.StatusCode, reason: str
) -> None:
    assert status_code_of(error) == code
    assert error.reason.value == reason
    read = _failed_call(status_for(error))
    assert (read.code(), read.details(), error_reason(read)) == (code, error.message, reason)
    assert reason_of(read) is error.reason


def test_a_bad_request_carries_every_field_violation() -> None:
    error = errors.InvalidArgument(
        [errors.FieldViolation("a", "is required"), errors.FieldViolation("b[2]", "too long")]
    )
    read = _failed_call(status_for(error))
    assert read.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(read) == "INVALID_ARGUMENT"
    assert field_violations(read) == [("a", "is required"), ("b[2]", "too long")]


def test_internal_errors_say_nothing_but_internal() -> None:
    read = _failed_call(internal_status())
    assert (read.code(), error_reason(read)) == (grpc.StatusCode.INTERNAL, "INTERNAL")


def test_a_call_without_rich_status_or_with_a_contradicting_one_has_no_reason() -> None:
    bare = grpc.aio.AioRpcError(
        grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "no route", ""
    )
    assert (error_reason(bare), field_violations(bare), reason_of(bare)) == ("", [], None)
    status = status_for(errors.CommandNotFound("x"))
    rewritten = grpc.aio.AioRpcError(
        grpc.StatusCode.INTERNAL,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*status.trailing_metadata),
        "a proxy's words",
        "",
    )
    assert error_reason(rewritten) == ""


class _Config:
    """A config_svc stub whose GetCommand fails with ``code``."""

    def __init__(self, code: grpc.StatusCode, status: grpc.Status | None = None) -> None:
        self.code = code
        self.status = status

    async def GetCommand(self, _request: Any, **_options: Any) -> Any:
        trailing = self.status.trailing_metadata if self.status else ()
        details = self.status.details if self.status else self.code.name
        raise grpc.aio.AioRpcError(
            self.code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailing), details, ""
        )


def _client(config: _Config) -> ConfigClient:
    return ConfigClient(config, Registry(), remember_secret=lambda _: None)  # type: ignore[arg-type]


async def test_run_sync_reports_only_a_real_not_found_as_a_missing_command() -> None:
    missing = _Config(grpc.StatusCode.NOT_FOUND, status_for(errors.CommandNotFound("x")))
    with pytest.raises(errors.CommandNotFound):
        await _client(missing).playlist_spec("x")

    refused = errors.InvalidArgument([errors.FieldViolation("name", "must start with a letter")])
    bad_name = _Config(grpc.StatusCode.INVALID_ARGUMENT, status_for(refused))
    with pytest.raises(errors.InvalidArgument) as caught:
        await _client(bad_name).playlist_spec("-x")
    assert caught.value.violations == (
        errors.FieldViolation("command_name", "must start with a letter"),
    )

    with pytest.raises(grpc.aio.AioRpcError) as away:
        await _client(_Config(grpc.StatusCode.UNAVAILABLE)).playlist_spec("x")
    assert away.value.code() == grpc.StatusCode.UNAVAILABLE


def _failed_call(status: grpc.Status) -> grpc.aio.AioRpcError:
    """What a client catches when a server aborts with ``status``."""
    return grpc.aio.AioRpcError(
        status.code,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*status.trailing_metadata),
        status.details,
        "",
    )
