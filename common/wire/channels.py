"""Client channels to other services. They live in the client package
(cmdarr_client.channels) so that the services, the CLI and outside callers share one copy of
the addressing, balancing, retry, keepalive and API-key rules; see that module.

Every call made through these channels must pass ``timeout=`` (service-config timeouts
are broken in grpcio 1.85.1); DEFAULT_TIMEOUT is the usual value for unary calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from cmdarr_client.channels import (
    CHANNEL_OPTIONS,
    DEFAULT_TIMEOUT,
    channel_options,
    resolve_host,
)
from cmdarr_client.channels import open_channel as _open_channel
from common.auth.keys import KeyRing

__all__ = ["CHANNEL_OPTIONS", "DEFAULT_TIMEOUT", "channel_options", "open_channel", "resolve_host"]


def open_channel(
    address: str,
    api_key: str | KeyRing | None = None,
    ca: bytes | None = None,
    *,
    service: str | None = None,
    interceptors: Sequence[Any] = (),
) -> grpc.aio.Channel:
    """``cmdarr_client.channels.open_channel``; a KeyRing sends the key in force at each
    call, so a rotation applies at once. ``interceptors`` come first on every call
    (tracing: common/runtime/tracing.py ``Tracing.client_interceptors``)."""
    source = api_key.current if isinstance(api_key, KeyRing) else api_key
    return _open_channel(address, source, ca, service=service, interceptors=interceptors)
