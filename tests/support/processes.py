"""Services started as their own processes, the way they run in production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.processes import Child, service


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
