"""python -m sync_svc: serve cmdarr.sync.v1.SyncService until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import sys

from common.env import ServiceEnv, address_of
from common.logs import configure_logging
from common.server import PortInUse, wait_for_termination
from sync_svc.app import start
from sync_svc.loader import load_source


async def main() -> int:
    env = ServiceEnv.from_environ("sync")
    configure_logging("sync_svc", env.log_level)
    log = logging.getLogger("sync_svc")
    try:
        app = await start(
            env,
            config_address=address_of("config"),
            cache_address=address_of("cache"),
            load_playlist=load_source,
        )
    except PortInUse as exc:
        log.error("cannot start: %s", exc)
        return 2
    signal_name = await wait_for_termination()
    log.info("shutting down", extra={"fields": {"signal": signal_name}})
    await app.stop(env.grace_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
