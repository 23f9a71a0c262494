"""python -m gateway: the gateway's gRPC and HTTP servers until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from common.env import ServiceEnv, address_of
from common.logs import configure_logging
from common.server import PortInUse, wait_for_termination
from gateway.app import start

DEFAULT_HTTP = "127.0.0.1:8080"


async def main() -> int:
    env = ServiceEnv.from_environ("gateway")
    configure_logging("gateway", env.log_level)
    log = logging.getLogger("gateway")
    http_address = os.environ.get("CMDARR_GATEWAY_HTTP_ADDR", DEFAULT_HTTP)
    try:
        app = await start(
            env,
            http_address=http_address,
            config_address=address_of("config"),
            cache_address=address_of("cache"),
            sync_address=address_of("sync"),
        )
    except PortInUse as exc:
        log.error("cannot start: %s", exc)
        return 2
    log.info("status page", extra={"fields": {"url": f"http://{http_address}/"}})
    signal_name = await wait_for_termination()
    log.info("shutting down", extra={"fields": {"signal": signal_name}})
    await app.stop(env.grace_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
