"""The gRPC service config of a channel to one cmdarr service: round_robin over its
replicas, client-side health checking, and retries for the calls that are safe to repeat.

A call is retried (on another replica: round_robin moves on) only when it answers
UNAVAILABLE, which means the replica went away or never acted. Reads are safe to repeat;
so are the watch streams, which gRPC retries only before their first message, and whose
request names the position to resume from. Writes are never retried by the channel.
Service-config timeouts are ignored by grpcio 1.85.1: every caller passes ``timeout=``.
"""

from __future__ import annotations

import json

CONFIG_SERVICE = "cmdarr.config.v1.ConfigService"
CACHE_SERVICE = "cmdarr.cache.v1.CacheService"
SYNC_SERVICE = "cmdarr.sync.v1.SyncService"
GATEWAY_SERVICE = "cmdarr.gateway.v1.GatewayService"

# Short service name (as in CMDARR_<SVC>_ADDR) -> the full name of its gRPC service.
FULL_NAMES = {
    "config": CONFIG_SERVICE,
    "cache": CACHE_SERVICE,
    "sync": SYNC_SERVICE,
    "gateway": GATEWAY_SERVICE,
}

# The methods of each service that change nothing, so a retry cannot act twice.
SAFE_TO_REPEAT: dict[str, tuple[str, ...]] = {
    CONFIG_SERVICE: (
        "GetSettings",
        "ListCommands",
        "GetCommand",
        "ListWarnings",
        "ListMatchOverrides",
        "ListServers",
        "RevealSecrets",
        "WatchConfig",
    ),
    CACHE_SERVICE: (
        "ExplainMatch",
        "GetCacheStatus",
        "LookupItems",
        "MatchTracks",
        "WatchCacheStatus",
    ),
    SYNC_SERVICE: (
        "GetCover",
        "GetSyncReport",
        "ListServerUsers",
        "ListSyncs",
        "PreviewLidarr",
        "TestLidarr",
        "TestServer",
        "WatchSync",
    ),
    GATEWAY_SERVICE: ("GetStatus", "ListWarnings", "WatchStatus"),
}

MAX_ATTEMPTS = 4  # the first try and three more, each on the next replica in turn
RETRY_POLICY = {
    "maxAttempts": MAX_ATTEMPTS,
    "initialBackoff": "0.05s",
    "maxBackoff": "0.5s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}


def service_config(service: str) -> dict[str, object]:
    """The service config for a channel calling ``service`` (its full gRPC name)."""
    config: dict[str, object] = {
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": service},
    }
    methods = SAFE_TO_REPEAT.get(service, ())
    if methods:
        config["methodConfig"] = [
            {
                "name": [{"service": service, "method": method} for method in methods],
                "retryPolicy": RETRY_POLICY,
            }
        ]
    return config


def service_config_json(service: str) -> str:
    return json.dumps(service_config(service), separators=(",", ":"))
