"""Plex metadata as nodes: sections, tracks, albums, artists, and the filter catalogue
plexapi reads (``includeMeta=1``)."""

from __future__ import annotations

import hashlib
from json.encoder import encode_basestring as quoted
from typing import Any

from emulators.library import Section, Track, file_path, section_location
from emulators.plex_render import Node, xml_attr

TRACK_BASE = 100_000
ALBUM_BASE = 10_000_000
ARTIST_BASE = 20_000_000


def rating_key(track: Track) -> str:
    return str(TRACK_BASE + track.seq)


def section_node(section: Section) -> Node:
    audiobooks = section.kind == "audiobooks"
    # Read from the column: a track built per track would make every /library/sections
    # cost as much as listing the section (a second at 100,000 tracks), where the real
    # server reads one row.
    changed = max(section.tracks.ints["updated_at"], default=0)
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
        children=[Node("Location", {"id": section.number, "path": section_location(section)})],
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


def _media_attributes(section: Section, track: Track) -> tuple[dict[str, Any], dict[str, Any]]:
    """A track's ``Media`` and its one ``Part``: the file's path, size and format. A real
    server lists them under every track (python-plexapi 4.16.1 ``audio.py`` ``Track``:
    ``self.media = self.findItems(data, media.Media)``; ``media.py`` ``Media.parts``,
    ``MediaPart.file``, ``size``, ``container``), in listings and playlist items alike."""
    part_id = TRACK_BASE + track.seq
    media = {
        "id": part_id,
        "duration": track.duration_ms,
        "bitrate": 1000,
        "audioChannels": 2,
        "audioCodec": "flac",
        "container": "flac",
    }
    part = {
        "id": part_id,
        "key": f"/library/parts/{part_id}/{track.added_at}/file.flac",
        "duration": track.duration_ms,
        "file": file_path(section, track),
        "size": track.duration_ms * 125,
        "container": "flac",
    }
    return media, part


def _media_xml(section: Section, track: Track) -> str:
    media, part = _media_attributes(section, track)
    head = " ".join(f"{k}={xml_attr(str(v))}" for k, v in media.items())
    body = " ".join(f"{k}={xml_attr(str(v))}" for k, v in part.items())
    return f"<Media {head}><Part {body} /></Media>"


def _media_json(section: Section, track: Track) -> str:
    media, part = _media_attributes(section, track)

    def written(attrs: dict[str, Any]) -> str:
        return ",".join(
            f'"{k}":{v}' if isinstance(v, int) else f'"{k}":{quoted(v)}' for k, v in attrs.items()
        )

    return f'"Media":[{{{written(media)},"Part":[{{{written(part)}}}]}}]'


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
    media, part = _media_attributes(section, track)
    return Node(
        "Track",
        attrs,
        [_mbid_guid(track)] if guids and track.mbid else (),
        [Node("Media", media, children=[Node("Part", part)])],
    )


_NOTHING: frozenset[str] = frozenset()


def _track_attributes(section: Section, track: Track, *, as_json: bool) -> list[tuple[str, str]]:
    """``track_node``'s attributes in order, each already written as XML or JSON."""
    key, album_key, artist_key, guid = _track_keys(track)
    text = quoted if as_json else xml_attr

    def number(value: int) -> str:
        return str(value) if as_json else f'"{value}"'

    title = text(track.title)
    credit = _credit(track)
    return [
        ("ratingKey", f'"{key}"'),
        ("key", f'"/library/metadata/{key}"'),
        ("parentRatingKey", f'"{album_key}"'),
        ("grandparentRatingKey", f'"{artist_key}"'),
        ("guid", f'"plex://track/{guid}"'),
        ("parentGuid", f'"plex://album/{album_key}"'),
        ("grandparentGuid", f'"plex://artist/{artist_key}"'),
        ("type", '"track"'),
        ("title", title),
        ("titleSort", title),
        ("grandparentKey", f'"/library/metadata/{artist_key}"'),
        ("parentKey", f'"/library/metadata/{album_key}"'),
        ("librarySectionTitle", text(section.title)),
        ("librarySectionID", number(section.number)),
        ("librarySectionKey", f'"/library/sections/{section.number}"'),
        ("grandparentTitle", text(track.album_artist)),
        ("parentTitle", text(track.album)),
        ("index", number(track.track_no)),
        ("parentIndex", number(track.disc_no)),
        ("parentYear", number(track.year)),
        ("year", number(track.year)),
        ("duration", number(track.duration_ms)),
        ("addedAt", number(track.added_at)),
        ("updatedAt", number(track.updated_at)),
        *([("originalTitle", text(credit))] if credit is not None else []),
    ]


# Every attribute a track may carry but its id and type: an id sweep excludes them all.
_BEYOND_ID = frozenset(
    (
        "key", "parentRatingKey", "grandparentRatingKey", "guid", "parentGuid",
        "grandparentGuid", "title", "titleSort", "grandparentKey", "parentKey",
        "librarySectionTitle", "librarySectionID", "librarySectionKey", "grandparentTitle",
        "parentTitle", "index", "parentIndex", "parentYear", "year", "duration", "addedAt",
        "updatedAt", "originalTitle",
    )
)  # fmt: skip


def _attributes(
    section: Section, track: Track, *, as_json: bool, excluded: frozenset[str]
) -> list[tuple[str, str]]:
    """The attributes to write; an id sweep's two without writing the others first."""
    if excluded >= _BEYOND_ID:
        return [("ratingKey", f'"{rating_key(track)}"'), ("type", '"track"')]
    return _track_attributes(section, track, as_json=as_json)


def track_xml(
    section: Section,
    track: Track,
    *,
    guids: bool,
    excluded: frozenset[str] = _NOTHING,
    media: bool = True,
) -> bytes:
    """``track_node`` as XML, less the ``excluded`` attributes, written out directly:
    walking a node's attributes one by one cost most of a listing's CPU. A test holds the
    two to the same bytes for every track."""
    attributes = _attributes(section, track, as_json=False, excluded=excluded)
    head = " ".join([f"{k}={v}" for k, v in attributes if k not in excluded])
    head = f"<Track {head}" if head else "<Track"
    written = _media_xml(section, track) if media else ""
    if guids and track.mbid:
        return f"{head}><Guid id={xml_attr(_mbid_guid(track))} />{written}</Track>".encode()
    if written:
        return f"{head}>{written}</Track>".encode()
    return f"{head} />".encode()


def track_json(
    section: Section,
    track: Track,
    *,
    guids: bool,
    excluded: frozenset[str] = _NOTHING,
    media: bool = True,
) -> bytes:
    """``track_node`` as compact JSON, less the ``excluded`` attributes (see
    ``track_xml``)."""
    attributes = _attributes(section, track, as_json=True, excluded=excluded)
    parts = [f'"{k}":{v}' for k, v in attributes if k not in excluded]
    if guids and track.mbid:
        parts.append(f'"Guid":[{{"id":{quoted(_mbid_guid(track))}}}]')
    if media:
        parts.append(_media_json(section, track))
    return ("{" + ",".join(parts) + "}").encode()


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
