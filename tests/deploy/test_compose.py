"""docker-compose.yml: its shape, and each service started from it as a local process.

There is no container engine in the test environment, so the services run as processes
with the environment the compose file gives them, rewriting only what cannot work outside
Docker: compose DNS names and 0.0.0.0 become 127.0.0.1 (servers in tests bind loopback
only), container ports become free local ports, and /data becomes a temporary folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import itertools
import json
import os
import re
import shutil
import signal
import stat
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cmdarr.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from playwright.async_api import async_playwright, expect

from cmdarr_client.service_config import FULL_NAMES
from common.addresses import is_uri
from common.auth.policy import decide, exposed_addresses, parse_mode
from common.runtime.probe import is_serving
from common.wire.channels import open_channel
from tests.support.auth_checks import PROTECTED_ROUTES, refused_routes, refused_rpcs
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"

# The stack in start order, each service's module and its gRPC port.
STACK = {"config": 50051, "cache": 50052, "sync": 50053, "gateway": 50054}
MODULES = {"config": "config_svc", "cache": "cache_svc", "sync": "sync_svc", "gateway": "gateway"}
GATEWAY_HTTP_PORT = 8080
METRICS_PORTS = {"config": 9461, "cache": 9462, "sync": 9463}
# Who calls whom (docs/ARCHITECTURE.md, "Who calls whom"): a DAG, config calling nobody.
CALLS: dict[str, set[str]] = {
    "config": set(),
    "cache": {"config"},
    "sync": {"config", "cache"},
    "gateway": {"config", "cache", "sync"},
}
DATA_DIR = "/data"
WAIT_SECONDS = 60.0


def load_compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Compose interpolation as this file uses it: ``${NAME}``, ``${NAME:-default}``, ``$$``."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group("name"), match.group("default")
        return environ.get(name) or (default or "")

    result = _VARIABLE.sub(substitute, value)
    assert "$" not in _VARIABLE.sub("", value), f"unsupported interpolation in {value!r}"
    return result


def environment(
    service: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A service's environment with the defaults compose would use (nothing set outside)."""
    raw = service.get("environment") or {}
    assert isinstance(raw, dict), "environment as a mapping"
    return {str(k): interpolate(str(v), environ or {}) for k, v in raw.items()}


def start_order(services: Mapping[str, Any]) -> list[str]:
    """The services without a profile, dependencies first (as ``docker compose up``)."""
    enabled = {name for name, svc in services.items() if not svc.get("profiles")}
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle through {name}"
        if name in order:
            return
        for dep in services[name].get("depends_on") or {}:
            if dep in enabled:
                visit(dep, (*path, name))
        order.append(name)

    for name in sorted(enabled, key=lambda n: list(services).index(n)):
        visit(name, ())
    return order


def runnable(name: str) -> bool:
    """Whether this checkout has the service's ``__main__`` (find_spec raises when even the
    package is missing)."""
    try:
        return importlib.util.find_spec(f"{MODULES[name]}.__main__") is not None
    except ModuleNotFoundError:
        return False


# --- shape -------------------------------------------------------------------------


def test_services_and_profiles() -> None:
    services = load_compose()["services"]
    assert set(STACK) <= set(services)
    assert services["postgres"]["profiles"] == ["postgres", "scale"]
    assert services["emulators"]["profiles"] == ["emulators"]
    for name in STACK:
        assert not services[name].get("profiles"), f"{name} must always run"
    assert start_order(services) == list(STACK)


def test_one_image_runs_every_service() -> None:
    services = load_compose()["services"]
    images = {services[name]["image"] for name in (*STACK, "emulators")}
    assert len(images) == 1
    for name in STACK:
        assert services[name]["command"] == ["python", "-m", MODULES[name]]
        assert services[name]["build"]["context"] == "."
        assert services[name].get("user") in (None, ""), "the image's non-root user"


def test_only_the_gateway_http_port_is_published() -> None:
    services = load_compose()["services"]
    published = {name: svc["ports"] for name, svc in services.items() if svc.get("ports")}
    assert list(published) == ["gateway", "scale-gateway", "jaeger"]
    (ui,) = published["jaeger"]
    assert interpolate(str(ui), {}).startswith("127.0.0.1:"), "the trace UI on loopback only"
    (port,) = published["gateway"]
    assert interpolate(str(port), {}) == f"{GATEWAY_HTTP_PORT}:{GATEWAY_HTTP_PORT}"
    (ports,) = published["scale-gateway"]
    assert interpolate(str(ports), {}) == f"8081-8082:{GATEWAY_HTTP_PORT}", "one per replica"


def test_each_service_listens_on_all_interfaces_and_finds_the_others_by_name() -> None:
    services = load_compose()["services"]
    for name, port in STACK.items():
        env = environment(services[name])
        for other, other_port in STACK.items():
            expected = f"0.0.0.0:{port}" if other == name else f"{other}:{other_port}"
            assert env[f"CMDARR_{other.upper()}_ADDR"] == expected, name
        assert env["CMDARR_DATA_DIR"] == DATA_DIR
        assert f"data:{DATA_DIR}" in services[name]["volumes"]
        assert env["CMDARR_API_KEY"] == "", "a generated key unless one is given"
        assert environment(services[name], {"CMDARR_API_KEY": "k"})["CMDARR_API_KEY"] == "k"
    gateway = environment(services["gateway"])
    assert gateway["CMDARR_GATEWAY_HTTP_ADDR"] == f"0.0.0.0:{GATEWAY_HTTP_PORT}"


def test_every_service_requires_a_key_by_default() -> None:
    """As compose runs them (0.0.0.0, names), CMDARR_AUTH=auto decides a key is required,
    for the default stack and the replicas alike; CMDARR_AUTH=off is a choice it keeps."""
    services = load_compose()["services"]
    for name in [*STACK, *(f"scale-{n}" for n in STACK)]:
        env = environment(services[name])
        assert env["CMDARR_AUTH"] == "auto", name
        decision = decide(parse_mode(env["CMDARR_AUTH"]), exposed_addresses(env))
        assert decision.required, name
        off = environment(services[name], {"CMDARR_AUTH": "off"})
        assert decide(parse_mode(off["CMDARR_AUTH"]), exposed_addresses(off)).warn_off


def test_healthchecks_probe_over_grpc_health() -> None:
    services = load_compose()["services"]
    for name, port in STACK.items():
        check = services[name]["healthcheck"]
        assert check["test"] == ["CMD", "python", "-m", "common.runtime.probe", f"127.0.0.1:{port}"]
    for name in ("postgres", "emulators"):
        assert services[name]["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")


def test_start_order_waits_for_healthy_dependencies() -> None:
    services = load_compose()["services"]
    names = list(STACK)
    for before, after in itertools.pairwise(names):
        depends = services[after]["depends_on"]
        assert depends[before]["condition"] == "service_healthy", after
        for dep in depends.values():
            assert dep["condition"] == "service_healthy"


def test_each_service_waits_for_the_services_it_calls_and_config_for_none() -> None:
    """depends_on is the call graph, in the default stack and the replicas alike; config
    calls no other service, so it starts with none of them."""
    services = load_compose()["services"]
    for prefix in ("", "scale-"):
        for name, calls in CALLS.items():
            depends = set(services[prefix + name].get("depends_on") or {})
            assert depends & {prefix + n for n in STACK} == {prefix + n for n in calls}, name


def test_postgres_profile_is_optional_and_serves_every_database() -> None:
    compose = load_compose()
    services = compose["services"]
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    init = compose["configs"]["postgres-init"]["content"]
    header = COMPOSE.read_text()
    for name in ("config", "cache", "sync"):
        # SQLite unless a URL is given; then the service waits for PostgreSQL, if enabled.
        key = f"CMDARR_{name.upper()}_DATABASE_URL"
        assert environment(services[name])[key] == ""
        url = "postgresql+asyncpg://cmdarr:cmdarr@postgres:5432/cmdarr_" + name
        assert environment(services[name], {key: url})[key] == url
        assert f"{key}={url}" in header, "the documented URL"
        assert f"CREATE DATABASE cmdarr_{name};" in init
        assert services[name]["depends_on"]["postgres"] == {
            "condition": "service_healthy",
            "required": False,
        }


def test_scale_profile_runs_two_replicas_of_each_service_on_postgresql() -> None:
    services = load_compose()["services"]
    for name, port in STACK.items():
        scaled = services[f"scale-{name}"]
        assert scaled["profiles"] == ["scale"]
        assert scaled["deploy"]["replicas"] == 2, name
        assert scaled["command"] == services[name]["command"]
        assert scaled["image"] == services[name]["image"]
        assert "ports" not in scaled or name == "gateway"
        env = environment(scaled)
        # Bound where its healthcheck probes; the others reached through Docker's DNS,
        # which answers every replica of a service under its name.
        assert env[f"CMDARR_{name.upper()}_LISTEN"] == f"0.0.0.0:{port}"
        check = scaled["healthcheck"]["test"]
        assert check == ["CMD", "python", "-m", "common.runtime.probe", f"127.0.0.1:{port}"]
        for other, other_port in STACK.items():
            address = env[f"CMDARR_{other.upper()}_ADDR"]
            assert address == f"dns:///scale-{other}:{other_port}", name
            assert is_uri(address)
        for store in ("config", "cache", "sync"):
            url = env[f"CMDARR_{store.upper()}_DATABASE_URL"]
            assert url == f"postgresql+asyncpg://cmdarr:cmdarr@postgres:5432/cmdarr_{store}"
        assert scaled["volumes"] == ["scale-auth:/data"], "only the shared key on disk"
        assert env["CMDARR_DATA_DIR"] == DATA_DIR
        for dep, condition in scaled["depends_on"].items():
            assert dep == "postgres" or dep.startswith("scale-"), name
            assert condition["condition"] == "service_healthy"
            assert "required" not in condition, "PostgreSQL is required here"
    for name in ("config", "cache", "sync"):
        assert "postgres" in services[f"scale-{name}"]["depends_on"]


# --- behaviour -----------------------------------------------------------------------


@dataclass
class Local:
    """How the containers' addresses map to this machine."""

    ports: dict[int, int]
    data_dir: Path

    def rewrite(self, value: str) -> str:
        if value == DATA_DIR:
            return str(self.data_dir)

        def address(match: re.Match[str]) -> str:
            port = int(match.group("port"))
            return f"127.0.0.1:{self.ports[port]}" if port in self.ports else match.group(0)

        return re.sub(r"\b(?P<host>[A-Za-z0-9_.-]+):(?P<port>\d+)\b", address, value)

    def argv(self, command: list[str]) -> list[str]:
        """A compose command (or a healthcheck's CMD) as a local argv."""
        assert command[0] == "python"
        return [sys.executable, *(self.rewrite(arg) for arg in command[1:])]


def local_environment(service: Mapping[str, Any], local: Local) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CMDARR_")}
    return {**inherited, **{k: local.rewrite(v) for k, v in environment(service).items()}}


@dataclass
class Running:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    def tail(self) -> str:
        return "\n".join(self.log.read_text().splitlines()[-30:])


@asynccontextmanager
async def spawned(
    name: str, argv: list[str], env: dict[str, str], log: Path
) -> AsyncIterator[Running]:
    with log.open("w") as out:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=env, stdout=out, stderr=out
        )
    running = Running(name, process, log)
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def stop(running: Running) -> int:
    """What ``docker stop`` does: SIGTERM, then a bounded wait (killed after it)."""
    running.process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(running.process.wait(), 30)
    except TimeoutError:
        running.process.kill()
        await running.process.wait()
        pytest.fail(f"{running.name} ignored SIGTERM:\n{running.tail()}")


async def healthy(running: Running, check: list[str], env: dict[str, str]) -> None:
    """Run the healthcheck command until it passes, like compose's service_healthy."""
    assert check[0] == "CMD"
    loop = asyncio.get_running_loop()
    end = loop.time() + WAIT_SECONDS
    while True:
        probe = await asyncio.create_subprocess_exec(
            *check[1:], cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            code = await asyncio.wait_for(probe.wait(), 15)
        except TimeoutError:
            probe.kill()
            code = await probe.wait()
        if code == 0:
            return
        if running.process.returncode is not None:
            pytest.fail(
                f"{running.name} exited with {running.process.returncode}:\n{running.tail()}"
            )
        if loop.time() > end:
            pytest.fail(f"{running.name} not healthy within {WAIT_SECONDS:g} s:\n{running.tail()}")
        await asyncio.sleep(0.2)  # between probes, like compose's healthcheck interval


def source_of(log: Path) -> str:
    """Where the service said its key came from (its "api key" log line)."""
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("msg") == "api key":
                assert entry["path"].endswith("api-key"), "the location is logged"
                return str(entry["source"])
    return ""


async def signs_in(url: str, key: str) -> None:
    """The status page in chromium: the sign-in form first, the status once signed in."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make test` installs it when run as root")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page()
        await page.goto(url)
        await page.get_by_label("API key").fill(key)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator("#services")).to_contain_text("sync_svc: serving", timeout=15_000)
        await page.get_by_role("button", name="Sign out").click()
        await expect(page.locator("form#signin")).to_be_visible()
        await browser.close()


async def test_compose_services_start_and_report_serving(tmp_path: Path) -> None:
    services = load_compose()["services"]
    # The gateway may not exist in this checkout yet: start only the services whose module
    # does, in compose's start order, each once the ones before it are healthy.
    names = [name for name in start_order(services) if runnable(name)]
    assert names[:3] == ["config", "cache", "sync"]
    ports = (*STACK.values(), GATEWAY_HTTP_PORT, *METRICS_PORTS.values())
    local = Local({p: free_port() for p in ports}, tmp_path / "data")
    async with contextlib.AsyncExitStack() as stack:
        started: list[Running] = []
        for name in names:
            service = services[name]
            env = local_environment(service, local)
            # Loopback here stands in for 0.0.0.0 there, where auto means required.
            env["CMDARR_AUTH"] = "required"
            assert env[f"CMDARR_{name.upper()}_ADDR"] == f"127.0.0.1:{local.ports[STACK[name]]}"
            running = await stack.enter_async_context(
                spawned(name, local.argv(service["command"]), env, tmp_path / f"{name}.log")
            )
            check = ["CMD", *local.argv(service["healthcheck"]["test"][1:])]
            await healthy(running, check, env)
            assert await is_serving(f"127.0.0.1:{local.ports[STACK[name]]}")
            started.append(running)
        key_file = local.data_dir / "api-key"
        key = key_file.read_text().strip()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        sources = [source_of(running.log) for running in started]
        assert sources.count("generated") == 1, sources
        assert sources.count("file") == len(started) - 1, "one key for every service"
        if "gateway" in names:
            http = local.ports[GATEWAY_HTTP_PORT]
            async with httpx.AsyncClient(timeout=10) as client:
                assert (await client.get(f"http://127.0.0.1:{http}/healthz")).status_code == 200
            addresses = {
                FULL_NAMES[name]: f"127.0.0.1:{local.ports[port]}" for name, port in STACK.items()
            }
            refused, total = await refused_rpcs(addresses)
            assert refused == total, "every RPC refuses a call without the key"
            assert await refused_routes(f"http://127.0.0.1:{http}") == (len(PROTECTED_ROUTES),) * 2
            channel = open_channel(addresses[FULL_NAMES["gateway"]], key)
            reply = await gateway_pb2_grpc.GatewayServiceStub(channel).GetStatus(
                gateway_pb2.GetStatusRequest(), timeout=10
            )
            await channel.close(None)
            assert all(s.serving for s in reply.status.services), "they reach each other"
            await signs_in(f"http://127.0.0.1:{http}/", key)
            # Every service but the gateway (which has its HTTP side) serves /metrics, to
            # the key only.
            async with httpx.AsyncClient(timeout=10) as client:
                for name, port in METRICS_PORTS.items():
                    url = f"http://127.0.0.1:{local.ports[port]}/metrics"
                    assert (await client.get(url)).status_code == 401, name
                    page = await client.get(url, headers={"authorization": f"Bearer {key}"})
                    assert "cmdarr_watch_streams_open" in page.text, name
        for running in started:
            assert key not in running.log.read_text(), f"{running.name} logged the key"
        # Each kept its database in the data volume.
        for name in ("config", "cache", "sync"):
            assert (local.data_dir / f"{name}.db").exists(), name
        # docker compose down: dependents first; each stops cleanly on SIGTERM.
        for running in reversed(started):
            assert await stop(running) == 0, running.tail()


def test_observability_profile_runs_jaeger_and_tracing_is_off_unless_pointed_at_it() -> None:
    services = load_compose()["services"]
    assert services["jaeger"]["profiles"] == ["observability"]
    endpoint = "http://jaeger:4317"
    for name in (*STACK, *(f"scale-{n}" for n in STACK)):
        assert environment(services[name])["OTEL_EXPORTER_OTLP_ENDPOINT"] == "", name
        pointed = environment(services[name], {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})
        assert pointed["OTEL_EXPORTER_OTLP_ENDPOINT"] == endpoint
    for name, port in METRICS_PORTS.items():
        assert environment(services[name])[f"CMDARR_{name.upper()}_METRICS_ADDR"] == (
            f"0.0.0.0:{port}"
        )


async def test_emulators_profile_serves_plex_and_jellyfin(tmp_path: Path) -> None:
    service = load_compose()["services"]["emulators"]
    command = [str(arg) for arg in service["command"]]
    container_ports = {
        int(command[command.index(flag) + 1]) for flag in ("--plex-port", "--jellyfin-port")
    }
    ports = {port: free_port() for port in container_ports}

    def local(arg: str) -> str:
        arg = arg.replace("0.0.0.0", "127.0.0.1")
        return re.sub(r"\b\d+\b", lambda m: str(ports.get(int(m.group(0)), m.group(0))), arg)

    assert command[0] == "python"
    argv = [sys.executable, *(local(arg) for arg in command[1:])]
    check = ["CMD", sys.executable, *(local(str(a)) for a in service["healthcheck"]["test"][2:])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMDARR_")}
    async with spawned("emulators", argv, env, tmp_path / "emulators.log") as running:
        await healthy(running, check, env)
        plex = ports[int(command[command.index("--plex-port") + 1])]
        jellyfin = ports[int(command[command.index("--jellyfin-port") + 1])]
        async with httpx.AsyncClient(timeout=10) as http:
            identity = await http.get(f"http://127.0.0.1:{plex}/identity")
            info = await http.get(f"http://127.0.0.1:{jellyfin}/System/Info/Public")
        assert identity.status_code == 200
        assert "MediaContainer" in identity.text
        assert info.status_code == 200
        assert "ServerName" in info.json()
        assert await stop(running) == 0, running.tail()
