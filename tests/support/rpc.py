"""Small helpers for tests that talk gRPC."""

from __future__ import annotations

import grpc
import pytest

from common.grpc_errors import error_reason, field_violations

TIMEOUT = 10.0


def assert_invalid(error: grpc.aio.AioRpcError, field: str) -> None:
    """The call failed with INVALID_ARGUMENT and a BadRequest naming ``field``."""
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    fields = [f for f, _ in field_violations(error)]
    assert field in fields, f"{field} not among {fields}"


async def expect_error(call: object, code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    return caught.value


__all__ = ["TIMEOUT", "assert_invalid", "error_reason", "expect_error"]
