"""Whether a key is required: CMDARR_AUTH against where the services listen. Pure."""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from common.addresses import DEFAULT_ADDRESSES, AddressError, listen_of, split_host_port, split_list

DEFAULT_HTTP = "127.0.0.1:8080"


class AuthMode(enum.Enum):
    AUTO = "auto"  # required as soon as anything listens beyond loopback
    REQUIRED = "required"
    OFF = "off"  # an explicit choice, e.g. behind a proxy that authenticates


class AuthConfigError(ValueError):
    """The auth configuration cannot be used as written."""


def parse_mode(value: str | None) -> AuthMode:
    text = (value or "").strip().lower() or AuthMode.AUTO.value
    try:
        return AuthMode(text)
    except ValueError:
        raise AuthConfigError(f"CMDARR_AUTH={value!r}: use auto, required or off") from None


def hosts_of(address: str) -> list[str]:
    """The hosts an address names: ``host:port``, a list of them, or a gRPC target URI.
    Raises AddressError for what cannot be read (the caller treats it as non-loopback)."""
    text = address.strip()
    if text.startswith(("unix:", "unix-abstract:")):
        return []  # a local socket: never reachable from the network
    if text.startswith("dns:"):
        text = text.removeprefix("dns:")
        if text.startswith("//"):
            text = text[2:].partition("/")[2]  # drop the (usually empty) authority
    elif text.startswith(("ipv4:", "ipv6:")):
        text = text[5:]
    parts = split_list(text)
    if not parts:
        raise AddressError(f"{address!r} names no host")
    return [split_host_port(part)[0] for part in parts]


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost, or 0.0.0.0-like wildcards below


def is_loopback(address: str) -> bool:
    """Whether ``address`` is reachable from this machine only."""
    try:
        return all(is_loopback_host(host) for host in hosts_of(address))
    except AddressError:
        return False


def exposed_addresses(environ: Mapping[str, str]) -> list[str]:
    """Every address the deployment uses: each service's listen address and the address its
    callers dial, and the gateway's HTTP address. Every process of one deployment shares
    these variables (compose, k8s and the launcher give them all), so all decide alike."""
    found: list[str] = []
    for service in DEFAULT_ADDRESSES:
        try:
            found.append(listen_of(service, environ).address)
        except AddressError:
            found.append(environ.get(f"CMDARR_{service.upper()}_LISTEN", ""))
        addr = environ.get(f"CMDARR_{service.upper()}_ADDR", "").strip()
        if addr:
            found.append(addr)
    found.append(environ.get("CMDARR_GATEWAY_HTTP_ADDR", "").strip() or DEFAULT_HTTP)
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class AuthDecision:
    required: bool
    exposed: tuple[str, ...]  # the addresses beyond loopback
    warn_off: bool  # auth is off although something listens beyond loopback


def decide(mode: AuthMode, addresses: Iterable[str]) -> AuthDecision:
    exposed = tuple(a for a in addresses if not is_loopback(a))
    if mode is AuthMode.OFF:
        return AuthDecision(required=False, exposed=exposed, warn_off=bool(exposed))
    required = mode is AuthMode.REQUIRED or bool(exposed)
    return AuthDecision(required=required, exposed=exposed, warn_off=False)
