"""Channels to cmdarr services: replicas balanced and health-checked, reads retried,
keepalive for long watches, optional TLS.

One channel per called service, whatever the number of its replicas: the address (one
``host:port``, a comma-separated list, or a gRPC target URI such as ``dns:///cache:50052``)
becomes a target (``addresses.target_of``), and the service config (``service_config``)
balances calls ``round_robin`` over the replicas that report SERVING on grpc.health.v1 and
retries the calls that are safe to repeat on another one. The services open their channels
here too (common/wire/channels.py re-exports it), so there is one copy of these rules.

Every call made through these channels must pass ``timeout=`` (service-config timeouts
are broken in grpcio 1.85.1); DEFAULT_TIMEOUT is the usual value for unary calls.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from cmdarr_client.addresses import target_of
from cmdarr_client.service_config import service_config_json

DEFAULT_TIMEOUT = 10.0

CHANNEL_OPTIONS: Sequence[tuple[str, int]] = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 32 * 1024 * 1024),
    ("grpc.max_send_message_length", 32 * 1024 * 1024),
    # A replica that went away is tried again within a second once it is back (the
    # defaults back off up to two minutes), and a dns:/// name is re-resolved at most
    # once a second when a connection fails (the default waits 30 s).
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.dns_min_time_between_resolutions_ms", 1000),
    ("grpc.enable_retries", 1),
)


def resolve_host(host: str) -> list[str]:
    """Every IP address of ``host``, from the system resolver. It blocks: it is called only
    when a channel opens, for a list of addresses that names hosts."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def key_metadata(api_key: str) -> tuple[tuple[str, str], ...]:
    """The call metadata that carries an API key."""
    return (("authorization", f"Bearer {api_key}"),)


# An API key, or where to read the key in force at each call (a service whose key can be
# rotated without a restart).
KeySource = str | Callable[[], str | None]


def _with_key(details: grpc.aio.ClientCallDetails, source: KeySource) -> grpc.aio.ClientCallDetails:
    key = source() if callable(source) else source
    if not key:
        return details
    metadata = grpc.aio.Metadata(*(details.metadata or ()))
    metadata.add(*key_metadata(key)[0])
    return grpc.aio.ClientCallDetails(
        details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
    )


class _UnaryKey(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[type-arg]
    def __init__(self, key: KeySource) -> None:
        self._key = key

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        return await continuation(_with_key(details, self._key), request)


class _StreamKey(grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[type-arg]
    def __init__(self, key: KeySource) -> None:
        self._key = key

    async def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        return await continuation(_with_key(details, self._key), request)


def channel_options(service: str | None) -> list[tuple[str, int | str]]:
    """CHANNEL_OPTIONS plus, for a called ``service`` (its full name), its service config."""
    options: list[tuple[str, int | str]] = list(CHANNEL_OPTIONS)
    if service is not None:
        options.append(("grpc.service_config", service_config_json(service)))
    return options


def open_channel(
    address: str,
    api_key: KeySource | None = None,
    ca: bytes | None = None,
    *,
    service: str | None = None,
    interceptors: Sequence[Any] = (),
) -> grpc.aio.Channel:
    """An asyncio channel to ``address`` (one ``host:port``, a comma-separated list of
    replicas, or a gRPC target URI) with our keepalive settings: TLS trusting ``ca`` (PEM)
    when given, else plain (loopback or a private network); ``authorization: Bearer
    <api_key>`` is sent on every call when a key is given (a callable: the key it returns
    at each call, none when it returns None).

    ``service`` is the full name of the service called (``cmdarr.cache.v1.CacheService``):
    with it, calls are balanced ``round_robin`` over the replicas whose health for that
    service is SERVING, and its reads are retried on another replica when one answers
    UNAVAILABLE. Without it (probes, tests of one server) the channel uses one address
    at a time and does no health checking. ``interceptors`` come first on every call."""
    target = target_of(address, resolve_host)
    options = channel_options(service)
    chain: list[Any] = list(interceptors)  # the caller's first (tracing sees the key-less call)
    chain += [_UnaryKey(api_key), _StreamKey(api_key)] if api_key else []
    if ca is not None:
        credentials = grpc.ssl_channel_credentials(root_certificates=ca)
        return grpc.aio.secure_channel(target, credentials, options=options, interceptors=chain)
    return grpc.aio.insecure_channel(target, options=options, interceptors=chain)


def open_blocking_channel(
    address: str, ca: bytes | None = None, *, service: str | None = None
) -> grpc.Channel:
    """The blocking twin of ``open_channel``, with the same target, options and service
    config; the API key is added per call by the client (cmdarr_client.Client)."""
    target = target_of(address, resolve_host)
    options = channel_options(service)
    if ca is not None:
        credentials = grpc.ssl_channel_credentials(root_certificates=ca)
        return grpc.secure_channel(target, credentials, options=options)
    return grpc.insecure_channel(target, options=options)
