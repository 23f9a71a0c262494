"""Addresses: where a service binds and the gRPC target its callers dial (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from common.addresses import (
    DEFAULT_ADDRESSES,
    AddressError,
    address_of,
    is_single,
    listen_of,
    split_host_port,
    target_of,
)
from common.env import ServiceEnv


def no_lookup(host: str) -> Sequence[str]:
    raise AssertionError(f"{host} must not be looked up")


HOSTS = {
    "config-a": ["10.0.0.1"],
    "config-b": ["10.0.0.2", "fd00::2"],
    "v6only": ["fd00::9"],
    "localhost": ["127.0.0.1", "::1"],
}


def lookup(host: str) -> Sequence[str]:
    return HOSTS[host]


@pytest.mark.parametrize(
    ("address", "target"),
    [
        ("127.0.0.1:50051", "127.0.0.1:50051"),
        ("config:50051", "config:50051"),
        ("  config:50051 ", "config:50051"),
        ("dns:///config-headless.cmdarr.svc.cluster.local:50051", None),
        ("dns:///localhost:50051", None),
        ("ipv4:10.0.0.1:1,10.0.0.2:1", None),
        ("ipv6:[::1]:50051", None),
        ("unix:/run/cmdarr/config.sock", None),
        ("127.0.0.1:1,127.0.0.1:2", "ipv4:127.0.0.1:1,127.0.0.1:2"),
        ("127.0.0.1:1, 127.0.0.1:2,", "ipv4:127.0.0.1:1,127.0.0.1:2"),
        ("127.0.0.1:1,127.0.0.1:1", "ipv4:127.0.0.1:1"),
        ("[::1]:1,[fd00::1]:2", "ipv6:[::1]:1,[fd00::1]:2"),
    ],
)
def test_targets_without_a_lookup(address: str, target: str | None) -> None:
    assert target_of(address, no_lookup) == (target or address)


def test_a_list_naming_hosts_is_resolved_once_preferring_ipv4() -> None:
    assert target_of("config-a:50051,config-b:50051", lookup) == (
        "ipv4:10.0.0.1:50051,10.0.0.2:50051"
    )
    assert target_of("localhost:1,localhost:2", lookup) == "ipv4:127.0.0.1:1,127.0.0.1:2"
    assert target_of("v6only:1,[fd00::1]:2", lookup) == "ipv6:[fd00::9]:1,[fd00::1]:2"


@pytest.mark.parametrize(
    "address",
    ["", " , ", "127.0.0.1,127.0.0.2", "config-a:1,b", "127.0.0.1:1,10.0.0.1:99999", "x:1,[::1]:2"],
)
def test_unusable_addresses_are_refused(address: str) -> None:
    with pytest.raises(AddressError):
        target_of(address, lookup if "x" not in address else lambda _h: ["10.0.0.1"])


def test_a_list_naming_hosts_needs_a_resolver() -> None:
    with pytest.raises(AddressError, match="resolver"):
        target_of("config-a:1,config-b:1")


def test_host_port_parsing() -> None:
    assert split_host_port("[::1]:50051") == ("::1", 50051)
    assert split_host_port("cache:50052") == ("cache", 50052)
    for bad in ("cache", "cache:", ":1", "cache:0", "cache:x"):
        assert not is_single(bad)
    assert is_single("0.0.0.0:50051")
    assert is_single("[::]:50051")
    assert not is_single("a:1,b:2")
    assert not is_single("dns:///a:1")


def test_callers_use_the_address_variable_or_the_default() -> None:
    assert address_of("cache", {}) == DEFAULT_ADDRESSES["cache"]
    assert address_of("cache", {"CMDARR_CACHE_ADDR": "a:1,b:1"}) == "a:1,b:1"


def test_the_listen_address_comes_from_listen_then_a_single_addr_then_the_default() -> None:
    listen = listen_of("config", {"CMDARR_CONFIG_LISTEN": "0.0.0.0:1", "CMDARR_CONFIG_ADDR": "x:2"})
    assert (listen.address, listen.source) == ("0.0.0.0:1", "CMDARR_CONFIG_LISTEN")
    listen = listen_of("config", {"CMDARR_CONFIG_ADDR": "0.0.0.0:2"})
    assert (listen.address, listen.source) == ("0.0.0.0:2", "CMDARR_CONFIG_ADDR")
    assert listen_of("config", {}).address == DEFAULT_ADDRESSES["config"]
    for replicas in ("127.0.0.1:1,127.0.0.1:2", "dns:///config:50051"):
        listen = listen_of("config", {"CMDARR_CONFIG_ADDR": replicas})
        assert listen.address == DEFAULT_ADDRESSES["config"]
        assert "CMDARR_CONFIG_LISTEN" in listen.source, "the log line says how to bind elsewhere"


def test_a_listen_address_must_be_one_host_port() -> None:
    with pytest.raises(AddressError, match="CMDARR_SYNC_LISTEN"):
        listen_of("sync", {"CMDARR_SYNC_LISTEN": "a:1,b:2"})


def test_service_env_listens_at_the_listen_address() -> None:
    env = ServiceEnv.from_environ(
        "cache", {"CMDARR_CACHE_ADDR": "dns:///cache:50052", "CMDARR_CACHE_LISTEN": "[::]:7"}
    )
    assert (env.address, env.address_source) == ("[::]:7", "CMDARR_CACHE_LISTEN")
