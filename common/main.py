"""The life of a service process: configure logging, start, wait for SIGTERM, stop."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Protocol

from common.addresses import AddressError
from common.db import ReplicaRefused
from common.env import ServiceEnv
from common.logs import Redactor, configure_logging
from common.server import PortInUse, wait_for_termination


class Stoppable(Protocol):
    async def stop(self, grace: float) -> None: ...


Starter = Callable[[ServiceEnv, Redactor], Awaitable[Stoppable]]


async def serve(service: str, short: str, start: Starter) -> int:
    """Run until SIGTERM or SIGINT; 2 when the service cannot start."""
    try:
        env = ServiceEnv.from_environ(short)
    except AddressError as exc:
        print(f"{service}: cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    redactor = configure_logging(service, env.log_level, secrets=[env.api_key])
    log = logging.getLogger(service)
    log.info(
        "listen address", extra={"fields": {"address": env.address, "from": env.address_source}}
    )
    try:
        app = await start(env, redactor)
    except (PortInUse, ReplicaRefused, ValueError) as exc:
        log.error("cannot start: %s", exc)
        return 2
    signal_name = await wait_for_termination()
    log.info("shutting down", extra={"fields": {"signal": signal_name}})
    await app.stop(env.grace_seconds)
    return 0


def run(service: str, short: str, start: Starter) -> None:
    sys.exit(asyncio.run(serve(service, short, start)))
