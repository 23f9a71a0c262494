"""Process configuration from the environment: addresses, data, keys. Read once at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ADDRESSES = {
    "config": "127.0.0.1:50051",
    "cache": "127.0.0.1:50052",
    "sync": "127.0.0.1:50053",
    "gateway": "127.0.0.1:50054",
}


def address_of(service: str, environ: Mapping[str, str] | None = None) -> str:
    """The gRPC address of a service: CMDARR_<SVC>_ADDR, else its loopback default."""
    environ = os.environ if environ is None else environ
    return environ.get(f"CMDARR_{service.upper()}_ADDR") or DEFAULT_ADDRESSES[service]


@dataclass(frozen=True)
class ServiceEnv:
    """What one service process needs from its environment."""

    service: str
    address: str
    data_dir: Path
    database_url: str
    api_key: str | None
    grace_seconds: float
    log_level: str
    tls_cert: str = ""  # PEM files: serve TLS with this pair ...
    tls_key: str = ""
    tls_ca: str = ""  # ... and trust this authority when calling the other services

    @classmethod
    def from_environ(cls, service: str, environ: Mapping[str, str] | None = None) -> ServiceEnv:
        environ = os.environ if environ is None else environ
        data_dir = Path(environ.get("CMDARR_DATA_DIR", "./data"))
        database_url = environ.get(f"CMDARR_{service.upper()}_DATABASE_URL") or environ.get(
            "CMDARR_DATABASE_URL", ""
        )
        if not database_url:
            database_url = f"sqlite+aiosqlite:///{data_dir / (service + '.db')}"
        return cls(
            service=service,
            address=address_of(service, environ),
            data_dir=data_dir,
            database_url=database_url,
            api_key=environ.get("CMDARR_API_KEY") or None,
            grace_seconds=float(environ.get("CMDARR_SHUTDOWN_GRACE_SECONDS", "5")),
            log_level=environ.get("CMDARR_LOG_LEVEL", "INFO"),
            tls_cert=environ.get("CMDARR_TLS_CERT", ""),
            tls_key=environ.get("CMDARR_TLS_KEY", ""),
            tls_ca=environ.get("CMDARR_TLS_CA", ""),
        )
