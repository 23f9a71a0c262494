"""Playlists that ask Lidarr for albums: tracks of the emulated Lidarr's world
(emulators/lidarr_catalog.py), which no emulated library holds, beside tracks the
libraries have."""

from __future__ import annotations

from typing import Any

from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc

from emulators.lidarr_catalog import MetaAlbum, demo_world
from tests.support.rpc import TIMEOUT

WORLD = demo_world()


def album(title: str, disambiguation: str = "") -> MetaAlbum:
    return next(
        a
        for a in WORLD.albums
        if a.title == title and (not disambiguation or a.disambiguation == disambiguation)
    )


def wanted(
    title: str, *numbers: int, rgid: bool = False, named: bool = True
) -> list[pb.InlineTrack]:
    """Tracks ``numbers`` (from 0) of the album ``title``: with its release-group id when
    ``rgid``, without its album name unless ``named``."""
    meta = album(title)
    return [
        pb.InlineTrack(
            title=meta.tracks[n].title,
            artists=[meta.artist.name],
            album=meta.title if named else "",
            duration_ms=meta.tracks[n].duration_ms,
            release_group_mbid=meta.mbid if rgid else "",
        )
        for n in numbers
    ]


def jspf_track(meta: MetaAlbum, number: int, *, rgid: bool) -> dict[str, Any]:
    """A JSPF track as ListenBrainz writes one, the release group in additional_metadata."""
    track = meta.tracks[number]
    entry: dict[str, Any] = {
        "title": track.title,
        "creator": meta.artist.name,
        "album": meta.title,
        "duration": track.duration_ms,
    }
    if rgid:
        extension = {"additional_metadata": {"release_group_mbid": meta.mbid}}
        entry["extension"] = {"https://musicbrainz.org/doc/jspf#track": extension}
    return entry


async def run_to_end(
    sync: sync_pb2_grpc.SyncServiceAsyncStub, request: pb.RunSyncRequest
) -> pb.SyncReport:
    """Start a run, follow it to its end, and read its report."""
    run_id = (await sync.RunSync(request, timeout=TIMEOUT)).run_id
    async for _ in sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    reply = await sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    return reply.report


def lidarr_settings(url: str, key: str, **more: str) -> dict[str, str]:
    return {"LIDARR_URL": url, "LIDARR_API_KEY": key, "LIDARR_ENABLED": "true", **more}
