"""cmdarr match and cmdarr sync unmatched against the whole stack in-process: review a
run's unmatched tracks, pin and reject them, list and delete overrides, bad input."""

from __future__ import annotations

import csv
import getpass
import io
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.sync.v1 import sync_pb2 as pb

from tests.support.cache_service import settle
from tests.support.command_line import cmdarr
from tests.support.inprocess_stack import MUSIC, PLEX, Stack, configure, playlist, stack
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually

NOWHERE = ("--artist", "Zed Quillfeather", "--title", "Nowhere Song 0")
AUTHOR = getpass.getuser()


async def run(s: Stack, tracks: list[pb.InlineTrack]) -> str:
    spec = pb.SyncSpec(playlist_title="CLI review", tracks=tracks, targets=[PLEX])
    run_id = (await s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    return run_id


async def followed(s: Stack, revision: int) -> None:
    async def applied() -> bool:
        reply = await s.cache.GetCacheStatus(
            cache_pb.GetCacheStatusRequest(target=PLEX), timeout=TIMEOUT
        )
        return reply.statuses[0].applied_config_revision >= revision

    await eventually(applied, within=20, what=f"cache_svc at revision {revision}")


async def test_review_pin_reject_list_delete(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        addresses = s.addresses
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        source = MUSIC[50]
        live_take = pb.InlineTrack(
            title=f"{source.title} (Live)",
            artists=[(source.credit or source.album_artist).split(" feat. ")[0]],
        )
        tracks = [*playlist(8, absent=1), live_take]
        first = await run(s, tracks)

        exported = await cmdarr("sync", "unmatched", first, "--format", "csv", addresses=addresses)
        assert exported.code == 0, exported.err
        rows = list(csv.DictReader(io.StringIO(exported.out)))
        assert [(r["position"], r["title"]) for r in rows] == [
            ("8", "Nowhere Song 0"),
            ("9", live_take.title),
        ]
        best = rows[1]["best_item_id"]
        assert best
        assert rows[1]["best_title"] == source.title
        jspf = await cmdarr("sync", "unmatched", first, "--format", "jspf", addresses=addresses)
        (_, take) = jspf.json()["playlist"]["track"]
        assert take["extension"]["urn:cmdarr:unmatched"]["best_item_id"] == best
        table = await cmdarr("sync", "unmatched", first, addresses=addresses)
        assert "Unmatched tracks (2)" in table.out
        assert "NONE" in table.out

        pinned = await cmdarr(
            "match", "pin", "--target", "plex", "--run", first, "--position", "9",
            "--note", "the studio take", addresses=addresses,
        )  # fmt: skip
        assert pinned.code == 0, pinned.err
        assert f"pinned to item {best}" in pinned.out
        again = await cmdarr(
            "match", "pin", "--target", "plex", "--run", first, "--position", "9",
            addresses=addresses,
        )  # fmt: skip
        assert again.code == 2
        assert "ALREADY_EXISTS" in again.err
        rejected = await cmdarr(
            "match", "reject", "--target", "plex", *NOWHERE, addresses=addresses
        )
        assert rejected.code == 0, rejected.err
        assert "never matched" in rejected.out

        bad_isrc = await cmdarr(
            "match", "pin", "--target", "plex", "--isrc", "US-12", "--item", best,
            addresses=addresses,
        )  # fmt: skip
        assert bad_isrc.code == 2
        assert "override.key.isrc" in bad_isrc.err
        unknown_item = await cmdarr(
            "match", "pin", "--target", "plex", "--isrc", "USRC17607839", "--item", "nope",
            addresses=addresses,
        )  # fmt: skip
        assert unknown_item.code == 2
        assert "override.item_id" in unknown_item.err
        two_ways = await cmdarr(
            "match", "reject", "--target", "plex", "--isrc", "USRC17607839", *NOWHERE,
            addresses=addresses,
        )  # fmt: skip
        assert two_ways.code == 2

        listed = await cmdarr("--json", "match", "list", addresses=addresses)
        overrides = listed.json()["overrides"]
        assert {(o["action"], o["item_id"], o.get("author", "")) for o in overrides} == {
            ("OVERRIDE_ACTION_REJECT", "", AUTHOR),
            ("OVERRIDE_ACTION_PIN", best, AUTHOR),
        }
        shown = await cmdarr("match", "list", "--target", "plex", addresses=addresses)
        assert "never match" in shown.out
        assert "the studio take" in shown.out
        await followed(s, int(listed.json()["revision"]))

        second = await run(s, tracks)
        report = await cmdarr("sync", "report", second, "--all", addresses=addresses)
        assert report.code == 0, report.err
        lines = report.out.splitlines()
        assert any("OVERRIDE" in ln and "pinned by user" in ln and best in ln for ln in lines)
        assert any("OVERRIDE" in ln and "rejected by user" in ln for ln in lines)

        deleted = await cmdarr("match", "delete", "--target", "plex", *NOWHERE, addresses=addresses)
        assert deleted.code == 0, deleted.err
        gone = await cmdarr("match", "delete", "--target", "plex", *NOWHERE, addresses=addresses)
        assert gone.code == 2
        assert "MATCH_OVERRIDE_NOT_FOUND" in gone.err or "NOT_FOUND" in gone.err


async def test_a_pin_fails_and_stores_nothing_while_cache_svc_cannot_check_it(
    database_url: str, tmp_path: Path
) -> None:
    """The CLI checks an item with cache_svc before the put: with cache_svc away a pin
    cannot be checked (exit 3, nothing stored); a rejection without an item needs no check."""
    async with stack(database_url, tmp_path, cache_up=False) as s:
        pinned = await cmdarr(
            "match", "pin", "--target", "plex", *NOWHERE, "--item", "101",
            addresses=s.addresses,
        )  # fmt: skip
        assert pinned.code == 3, pinned.err
        assert "cache_svc" in pinned.err
        listed = await cmdarr("--json", "match", "list", addresses=s.addresses)
        assert listed.json().get("overrides", []) == []
        rejected = await cmdarr(
            "match", "reject", "--target", "plex", *NOWHERE, addresses=s.addresses
        )
        assert rejected.code == 0, rejected.err
