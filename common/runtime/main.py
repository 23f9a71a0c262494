"""The life of a service process: configure logging, settle the key, start, wait for
SIGTERM, stop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Protocol

from opentelemetry import trace

from common.addresses import AddressError
from common.auth.policy import AuthConfigError
from common.auth.setup import AuthSetup, resolve
from common.auth.watch import KeyWatcher
from common.database.engine import ReplicaRefused
from common.env import ServiceEnv
from common.runtime.logs import Redactor, configure_logging
from common.runtime.metrics_http import MetricsEndpoint
from common.runtime.server import PortInUse, wait_for_termination
from common.runtime.telemetry import Telemetry


class Stoppable(Protocol):
    async def stop(self, grace: float) -> None: ...


Starter = Callable[[ServiceEnv, Redactor, Telemetry], Awaitable[Stoppable]]


def log_auth(log: logging.Logger, setup: AuthSetup) -> None:
    """Where the key comes from (never the key), and a warning for auth turned off while
    something listens beyond loopback."""
    fields: dict[str, object] = {
        "mode": setup.mode.value,
        "required": setup.ring.required,
        "source": setup.source,
    }
    if setup.path is not None and setup.source != "none":
        fields["path"] = str(setup.path)
    log.info("api key", extra={"fields": fields})
    if setup.decision.warn_off:
        log.warning(
            "CMDARR_AUTH=off: anyone who reaches %s can call every service without a key;"
            " keep this only behind something that authenticates",
            ", ".join(setup.decision.exposed),
        )


async def serve(service: str, short: str, start: Starter) -> int:
    """Run until SIGTERM or SIGINT; 2 when the service cannot start."""
    try:
        env = ServiceEnv.from_environ(short)
        setup = await asyncio.to_thread(resolve, dict(os.environ))
    except (AddressError, AuthConfigError) as exc:
        print(f"{service}: cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    env = dataclasses.replace(env, keys=setup.ring)
    redactor = configure_logging(
        service, env.log_level, secrets=[env.api_key, setup.ring.current()]
    )
    log = logging.getLogger(service)
    log.info(
        "listen address", extra={"fields": {"address": env.address, "from": env.address_source}}
    )
    log_auth(log, setup)
    telemetry = Telemetry.from_environ(service)
    if telemetry.tracing.enabled:
        # Once per process; libraries that trace through the global API report here too.
        trace.set_tracer_provider(telemetry.tracing.provider)
    log.info("tracing", extra={"fields": {"enabled": telemetry.tracing.enabled}})
    metrics = MetricsEndpoint(env.metrics_address, telemetry.metrics.render, setup.ring)
    try:
        if env.metrics_address:  # first: a port in use stops us before anything started
            await metrics.start()
    except (OSError, ValueError) as exc:
        log.error("cannot serve metrics at %s: %s", env.metrics_address, exc)
        await asyncio.to_thread(telemetry.tracing.shutdown)
        return 2
    watcher: asyncio.Task[None] | None = None
    if setup.path is not None:
        follow = KeyWatcher(setup.path, setup.ring, redactor.add)
        watcher = asyncio.create_task(follow.run(), name="api-key-watch")
    try:
        try:
            app = await start(env, redactor, telemetry)
        except (PortInUse, ReplicaRefused, ValueError) as exc:
            log.error("cannot start: %s", exc)
            await metrics.stop()
            await asyncio.to_thread(telemetry.tracing.shutdown)
            return 2
        signal_name = await wait_for_termination()
        log.info("shutting down", extra={"fields": {"signal": signal_name}})
        await metrics.stop()
        await app.stop(env.grace_seconds)
        await asyncio.to_thread(telemetry.tracing.shutdown)  # the last spans go out
        return 0
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def run(service: str, short: str, start: Starter) -> None:
    sys.exit(asyncio.run(serve(service, short, start)))
