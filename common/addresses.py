"""Where a service listens. The caller's side of addresses (``target_of``, the defaults, the
forms a ``CMDARR_<SVC>_ADDR`` takes) lives in the client package, cmdarr_client.addresses,
and is re-exported here for the services.

``CMDARR_<SVC>_LISTEN`` is where the service itself binds; without it the service binds its
``CMDARR_<SVC>_ADDR`` when that is a single ``host:port``, else its loopback default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cmdarr_client.addresses import (
    DEFAULT_ADDRESSES,
    URI_SCHEMES,
    AddressError,
    Resolve,
    address_of,
    is_single,
    is_uri,
    split_host_port,
    split_list,
    target_of,
)

__all__ = [
    "DEFAULT_ADDRESSES",
    "URI_SCHEMES",
    "AddressError",
    "Listen",
    "Resolve",
    "address_of",
    "is_single",
    "is_uri",
    "listen_of",
    "split_host_port",
    "split_list",
    "target_of",
]


@dataclass(frozen=True)
class Listen:
    """Where a service binds, and which variable (or default) said so."""

    address: str
    source: str


def listen_of(service: str, environ: Mapping[str, str]) -> Listen:
    """Where ``service`` binds: CMDARR_<SVC>_LISTEN; else its CMDARR_<SVC>_ADDR when that is
    one ``host:port``; else the loopback default (a list or URI names replicas, not a
    place to bind)."""
    variable = f"CMDARR_{service.upper()}_LISTEN"
    listen = environ.get(variable, "").strip()
    if listen:
        if not is_single(listen):
            raise AddressError(f"{variable}={listen!r} is not one host:port")
        return Listen(listen, variable)
    addr_variable = f"CMDARR_{service.upper()}_ADDR"
    addr = environ.get(addr_variable, "").strip()
    if not addr:
        return Listen(DEFAULT_ADDRESSES[service], "default")
    if is_single(addr):
        return Listen(addr, addr_variable)
    return Listen(
        DEFAULT_ADDRESSES[service],
        f"default ({addr_variable} lists replicas; set {variable} to bind elsewhere)",
    )
