"""python -m sync_svc: serve cmdarr.sync.v1.SyncService until SIGTERM."""

from __future__ import annotations

from common.env import ServiceEnv, address_of
from common.runtime.logs import Redactor
from common.runtime.main import run
from common.runtime.telemetry import Telemetry
from sync_svc.app import SyncApp, start
from sync_svc.loader import load_source


async def _start(env: ServiceEnv, redactor: Redactor, telemetry: Telemetry) -> SyncApp:
    return await start(
        env,
        config_address=address_of("config"),
        cache_address=address_of("cache"),
        load_playlist=load_source,
        redactor=redactor,
        telemetry=telemetry,
    )


if __name__ == "__main__":
    run("sync_svc", "sync", _start)
