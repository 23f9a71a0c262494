"""python -m common.runtime.launcher: run every service as its own process until Ctrl-C or SIGTERM.

Services are started by module name (never imported here); each inherits the environment,
so CMDARR_DATA_DIR, CMDARR_<SVC>_ADDR, CMDARR_<SVC>_LISTEN and the settings variables
apply to all of them. One process per service: on SQLite a second replica is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import sys
from pathlib import Path

from common.addresses import listen_of

SERVICES = ("config_svc", "cache_svc", "sync_svc", "gateway")


def available() -> list[str]:
    """The services of this checkout that can be run (have a __main__)."""
    found = []
    for name in SERVICES:
        try:
            if importlib.util.find_spec(f"{name}.__main__") is not None:
                found.append(name)
        except ModuleNotFoundError:  # the package itself is absent
            continue
    return found


async def main() -> int:
    names = available()
    environ = dict(os.environ)
    environ.setdefault("CMDARR_DATA_DIR", str(Path.cwd() / "data"))
    procs = {
        name: await asyncio.create_subprocess_exec(sys.executable, "-m", name, env=environ)
        for name in names
    }
    for name in names:
        svc = name.removesuffix("_svc")
        print(
            f"started {name} (pid {procs[name].pid}) on {listen_of(svc, environ).address}",
            file=sys.stderr,
            flush=True,
        )
    if "gateway" in names:
        http = environ.get("CMDARR_GATEWAY_HTTP_ADDR", "127.0.0.1:8080")
        print(f"status page: http://{http}/", file=sys.stderr, flush=True)
    print(
        f"data in {environ['CMDARR_DATA_DIR']}; Ctrl-C stops everything",
        file=sys.stderr,
        flush=True,
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waits = {asyncio.ensure_future(p.wait()): n for n, p in procs.items()}
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait([stopper, *waits], return_when=asyncio.FIRST_COMPLETED)
    failed = [waits[d] for d in done if d in waits]
    for name in failed:
        print(f"{name} exited with {procs[name].returncode}; stopping the others", file=sys.stderr)
    for proc in procs.values():
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs.values():
        with contextlib.suppress(ProcessLookupError):
            try:
                async with asyncio.timeout(15):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
    stopper.cancel()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
