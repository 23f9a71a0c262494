"""python -m bench.cluster (make cluster): two replicas of every service on loopback ports,
all on the PostgreSQL database named by CMDARR_DATABASE_URL, plus emulated Plex and
Jellyfin; prints the addresses, then runs until Ctrl-C.

Each replica listens on its own port (CMDARR_<SVC>_LISTEN) and finds the others through
the comma-separated lists in CMDARR_<SVC>_ADDR, as replicas behind a headless Service do.
`Cluster` is also what `make chaos-cluster` kills and restarts replicas of.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from bench.processes import Child, emulators, service
from common.runtime.probe import free_port

NAMES = ("config_svc", "cache_svc", "sync_svc", "gateway")
REPLICAS = 2
TRACKS = 3000
NO_DATABASE = (
    "make cluster needs a PostgreSQL database shared by the replicas: set CMDARR_DATABASE_URL, "
    "e.g. CMDARR_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cmdarr make cluster "
    "(SQLite serves one replica only)"
)


def short(name: str) -> str:
    return name.removesuffix("_svc")


class Cluster:
    """Every service as ``replicas`` processes on fixed loopback ports, each restartable."""

    def __init__(self, logs: Path, env: dict[str, str], replicas: int = REPLICAS) -> None:
        self.logs = logs
        self.replicas = replicas
        self.addresses = {
            name: [f"127.0.0.1:{free_port()}" for _ in range(replicas)] for name in NAMES
        }
        self.http_addresses = [f"127.0.0.1:{free_port()}" for _ in range(replicas)]
        self.env = dict(env)
        for name, addresses in self.addresses.items():
            self.env[f"CMDARR_{short(name).upper()}_ADDR"] = ",".join(addresses)
        self._children: dict[tuple[str, int], Child] = {}
        self._exits: dict[tuple[str, int], AsyncExitStack] = {}

    def replica_env(self, name: str, index: int) -> dict[str, str]:
        own = {f"CMDARR_{short(name).upper()}_LISTEN": self.addresses[name][index]}
        if name == "gateway":
            own["CMDARR_GATEWAY_HTTP_ADDR"] = self.http_addresses[index]
        return {**self.env, **own}

    async def start(self, name: str, index: int) -> None:
        stack = AsyncExitStack()
        self._children[(name, index)] = await stack.enter_async_context(
            service(
                name,
                self.logs,
                address=self.addresses[name][index],
                env=self.replica_env(name, index),
            )
        )
        self._exits[(name, index)] = stack

    async def start_all(self) -> None:
        for name in NAMES:  # in dependency order: each service finds the ones before it
            await asyncio.gather(*(self.start(name, i) for i in range(self.replicas)))

    def running(self, name: str, index: int) -> bool:
        return (name, index) in self._exits

    async def kill(self, name: str, index: int) -> None:
        """SIGKILL one replica: no shutdown, no goodbye."""
        await self._children.pop((name, index)).kill()
        await self._exits.pop((name, index)).aclose()

    async def close(self) -> None:
        for name, index in list(self._exits):
            await self.kill(name, index)


async def main() -> int:
    database_url = os.environ.get("CMDARR_DATABASE_URL", "")
    if not database_url.startswith("postgresql"):
        print(NO_DATABASE, file=sys.stderr)
        return 2
    logs = Path(tempfile.mkdtemp(prefix="cmdarr-cluster-"))
    async with emulators(logs, tracks=TRACKS) as emu:
        cluster = Cluster(logs, {"CMDARR_DATABASE_URL": database_url})
        try:
            await cluster.start_all()
            print(f"emulated Plex {emu.plex_url}, Jellyfin {emu.jellyfin_url}")
            for name, addresses in cluster.addresses.items():
                print(f"{name:<10} {', '.join(addresses)}")
            print("status pages: " + ", ".join(f"http://{a}/" for a in cluster.http_addresses))
            print(f"logs in {logs}; Ctrl-C stops everything", flush=True)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        finally:
            await cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
