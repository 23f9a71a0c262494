"""python -m config_svc: serve cmdarr.config.v1.ConfigService until SIGTERM."""

from __future__ import annotations

from common.env import ServiceEnv
from common.runtime.logs import Redactor
from common.runtime.main import run
from common.runtime.telemetry import Telemetry
from config_svc.app import ConfigApp, start


async def _start(env: ServiceEnv, redactor: Redactor, telemetry: Telemetry) -> ConfigApp:
    return await start(env, redactor=redactor, telemetry=telemetry)


if __name__ == "__main__":
    run("config_svc", "config", _start)
