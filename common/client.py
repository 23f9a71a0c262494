"""Client channels to other services. They live in the client package
(cmdarr_client.channels) so that the services, the CLI and outside callers share one copy of
the addressing, balancing, retry, keepalive and API-key rules; see that module.

Every call made through these channels must pass ``timeout=`` (service-config timeouts
are broken in grpcio 1.85.1); DEFAULT_TIMEOUT is the usual value for unary calls.
"""

from __future__ import annotations

from cmdarr_client.channels import (
    CHANNEL_OPTIONS,
    DEFAULT_TIMEOUT,
    channel_options,
    open_channel,
    resolve_host,
)

__all__ = ["CHANNEL_OPTIONS", "DEFAULT_TIMEOUT", "channel_options", "open_channel", "resolve_host"]
