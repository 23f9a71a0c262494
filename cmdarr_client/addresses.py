"""Addresses: the gRPC target a caller dials for a cmdarr service.

``CMDARR_<SVC>_ADDR`` is what callers use. It is one ``host:port``, a comma-separated list
of them (one per replica), or a gRPC target URI (``dns:///cache:50052``,
``ipv4:10.0.0.1:50052,10.0.0.2:50052``). The services use this module too (common/addresses.py
re-exports it), so the client and the services read an address the same way. Everything
here is pure: the one side effect, a host name lookup, is a function the caller passes in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence

DEFAULT_ADDRESSES = {
    "config": "127.0.0.1:50051",
    "cache": "127.0.0.1:50052",
    "sync": "127.0.0.1:50053",
    "gateway": "127.0.0.1:50054",
}

# The target URI schemes grpc-core resolves itself.
URI_SCHEMES = ("dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:")

# A host name to its IP addresses (IPv4 first is not required: both families are sorted
# out by ``target_of``). Given by the caller, e.g. a wrapper of socket.getaddrinfo.
Resolve = Callable[[str], Sequence[str]]


class AddressError(ValueError):
    """An address variable that cannot be used as written."""


def is_uri(address: str) -> bool:
    return address.strip().startswith(URI_SCHEMES)


def split_list(address: str) -> list[str]:
    """The ``host:port`` entries of a comma-separated list (blanks dropped)."""
    return [part.strip() for part in address.split(",") if part.strip()]


def split_host_port(entry: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` into its host (without brackets) and port."""
    if entry.startswith("["):
        host, sep, port = entry[1:].partition("]:")
    else:
        host, sep, port = entry.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise AddressError(f"{entry!r} is not host:port")
    return host, int(port)


def is_single(address: str) -> bool:
    """Whether ``address`` is exactly one ``host:port`` (something a server can bind)."""
    if not address.strip() or is_uri(address) or len(split_list(address)) != 1:
        return False
    try:
        split_host_port(address.strip())
    except AddressError:
        return False
    return True


def _ip_version(host: str) -> int | None:
    try:
        return ipaddress.ip_address(host).version
    except ValueError:
        return None


def _entry(host: str, port: int, version: int) -> str:
    return f"[{host}]:{port}" if version == 6 else f"{host}:{port}"


def target_of(address: str, resolve: Resolve | None = None) -> str:
    """The gRPC target to dial for a ``CMDARR_<SVC>_ADDR`` value.

    A URI and a single ``host:port`` are left to grpc-core's resolvers (DNS for a name,
    re-resolved when connections fail). A list of literal IPs becomes an ``ipv4:`` or
    ``ipv6:`` target. A list that names hosts is resolved here, once, with ``resolve``
    (every address of every host); for names whose addresses change, use ``dns:///``.
    """
    address = address.strip()
    if not address:
        raise AddressError("empty address")
    if is_uri(address) or is_single(address):
        return address
    parts = split_list(address)
    if not parts:
        raise AddressError(f"{address!r} lists no host:port")
    entries: list[tuple[str, int, int]] = []
    for part in parts:
        host, port = split_host_port(part)
        version = _ip_version(host)
        if version is not None:
            entries.append((host, port, version))
            continue
        if resolve is None:
            raise AddressError(f"{part!r} names a host; resolving it needs a resolver")
        found = [(ip, _ip_version(ip)) for ip in resolve(host)]
        usable = [(ip, v) for ip, v in found if v is not None]
        if not usable:
            raise AddressError(f"{host!r} resolves to no IP address")
        # One family per target: prefer IPv4 for a name that has both.
        family = 4 if any(v == 4 for _, v in usable) else 6
        entries.extend((ip, port, v) for ip, v in usable if v == family)
    versions = {version for _, _, version in entries}
    if len(versions) > 1:
        raise AddressError(
            f"{address!r} mixes IPv4 and IPv6 addresses; a target holds one family"
            " (list one family, or use a dns:/// target)"
        )
    (version,) = versions
    unique = list(dict.fromkeys(_entry(host, port, version) for host, port, version in entries))
    return f"ipv{version}:" + ",".join(unique)


def address_of(service: str, environ: Mapping[str, str]) -> str:
    """Where callers find ``service``: CMDARR_<SVC>_ADDR, else its loopback default."""
    return environ.get(f"CMDARR_{service.upper()}_ADDR") or DEFAULT_ADDRESSES[service]


def join(address: str | Sequence[str]) -> str:
    """One address string from a list of ``host:port`` entries (a string is kept as is)."""
    if isinstance(address, str):
        return address
    return ",".join(part.strip() for part in address)
