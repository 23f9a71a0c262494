"""Services started as their own processes, the way they run in production."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from bench import processes
from bench.processes import Child
from tests.support.ports import free_port


@asynccontextmanager
async def service(
    name: str, log_dir: Path, *, address: str = "", env: Mapping[str, str] | None = None
) -> AsyncIterator[Child]:
    """bench.processes.service, on a port from tests.support.ports unless ``address``
    names one (the child binds it a second or more after it was picked)."""
    address = address or f"127.0.0.1:{free_port()}"
    async with processes.service(name, log_dir, address=address, env=env) as child:
        yield child


@asynccontextmanager
async def config_process(tmp_path: Path, address: str = "", **env: str) -> AsyncIterator[Child]:
    """config_svc as a process (data under tmp_path); killed at the end if still running."""
    async with service(
        "config_svc",
        tmp_path,
        address=address,
        env={"CMDARR_DATA_DIR": str(tmp_path / "data"), **env},
    ) as child:
        yield child
