"""Plex metadata as nodes: sections, tracks, albums, artists, and the filter catalogue
plexapi reads (``includeMeta=1``)."""

from __future__ import annotations

import hashlib
from typing import Any

from emulators.library import Section, Track
from emulators.plex_render import Node

TRACK_BASE = 100_000
ALBUM_BASE = 10_000_000
ARTIST_BASE = 20_000_000


def rating_key(track: Track) -> str:
    return str(TRACK_BASE + track.seq)


def section_node(section: Section) -> Node:
    audiobooks = section.kind == "audiobooks"
    changed = max((t.updated_at for t in section.tracks), default=0)
    return Node(
        "Directory",
        {
            "allowSync": 1,
            "key": str(section.number),
            "type": "artist",
            "title": section.title,
            "agent": "com.plexapp.agents.audnexus" if audiobooks else "tv.plex.agents.music",
            "scanner": "Plex Music",
            "language": "en-US",
            "uuid": hashlib.md5(f"section-{section.number}".encode()).hexdigest(),
            "updatedAt": changed,
            "createdAt": 1_577_836_800,
            "scannedAt": changed,
            "contentChangedAt": changed,
            "content": 1,
            "directory": 1,
            "filters": 1,
            "refreshing": 0,
            "hidden": 0,
        },
        children=[Node("Location", {"id": section.number, "path": f"/media/{section.title}"})],
    )


def track_node(
    section: Section, track: Track, *, guids: bool, extra: dict[str, Any] | None = None
) -> Node:
    key = rating_key(track)
    album_key = str(ALBUM_BASE + track.album_seq)
    artist_key = str(ARTIST_BASE + track.artist_seq)
    attrs: dict[str, Any] = {
        "ratingKey": key,
        "key": f"/library/metadata/{key}",
        "parentRatingKey": album_key,
        "grandparentRatingKey": artist_key,
        "guid": f"plex://track/{hashlib.md5(key.encode()).hexdigest()[:24]}",
        "parentGuid": f"plex://album/{album_key}",
        "grandparentGuid": f"plex://artist/{artist_key}",
        "type": "track",
        "title": track.title,
        "titleSort": track.title,
        "grandparentKey": f"/library/metadata/{artist_key}",
        "parentKey": f"/library/metadata/{album_key}",
        "librarySectionTitle": section.title,
        "librarySectionID": section.number,
        "librarySectionKey": f"/library/sections/{section.number}",
        "grandparentTitle": track.album_artist,
        "parentTitle": track.album,
        "index": track.track_no,
        "parentIndex": track.disc_no,
        "parentYear": track.year,
        "year": track.year,
        "duration": track.duration_ms,
        "addedAt": track.added_at,
        "updatedAt": track.updated_at,
    }
    if track.credit and track.credit != track.album_artist:
        attrs["originalTitle"] = track.credit
    attrs.update(extra or {})
    # Both MBID forms seen in the wild: mbid://<uuid> and mbid://recording/<uuid>.
    form = "mbid://recording/" if track.seq % 2 else "mbid://"
    return Node("Track", attrs, [f"{form}{track.mbid}"] if guids and track.mbid else ())


def album_node(section: Section, track: Track, leaf_count: int) -> Node:
    album_key = str(ALBUM_BASE + track.album_seq)
    artist_key = str(ARTIST_BASE + track.artist_seq)
    return Node(
        "Directory",
        {
            "ratingKey": album_key,
            "key": f"/library/metadata/{album_key}/children",
            "parentRatingKey": artist_key,
            "guid": f"plex://album/{album_key}",
            "type": "album",
            "title": track.album,
            "parentTitle": track.album_artist,
            "year": track.year,
            "leafCount": leaf_count,
            "librarySectionID": section.number,
            "librarySectionTitle": section.title,
            "addedAt": track.added_at,
        },
    )


def artist_node(section: Section, track: Track) -> Node:
    artist_key = str(ARTIST_BASE + track.artist_seq)
    return Node(
        "Directory",
        {
            "ratingKey": artist_key,
            "key": f"/library/metadata/{artist_key}/children",
            "guid": f"plex://artist/{artist_key}",
            "type": "artist",
            "title": track.album_artist,
            "librarySectionID": section.number,
            "librarySectionTitle": section.title,
        },
    )


FILTER_CATALOGUE = Node(
    "Meta",
    {},
    children=[
        Node(
            "Type",
            {
                "key": "/library/sections/{key}/all?type=10",
                "type": "track",
                "title": "Tracks",
                "active": 0,
            },
            children=[
                Node(
                    "Filter",
                    {
                        "filter": "title",
                        "filterType": "string",
                        "key": "/library/sections/{key}/title",
                        "title": "Title",
                        "type": "filter",
                    },
                ),
                Node(
                    "Sort",
                    {
                        "default": "asc",
                        "key": "titleSort",
                        "title": "Title",
                        "defaultDirection": "asc",
                        "descKey": "titleSort:desc",
                    },
                ),
                Node(
                    "Sort",
                    {
                        "key": "addedAt",
                        "title": "Date Added",
                        "defaultDirection": "desc",
                        "descKey": "addedAt:desc",
                    },
                ),
                Node(
                    "Sort",
                    {
                        "key": "updatedAt",
                        "title": "Date Updated",
                        "defaultDirection": "desc",
                        "descKey": "updatedAt:desc",
                    },
                ),
                Node("Field", {"key": "title", "title": "Title", "type": "string"}),
                Node("Field", {"key": "originalTitle", "title": "Track Artist", "type": "string"}),
                Node("Field", {"key": "parentTitle", "title": "Album", "type": "string"}),
                Node("Field", {"key": "year", "title": "Year", "type": "integer"}),
                Node("Field", {"key": "addedAt", "title": "Date Added", "type": "date"}),
                Node("Field", {"key": "updatedAt", "title": "Date Updated", "type": "date"}),
                Node("Field", {"key": "duration", "title": "Duration", "type": "integer"}),
            ],
        ),
        Node(
            "FieldType",
            {"type": "string"},
            children=[
                Node("Operator", {"key": "=", "title": "contains"}),
                Node("Operator", {"key": "!=", "title": "does not contain"}),
                Node("Operator", {"key": "==", "title": "is"}),
                Node("Operator", {"key": "!==", "title": "is not"}),
            ],
        ),
        Node(
            "FieldType",
            {"type": "integer"},
            children=[
                Node("Operator", {"key": "=", "title": "is"}),
                Node("Operator", {"key": "!=", "title": "is not"}),
                Node("Operator", {"key": ">>=", "title": "is greater than"}),
                Node("Operator", {"key": "<<=", "title": "is less than"}),
            ],
        ),
        Node(
            "FieldType",
            {"type": "date"},
            children=[
                Node("Operator", {"key": ">>=", "title": "is after"}),
                Node("Operator", {"key": "<<=", "title": "is before"}),
            ],
        ),
    ],
)
