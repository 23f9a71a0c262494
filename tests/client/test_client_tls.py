"""Both clients over TLS: a config_svc serving TLS only is reached when the client trusts
its authority (``ca``), and refused otherwise."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cmdarr_client import AsyncClient, Client, Retry, Unavailable
from common.env import ServiceEnv
from config_svc.app import start as start_config
from tests.support.certificates import make_certificate
from tests.support.rpc import STOP_GRACE

ONCE = Retry(attempts=1)


async def test_both_clients_call_a_tls_service_trusting_its_authority(tmp_path: Path) -> None:
    cert, key = await asyncio.to_thread(make_certificate, tmp_path)
    ca = await asyncio.to_thread(cert.read_bytes)
    env = ServiceEnv(
        "config", "127.0.0.1:0", tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'config.db'}",
        None, 0.2, "INFO", tls_cert=str(cert), tls_key=str(key),
    )  # fmt: skip
    app = await start_config(env, environ={})
    address = f"127.0.0.1:{app.server.port}"
    try:
        async with AsyncClient(config=address, ca=ca) as secure:
            assert (await secure.get_settings("PLEX_URL")).settings[0].key == "PLEX_URL"
        async with AsyncClient(config=address, retry=ONCE, timeout=5) as plain:
            with pytest.raises(Unavailable):
                await plain.get_settings()

        def blocking() -> str:
            with Client(config=address, ca=ca) as client:
                return client.get_settings("PLEX_URL").settings[0].key

        assert await asyncio.to_thread(blocking) == "PLEX_URL"
    finally:
        await app.stop(STOP_GRACE)
