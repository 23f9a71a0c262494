"""Small helpers for tests that talk gRPC."""

from __future__ import annotations

from typing import Any, TypeVar, cast

import grpc
import pytest
from google.protobuf.message import Message

from common.wire.rich_errors import error_reason, field_violations

# The deadline of calls that answer in milliseconds: generous, so that a shared machine's
# stall never fails a test by its clock (each test is bounded by pytest-timeout anyway).
TIMEOUT = 30.0
# The grace a test gives an in-process service it stops at its end: half of it is the
# drain that lets replicas' health checks move new calls away (common/runtime/server.py),
# which no test needs once it is done with the service; the other half lets calls in flight
# end (with 0.02 s in all, a cache_svc restarted on its database left a task that hung the
# loop's close). Tests of stopping itself pass their own.
STOP_GRACE = 0.1

Response = TypeVar("Response", bound=Message)


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


async def next_message(stream: grpc.aio.UnaryStreamCall[Any, Response]) -> Response:
    """The stream's next message, typed (``read()`` is typed as the message or EOF); the
    end of the stream fails the test."""
    message = await stream.read()
    assert isinstance(message, Message), "the stream ended"
    return cast(Response, message)


__all__ = ["TIMEOUT", "assert_invalid", "error_reason", "expect_error", "next_message"]
