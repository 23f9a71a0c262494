"""The service config of a channel to one cmdarr service. It lives in the client package
(cmdarr_client.service_config), so the services and the client balance and retry alike."""

from __future__ import annotations

from cmdarr_client.service_config import (
    CACHE_SERVICE,
    CONFIG_SERVICE,
    FULL_NAMES,
    GATEWAY_SERVICE,
    MAX_ATTEMPTS,
    RETRY_POLICY,
    SAFE_TO_REPEAT,
    SYNC_SERVICE,
    service_config,
    service_config_json,
)

__all__ = [
    "CACHE_SERVICE",
    "CONFIG_SERVICE",
    "FULL_NAMES",
    "GATEWAY_SERVICE",
    "MAX_ATTEMPTS",
    "RETRY_POLICY",
    "SAFE_TO_REPEAT",
    "SYNC_SERVICE",
    "service_config",
    "service_config_json",
]
