"""Plex metadata as nodes: sections, tracks, albums, artists, and the filter catalogue
plexapi reads (``includeMeta=1``)."""

from __future__ import annotations

import hashlib
from json.encoder import encode_basestring as quoted
from typing import Any

from emulators.library import Section, Track
from emulators.plex_render import Node, xml_attr

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


def _track_keys(track: Track) -> tuple[str, str, str, str]:
    """The track's rating key, its album's and artist's, and its plex:// guid hash."""
    key = rating_key(track)
    guid = hashlib.md5(key.encode()).hexdigest()[:24]
    return key, str(ALBUM_BASE + track.album_seq), str(ARTIST_BASE + track.artist_seq), guid


def _mbid_guid(track: Track) -> str:
    # Both MBID forms seen in the wild: mbid://<uuid> and mbid://recording/<uuid>.
    form = "mbid://recording/" if track.seq % 2 else "mbid://"
    return f"{form}{track.mbid}"


def _credit(track: Track) -> str | None:
    """``originalTitle``: the track artist, when it is not the album artist."""
    return track.credit if track.credit and track.credit != track.album_artist else None


def track_node(
    section: Section, track: Track, *, guids: bool, extra: dict[str, Any] | None = None
) -> Node:
    """A track as Plex lists it; ``track_xml`` and ``track_json`` write the same directly."""
    key, album_key, artist_key, guid = _track_keys(track)
    attrs: dict[str, Any] = {
        "ratingKey": key,
        "key": f"/library/metadata/{key}",
        "parentRatingKey": album_key,
        "grandparentRatingKey": artist_key,
        "guid": f"plex://track/{guid}",
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
    credit = _credit(track)
    if credit is not None:
        attrs["originalTitle"] = credit
    attrs.update(extra or {})
    return Node("Track", attrs, [_mbid_guid(track)] if guids and track.mbid else ())


def track_xml(section: Section, track: Track, *, guids: bool) -> bytes:
    """``track_node`` as XML, written out directly: walking its attributes one by one cost
    most of a listing's CPU. A test holds the two to the same bytes for every track."""
    key, album_key, artist_key, guid = _track_keys(track)
    title = xml_attr(track.title)
    credit = _credit(track)
    head = " ".join(
        [
            f'<Track ratingKey="{key}" key="/library/metadata/{key}"',
            f'parentRatingKey="{album_key}" grandparentRatingKey="{artist_key}"',
            f'guid="plex://track/{guid}" parentGuid="plex://album/{album_key}"',
            f'grandparentGuid="plex://artist/{artist_key}" type="track"',
            f"title={title} titleSort={title}",
            f'grandparentKey="/library/metadata/{artist_key}"',
            f'parentKey="/library/metadata/{album_key}"',
            f"librarySectionTitle={xml_attr(section.title)}",
            f'librarySectionID="{section.number}"',
            f'librarySectionKey="/library/sections/{section.number}"',
            f"grandparentTitle={xml_attr(track.album_artist)}",
            f"parentTitle={xml_attr(track.album)}",
            f'index="{track.track_no}" parentIndex="{track.disc_no}"',
            f'parentYear="{track.year}" year="{track.year}" duration="{track.duration_ms}"',
            f'addedAt="{track.added_at}" updatedAt="{track.updated_at}"',
            *([f"originalTitle={xml_attr(credit)}"] if credit is not None else []),
        ]
    )
    if guids and track.mbid:
        return f"{head}><Guid id={xml_attr(_mbid_guid(track))} /></Track>".encode()
    return f"{head} />".encode()


def track_json(section: Section, track: Track, *, guids: bool) -> bytes:
    """``track_node`` as compact JSON, written out directly (see ``track_xml``)."""
    key, album_key, artist_key, guid = _track_keys(track)
    title = quoted(track.title)
    credit = _credit(track)
    parts = [
        f'{{"ratingKey":"{key}","key":"/library/metadata/{key}"',
        f'"parentRatingKey":"{album_key}","grandparentRatingKey":"{artist_key}"',
        f'"guid":"plex://track/{guid}","parentGuid":"plex://album/{album_key}"',
        f'"grandparentGuid":"plex://artist/{artist_key}","type":"track"',
        f'"title":{title},"titleSort":{title}',
        f'"grandparentKey":"/library/metadata/{artist_key}"',
        f'"parentKey":"/library/metadata/{album_key}"',
        f'"librarySectionTitle":{quoted(section.title)}',
        f'"librarySectionID":{section.number}',
        f'"librarySectionKey":"/library/sections/{section.number}"',
        f'"grandparentTitle":{quoted(track.album_artist)}',
        f'"parentTitle":{quoted(track.album)}',
        f'"index":{track.track_no},"parentIndex":{track.disc_no}',
        f'"parentYear":{track.year},"year":{track.year},"duration":{track.duration_ms}',
        f'"addedAt":{track.added_at},"updatedAt":{track.updated_at}',
        *([f'"originalTitle":{quoted(credit)}'] if credit is not None else []),
    ]
    if guids and track.mbid:
        parts.append(f'"Guid":[{{"id":{quoted(_mbid_guid(track))}}}]')
    return (",".join(parts) + "}").encode()


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
