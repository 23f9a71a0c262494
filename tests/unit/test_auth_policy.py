"""CMDARR_AUTH against the listen addresses: when a key is required."""

from __future__ import annotations

import pytest

from common.auth.policy import (
    AuthConfigError,
    AuthMode,
    decide,
    exposed_addresses,
    is_loopback,
    parse_mode,
)

LOOPBACK = {"CMDARR_DATA_DIR": "/tmp/x"}
COMPOSE = {
    "CMDARR_CONFIG_ADDR": "0.0.0.0:50051",
    "CMDARR_CACHE_ADDR": "cache:50052",
    "CMDARR_SYNC_ADDR": "sync:50053",
    "CMDARR_GATEWAY_ADDR": "gateway:50054",
}
K8S = {
    "CMDARR_CONFIG_ADDR": "dns:///config-headless.cmdarr.svc.cluster.local:50051",
    "CMDARR_GATEWAY_LISTEN": "0.0.0.0:50054",
}


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        (None, AuthMode.AUTO),
        ("", AuthMode.AUTO),
        (" Required ", AuthMode.REQUIRED),
        ("off", AuthMode.OFF),
    ],
)
def test_modes(value: str | None, mode: AuthMode) -> None:
    assert parse_mode(value) is mode


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(AuthConfigError, match="auto, required or off"):
        parse_mode("sometimes")


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:50051", True),
        ("127.0.0.2:1", True),
        ("[::1]:8080", True),
        ("localhost:8080", True),
        ("ipv4:127.0.0.1:1,127.0.0.1:2", True),
        ("unix:/run/cmdarr.sock", True),
        ("0.0.0.0:8080", False),
        ("[::]:8080", False),
        ("192.168.1.4:8080", False),
        ("cache:50052", False),
        ("dns:///cache:50052", False),
        ("dns:///localhost:50052", True),
        ("127.0.0.1:1,10.0.0.2:1", False),
        ("not an address", False),
    ],
)
def test_loopback_addresses(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_defaults_stay_keyless() -> None:
    decision = decide(AuthMode.AUTO, exposed_addresses(LOOPBACK))
    assert not decision.required
    assert decision.exposed == ()
    assert not decision.warn_off


@pytest.mark.parametrize("environ", [COMPOSE, K8S, {"CMDARR_GATEWAY_HTTP_ADDR": "0.0.0.0:8080"}])
def test_anything_beyond_loopback_requires_a_key(environ: dict[str, str]) -> None:
    decision = decide(AuthMode.AUTO, exposed_addresses(environ))
    assert decision.required
    assert decision.exposed


def test_required_on_loopback() -> None:
    assert decide(AuthMode.REQUIRED, exposed_addresses(LOOPBACK)).required


def test_off_is_warned_about_only_beyond_loopback() -> None:
    exposed = decide(AuthMode.OFF, exposed_addresses(COMPOSE))
    assert not exposed.required
    assert exposed.warn_off
    assert not decide(AuthMode.OFF, exposed_addresses(LOOPBACK)).warn_off
