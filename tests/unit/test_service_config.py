"""The channels' service config: round_robin, health checks, retries only for reads."""

from __future__ import annotations

import json

from cmdarr.cache.v1 import cache_pb2
from cmdarr.config.v1 import config_pb2
from cmdarr.gateway.v1 import gateway_pb2
from cmdarr.sync.v1 import sync_pb2

from cmdarr_client.service_config import (
    FULL_NAMES,
    SAFE_TO_REPEAT,
    service_config,
    service_config_json,
)
from common.wire.channels import channel_options

DESCRIPTORS = {
    "config": config_pb2.DESCRIPTOR.services_by_name["ConfigService"],
    "cache": cache_pb2.DESCRIPTOR.services_by_name["CacheService"],
    "sync": sync_pb2.DESCRIPTOR.services_by_name["SyncService"],
    "gateway": gateway_pb2.DESCRIPTOR.services_by_name["GatewayService"],
}
WRITES = {
    "UpdateSettings",
    "CreateCommand",
    "UpdateCommand",
    "DeleteCommand",
    "PutMatchOverride",
    "DeleteMatchOverride",
    "CreateServer",
    "UpdateServer",
    "DeleteServer",
    "BuildCache",
    "RunSync",
    "SendToLidarr",
    "ApplyAction",
}


def test_names_match_the_protos_and_writes_are_never_retried() -> None:
    for short, descriptor in DESCRIPTORS.items():
        assert FULL_NAMES[short] == descriptor.full_name
        methods = {m.name for m in descriptor.methods}
        safe = set(SAFE_TO_REPEAT[descriptor.full_name])
        assert safe <= methods
        assert not safe & WRITES
        assert methods - safe <= WRITES, "every method is either a read or a write"


def test_the_config_balances_checks_health_and_retries_on_unavailable_only() -> None:
    config = json.loads(service_config_json(FULL_NAMES["cache"]))
    assert config == service_config(FULL_NAMES["cache"])
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    assert config["healthCheckConfig"] == {"serviceName": "cmdarr.cache.v1.CacheService"}
    (method,) = config["methodConfig"]
    assert {n["method"] for n in method["name"]} == {
        "ExplainMatch",
        "GetCacheStatus",
        "LookupItems",
        "MatchTracks",
        "WatchCacheStatus",
    }
    assert method["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert method["retryPolicy"]["maxAttempts"] >= 2
    assert "timeout" not in method, "ignored by grpcio 1.85.1: callers pass timeout="


def test_channel_options_carry_the_config_only_for_a_named_service() -> None:
    named = dict(channel_options(FULL_NAMES["sync"]))
    assert json.loads(str(named["grpc.service_config"])) == json.loads(
        service_config_json(FULL_NAMES["sync"])
    )
    assert int(named["grpc.max_reconnect_backoff_ms"]) <= 1000
    assert "grpc.service_config" not in dict(channel_options(None))
