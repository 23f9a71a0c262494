"""Services and emulators as child processes, the way they run in production: for the
launcher, end-to-end tests and benchmarks."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from common.runtime.probe import free_port, wait_serving

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Child:
    """A running child process and where it logs."""

    name: str
    process: asyncio.subprocess.Process
    address: str
    log_path: Path

    def log_lines(self) -> list[str]:
        return self.log_path.read_text().splitlines()

    async def stop(self, grace: float = 20.0) -> int:
        """SIGTERM, then SIGKILL if it has not exited within ``grace`` seconds."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), grace)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return int(self.process.returncode or 0)

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def _spawn(
    args: list[str], env: Mapping[str, str], log_path: Path, cwd: Path = ROOT
) -> asyncio.subprocess.Process:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=log
        )


@asynccontextmanager
async def service(
    name: str,
    log_dir: Path,
    *,
    address: str = "",
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
) -> AsyncIterator[Child]:
    """``python -m <name>_svc`` (or ``gateway``) on ``address``, yielded once SERVING;
    killed at the end if still running. ``cwd`` (with ``PYTHONPATH`` in ``env``) runs
    another checkout's code, as a benchmark's baseline does."""
    short = name.removesuffix("_svc")
    address = address or f"127.0.0.1:{free_port()}"
    environ = {
        f"CMDARR_{short.upper()}_ADDR": address,
        "CMDARR_SHUTDOWN_GRACE_SECONDS": "1",
        **(env or {}),
    }
    log_path = log_dir / f"{name}-{address.rsplit(':', 1)[1]}.log"
    process = await _spawn(["-m", name], environ, log_path, cwd)
    child = Child(name, process, address, log_path)
    try:
        await wait_serving(address, deadline=60)
        yield child
    finally:
        await child.kill()


@dataclass
class Emulators:
    plex_url: str
    jellyfin_url: str
    children: tuple[Child, ...]
    lidarr_url: str = ""  # with ``lidarr``: the emulated Lidarr (emulators/lidarr.py)


async def _announced_url(
    process: asyncio.subprocess.Process, log_path: Path, kind: str, deadline: float
) -> str:
    """The URL an emulator prints (``<kind> <url>``) once it serves, read from its log."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        text = await asyncio.to_thread(log_path.read_text, errors="replace")
        for line in text.splitlines():
            if line.startswith(f"{kind} http://"):
                return line.split(" ", 1)[1].strip()
        if process.returncode is not None:
            raise RuntimeError(f"emulator {kind} exited with {process.returncode}; see {log_path}")
        if loop.time() > end:
            raise TimeoutError(f"emulator {kind} announced no URL within {deadline:g} s")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def emulators(
    log_dir: Path,
    *,
    tracks: int,
    seed: int = 1,
    latency_ms: float = 0,
    extra: tuple[str, ...] = (),
    lidarr: bool = False,
) -> AsyncIterator[Emulators]:
    """Emulated Plex and Jellyfin (and with ``lidarr`` an emulated Lidarr), each in a
    child process of its own (``python -m emulators``), as separate servers would be: one
    never waits for the other's CPU."""
    children: list[Child] = []
    urls: dict[str, str] = {}
    try:
        for kind in ("plex", "jellyfin", *(("lidarr",) if lidarr else ())):
            # Port 0: the emulator binds a free port itself and prints its URL once it
            # serves, so no port is picked here and lost to another socket before the bind.
            args = [
                "-m", "emulators", f"--{kind}-port", "0", "--tracks", str(tracks),
                "--seed", str(seed), "--latency-ms", str(latency_ms), *extra,
            ]  # fmt: skip
            log_path = log_dir / f"emulators-{kind}-{uuid.uuid4().hex[:8]}.log"
            process = await _spawn(args, {}, log_path)
            try:
                urls[kind] = await _announced_url(process, log_path, kind, 120)
            except BaseException:
                process.kill()
                await process.wait()
                raise
            address = urls[kind].removeprefix("http://")
            children.append(Child(f"emulator-{kind}", process, address, log_path))
        yield Emulators(urls["plex"], urls["jellyfin"], tuple(children), urls.get("lidarr", ""))
    finally:
        for child in children:
            await child.kill()


@dataclass
class HouseholdEmulators:
    """A running household (bench/household_emulators.py): each server's kind and URL by
    name, and the emulated plex.tv's URL."""

    servers: dict[str, tuple[str, str]]
    plex_tv_url: str
    child: Child


@asynccontextmanager
async def household(
    log_dir: Path, *, tracks: int, seed: int = 1, latency_ms: float = 0
) -> AsyncIterator[HouseholdEmulators]:
    """The household of ``python -m bench.household_emulators`` in a child process, yielded
    once it announced every server and plex.tv; killed at the end."""
    args = [
        "-m", "bench.household_emulators", "--tracks", str(tracks), "--seed", str(seed),
        "--latency-ms", str(latency_ms),
    ]  # fmt: skip
    log_path = log_dir / f"household-{uuid.uuid4().hex[:8]}.log"
    process = await _spawn(args, {}, log_path)
    try:
        plex_tv = await _announced_url(process, log_path, "plex.tv", 300)
        servers: dict[str, tuple[str, str]] = {}
        for line in log_path.read_text(errors="replace").splitlines():
            kind, _, rest = line.partition(" ")
            url, _, name = rest.partition(" ")
            if kind in ("plex", "jellyfin") and url.startswith("http://") and name:
                servers[name] = (kind, url)
        child = Child("household", process, plex_tv.removeprefix("http://"), log_path)
        yield HouseholdEmulators(servers, plex_tv, child)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def proc_cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used, user and system, with those of its children it has
    waited for (Linux ``/proc/<pid>/stat``: utime, stime, cutime, cstime)."""
    return sum(proc_cpu_split(pid))


def proc_cpu_split(pid: int) -> tuple[float, float]:
    """CPU seconds (user and system) of a process itself, and of its children it has waited
    for (Linux)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    tick = os.sysconf("SC_CLK_TCK")
    return sum(int(v) for v in fields[11:13]) / tick, sum(int(v) for v in fields[13:15]) / tick


def live_children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        if int(text.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


async def reaped(pid: int, deadline: float) -> None:
    """Wait (at most ``deadline`` seconds) until ``pid`` has no child left: its finished
    children (a service's build workers) are then counted in its CPU seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        if not live_children(pid) or loop.time() > end:
            return
        await asyncio.sleep(0.1)


def proc_memory(pid: int) -> dict[str, int]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a process, in bytes (Linux)."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) * 1024
    return found
