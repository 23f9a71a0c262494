"""python -m config_svc: serve cmdarr.config.v1.ConfigService until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import sys

from common.env import ServiceEnv
from common.logs import configure_logging
from common.server import PortInUse, wait_for_termination
from config_svc.app import start


async def main() -> int:
    env = ServiceEnv.from_environ("config")
    redactor = configure_logging("config_svc", env.log_level)
    log = logging.getLogger("config_svc")
    try:
        app = await start(env, redactor=redactor)
    except (PortInUse, ValueError) as exc:
        log.error("cannot start: %s", exc)
        return 2
    signal_name = await wait_for_termination()
    log.info("shutting down", extra={"fields": {"signal": signal_name}})
    await app.stop(env.grace_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
