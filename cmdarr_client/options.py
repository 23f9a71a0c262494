"""Where the services are and how to call them: addresses, API key, TLS, deadlines."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cmdarr_client.addresses import DEFAULT_ADDRESSES, address_of, join
from cmdarr_client.channels import DEFAULT_TIMEOUT, key_metadata
from cmdarr_client.retry import Retry

SERVICES = tuple(DEFAULT_ADDRESSES)
# A watch stream is reopened (from where it was) after this long, whatever it follows.
WATCH_TIMEOUT = 3600.0

Address = str | Sequence[str]


@dataclass(frozen=True)
class ClientOptions:
    """Everything a client needs besides its channels. The API key and the CA never appear
    in a repr."""

    addresses: Mapping[str, str]
    api_key: str | None = field(default=None, repr=False)
    ca: bytes | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    watch_timeout: float = WATCH_TIMEOUT
    retry: Retry = field(default_factory=Retry)

    @classmethod
    def build(
        cls,
        *,
        config: Address | None = None,
        cache: Address | None = None,
        sync: Address | None = None,
        gateway: Address | None = None,
        api_key: str | None = None,
        ca: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
    ) -> ClientOptions:
        given = {"config": config, "cache": cache, "sync": sync, "gateway": gateway}
        addresses = {
            name: join(value) if value else DEFAULT_ADDRESSES[name] for name, value in given.items()
        }
        return cls(addresses, api_key or None, ca, timeout, retry=retry or Retry())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientOptions:
        """CMDARR_<SVC>_ADDR, CMDARR_API_KEY and CMDARR_TLS_CA (a PEM file), as the services
        and the CLI read them."""
        env = os.environ if environ is None else environ
        ca_path = env.get("CMDARR_TLS_CA", "")
        return cls(
            {name: address_of(name, env) for name in SERVICES},
            env.get("CMDARR_API_KEY") or None,
            Path(ca_path).read_bytes() if ca_path else None,
        )

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return key_metadata(self.api_key) if self.api_key else ()
