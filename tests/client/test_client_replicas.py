"""The blocking client on real channels: an address list where one replica is down still
answers every read, through round_robin and health checks (the services' own rules)."""

from __future__ import annotations

import asyncio

from cmdarr_client import Client
from config_svc.app import ConfigApp
from tests.support.ports import free_port


async def test_reads_reach_the_live_replica_of_a_list(config_app: ConfigApp) -> None:
    live = f"127.0.0.1:{config_app.server.port}"
    down = f"127.0.0.1:{free_port()}"

    def read_often() -> list[int]:
        with Client(config=[down, live]) as client:
            return [len(client.get_settings().settings) for _ in range(6)]

    counts = await asyncio.to_thread(read_often)
    assert len(counts) == 6
    assert all(count > 10 for count in counts)
