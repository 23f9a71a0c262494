"""cmdarr against the whole stack in-process: emulated Plex and Jellyfin, config_svc,
cache_svc, sync_svc and the gateway."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.type.v1 import type_pb2 as tpb

from tests.support.cache_service import settle
from tests.support.command_line import Outcome, cmdarr
from tests.support.inprocess_stack import (
    JELLYFIN,
    PLEX,
    Stack,
    configure,
    enable_targets,
    playlist,
    stack,
    with_gateway,
)
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually
from tests.support.wording import PERFORMANCE_WARNING


@asynccontextmanager
async def whole(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Stack, dict[str, str]]]:
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gw:
        yield s, {**s.addresses, "gateway": f"127.0.0.1:{gw.server.port}"}


async def plex_cache_flag(addresses: dict[str, str]) -> str:
    result = await cmdarr(
        "--json", "config", "get", "LIBRARY_CACHE_PLEX_ENABLED", addresses=addresses
    )
    value: str = result.json()["settings"][0]["value"]
    return value


async def followed(s: Stack, target: tpb.Target.ValueType = PLEX) -> None:
    """Wait (bounded) until cache_svc has seen the target's cache enabled."""

    async def enabled() -> bool:
        request = cache_pb.GetCacheStatusRequest(target=target)
        reply = await s.cache.GetCacheStatus(request, timeout=TIMEOUT)
        return reply.statuses[0].state != cache_pb.CACHE_STATE_DISABLED

    await eventually(enabled, within=30, what="the cache enabled")


def create(name: str, *extra: str) -> list[str]:
    return [
        "sync", "create", name, "--source-kind", "file", "--source", f"/music/{name}.jspf",
        "--target", "plex", *extra,
    ]  # fmt: skip


async def test_sync_create_asks_before_enabling_the_cache(
    database_url: str, tmp_path: Path
) -> None:
    async with whole(database_url, tmp_path) as (s, addresses):
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, LIBRARY_CACHE_PLEX_ENABLED="false",
            PLEX_CLIENT_ENABLED="true", TARGET_MAX_REQUESTS_PER_SECOND="1000",
        )  # fmt: skip
        declined = await cmdarr(*create("first", "--no"), addresses=addresses)
        assert declined.code == 0, declined.err
        assert "Created sync command first" in declined.out
        assert PERFORMANCE_WARNING in declined.out
        assert "fix: Enable library cache" in declined.out
        assert await plex_cache_flag(addresses) == "false"

        unattended = await cmdarr(*create("second"), addresses=addresses, stdin="y\n")
        assert unattended.code == 0
        assert "[y/N]" not in unattended.err
        assert await plex_cache_flag(addresses) == "false", "no terminal, no fix"

        refused = await cmdarr(*create("third"), addresses=addresses, stdin="n\n", interactive=True)
        assert "Enable the library cache now? [y/N]" in refused.err
        assert await plex_cache_flag(addresses) == "false"

        warnings = await cmdarr("warnings", addresses=addresses)
        assert warnings.code == 0
        assert PERFORMANCE_WARNING in warnings.out
        assert "fix: Enable library cache" in warnings.out
        assert "(cmdarr config set LIBRARY_CACHE_PLEX_ENABLED=true)" in warnings.out

        accepted = await cmdarr(*create("fourth", "--yes"), addresses=addresses)
        assert accepted.code == 0, accepted.err
        assert "Library cache enabled for Plex" in accepted.out
        assert await plex_cache_flag(addresses) == "true"

        duplicate = await cmdarr(*create("fourth", "--yes"), addresses=addresses)
        assert duplicate.code == 2
        assert "ALREADY_EXISTS" in duplicate.err


async def test_status_warnings_and_a_watched_cache_build(database_url: str, tmp_path: Path) -> None:
    async with whole(database_url, tmp_path) as (s, addresses):
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, PLEX_CLIENT_ENABLED="true",
            TARGET_MAX_REQUESTS_PER_SECOND="1000",
        )  # fmt: skip
        await followed(s)
        built = await cmdarr("cache", "build", "plex", "--full", "--watch", addresses=addresses)
        assert built.code == 0, built.err
        assert "Library cache ready for Plex" in built.out
        assert re.search(r"[\d,]+ tracks in 2 libraries", built.out)

        status = await cmdarr("status", addresses=addresses)
        assert status.code == 0, status.err
        for text in ("Servers", "plex", "jellyfin", "Jellyfin", "ready", "config_svc", "serving"):
            assert text in status.out, text
        document = (await cmdarr("--json", "status", addresses=addresses)).json()
        assert document["targets"][0]["cache"]["state"] == "CACHE_STATE_READY"
        assert {x["name"] for x in document["services"]} == {"config_svc", "cache_svc", "sync_svc"}

        caches = await cmdarr("cache", "status", addresses=addresses)
        assert caches.code == 0
        assert "ready" in caches.out
        assert "disabled" in caches.out
        watched = await cmdarr("--json", "cache", "build", "--watch", addresses=addresses)
        assert watched.code == 0, watched.err
        (final,) = watched.json()["statuses"]
        assert final["target"] == "TARGET_PLEX"
        assert final["state"] == "CACHE_STATE_READY"

        disabled = await cmdarr("cache", "build", "jellyfin", addresses=addresses)
        assert disabled.code == 2
        assert disabled.err.startswith("cmdarr: FAILED_PRECONDITION from cache_svc:")


def write_jspf(path: Path, count: int, absent: int) -> None:
    tracks = playlist(count, absent=absent)
    document = {
        "playlist": {
            "title": "Weekly Jams",
            "track": [
                {"title": t.title, "creator": t.artists[0], "duration": t.duration_ms}
                for t in tracks
            ],
        }
    }
    path.write_text(json.dumps(document))


def run_id_of(result: Outcome) -> str:
    found = re.search(r"Started sync run (\S+)", result.out)
    assert found, result.out
    return found.group(1)


async def test_sync_run_watch_report_and_list(database_url: str, tmp_path: Path) -> None:
    write_jspf(tmp_path / "weekly.jspf", 30, absent=3)
    (tmp_path / "broken.m3u").write_text("#EXTM3U\n#EXTINF:abc,Artist - Title\nsong.mp3\n")
    async with whole(database_url, tmp_path) as (s, addresses):
        await enable_targets(s)
        for target in (PLEX, JELLYFIN):
            await settle(s.cache, cache_pb.CACHE_STATE_READY, target=target, limit=60)
        created = await cmdarr(
            "sync", "create", "weekly-jams", "--source-kind", "file",
            "--source", str(tmp_path / "weekly.jspf"), "--target", "plex", "--target", "jellyfin",
            "--title", "Weekly Jams", "--schedule", "0 6 * * 1", addresses=addresses,
        )  # fmt: skip
        assert created.code == 0, created.err
        assert "Warnings: none" in created.out

        ran = await cmdarr("sync", "run", "weekly-jams", "--watch", addresses=addresses)
        assert ran.code == 0, ran.err
        assert "succeeded" in ran.out
        run_id = run_id_of(ran)
        for text in ("Matched", "Unmatched", "Writes", "Requests", "Plex", "Jellyfin"):
            assert text in ran.out, text

        report = await cmdarr("sync", "report", run_id, addresses=addresses)
        assert report.code == 0, report.err
        assert "Unmatched tracks (6)" in report.out
        assert "Nowhere Song 0" in report.out
        document = (await cmdarr("--json", "sync", "report", run_id, addresses=addresses)).json()
        assert document["run_id"] == run_id
        assert {t["matched"] for t in document["targets"]} == {27}

        dry = await cmdarr("--json", "sync", "run", "weekly-jams", "--dry-run", "--watch",
                           addresses=addresses)  # fmt: skip
        assert dry.code == 0
        assert dry.json()["dry_run"] is True
        listed = await cmdarr("--json", "sync", "list", addresses=addresses)
        assert [x["command_name"] for x in listed.json()["syncs"]] == ["weekly-jams"] * 2
        table = await cmdarr("sync", "list", addresses=addresses)
        assert run_id in table.out

        await cmdarr(
            "sync", "create", "broken", "--source-kind", "file",
            "--source", str(tmp_path / "broken.m3u"), "--target", "plex", addresses=addresses,
        )  # fmt: skip
        failed = await cmdarr("sync", "run", "broken", "--watch", addresses=addresses)
        assert failed.code == 1
        assert "failed" in failed.out
        assert "line 2" in failed.out

        missing = await cmdarr("sync", "report", "no-such-run", addresses=addresses)
        assert missing.code == 2
        assert missing.err.startswith("cmdarr: NOT_FOUND from sync_svc:")
        unknown = await cmdarr("sync", "run", "nope", addresses=addresses)
        assert unknown.code == 2


async def test_a_server_added_from_the_command_line_gets_its_cache_at_once(
    database_url: str, tmp_path: Path
) -> None:
    async with whole(database_url, tmp_path) as (s, addresses):
        await configure(s, TARGET_MAX_REQUESTS_PER_SECOND="1000")
        added = await cmdarr(
            "server", "add", "cabin", "--kind", "plex", "--url", s.plex.url, "--token-stdin",
            "--enable", addresses=addresses, stdin=s.plex.token + "\n",
        )  # fmt: skip
        assert added.code == 0, added.err
        assert "Library cache will be enabled automatically" in added.out
        ready = await settle(s.cache, cache_pb.CACHE_STATE_READY, server="cabin", limit=60)
        assert ready.track_count > 0

        one = await cmdarr("cache", "status", "cabin", addresses=addresses)
        assert one.code == 0, one.err
        row = next(line for line in one.out.splitlines() if "cabin" in line)
        for shown in ("Plex", "ready", f"{ready.track_count:,}"):
            assert shown in row, shown
        every = await cmdarr("--json", "cache", "status", addresses=addresses)
        assert [x["server"] for x in every.json()["statuses"]] == ["plex", "jellyfin", "cabin"]

        built = await cmdarr("cache", "build", "cabin", "--full", "--watch", addresses=addresses)
        assert built.code == 0, built.err
        assert f"Library cache ready for Plex server 'cabin': {ready.track_count:,} tracks" in (
            built.out
        )
        status = await cmdarr("status", addresses=addresses)
        cabin = next(line for line in status.out.splitlines() if "cabin" in line)
        assert "enabled" in cabin
        assert "ready" in cabin

        missing = await cmdarr("cache", "status", "attic", addresses=addresses)
        assert missing.code == 2
        assert missing.err.startswith("cmdarr: NOT_FOUND from cache_svc:")
        assert s.plex.token not in added.out + added.err + built.out + status.out
