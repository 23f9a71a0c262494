"""Match overrides through the whole stack: a pin or a rejection put in config_svc is
applied by cache_svc's MatchTracks and by sync_svc's live fallback, and the next run
writes only what the override changed (request counts through the emulators)."""

from __future__ import annotations

from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from tests.support.cache_service import settle
from tests.support.inprocess_stack import (
    JELLYFIN,
    PLEX,
    Stack,
    enable_targets,
    playlist,
    stack,
)
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually


async def run(s: Stack, tracks: list[pb.InlineTrack]) -> pb.SyncReport:
    spec = pb.SyncSpec(playlist_title="Overrides", tracks=tracks, targets=[PLEX, JELLYFIN])
    run_id = (await s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    report = (
        await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    ).report
    assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
    return report


def key_of(track: pb.InlineTrack) -> cpb.SourceKey:
    return cpb.SourceKey(text=cpb.TrackText(artist=track.artists[0], title=track.title))


async def put(
    s: Stack, target: tpb.Target.ValueType, track: pb.InlineTrack, item_id: str = ""
) -> int:
    action = cpb.OVERRIDE_ACTION_PIN if item_id else cpb.OVERRIDE_ACTION_REJECT
    override = cpb.MatchOverride(target=target, key=key_of(track), action=action, item_id=item_id)
    reply = await s.config.PutMatchOverride(
        cpb.PutMatchOverrideRequest(override=override), timeout=TIMEOUT
    )
    return reply.revision


async def cache_follows(s: Stack, revision: int) -> None:
    async def applied() -> bool:
        reply = await s.cache.GetCacheStatus(cache_pb.GetCacheStatusRequest(), timeout=TIMEOUT)
        return all(st.applied_config_revision >= revision for st in reply.statuses)

    await eventually(applied, within=20, what=f"cache_svc applying revision {revision}")


def outcome(report: pb.SyncReport, target: int, position: int) -> pb.TrackOutcome:
    return next(t for t in report.tracks if t.target == target and t.position == position)


async def test_a_pin_then_a_rejection_each_write_only_their_change(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_targets(s)
        for kind in (PLEX, JELLYFIN):
            await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)
        tracks = playlist(30, absent=1)
        first = await run(s, tracks)
        assert [(t.matched, t.unmatched) for t in first.targets] == [(29, 1), (29, 1)]
        absent = outcome(first, PLEX, 29)
        assert absent.source == pb.MATCH_SOURCE_UNMATCHED

        # Pin the absent track, on Plex only, to a music item that no track matched (an
        # item already in the playlist would be a repeat, which Plex playlists leave out).
        taken = {outcome(first, PLEX, p).result.match.item_id for p in range(29)}
        chosen = next(
            key
            for key, (section, _) in s.plex.plex.state.index.items()
            if section.kind == "music" and key not in taken
        )
        await cache_follows(s, await put(s, PLEX, tracks[29], chosen))
        pinned = await run(s, tracks)
        plex, jellyfin = pinned.targets
        assert (plex.matched, plex.unmatched, plex.items_added, plex.items_removed) == (30, 0, 1, 0)
        # One add, and the description: its "Synced by cmdarr on <date>" line moves with
        # the tracks (sync_svc/looks.py).
        assert plex.writes == 2, "one add and the description, nothing else"
        assert plex.requests.search == 0
        assert jellyfin.writes == 0, "Jellyfin has no override: nothing to write"
        result = outcome(pinned, PLEX, 29).result
        assert (result.method, result.reason, result.match.item_id) == (
            cache_pb.MATCH_METHOD_OVERRIDE,
            "pinned by user",
            chosen,
        )
        assert outcome(pinned, PLEX, 29).source == pb.MATCH_SOURCE_CACHE
        entries = s.plex.plex.state.playlists[plex.playlist_id].entries
        assert [key for _, key in entries][-1] == chosen

        # Never match the 5th track on Jellyfin: the next run drops just that item (in
        # Jellyfin's one replacing write).
        dropped = outcome(pinned, JELLYFIN, 4).result.match.item_id
        await cache_follows(s, await put(s, JELLYFIN, tracks[4]))
        rejected = await run(s, tracks)
        plex, jellyfin = rejected.targets
        assert plex.writes == 0
        # One removal, and the description, whose date line moves with the tracks.
        assert (jellyfin.matched, jellyfin.unmatched, jellyfin.writes) == (28, 2, 2)
        before = [outcome(pinned, JELLYFIN, p).result.match.item_id for p in range(29)]
        kept = s.jellyfin.jellyfin.state.playlists[jellyfin.playlist_id].entries
        assert [item for _, item in kept] == [i for i in before if i != dropped]
        result = outcome(rejected, JELLYFIN, 4).result
        assert (result.method, result.reason, result.authoritative) == (
            cache_pb.MATCH_METHOD_OVERRIDE,
            "rejected by user",
            True,
        )
        assert not result.HasField("match")
        again = await run(s, tracks)
        assert [t.writes for t in again.targets] == [0, 0]


async def test_the_live_fallback_honours_overrides(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        await enable_targets(
            s, LIBRARY_CACHE_PLEX_ENABLED="false", LIBRARY_CACHE_JELLYFIN_ENABLED="false"
        )
        tracks = playlist(6, absent=1)
        first = await run(s, tracks)
        chosen = outcome(first, PLEX, 1).result.match.item_id
        searches = first.targets[0].requests.search
        await put(s, PLEX, tracks[5], chosen)  # no cache serves Plex: accepted unchecked
        await put(s, PLEX, tracks[0])
        second = await run(s, tracks)
        plex = second.targets[0]
        pinned, rejected = outcome(second, PLEX, 5), outcome(second, PLEX, 0)
        assert (pinned.source, pinned.result.method, pinned.result.match.item_id) == (
            pb.MATCH_SOURCE_LIVE,
            cache_pb.MATCH_METHOD_OVERRIDE,
            chosen,
        )
        assert (rejected.source, rejected.result.method, rejected.result.reason) == (
            pb.MATCH_SOURCE_UNMATCHED,
            cache_pb.MATCH_METHOD_OVERRIDE,
            "rejected by user",
        )
        assert plex.requests.search < searches, "neither overridden track is searched"
        assert (plex.matched, plex.unmatched) == (5, 1)
