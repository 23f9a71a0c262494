"""python -m gateway: the gateway's gRPC and HTTP servers until SIGTERM."""

from __future__ import annotations

import logging
import os

from common.env import ServiceEnv, address_of
from common.runtime.logs import Redactor
from common.runtime.main import run
from common.runtime.telemetry import Telemetry
from gateway.app import GatewayApp, start

DEFAULT_HTTP = "127.0.0.1:8080"


async def _start(env: ServiceEnv, redactor: Redactor, telemetry: Telemetry) -> GatewayApp:
    http_address = os.environ.get("CMDARR_GATEWAY_HTTP_ADDR", DEFAULT_HTTP)
    app = await start(
        env,
        http_address=http_address,
        config_address=address_of("config"),
        cache_address=address_of("cache"),
        sync_address=address_of("sync"),
        telemetry=telemetry,
        redactor=redactor,
    )
    logging.getLogger("gateway").info(
        "status page", extra={"fields": {"url": f"http://{http_address}/"}}
    )
    return app


if __name__ == "__main__":
    run("gateway", "gateway", _start)
