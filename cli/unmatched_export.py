"""A run's unmatched tracks with their best candidates, exported for other tools: rows
for a table, CSV, or a JSPF playlist (the candidate in each track's extension). Pure."""

from __future__ import annotations

import csv
import io
from typing import Any

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.sync.v1 import sync_pb2 as pb

TARGET_NAMES = {1: "plex", 2: "jellyfin"}
COLUMNS = (
    "target", "position", "artist", "title", "album", "duration_ms", "recording_mbid", "isrc",
    "method", "confidence", "reason", "best_item_id", "best_artist", "best_title",
    "best_album", "best_confidence",
)  # fmt: skip
EXTENSION = "urn:cmdarr:unmatched"  # JSPF extension keys are URIs naming the application
EXTENSION_FIELDS = (
    "target",
    "position",
    "isrc",
    "method",
    "confidence",
    *tuple(c for c in COLUMNS if c.startswith("best_")),
)


def where_of(outcome: pb.TrackOutcome) -> str:
    """SERVER or SERVER:USER ("plex" and "jellyfin" for the targets)."""
    found = outcome.destination
    if found.server:
        return f"{found.server}:{found.user}" if found.user else found.server
    return TARGET_NAMES.get(outcome.target, "")


def misses(report: pb.SyncReport, where: str = "") -> list[pb.TrackOutcome]:
    """The unmatched outcomes at one destination (SERVER or SERVER:USER, users without
    case) or at all, in playlist order."""
    return [
        t
        for t in report.tracks
        if t.source == pb.MATCH_SOURCE_UNMATCHED
        and (not where or where_of(t).casefold() == where.strip().casefold())
    ]


def row(outcome: pb.TrackOutcome) -> dict[str, Any]:
    track, result, best = outcome.track, outcome.result, outcome.result.best_candidate
    return {
        "target": where_of(outcome),
        "position": outcome.position + 1,
        "artist": ", ".join(track.artists),
        "title": track.title,
        "album": track.album,
        "duration_ms": track.duration_ms,
        "recording_mbid": track.recording_mbid,
        "isrc": track.isrc,
        "method": cache_pb.MatchMethod.Name(result.method).removeprefix("MATCH_METHOD_").lower(),
        "confidence": round(result.confidence, 4),
        "reason": result.reason,
        "best_item_id": best.item_id,
        "best_artist": best.artist,
        "best_title": best.title,
        "best_album": best.album,
        "best_confidence": round(best.confidence, 4) if best.item_id else "",
    }


def to_csv(report: pb.SyncReport, where: str = "") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for outcome in misses(report, where):
        writer.writerow(row(outcome))
    return out.getvalue()


def to_jspf(report: pb.SyncReport, where: str = "") -> dict[str, Any]:
    tracks = []
    for outcome in misses(report, where):
        data, track = row(outcome), outcome.track
        entry: dict[str, Any] = {"title": track.title, "annotation": data["reason"]}
        if track.artists:
            entry["creator"] = ", ".join(track.artists)
        if track.album:
            entry["album"] = track.album
        if track.duration_ms:
            entry["duration"] = track.duration_ms
        if track.recording_mbid:
            entry["identifier"] = [f"https://musicbrainz.org/recording/{track.recording_mbid}"]
        entry["extension"] = {EXTENSION: {k: data[k] for k in EXTENSION_FIELDS}}
        tracks.append(entry)
    title = f"Unmatched tracks of run {report.run_id}"
    return {"playlist": {"title": title, "annotation": report.command_name, "track": tracks}}
