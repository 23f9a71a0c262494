"""A cache per server, end to end: config_svc, cache_svc (builds in worker processes) and
two emulated Plex servers over real HTTP. A server created with its client on gets its
cache enabled in the same revision and built at once, with progress; MatchTracks answers
from it by name; a change of URL, libraries or token rebuilds it in full; disabling shows
DISABLED; deleting forgets it and its rows. The built-in servers go on as before."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from google.protobuf.field_mask_pb2 import FieldMask

from cache_svc.app import CacheApp
from cache_svc.app import start as start_cache
from cache_svc.config_view import FollowedConfig
from common.wire.channels import open_channel
from emulators.library import Catalog, generate
from emulators.server import Emulator, running_plex
from tests.support.cache_service import cache_env, settle
from tests.support.config_service import running_config
from tests.support.library_fakes import FakeLibrary, FakeSource, make_tracks
from tests.support.rpc import TIMEOUT, assert_invalid, error_reason, expect_error
from tests.support.waiting import eventually

HOME = generate(seed=3, tracks=900, music_libraries=2, audiobooks=20)
CABIN = generate(seed=17, tracks=700, music_libraries=2, audiobooks=10)
CABIN_TOKEN = "cabin-plex-t0ken-5d1c"


def music(catalog: Catalog, *libraries: str) -> int:
    return sum(
        len(s.tracks)
        for s in catalog.sections
        if s.kind == "music" and (not libraries or s.title in libraries)
    )


@dataclass
class Stack:
    home: Emulator
    cabin: Emulator
    config: config_pb2_grpc.ConfigServiceAsyncStub
    cache: cache_pb2_grpc.CacheServiceAsyncStub
    cache_db: Path


@asynccontextmanager
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    cache_db = tmp_path / "cache.db"
    async with (
        running_plex(catalog=HOME) as home,
        running_plex(catalog=CABIN, token=CABIN_TOKEN) as cabin,
        running_config(database_url, tmp_path) as config_app,
    ):
        config_channel = open_channel(f"127.0.0.1:{config_app.server.port}")
        cache_app = await start_cache(
            cache_env(f"sqlite+aiosqlite:///{cache_db}", tmp_path),
            config_address=f"127.0.0.1:{config_app.server.port}",
            progress_interval_ms=200,
        )
        cache_channel = open_channel(f"127.0.0.1:{cache_app.server.port}")
        try:
            yield Stack(
                home,
                cabin,
                config_pb2_grpc.ConfigServiceStub(config_channel),
                cache_pb2_grpc.CacheServiceStub(cache_channel),
                cache_db,
            )
        finally:
            await cache_channel.close(None)
            await cache_app.stop(0.2)
            await config_channel.close(None)


async def configure(s: Stack, **values: str) -> cpb.UpdateSettingsResponse:
    changes = [cpb.SettingChange(key=k, value=v) for k, v in values.items()]
    return await s.config.UpdateSettings(
        cpb.UpdateSettingsRequest(changes=changes), timeout=TIMEOUT
    )


async def update_server(s: Stack, server: cpb.Server, *paths: str) -> cpb.UpdateServerResponse:
    return await s.config.UpdateServer(
        cpb.UpdateServerRequest(server=server, update_mask=FieldMask(paths=list(paths))),
        timeout=TIMEOUT,
    )


async def status(s: Stack, server: str) -> pb.CacheStatus:
    reply = await s.cache.GetCacheStatus(pb.GetCacheStatusRequest(server=server), timeout=TIMEOUT)
    (found,) = reply.statuses
    return found


async def rebuilt(s: Stack, after: pb.CacheStatus) -> pb.CacheStatus:
    """The next generation after ``after``, READY (bounded wait)."""
    return await settle(
        s.cache, pb.CACHE_STATE_READY, server="cabin", generation=after.generation + 1, limit=60
    )


async def failed(s: Stack) -> pb.CacheStatus:
    """The cabin's cache once its build failed (bounded wait)."""

    async def found() -> pb.CacheStatus | None:
        now = await status(s, "cabin")
        return now if now.state == pb.CACHE_STATE_FAILED else None

    return await eventually(found, within=60, what="a failed rebuild")


def stored_rows(path: Path, server: str) -> dict[str, int]:
    """The rows cache_svc stores for ``server``, per table (read beside the service)."""
    with sqlite3.connect(path) as db:
        return {
            table: db.execute(
                f"SELECT COUNT(*) FROM {table} WHERE target = ?", (server,)
            ).fetchone()[0]
            for table in ("cache_targets", "cache_leases", "cache_index_images", "cache_builds")
        }


def full_listing(found: pb.CacheStatus) -> bool:
    return [c.step for c in found.last_build_costs] == ["libraries", "listing"]


async def test_a_created_server_gets_its_own_cache_from_creation_to_deletion(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await configure(
            s,
            PLEX_URL=s.home.url,
            PLEX_TOKEN=s.home.token,
            PLEX_CLIENT_ENABLED="true",
            TARGET_MAX_REQUESTS_PER_SECOND="1000",
        )
        plex = await settle(s.cache, pb.CACHE_STATE_READY, limit=60)
        assert (plex.server, plex.target, plex.kind) == (
            "plex",
            tpb.TARGET_PLEX,
            cpb.SERVER_KIND_PLEX,
        )
        assert plex.track_count == music(HOME)

        # Slow enough that the watch sees the build under way.
        s.cabin.knobs.latency_ms = 150
        watch = s.cache.WatchCacheStatus(pb.WatchCacheStatusRequest(), timeout=120)
        made = await s.config.CreateServer(
            cpb.CreateServerRequest(
                server=cpb.Server(
                    name="cabin",
                    kind=cpb.SERVER_KIND_PLEX,
                    url=s.cabin.url,
                    token=CABIN_TOKEN,
                    client_enabled=True,
                )
            ),
            timeout=TIMEOUT,
        )
        assert made.server.library_cache_enabled, "enabled in the same revision"
        assert made.server.library_cache_source == cpb.SETTING_SOURCE_AUTO
        seen: list[pb.CacheStatus] = []
        async for message in watch:
            if message.status.server == "cabin":
                seen.append(message.status)
                if message.status.state in (pb.CACHE_STATE_READY, pb.CACHE_STATE_FAILED):
                    break
            assert len(seen) < 500, "a bounded watch"
        watch.cancel()
        building = [m for m in seen if m.state == pb.CACHE_STATE_BUILDING]
        assert building, "the watch showed the build under way"
        assert any(m.progress.tracks_done > 0 for m in building), "with progress"
        ready = seen[-1]
        assert ready.state == pb.CACHE_STATE_READY, ready.last_error
        assert (ready.server, ready.target, ready.kind) == (
            "cabin",
            tpb.TARGET_UNSPECIFIED,
            cpb.SERVER_KIND_PLEX,
        )
        assert ready.track_count == music(CABIN)
        assert ready.applied_config_revision >= made.revision
        assert full_listing(ready)
        s.cabin.knobs.latency_ms = 0

        # Every server's status, the built-in ones first.
        every = await s.cache.GetCacheStatus(pb.GetCacheStatusRequest(), timeout=TIMEOUT)
        assert [x.server for x in every.statuses] == ["plex", "jellyfin", "cabin"]

        # MatchTracks by name: each server answers from its own library.
        only_cabin = next(
            t for t in CABIN.all_tracks() if t.title not in {h.title for h in HOME.all_tracks()}
        )
        query = pb.TrackQuery(
            ref="1",
            title=only_cabin.title,
            artists=[(only_cabin.credit or only_cabin.album_artist).split(" feat. ")[0]],
            duration_ms=only_cabin.duration_ms,
        )
        hit = await s.cache.MatchTracks(
            pb.MatchTracksRequest(server="cabin", tracks=[query]), timeout=TIMEOUT
        )
        assert hit.results[0].match.title == only_cabin.title
        assert hit.state == pb.CACHE_STATE_READY
        miss = await s.cache.MatchTracks(
            pb.MatchTracksRequest(target=tpb.TARGET_PLEX, tracks=[query]), timeout=TIMEOUT
        )
        assert not miss.results[0].match.item_id
        assert miss.results[0].authoritative

        # The URL (with its token) changes: a full rebuild of the other library.
        moved = await update_server(
            s, cpb.Server(name="cabin", url=s.home.url, token=s.home.token), "url", "token"
        )
        home = await rebuilt(s, ready)
        assert home.track_count == music(HOME)
        assert full_listing(home)
        assert home.applied_config_revision >= moved.revision

        # The libraries change: a full rebuild of the one named.
        await update_server(
            s, cpb.Server(name="cabin", library_names=["Lossless"]), "library_names"
        )
        lossless = await rebuilt(s, home)
        assert list(lossless.library_names) == ["Lossless"]
        assert lossless.track_count == music(HOME, "Lossless")
        assert full_listing(lossless)

        # The token alone changes: a wrong one fails the rebuild (the old generation still
        # answers), the right one builds again.
        await update_server(s, cpb.Server(name="cabin", token="not-the-token"), "token")
        refused = await failed(s)
        assert "401" in refused.last_error
        assert "not-the-token" not in refused.last_error
        assert refused.generation == lossless.generation
        await update_server(s, cpb.Server(name="cabin", token=s.home.token), "token")
        again = await rebuilt(s, lossless)
        assert full_listing(again)

        # Disabled: DISABLED, its rows kept.
        await update_server(
            s, cpb.Server(name="cabin", library_cache_enabled=False), "library_cache_enabled"
        )
        await settle(s.cache, pb.CACHE_STATE_DISABLED, server="cabin")
        kept = stored_rows(s.cache_db, "cabin")
        assert kept["cache_targets"] == kept["cache_leases"] == 1
        assert kept["cache_index_images"] >= 1
        error = await expect_error(
            s.cache.BuildCache(pb.BuildCacheRequest(server="cabin"), timeout=TIMEOUT),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "server 'cabin'" in (error.details() or "")

        # Deleted: gone from the status, NOT_FOUND by name, its rows deleted.
        await s.config.DeleteServer(cpb.DeleteServerRequest(name="cabin"), timeout=TIMEOUT)

        async def gone() -> bool:
            reply = await s.cache.GetCacheStatus(pb.GetCacheStatusRequest(), timeout=TIMEOUT)
            return [x.server for x in reply.statuses] == ["plex", "jellyfin"]

        await eventually(gone, within=10, what="cabin gone from the status")
        for call in (
            s.cache.GetCacheStatus(pb.GetCacheStatusRequest(server="cabin"), timeout=TIMEOUT),
            s.cache.MatchTracks(
                pb.MatchTracksRequest(server="cabin", tracks=[query]), timeout=TIMEOUT
            ),
        ):
            missing = await expect_error(call, grpc.StatusCode.NOT_FOUND)
            assert error_reason(missing) == "SERVER_NOT_FOUND"
        assert stored_rows(s.cache_db, "cabin") == dict.fromkeys(
            ("cache_targets", "cache_leases", "cache_index_images", "cache_builds"), 0
        )

        # The built-in server went on as before, untouched.
        after = await status(s, "plex")
        assert (after.state, after.generation) == (pb.CACHE_STATE_READY, plex.generation)


async def test_a_request_names_one_server_or_is_refused_naming_the_field(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        tracks = [pb.TrackQuery(ref="1", title="Anything")]
        for request, field in (
            (pb.GetCacheStatusRequest(server="Not_A_Label"), "server"),
            (pb.GetCacheStatusRequest(server="jellyfin", target=tpb.TARGET_PLEX), "server"),
            (pb.GetCacheStatusRequest(target=99), "target"),  # type: ignore[arg-type]
        ):
            assert_invalid(
                await expect_error(
                    s.cache.GetCacheStatus(request, timeout=TIMEOUT),
                    grpc.StatusCode.INVALID_ARGUMENT,
                ),
                field,
            )
        for call in (
            s.cache.MatchTracks(pb.MatchTracksRequest(tracks=tracks), timeout=TIMEOUT),
            s.cache.BuildCache(pb.BuildCacheRequest(), timeout=TIMEOUT),
            s.cache.LookupItems(pb.LookupItemsRequest(item_ids=["1"]), timeout=TIMEOUT),
            s.cache.MatchTracks(
                pb.MatchTracksRequest(server="plex", target=tpb.TARGET_JELLYFIN, tracks=tracks),
                timeout=TIMEOUT,
            ),
        ):
            assert_invalid(await expect_error(call, grpc.StatusCode.INVALID_ARGUMENT), "server")
        missing = await expect_error(
            s.cache.BuildCache(pb.BuildCacheRequest(server="nowhere"), timeout=TIMEOUT),
            grpc.StatusCode.NOT_FOUND,
        )
        assert error_reason(missing) == "SERVER_NOT_FOUND"
        watch = s.cache.WatchCacheStatus(
            pb.WatchCacheStatusRequest(server="nowhere"), timeout=TIMEOUT
        )
        ended = await expect_error(watch.read(), grpc.StatusCode.NOT_FOUND)
        assert error_reason(ended) == "SERVER_NOT_FOUND"
        # Both fields naming the same server is fine; the target alone means its server.
        same = await s.cache.GetCacheStatus(
            pb.GetCacheStatusRequest(server="plex", target=tpb.TARGET_PLEX), timeout=TIMEOUT
        )
        by_target = await s.cache.GetCacheStatus(
            pb.GetCacheStatusRequest(target=tpb.TARGET_JELLYFIN), timeout=TIMEOUT
        )
        assert [x.server for x in same.statuses] == ["plex"]
        assert [(x.server, x.target) for x in by_target.statuses] == [
            ("jellyfin", tpb.TARGET_JELLYFIN)
        ]


async def test_a_state_stored_before_servers_were_followed_catches_up_from_a_snapshot(
    database_url: str, tmp_path: Path
) -> None:
    """An upgrade: the previous version applied the revisions that created a server without
    following it. The new one reads that stored state, starts over from a snapshot, and
    builds the server's cache; the built-in caches' rows are kept as they were."""
    library = FakeLibrary({"Music": make_tracks("Music", 120, prefix="c")})
    cache_db = tmp_path / "cache.db"

    def factory(_server: str, _config: FollowedConfig) -> FakeSource:
        return library.source()

    async def cache_app(config_port: int) -> CacheApp:
        return await start_cache(
            cache_env(f"sqlite+aiosqlite:///{cache_db}", tmp_path),
            config_address=f"127.0.0.1:{config_port}",
            source_factory=factory,
            progress_interval_ms=200,
        )

    async with running_config(database_url, tmp_path) as config_app:
        channel = open_channel(f"127.0.0.1:{config_app.server.port}")
        config = config_pb2_grpc.ConfigServiceStub(channel)
        try:
            app = await cache_app(config_app.server.port)

            def followed() -> bool:
                with sqlite3.connect(cache_db) as db:
                    return (
                        db.execute("SELECT config FROM cache_follow_state").fetchone() is not None
                    )

            # Stopped only once it stored the state it follows (a busy machine is slow to).
            await eventually(followed, within=30, what="cache_svc to store its followed state")
            await app.stop(0.2)
            made = await config.CreateServer(
                cpb.CreateServerRequest(
                    server=cpb.Server(
                        name="cabin",
                        kind=cpb.SERVER_KIND_PLEX,
                        url="http://cabin.lan:32400",
                        client_enabled=True,
                    )
                ),
                timeout=TIMEOUT,
            )
            # What the previous version stored: the revision applied, no servers followed.
            with sqlite3.connect(cache_db) as db:
                (text,) = db.execute("SELECT config FROM cache_follow_state").fetchone()
                old = json.loads(text)
                del old["servers"]
                db.execute(
                    "UPDATE cache_follow_state SET applied_revision = ?, config = ?",
                    (made.revision, json.dumps(old)),
                )
            assert stored_rows(cache_db, "cabin")["cache_targets"] == 0
            app = await cache_app(config_app.server.port)
            try:
                cache = cache_pb2_grpc.CacheServiceStub(
                    open_channel(f"127.0.0.1:{app.server.port}")
                )

                async def known() -> bool:
                    reply = await cache.GetCacheStatus(pb.GetCacheStatusRequest(), timeout=TIMEOUT)
                    return "cabin" in [x.server for x in reply.statuses]

                await eventually(known, within=20, what="the snapshot's servers followed")
                ready = await settle(cache, pb.CACHE_STATE_READY, server="cabin", generation=1)
                assert ready.track_count == 120
                assert library.listings == 1
            finally:
                await app.stop(0.2)
        finally:
            await channel.close(None)
