"""python -m cache_svc: serve cmdarr.cache.v1.CacheService until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import sys

from cache_svc.app import start
from common.env import ServiceEnv, address_of
from common.logs import configure_logging
from common.server import PortInUse, wait_for_termination


async def main() -> int:
    env = ServiceEnv.from_environ("cache")
    configure_logging("cache_svc", env.log_level)
    log = logging.getLogger("cache_svc")
    try:
        app = await start(env, config_address=address_of("config"))
    except PortInUse as exc:
        log.error("cannot start: %s", exc)
        return 2
    signal_name = await wait_for_termination()
    log.info("shutting down", extra={"fields": {"signal": signal_name}})
    await app.stop(env.grace_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
