"""Match overrides across a restart of every service (each its own process, SQLite
under one data folder): a pin made with the CLI and a rejection made through the status
page's API before the restart are applied by cache_svc and the next run after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc

from common.wire.channels import open_channel
from emulators.server import running_plex
from tests.support.cache_service import settle
from tests.support.command_line import cmdarr
from tests.support.inprocess_stack import CATALOG, MUSIC, PLEX, playlist
from tests.support.ports import free_port
from tests.support.processes import service
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually

NAMES = ("config_svc", "cache_svc", "sync_svc", "gateway")


@dataclass
class Stubs:
    config: config_pb2_grpc.ConfigServiceAsyncStub
    cache: cache_pb2_grpc.CacheServiceAsyncStub
    sync: sync_pb2_grpc.SyncServiceAsyncStub


@asynccontextmanager
async def services(tmp_path: Path, ports: dict[str, str]) -> AsyncIterator[Stubs]:
    """The four services as processes, on fixed addresses, config first."""
    env = {
        "CMDARR_DATA_DIR": str(tmp_path / "data"),
        "CMDARR_CONFIG_ADDR": ports["config"],
        "CMDARR_CACHE_ADDR": ports["cache"],
        "CMDARR_SYNC_ADDR": ports["sync"],
        "CMDARR_GATEWAY_ADDR": ports["gateway"],
        "CMDARR_GATEWAY_HTTP_ADDR": ports["http"],
    }
    async with AsyncExitStack() as stack:
        for name in NAMES:
            address = ports[name.removesuffix("_svc")]
            await stack.enter_async_context(service(name, tmp_path, address=address, env=env))
        channels = [open_channel(ports[n]) for n in ("config", "cache", "sync")]
        for channel in channels:
            stack.push_async_callback(channel.close, None)
        yield Stubs(
            config_pb2_grpc.ConfigServiceStub(channels[0]),
            cache_pb2_grpc.CacheServiceStub(channels[1]),
            sync_pb2_grpc.SyncServiceStub(channels[2]),
        )


async def run(
    sync: sync_pb2_grpc.SyncServiceAsyncStub, tracks: list[pb.InlineTrack]
) -> pb.SyncReport:
    spec = pb.SyncSpec(playlist_title="Restart", tracks=tracks, targets=[PLEX])
    run_id = (await sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)).run_id
    async for _ in sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    reply = await sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    assert reply.report.progress.state == pb.SYNC_STATE_SUCCEEDED, reply.report.error
    return reply.report


async def test_overrides_survive_a_restart_of_every_service(tmp_path: Path) -> None:
    ports = {n: f"127.0.0.1:{free_port()}" for n in ("config", "cache", "sync", "gateway", "http")}
    grpc_addresses = {n: ports[n] for n in ("config", "cache", "sync", "gateway")}
    source = MUSIC[50]
    live_take = pb.InlineTrack(
        title=f"{source.title} (Live)",
        artists=[(source.credit or source.album_artist).split(" feat. ")[0]],
    )
    tracks = [*playlist(6, absent=1), live_take]
    async with running_plex(catalog=CATALOG) as plex:
        async with services(tmp_path, ports) as stubs:
            config, cache, sync = stubs.config, stubs.cache, stubs.sync
            changes = {
                "PLEX_URL": plex.url, "PLEX_TOKEN": plex.token, "PLEX_CLIENT_ENABLED": "true",
                "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
            }  # fmt: skip
            await config.UpdateSettings(
                cpb.UpdateSettingsRequest(
                    changes=[cpb.SettingChange(key=k, value=v) for k, v in changes.items()]
                ),
                timeout=TIMEOUT,
            )
            await settle(cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
            first = await run(sync, tracks)
            assert (first.targets[0].matched, first.targets[0].unmatched) == (5, 2)
            best = next(t for t in first.tracks if t.position == 6).result.best_candidate.item_id
            pinned = await cmdarr(
                "match", "pin", "--target", "plex", "--run", first.run_id, "--position", "7",
                addresses=grpc_addresses,
            )  # fmt: skip
            assert pinned.code == 0, pinned.err
            nowhere = next(t for t in first.tracks if t.position == 5)
            async with httpx.AsyncClient(base_url=f"http://{ports['http']}", timeout=TIMEOUT) as h:
                review = (await h.get("/api/review")).json()
                assert len(review["runs"][0]["unmatched"]) == 2
                reply = await h.post(
                    "/api/overrides",
                    json={"target": "plex", "action": "reject", "track": {
                        "title": nowhere.track.title, "artists": list(nowhere.track.artists),
                    }},
                )  # fmt: skip
                assert reply.status_code == 200, reply.text
            stored = await config.ListMatchOverrides(
                cpb.ListMatchOverridesRequest(), timeout=TIMEOUT
            )
            assert len(stored.overrides) == 2

        # Everything stopped; start it all again on the same data.
        async with services(tmp_path, ports) as stubs:
            config, cache, sync = stubs.config, stubs.cache, stubs.sync
            again = await config.ListMatchOverrides(
                cpb.ListMatchOverridesRequest(), timeout=TIMEOUT
            )
            assert list(again.overrides) == list(stored.overrides)
            status = await settle(cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
            assert status.applied_config_revision >= stored.revision
            assert not status.stale_overrides

            async def decided() -> cache_pb.MatchTracksResponse | None:
                reply = await cache.MatchTracks(
                    cache_pb.MatchTracksRequest(
                        target=PLEX,
                        tracks=[
                            cache_pb.TrackQuery(ref=str(i), title=t.title, artists=list(t.artists))
                            for i, t in enumerate(tracks)
                        ],
                    ),
                    timeout=TIMEOUT,
                )
                return reply if reply.results else None

            results = (await eventually(decided, within=20, what="the cache serving")).results
            assert (results[6].method, results[6].match.item_id) == (
                cache_pb.MATCH_METHOD_OVERRIDE,
                best,
            )
            assert (results[5].method, results[5].reason) == (
                cache_pb.MATCH_METHOD_OVERRIDE,
                "rejected by user",
            )
            second = await run(sync, tracks)
            plex_result = second.targets[0]
            assert (plex_result.matched, plex_result.unmatched) == (6, 1)
            # One add, and the description: its "Synced by cmdarr on <date>" line moves with
            # the tracks (sync_svc/looks.py).
            assert (plex_result.items_added, plex_result.items_removed, plex_result.writes) == (
                1,
                0,
                2,
            )
            listed = await cmdarr("match", "list", addresses=grpc_addresses)
            assert "never match" in listed.out
            assert best in listed.out
