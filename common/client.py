"""Client channels to other services: keepalive for long watches, the API key, deadlines.

Every call made through these channels must pass ``timeout=`` (service-config timeouts
are broken in grpcio 1.85.1); DEFAULT_TIMEOUT is the usual value for unary calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc

DEFAULT_TIMEOUT = 10.0

CHANNEL_OPTIONS: Sequence[tuple[str, int]] = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 32 * 1024 * 1024),
    ("grpc.max_send_message_length", 32 * 1024 * 1024),
)


def _with_key(details: grpc.aio.ClientCallDetails, key: str) -> grpc.aio.ClientCallDetails:
    metadata = grpc.aio.Metadata(*(details.metadata or ()))
    metadata.add("authorization", f"Bearer {key}")
    return grpc.aio.ClientCallDetails(
        details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
    )


class _UnaryKey(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[type-arg]
    def __init__(self, key: str) -> None:
        self._key = key

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        return await continuation(_with_key(details, self._key), request)


class _StreamKey(grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[type-arg]
    def __init__(self, key: str) -> None:
        self._key = key

    async def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        return await continuation(_with_key(details, self._key), request)


def open_channel(
    address: str, api_key: str | None = None, ca: bytes | None = None
) -> grpc.aio.Channel:
    """A channel with our keepalive settings: TLS trusting ``ca`` (PEM) when given, else
    plain (loopback or a private network); ``authorization: Bearer <api_key>`` is sent on
    every call when a key is given."""
    interceptors: list[Any] = [_UnaryKey(api_key), _StreamKey(api_key)] if api_key else []
    if ca is not None:
        credentials = grpc.ssl_channel_credentials(root_certificates=ca)
        return grpc.aio.secure_channel(
            address, credentials, options=CHANNEL_OPTIONS, interceptors=interceptors
        )
    return grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS, interceptors=interceptors)
