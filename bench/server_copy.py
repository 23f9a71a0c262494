"""Copying a Plex playlist to Jellyfin when both servers hold the same library: the same
files under different roots (``/data/music`` on Plex, ``/media/music`` on Jellyfin), and
Jellyfin reading other tags for some of them, so that tags alone would lose some tracks and
pick wrong ones for others:

* every fifth file's tags on Jellyfin hold only its number ("Track 03", as a file tagged
  by its name alone): nothing by title finds it, and another "Track 03" may;
* every seventh file's title on Jellyfin is its album neighbour's (the tags swapped within
  an album): the title names the wrong recording.

The services run as processes (``python -m config_svc`` ...), the emulators in this
process. The outcome is judged against the files: a copied track is right when the Jellyfin
item is the Plex item's file. ``bench/bench_server_copy.py`` runs it at 2,000 tracks; a test
runs it smaller."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.processes import service
from common.domain import ServerKind
from common.matching import LibraryTrack, Query, TrackIndex, match_track
from common.targets.connect import connect
from common.targets.settings import ClientSettings
from common.wire.channels import open_channel
from emulators.library import Catalog, Track, generate, remounted
from emulators.plex_nodes import rating_key
from emulators.server import running_jellyfin, running_plex

SEED = 24
POSTER = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def jellyfin_titles(catalog: Catalog) -> dict[int, str]:
    """The titles Jellyfin reads differently, by track ``seq``."""
    albums: dict[int, list[Track]] = defaultdict(list)
    for section in catalog.sections:
        for track in section.tracks:
            albums[track.album_seq].append(track)
    titles: dict[int, str] = {}
    for tracks in albums.values():
        for number, track in enumerate(tracks):
            if track.seq % 5 == 0:
                titles[track.seq] = f"Track {track.track_no:02d}"
            elif track.seq % 7 == 0 and len(tracks) > 1:
                titles[track.seq] = tracks[(number + 1) % len(tracks)].title
    return titles


@dataclass
class Copied:
    """What one copy did: tracks in the playlist, copied right, lost, picked wrong; the
    requests each server answered during the run; the run's seconds; and what tags alone
    would have done (the same matcher without the paths)."""

    tracks: int
    copied: int
    lost: int
    wrong: int
    plex_requests: int
    jellyfin_requests: int
    seconds: float
    cover_set: bool
    tags_only_lost: int
    tags_only_wrong: int


def _tags_only(
    chosen: Sequence[Track], jellyfin: Catalog, min_confidence: float
) -> tuple[int, int]:
    """Lost and wrong picks of the same playlist matched by tags alone (no path)."""
    library = [
        LibraryTrack(
            str(t.seq), s.title, t.title, tuple(t.artists), t.album_artist, t.album, t.duration_ms
        )
        for s in jellyfin.sections
        if s.kind == "music"
        for t in s.tracks
    ]
    index = TrackIndex(library)
    lost = wrong = 0
    for track in chosen:
        found = match_track(
            index,
            Query(track.title, tuple(track.artists), track.album, track.duration_ms, track.mbid),
            min_confidence,
        )
        if found.track is None:
            lost += 1
        elif found.track.item_id != str(track.seq):
            wrong += 1
    return lost, wrong


async def _ready(cache: cache_pb2_grpc.CacheServiceAsyncStub, target: int, within: float) -> None:
    end = time.monotonic() + within
    while time.monotonic() < end:
        request = cache_pb.GetCacheStatusRequest(target=tpb.Target.ValueType(target))
        [status] = (await cache.GetCacheStatus(request, timeout=10)).statuses
        if status.state == cache_pb.CACHE_STATE_READY:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"cache {target} was not ready in {within:g} s")


async def _run(sync: sync_pb2_grpc.SyncServiceAsyncStub, name: str) -> pb.SyncReport:
    run_id = (await sync.RunSync(pb.RunSyncRequest(command_name=name), timeout=30)).run_id
    async for _ in sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=600):
        pass
    return (await sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=30)).report


async def copy_playlist(log_dir: Path, *, library: int, size: int) -> Copied:
    """Copy a ``size``-track Plex playlist to Jellyfin, both holding a ``library``-track
    library, and judge the copy against the files."""
    catalog = generate(seed=SEED, tracks=library, music_libraries=2, audiobooks=0)
    plex_side = remounted(catalog, "/data/music")
    titles = jellyfin_titles(catalog)
    jellyfin_side = remounted(catalog, "/media/music", lambda t: titles.get(t.seq))
    music = [t for s in plex_side.sections for t in s.tracks]
    chosen = music[:: max(1, len(music) // size)][:size]
    data = {"CMDARR_DATA_DIR": str(log_dir / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
    async with (
        running_plex(catalog=plex_side) as plex,
        running_jellyfin(catalog=jellyfin_side) as jellyfin,
        service("config_svc", log_dir, env=data) as config_proc,
    ):
        up = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        async with service("cache_svc", log_dir, env=up) as cache_proc:
            env = {**up, "CMDARR_CACHE_ADDR": cache_proc.address}
            async with service("sync_svc", log_dir, env=env) as sync_proc:
                config = config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address))
                cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
                sync = sync_pb2_grpc.SyncServiceStub(open_channel(sync_proc.address))
                values = {
                    "PLEX_URL": plex.url, "PLEX_TOKEN": plex.token,
                    "JELLYFIN_URL": jellyfin.url, "JELLYFIN_TOKEN": jellyfin.token,
                    "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
                    "PLEX_CLIENT_ENABLED": "true", "JELLYFIN_CLIENT_ENABLED": "true",
                }  # fmt: skip
                changes = [cpb.SettingChange(key=k, value=v) for k, v in values.items()]
                await config.UpdateSettings(cpb.UpdateSettingsRequest(changes=changes), timeout=30)
                await _ready(cache, tpb.TARGET_JELLYFIN, 600)
                await _ready(cache, tpb.TARGET_PLEX, 600)

                client = connect(
                    ServerKind.PLEX, url=plex.url, token=plex.token, settings=ClientSettings()
                )
                try:
                    made = await client.client.create_playlist(
                        "Road Trip", [rating_key(t) for t in chosen]
                    )
                    await client.client.upload_cover(made.playlist_id, POSTER, "image/png")
                finally:
                    await client.close()
                source = cpb.PlaylistSource(
                    kind=cpb.SOURCE_KIND_SERVER_PLAYLIST, ref=f"plex:plex/id:{made.playlist_id}"
                )
                command = cpb.Command(
                    name="road-trip", kind=cpb.COMMAND_KIND_PLAYLIST_SYNC, source=source,
                    targets=[tpb.TARGET_JELLYFIN],
                )  # fmt: skip
                await config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=30)
                plex.knobs.reset_counts()
                jellyfin.knobs.reset_counts()
                began = time.perf_counter()
                report = await _run(sync, "road-trip")
                seconds = time.perf_counter() - began
                if report.progress.state != pb.SYNC_STATE_SUCCEEDED:
                    raise RuntimeError(f"the copy failed: {report.error}")
                state = jellyfin.jellyfin.state
                written = next(p for p in state.playlists.values() if p.name == "road-trip")
                right = [state.item_id(t) for t in chosen]
                picked = {o.position: o.result.match.item_id for o in report.tracks}
                copied = sum(1 for at, item in enumerate(right) if picked.get(at) == item)
                wrong = sum(1 for at, item in picked.items() if item and item != right[at])
                if [item for _, item in written.entries] != [i for i in picked.values() if i]:
                    raise RuntimeError("the playlist written is not the matches reported")
                tags_lost, tags_wrong = _tags_only(chosen, jellyfin_side, 0.85)
                return Copied(
                    tracks=len(chosen),
                    copied=copied,
                    lost=sum(1 for item in picked.values() if not item),
                    wrong=wrong,
                    plex_requests=sum(plex.knobs.counts.values()),
                    jellyfin_requests=sum(jellyfin.knobs.counts.values()),
                    seconds=seconds,
                    cover_set=written.image == POSTER,
                    tags_only_lost=tags_lost,
                    tags_only_wrong=tags_wrong,
                )
