"""Optional TLS for gRPC: a service serves TLS when given a certificate and key
(CMDARR_TLS_CERT, CMDARR_TLS_KEY) and its clients trust CMDARR_TLS_CA."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from common.env import ServiceEnv


@dataclass(frozen=True)
class Tls:
    """PEM bytes: the service's own pair (to serve) and the authority (to call others)."""

    cert: bytes | None = None
    key: bytes | None = None
    ca: bytes | None = None

    @property
    def serving(self) -> tuple[bytes, bytes] | None:
        return (self.key, self.cert) if self.cert and self.key else None


def _read(path: str) -> bytes | None:
    return Path(path).read_bytes() if path else None


async def load_tls(env: ServiceEnv) -> Tls:
    """The files named by the environment; a certificate without its key is an error."""
    if bool(env.tls_cert) != bool(env.tls_key):
        raise ValueError("CMDARR_TLS_CERT and CMDARR_TLS_KEY must be given together")
    cert, key, ca = await asyncio.gather(
        *(asyncio.to_thread(_read, p) for p in (env.tls_cert, env.tls_key, env.tls_ca))
    )
    return Tls(cert, key, ca)
