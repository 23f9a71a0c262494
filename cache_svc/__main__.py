"""python -m cache_svc: serve cmdarr.cache.v1.CacheService until SIGTERM."""

from __future__ import annotations

from cache_svc.app import CacheApp, start
from common.env import ServiceEnv, address_of
from common.logs import Redactor
from common.main import run


async def _start(env: ServiceEnv, redactor: Redactor) -> CacheApp:
    return await start(env, config_address=address_of("config"), redactor=redactor)


if __name__ == "__main__":
    run("cache_svc", "cache", _start)
