"""Services started as their own processes, the way they run in production."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from common.probe import free_port, wait_serving

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Proc:
    process: asyncio.subprocess.Process
    address: str
    log_path: Path

    def log_lines(self) -> list[str]:
        return self.log_path.read_text().splitlines()


@asynccontextmanager
async def config_process(tmp_path: Path, address: str = "", **env: str) -> AsyncIterator[Proc]:
    """config_svc as a process; SIGKILLed at the end if still running."""
    address = address or f"127.0.0.1:{free_port()}"
    environ = {
        **os.environ,
        "CMDARR_DATA_DIR": str(tmp_path / "data"),
        "CMDARR_CONFIG_ADDR": address,
        "CMDARR_SHUTDOWN_GRACE_SECONDS": "1",
        **env,
    }
    log_path = tmp_path / f"config-{address.rsplit(':', 1)[1]}.log"
    with log_path.open("a") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "config_svc", cwd=ROOT, env=environ, stdout=log, stderr=log
        )
    proc = Proc(process, address, log_path)
    try:
        await wait_serving(address)
        yield proc
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
