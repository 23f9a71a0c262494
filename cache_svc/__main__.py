"""python -m cache_svc: serve cmdarr.cache.v1.CacheService until SIGTERM."""

from __future__ import annotations

from cache_svc.app import CacheApp, start
from common.env import ServiceEnv, address_of
from common.runtime.logs import Redactor
from common.runtime.main import run
from common.runtime.telemetry import Telemetry


async def _start(env: ServiceEnv, redactor: Redactor, telemetry: Telemetry) -> CacheApp:
    return await start(
        env, config_address=address_of("config"), redactor=redactor, telemetry=telemetry
    )


if __name__ == "__main__":
    run("cache_svc", "cache", _start)
