"""AsyncClient's whole vocabulary against the whole stack in-process (emulated Plex):
commands, a warning's fix, waiting for the cache, matching, a sync followed to its report."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb

from cmdarr_client import AsyncClient, Conflict, NotFound, Target, describe_cache
from tests.support.inprocess_stack import PLEX, Stack, configure, playlist, stack, with_gateway


@asynccontextmanager
async def client_of(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Stack, AsyncClient]]:
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gateway:
        addresses = {**s.addresses, "gateway": f"127.0.0.1:{gateway.server.port}"}
        async with AsyncClient(
            config=addresses["config"], cache=addresses["cache"], sync=addresses["sync"],
            gateway=addresses["gateway"],
        ) as client:  # fmt: skip
            yield s, client


def write_jspf(path: Path, count: int) -> None:
    tracks = [{"title": t.title, "creator": t.artists[0]} for t in playlist(count)]
    path.write_text(json.dumps({"playlist": {"title": "Weekly", "track": tracks}}))


def weekly(tmp_path: Path) -> pb.Command:
    return pb.Command(
        name="weekly",
        kind=pb.COMMAND_KIND_PLAYLIST_SYNC,
        source=pb.PlaylistSource(kind=pb.SOURCE_KIND_FILE, ref=str(tmp_path / "weekly.jspf")),
        targets=[PLEX],
        enabled=True,
    )


async def test_a_fix_a_cache_wait_a_match_and_a_sync(database_url: str, tmp_path: Path) -> None:
    write_jspf(tmp_path / "weekly.jspf", 12)
    async with client_of(database_url, tmp_path) as (s, client):
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, LIBRARY_CACHE_PLEX_ENABLED="false",
            TARGET_MAX_REQUESTS_PER_SECOND="1000", PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        created = await client.create_command(weekly(tmp_path))
        assert created.command.name == "weekly"
        assert "weekly" in [c.name for c in (await client.list_commands()).commands]

        command = await client.get_command("weekly")
        command.schedule = "0 6 * * 1"
        updated = await client.update_command(
            command, update_mask=["schedule"], expected_mod_revision=command.mod_revision
        )
        assert updated.command.schedule == "0 6 * * 1"
        with pytest.raises(Conflict):
            await client.update_command(
                command, update_mask=["schedule"], expected_mod_revision=command.mod_revision
            )

        warnings = (await client.list_warnings()).warnings
        (fixable,) = [w for w in warnings if w.fix.action == pb.FIX_ACTION_ENABLE_LIBRARY_CACHE]
        await client.apply_fix(fixable.fix)
        shown: list[str] = []
        ready = await client.wait_for_cache(
            Target.PLEX, progress=lambda status: shown.append(describe_cache(status)), within=60
        )
        assert ready.state == cache_pb.CACHE_STATE_READY
        assert shown[-1] == f"Plex library cache ready: {ready.track_count:,} tracks"
        assert (await client.cache_status(Target.PLEX)).statuses[0].track_count > 0
        # A cache named by its server: "plex" is the built-in server Target.PLEX stands for.
        by_name = (await client.cache_status("plex")).statuses
        assert [(x.server, x.track_count) for x in by_name] == [("plex", ready.track_count)]
        assert (await client.wait_for_cache("plex", within=10)).generation == ready.generation
        with pytest.raises(NotFound):
            await client.cache_status("attic")

        track = playlist(1)[0]
        query = cache_pb.TrackQuery(ref="1", title=track.title, artists=track.artists)
        matched = await client.match_tracks(Target.PLEX, [query])
        assert matched.results[0].method != cache_pb.MATCH_METHOD_NONE
        named = await client.match_tracks("plex", [query])
        assert named.results[0].match.item_id == matched.results[0].match.item_id
        explained = await client.explain_match("plex", query, limit=3)
        assert explained.result == matched.results[0]
        assert 0 < len(explained.candidates) <= 3
        assert explained.candidates[0].candidate.item_id == matched.results[0].match.item_id

        run_id = await client.run_sync("weekly")
        states: list[int] = []
        report = await client.wait_for_sync(run_id, progress=lambda p: states.append(p.state))
        assert report.progress.state == sync_pb.SYNC_STATE_SUCCEEDED
        assert states[-1] == sync_pb.SYNC_STATE_SUCCEEDED
        assert report.targets[0].matched == 12
        assert [x.run_id for x in (await client.list_syncs()).syncs] == [run_id]
        assert (await client.status()).recent_syncs[0].run_id == run_id

        await client.delete_command("weekly")
        with pytest.raises(NotFound):
            await client.get_command("weekly")
