"""The gateway over the whole stack in-process: status, warnings and their fixes over gRPC
and HTTP, probes, metrics and the API key on mutating endpoints."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import httpx
import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.gateway.v1 import gateway_pb2 as pb
from cmdarr.gateway.v1 import gateway_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.field_mask_pb2 import FieldMask
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.wire.channels import open_channel
from tests.support.cache_service import settle
from tests.support.inprocess_stack import configure, stack, with_gateway
from tests.support.rpc import TIMEOUT, assert_invalid, next_message
from tests.support.waiting import eventually
from tests.support.wording import PERFORMANCE_WARNING


async def cache_serving(address: str) -> bool:
    async with open_channel(address) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=TIMEOUT
        )
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def test_status_and_probes(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gw:
        # cache_svc serves once it has caught up with config_svc (cache_svc/app.py), which on
        # a busy machine can come a moment after the stack has started.
        await eventually(
            lambda: cache_serving(s.addresses["cache"]), within=TIMEOUT, what="cache_svc serving"
        )
        gateway = gateway_pb2_grpc.GatewayServiceStub(open_channel(f"127.0.0.1:{gw.server.port}"))
        status = (await gateway.GetStatus(pb.GetStatusRequest(), timeout=TIMEOUT)).status
        assert [t.target for t in status.targets] == [tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN]
        assert {x.name: x.serving for x in status.services} == {
            "config_svc": True,
            "cache_svc": True,
            "sync_svc": True,
        }
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gw.http_port}") as http:
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            assert (await http.get("/readyz")).status_code == 200
            body = (await http.get("/api/status")).json()
            assert body["targets"][0]["target"] == "TARGET_PLEX"
            page = await http.get("/")
            assert page.status_code == 200
            assert "cmdarr" in page.text
            metrics = (await http.get("/metrics")).text
            assert 'cmdarr_service_up{service="config_svc"} 1.0' in metrics
            assert 'cmdarr_cache_state{state="disabled",target="plex"} 1.0' in metrics
            # The gateway process's own metrics follow the stack's.
            assert "# TYPE cmdarr_watch_streams_open gauge" in metrics


async def test_the_warning_flow_over_grpc(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gw:
        gateway = gateway_pb2_grpc.GatewayServiceStub(open_channel(f"127.0.0.1:{gw.server.port}"))
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, LIBRARY_CACHE_PLEX_ENABLED="false",
            PLEX_CLIENT_ENABLED="true", TARGET_MAX_REQUESTS_PER_SECOND="1000",
        )  # fmt: skip
        command = cpb.Command(
            name="daily",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref="/music/daily.jspf"),
            targets=[tpb.TARGET_PLEX],
            enabled=True,
        )
        created = await s.config.CreateCommand(
            cpb.CreateCommandRequest(command=command), timeout=TIMEOUT
        )
        assert [w.message for w in created.warnings] == [PERFORMANCE_WARNING]
        (warning,) = (
            await gateway.ListWarnings(pb.ListWarningsRequest(), timeout=TIMEOUT)
        ).warnings
        assert warning.fix.action == cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE
        reply = await gateway.ApplyAction(pb.ApplyActionRequest(fix=warning.fix), timeout=TIMEOUT)
        assert "enabled" in reply.message
        await settle(s.cache, cache_pb.CACHE_STATE_READY, limit=60)
        assert (
            list((await gateway.ListWarnings(pb.ListWarningsRequest(), timeout=TIMEOUT)).warnings)
            == []
        )
        watch = gateway.WatchStatus(pb.WatchStatusRequest(), timeout=30)
        first = await next_message(watch)
        assert first.status.targets[0].cache.state == cache_pb.CACHE_STATE_READY
        watch.cancel()
        bad = pb.ApplyActionRequest(fix=cpb.Fix(action=cpb.FIX_ACTION_BUILD_CACHE_NOW))
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.ApplyAction(bad, timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_http_actions_need_the_key_when_one_is_set(database_url: str, tmp_path: Path) -> None:
    async with (
        stack(database_url, tmp_path) as s,
        with_gateway(s, tmp_path, api_key="gw-key-123") as gw,
    ):
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000"
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gw.http_port}") as http:
            fix = {"action": "enable_library_cache", "target": "plex"}
            assert (await http.post("/api/actions", json=fix)).status_code == 401
            wrong = await http.post(
                "/api/actions", json=fix, headers={"Authorization": "Bearer nope"}
            )
            assert wrong.status_code == 401
            key = {"Authorization": "Bearer gw-key-123"}
            bad = await http.post("/api/actions", json={"action": "explode"}, headers=key)
            assert bad.status_code == 400
            assert bad.json()["violations"][0]["field"] == "action"
            assert (await http.post("/api/actions", content=b"{", headers=key)).status_code == 400
            ok = await http.post("/api/actions", json=fix, headers=key)
            assert ok.status_code == 200
            assert "enabled" in ok.json()["message"]
        settings = await s.config.GetSettings(
            cpb.GetSettingsRequest(keys=["LIBRARY_CACHE_PLEX_ENABLED"]), timeout=TIMEOUT
        )
        assert settings.settings[0].value == "true"
        await asyncio.sleep(0)


async def test_every_server_has_its_status_warnings_and_fixes(
    database_url: str, tmp_path: Path
) -> None:
    """A created server beside the built-in ones: listed with its kind and cache, its cache
    enabled by a fix through UpdateServer, its failure warned about by name with a fix
    that builds it."""
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gw:
        gateway = gateway_pb2_grpc.GatewayServiceStub(open_channel(f"127.0.0.1:{gw.server.port}"))
        await configure(s, TARGET_MAX_REQUESTS_PER_SECOND="1000")
        await s.config.CreateServer(
            cpb.CreateServerRequest(
                server=cpb.Server(
                    name="cabin",
                    kind=cpb.SERVER_KIND_PLEX,
                    url=s.plex.url,
                    token=s.plex.token,
                    client_enabled=True,
                    library_cache_enabled=False,
                )
            ),
            timeout=TIMEOUT,
        )

        async def followed() -> pb.Status | None:
            found = (await gateway.GetStatus(pb.GetStatusRequest(), timeout=TIMEOUT)).status
            return found if all(x.HasField("cache") for x in found.servers) else None

        status = await eventually(followed, within=10, what="cabin's cache reported")
        assert [(x.name, x.kind, x.client_enabled) for x in status.servers] == [
            ("plex", cpb.SERVER_KIND_PLEX, False),
            ("jellyfin", cpb.SERVER_KIND_JELLYFIN, False),
            ("cabin", cpb.SERVER_KIND_PLEX, True),
        ]
        assert status.servers[2].cache.state == cache_pb.CACHE_STATE_DISABLED
        assert [t.target for t in status.targets] == [tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN]

        for fix, field in (
            (cpb.Fix(action=cpb.FIX_ACTION_BUILD_CACHE_NOW, server="Cabin!"), "fix.server"),
            (
                cpb.Fix(
                    action=cpb.FIX_ACTION_BUILD_CACHE_NOW, server="cabin", target=tpb.TARGET_PLEX
                ),
                "fix.server",
            ),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await gateway.ApplyAction(pb.ApplyActionRequest(fix=fix), timeout=TIMEOUT)
            assert_invalid(caught.value, field)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await gateway.ApplyAction(
                pb.ApplyActionRequest(
                    fix=cpb.Fix(action=cpb.FIX_ACTION_BUILD_CACHE_NOW, server="attic")
                ),
                timeout=TIMEOUT,
            )
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND

        enable = cpb.Fix(action=cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE, server="cabin")
        reply = await gateway.ApplyAction(pb.ApplyActionRequest(fix=enable), timeout=TIMEOUT)
        assert reply.message == "Library cache enabled for server 'cabin'"
        listed = await s.config.ListServers(cpb.ListServersRequest(), timeout=TIMEOUT)
        cabin = next(x for x in listed.servers if x.name == "cabin")
        assert (cabin.library_cache_enabled, cabin.library_cache_source) == (
            True,
            cpb.SETTING_SOURCE_USER,
        )
        ready = await settle(s.cache, cache_pb.CACHE_STATE_READY, server="cabin", limit=60)

        await s.config.UpdateServer(
            cpb.UpdateServerRequest(
                server=cpb.Server(name="cabin", token="wrong-token"),
                update_mask=FieldMask(paths=["token"]),
            ),
            timeout=TIMEOUT,
        )

        async def failed() -> cpb.Warning | None:
            found = await gateway.ListWarnings(pb.ListWarningsRequest(), timeout=TIMEOUT)
            return next((w for w in found.warnings if w.code == "LIBRARY_CACHE_FAILED"), None)

        warning = await eventually(failed, within=60, what="the failed cabin build warned")
        assert warning.message.startswith(
            "The library cache of Plex server 'cabin' failed to build: "
        )
        assert "wrong-token" not in warning.message
        assert (warning.server, warning.target) == ("cabin", tpb.TARGET_UNSPECIFIED)
        assert (warning.fix.action, warning.fix.server) == (cpb.FIX_ACTION_BUILD_CACHE_NOW, "cabin")
        await s.config.UpdateServer(
            cpb.UpdateServerRequest(
                server=cpb.Server(name="cabin", token=s.plex.token),
                update_mask=FieldMask(paths=["token"]),
            ),
            timeout=TIMEOUT,
        )
        await settle(
            s.cache, cache_pb.CACHE_STATE_READY, server="cabin", generation=ready.generation + 1
        )
        built = await gateway.ApplyAction(pb.ApplyActionRequest(fix=warning.fix), timeout=TIMEOUT)
        assert built.message == "server 'cabin' library cache build started"
