"""Process configuration from the environment: addresses, data, keys. Read once at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from common import addresses
from common.addresses import DEFAULT_ADDRESSES
from common.auth.keys import KeyRing

__all__ = ["DEFAULT_ADDRESSES", "ServiceEnv", "address_of"]


def address_of(service: str, environ: Mapping[str, str] | None = None) -> str:
    """Where callers find a service: CMDARR_<SVC>_ADDR (one host:port, a list, or a gRPC
    target URI), else its loopback default."""
    return addresses.address_of(service, os.environ if environ is None else environ)


@dataclass(frozen=True)
class ServiceEnv:
    """What one service process needs from its environment."""

    service: str
    address: str  # where this service listens (common/addresses.py listen_of)
    data_dir: Path
    database_url: str
    api_key: str | None
    grace_seconds: float
    log_level: str
    tls_cert: str = ""  # PEM files: serve TLS with this pair ...
    tls_key: str = ""
    tls_ca: str = ""  # ... and trust this authority when calling the other services
    address_source: str = "default"  # the variable the listen address came from
    keys: KeyRing | None = None  # the key in force, followed through rotations (common/auth)

    @property
    def key_ring(self) -> KeyRing:
        """The key every call must carry: the ring set up at start (common/runtime/main.py), else a
        fixed one from ``api_key`` (in-process tests)."""
        return self.keys if self.keys is not None else KeyRing(self.api_key)

    metrics_address: str = ""  # CMDARR_<SVC>_METRICS_ADDR: serve GET /metrics there

    @classmethod
    def from_environ(cls, service: str, environ: Mapping[str, str] | None = None) -> ServiceEnv:
        environ = os.environ if environ is None else environ
        data_dir = Path(environ.get("CMDARR_DATA_DIR", "./data"))
        database_url = environ.get(f"CMDARR_{service.upper()}_DATABASE_URL") or environ.get(
            "CMDARR_DATABASE_URL", ""
        )
        if not database_url:
            database_url = f"sqlite+aiosqlite:///{data_dir / (service + '.db')}"
        listen = addresses.listen_of(service, environ)
        return cls(
            service=service,
            address=listen.address,
            address_source=listen.source,
            data_dir=data_dir,
            database_url=database_url,
            api_key=environ.get("CMDARR_API_KEY") or None,
            grace_seconds=float(environ.get("CMDARR_SHUTDOWN_GRACE_SECONDS", "5")),
            log_level=environ.get("CMDARR_LOG_LEVEL", "INFO"),
            tls_cert=environ.get("CMDARR_TLS_CERT", ""),
            tls_key=environ.get("CMDARR_TLS_KEY", ""),
            tls_ca=environ.get("CMDARR_TLS_CA", ""),
            metrics_address=environ.get(f"CMDARR_{service.upper()}_METRICS_ADDR", ""),
        )
