"""JSPF, the JSON form of XSPF used by ListenBrainz: ``{"playlist": {"title", "track": []}}``."""

from __future__ import annotations

import json
from typing import Any

from sync_svc.sources import shape
from sync_svc.sources.playlist import SourcePlaylist, SourceTrack
from sync_svc.sources.problems import ShapeError, check_count, invalid
from sync_svc.sources.text import decode


def parse_jspf(
    data: bytes | str, *, origin: str, max_tracks: int, default_title: str = ""
) -> SourcePlaylist:
    """Parse a JSPF document; bad input raises InvalidArgument naming the JSON path."""
    document = load_json(data)
    try:
        return jspf_playlist(
            document, origin=origin, max_tracks=max_tracks, default_title=default_title
        )
    except ShapeError as exc:
        raise exc.as_invalid() from None


def load_json(data: bytes | str) -> object:
    content = decode(data) if isinstance(data, bytes) else data
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise invalid(f"line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise invalid("the JSON is nested too deeply") from None


def jspf_playlist(
    document: object, *, origin: str, max_tracks: int, default_title: str = ""
) -> SourcePlaylist:
    """A parsed JSPF document to a playlist; a wrong shape raises ShapeError."""
    root = shape.obj(document, "(document)")
    if "playlist" not in root:
        raise ShapeError("playlist", "is required")
    playlist = shape.obj(root["playlist"], "playlist")
    title = shape.text(playlist, "title", "playlist") or default_title
    raw_tracks = playlist.get("track")
    entries = [] if raw_tracks is None else shape.items(raw_tracks, "playlist.track")
    check_count(len(entries), max_tracks)
    tracks = tuple(jspf_track(entry, f"playlist.track[{i}]") for i, entry in enumerate(entries))
    # JSPF (xspf.org/jspf): the playlist's "annotation" is its description, "image" the URL
    # of its picture; ListenBrainz writes the annotation as HTML.
    return SourcePlaylist(
        title=title,
        tracks=tracks,
        origin=origin,
        description=shape.text(playlist, "annotation", "playlist"),
        image_url=shape.text(playlist, "image", "playlist"),
    )


def jspf_track(value: object, path: str) -> SourceTrack:
    track = shape.obj(value, path)
    creator = shape.text(track, "creator", path)
    return SourceTrack(
        title=shape.text(track, "title", path, required=True),
        artists=(creator,) if creator else (),
        album=shape.text(track, "album", path),
        duration_ms=shape.count(track, "duration", path),
        recording_mbid=shape.recording_mbid(identifiers(track, path)),
        artist_mbids=shape.artist_mbids(artist_identifiers(track, path)),
        release_group_mbid=release_group_mbid(track, path),
    )


# MusicBrainz's JSPF track extension (ListenBrainz writes it): artist_identifiers are
# https://musicbrainz.org/artist/<mbid> URLs.
TRACK_EXTENSION = "https://musicbrainz.org/doc/jspf#track"


def _extension(track: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    """The track's MusicBrainz extension object and its JSON path, when it has one."""
    extensions = track.get("extension")
    if extensions is None:
        return None
    ours = shape.obj(extensions, f"{path}.extension").get(TRACK_EXTENSION)
    if ours is None:
        return None
    where = f"{path}.extension[{TRACK_EXTENSION!r}]"
    return shape.obj(ours, where), where


def release_group_mbid(track: dict[str, Any], path: str) -> str:
    """The release group (Lidarr's album) the track is from: the extension's
    ``additional_metadata.release_group_mbid`` (ListenBrainz's name for it in listens,
    docs/TARGETS.md "Lidarr"), or a ``release_group_identifier`` URL there or in the
    extension. The extension's ``release_identifier`` names a release, not a release
    group, and is not Lidarr's album id. Absent parts read as none."""
    found = _extension(track, path)
    if found is None:
        return ""
    ours, where = found
    candidates: list[str] = []
    extra = ours.get("additional_metadata")
    if extra is not None:
        extra = shape.obj(extra, f"{where}.additional_metadata")
        for key in ("release_group_mbid", "release_group_identifier"):
            if isinstance(extra.get(key), str):
                candidates.append(extra[key])
    if isinstance(ours.get("release_group_identifier"), str):
        candidates.append(ours["release_group_identifier"])
    return shape.release_group_mbid(candidates)


def artist_identifiers(track: dict[str, Any], path: str) -> list[str]:
    """``extension[TRACK_EXTENSION].artist_identifiers``; absent parts read as none."""
    extensions = track.get("extension")
    if extensions is None:
        return []
    ours = shape.obj(extensions, f"{path}.extension").get(TRACK_EXTENSION)
    if ours is None:
        return []
    where = f"{path}.extension[{TRACK_EXTENSION!r}]"
    value = shape.obj(ours, where).get("artist_identifiers")
    if value is None:
        return []
    found = []
    for i, item in enumerate(shape.items(value, f"{where}.artist_identifiers")):
        if not isinstance(item, str):
            raise ShapeError(f"{where}.artist_identifiers[{i}]", "must be a string")
        found.append(item)
    return found


def identifiers(track: dict[str, Any], path: str) -> list[str]:
    """JSPF allows one identifier string or an array of them."""
    value = track.get("identifier")
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    found = []
    for i, item in enumerate(shape.items(value, f"{path}.identifier")):
        if not isinstance(item, str):
            raise ShapeError(f"{path}.identifier[{i}]", "must be a string")
        found.append(item)
    return found
