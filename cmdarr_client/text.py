"""Statuses in the product's words, for progress callbacks and logs."""

from __future__ import annotations

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

LABELS = {tpb.TARGET_PLEX: "Plex", tpb.TARGET_JELLYFIN: "Jellyfin"}
KINDS = {pb.SERVER_KIND_PLEX: "Plex", pb.SERVER_KIND_JELLYFIN: "Jellyfin"}


def server_label(status: cache_pb.CacheStatus) -> str:
    """ "Plex" for the built-in server, "Plex server 'cabin'" for any other."""
    if status.target in LABELS:
        return LABELS[status.target]
    if status.server:
        return f"{KINDS.get(status.kind, 'Media')} server {status.server!r}"
    return "Unknown"


def describe_cache(status: cache_pb.CacheStatus) -> str:
    """E.g. 'Building Plex library cache... 45,000/100,000 tracks'."""
    label = server_label(status)
    done, total = status.progress.tracks_done, status.progress.tracks_total
    if status.state == cache_pb.CACHE_STATE_BUILDING:
        counts = f"{done:,}/{total:,}" if total else f"{done:,}"
        return f"Building {label} library cache... {counts} tracks"
    if status.state in (cache_pb.CACHE_STATE_READY, cache_pb.CACHE_STATE_STALE):
        stale = " (stale)" if status.state == cache_pb.CACHE_STATE_STALE else ""
        return f"{label} library cache ready{stale}: {status.track_count:,} tracks"
    if status.state == cache_pb.CACHE_STATE_FAILED:
        return f"{label} library cache build failed: {status.last_error or 'no error recorded'}"
    if status.state == cache_pb.CACHE_STATE_EMPTY:
        return f"{label} library cache empty, waiting for a build"
    return f"{label} library cache disabled"
