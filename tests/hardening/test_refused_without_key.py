"""With a key required (CMDARR_AUTH=required: loopback stands in for a deployment's
0.0.0.0), the four services as processes share one generated key; every RPC and every
protected HTTP route refuses a request without it or with a wrong one; `cmdarr auth rotate`
replaces it for every service without a restart; no log line carries a key. The counts go
into the hardening report (tests/conftest.py)."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

import grpc
import httpx
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.gateway.v1 import gateway_pb2 as gpb
from cmdarr.gateway.v1 import gateway_pb2_grpc

from bench.processes import Child
from cmdarr_client.service_config import FULL_NAMES
from common.wire.channels import open_channel
from tests.support.auth_checks import refused_routes, refused_rpcs
from tests.support.command_line import cmdarr
from tests.support.ports import free_port
from tests.support.processes import service
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually

# Filled by the test, printed by tests/conftest.py: "requests without the key refused".
REFUSED: Counter[str] = Counter()


async def status_code(address: str, key: str | None) -> grpc.StatusCode:
    channel = open_channel(address, key)
    try:
        await config_pb2_grpc.ConfigServiceStub(channel).ListWarnings(
            cpb.ListWarningsRequest(), timeout=TIMEOUT
        )
        return grpc.StatusCode.OK
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    finally:
        await channel.close(None)


async def all_serving(address: str, key: str) -> bool:
    channel = open_channel(address, key)
    try:
        reply = await gateway_pb2_grpc.GatewayServiceStub(channel).GetStatus(
            gpb.GetStatusRequest(), timeout=TIMEOUT
        )
        return all(s.serving for s in reply.status.services)
    except grpc.aio.AioRpcError:
        return False
    finally:
        await channel.close(None)


def key_sources(children: list[Child]) -> list[str]:
    found = []
    for child in children:
        for line in child.log_lines():
            if line.startswith("{") and json.loads(line).get("msg") == "api key":
                found.append(json.loads(line)["source"])
    return found


async def test_every_request_without_the_key_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"CMDARR_DATA_DIR": str(data), "CMDARR_AUTH": "required",
           "CMDARR_AUTH_GRACE_SECONDS": "1"}  # fmt: skip
    async with AsyncExitStack() as stack:
        children: list[Child] = []
        for name in ("config_svc", "cache_svc", "sync_svc"):
            child = await stack.enter_async_context(service(name, tmp_path, env=env))
            env[f"CMDARR_{name.removesuffix('_svc').upper()}_ADDR"] = child.address
            children.append(child)
        env["CMDARR_GATEWAY_HTTP_ADDR"] = f"127.0.0.1:{free_port()}"
        children.append(await stack.enter_async_context(service("gateway", tmp_path, env=env)))
        addresses = {FULL_NAMES[c.name.removesuffix("_svc")]: c.address for c in children}
        config, gateway = children[0].address, children[3].address
        http = f"http://{env['CMDARR_GATEWAY_HTTP_ADDR']}"
        key_file = data / "api-key"
        key = key_file.read_text().strip()
        assert key_sources(children) == ["generated", "file", "file", "file"]
        assert await all_serving(gateway, key), "the services call each other with it"

        refused, total = await refused_rpcs(addresses)
        REFUSED["RPCs without a key"] += refused
        REFUSED["RPCs tried"] += total
        routes, route_total = await refused_routes(http)
        REFUSED["HTTP routes without a key"] += routes
        REFUSED["HTTP routes tried"] += route_total
        assert (refused, routes) == (total, route_total)

        # Rotation: no restart, every service follows; the old key stops working.
        shown = await cmdarr("auth", "show-path", environ={"CMDARR_DATA_DIR": str(data)})
        assert shown.out.strip() == str(key_file)
        rotated = await cmdarr("auth", "rotate", environ={"CMDARR_DATA_DIR": str(data)})
        assert rotated.code == 0, rotated.err
        new = key_file.read_text().strip()
        assert new != key
        assert key not in rotated.out + rotated.err
        assert new not in rotated.out + rotated.err
        # Each service says when it took the new key; probing before that would count as
        # wrong keys from this address (and get it rate-limited).
        await eventually(
            lambda: all("API key replaced" in c.log_path.read_text() for c in children),
            within=30,
            what="every service on the new key",
        )
        assert await all_serving(gateway, new)

        async def old_key_refused() -> bool:
            return await status_code(config, key) == grpc.StatusCode.UNAUTHENTICATED

        await eventually(old_key_refused, what="the old key refused once the grace is over")
        async with httpx.AsyncClient(base_url=http, timeout=TIMEOUT) as client:
            old = await client.get("/api/status", headers={"authorization": f"Bearer {key}"})
            assert old.status_code == 401
            fresh = await client.get("/api/status", headers={"authorization": f"Bearer {new}"})
            assert fresh.status_code == 200
        # The command line finds the key file by itself.
        status = await cmdarr(
            "status", "--json", addresses={"gateway": gateway},
            environ={"CMDARR_DATA_DIR": str(data)},
        )  # fmt: skip
        assert status.code == 0, status.err

        wrong = {"authorization": "Bearer wrong-key-77aa"}
        wrong_routes, _ = await refused_routes(http, wrong)
        wrong_rpcs, _ = await refused_rpcs(addresses, "wrong-key-77aa")
        REFUSED["RPCs with a wrong key"] += wrong_rpcs
        REFUSED["HTTP routes with a wrong key"] += wrong_routes
        assert (wrong_rpcs, wrong_routes) == (total, route_total)
        for child in children:
            text = child.log_path.read_text()
            for secret in (key, new, "wrong-key-77aa"):
                assert secret not in text, child.name
            assert str(key_file) in text, "the key's location is logged"
