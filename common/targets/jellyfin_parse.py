"""Jellyfin JSON bodies to domain objects."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson

from common.matching.normalize import artist_key, artist_keys
from common.matching.query import LibraryTrack
from common.targets.choice import looks_like_audiobooks
from common.targets.items import PlaylistEntry, TargetLibrary, TargetPlaylist, TargetTrack

TICKS_PER_MS = 10_000
_ID_SEPARATORS = re.compile(r"[\s/;,]+")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class JellyfinParseError(ValueError):
    """The body is not what the API promises; the client adds where it happened."""


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JellyfinParseError(f"invalid JSON: {exc}") from exc


def items_page(data: Any) -> tuple[list[dict[str, Any]], int]:
    """``{Items, TotalRecordCount}`` -> (items, total)."""
    if not isinstance(data, dict) or not isinstance(data.get("Items"), list):
        raise JellyfinParseError("no Items list")
    total = data.get("TotalRecordCount")
    if not isinstance(total, int):
        raise JellyfinParseError("no TotalRecordCount")
    items = data["Items"]
    if not all(isinstance(item, dict) for item in items):
        raise JellyfinParseError("an item is not an object")
    return items, total


def epoch(value: Any) -> int:
    """ISO-8601 to epoch seconds; 0 if absent. Python 3.11 reads Jellyfin's form (7
    fractional digits and a Z) as it is."""
    if not isinstance(value, str) or not value:
        return 0
    try:
        return int(datetime.fromisoformat(value.strip()).timestamp())
    except ValueError as exc:
        raise JellyfinParseError(f"bad date {value!r}") from exc


def _opt_int(item: dict[str, Any], name: str) -> int | None:
    value = item.get(name)
    return value if type(value) is int else None  # JSON gives ints as int (bool is no int)


def _provider_ids(item: dict[str, Any]) -> dict[str, Any]:
    ids = item.get("ProviderIds")
    return ids if isinstance(ids, dict) else {}


def mbid_of(item: dict[str, Any]) -> str:
    return _recording_mbid(_provider_ids(item))


def _recording_mbid(ids: dict[str, Any]) -> str:
    # Only the recording id: MusicBrainzTrack is the release-track id, another MBID.
    value = ids.get("MusicBrainzRecording")
    if isinstance(value, str) and _UUID.match(value.strip()):
        return value.strip().lower()
    return ""


def artist_mbids_of(item: dict[str, Any]) -> tuple[str, ...]:
    """The track artist's and the album artist's MBIDs (``MusicBrainzArtist``,
    ``MusicBrainzAlbumArtist``), lower-cased, without repeats; each field holds one id, but
    a multi-valued tag copied whole ('id1/id2') is split rather than dropped."""
    return _artist_mbids(_provider_ids(item))


def _artist_mbids(ids: dict[str, Any]) -> tuple[str, ...]:
    if "MusicBrainzArtist" not in ids and "MusicBrainzAlbumArtist" not in ids:
        return ()
    found: list[str] = []
    for name in ("MusicBrainzArtist", "MusicBrainzAlbumArtist"):
        value = ids.get(name)
        if isinstance(value, str):
            found += [v.lower() for v in _ID_SEPARATORS.split(value.strip()) if _UUID.match(v)]
    return tuple(dict.fromkeys(found))


def track_from_item(item: dict[str, Any], library: str) -> TargetTrack:
    item_id = item.get("Id")
    if not isinstance(item_id, str) or not item_id:
        raise JellyfinParseError("an item has no Id")
    artists = item.get("Artists") or []
    if not isinstance(artists, list):
        raise JellyfinParseError("Artists is not a list")
    album_artist = item.get("AlbumArtist") or ""
    ticks = _opt_int(item, "RunTimeTicks")
    added = epoch(item.get("DateCreated"))
    ids = _provider_ids(item)
    # No save date: BaseItemDto has no DateLastSaved (jellyfin/jellyfin v10.8.13 to
    # v10.11.11, MediaBrowser.Model/Dto/BaseItemDto.cs), so an edit shows in no field.
    return TargetTrack(
        item_id=item_id,
        library=library,
        title=str(item.get("Name") or ""),
        artists=tuple(map(str, artists)) or ((str(album_artist),) if album_artist else ()),
        album_artist=str(album_artist),
        album=str(item.get("Album") or ""),
        duration_ms=ticks // TICKS_PER_MS if ticks is not None else None,
        track_index=_opt_int(item, "IndexNumber"),
        disc_index=_opt_int(item, "ParentIndexNumber"),
        year=_opt_int(item, "ProductionYear"),
        mbid=_recording_mbid(ids),
        artist_mbids=_artist_mbids(ids),
        added_at=added,
        updated_at=added,
        path=str(item.get("Path") or ""),
    )


def indexed_from_item(item: dict[str, Any], title: str) -> LibraryTrack:
    """``track_from_item(item, ...).indexed(title)`` without the TargetTrack between: the
    fields the index does not keep (track and disc numbers, year) are not read."""
    item_id = item.get("Id")
    if not isinstance(item_id, str) or not item_id:
        raise JellyfinParseError("an item has no Id")
    artists = item.get("Artists") or []
    if not isinstance(artists, list):
        raise JellyfinParseError("Artists is not a list")
    album_artist = item.get("AlbumArtist") or ""
    ticks = _opt_int(item, "RunTimeTicks")
    ids = _provider_ids(item)
    return LibraryTrack(
        item_id=item_id,
        library=title,
        title=str(item.get("Name") or ""),
        artists=tuple(map(str, artists)) or ((str(album_artist),) if album_artist else ()),
        album_artist=str(album_artist),
        album=str(item.get("Album") or ""),
        duration_ms=ticks // TICKS_PER_MS if ticks else 0,
        mbid=_recording_mbid(ids),
        updated_at=epoch(item.get("DateCreated")),
        artist_mbids=_artist_mbids(ids),
        path=str(item.get("Path") or ""),
    )


def ids_of(items: list[dict[str, Any]]) -> list[str]:
    """The ``Id`` of every item (an id sweep asks for no other field)."""
    found: list[str] = []
    for item in items:
        item_id = item.get("Id")
        if not isinstance(item_id, str) or not item_id:
            raise JellyfinParseError("an item has no Id")
        found.append(item_id)
    return found


def artist_ids_named(items: list[dict[str, Any]], name: str) -> list[str]:
    """The ids of the artist items credited under ``name``, as the matcher reads names
    (case, accents, punctuation, a leading 'The' and joiners folded; a credit of several
    names counts each): an artist search matches parts of names, the listing wants the
    artist's own."""
    wanted = artist_key(name)
    found: list[str] = []
    for item in items:
        item_id, named = item.get("Id"), item.get("Name")
        if not isinstance(item_id, str) or not item_id or not isinstance(named, str):
            continue
        if wanted and wanted in artist_keys((named,)) and item_id not in found:
            found.append(item_id)
    return found


def library_from_item(item: dict[str, Any]) -> TargetLibrary:
    library_id = item.get("Id")
    if not isinstance(library_id, str) or not library_id:
        raise JellyfinParseError("a library has no Id")
    title = str(item.get("Name") or "")
    kind = str(item.get("CollectionType") or "")
    return TargetLibrary(
        library_id=library_id,
        title=title,
        kind=kind,
        is_music=kind == "music",
        is_audiobook=looks_like_audiobooks(title, "", kind),
    )


def playlist_from_item(item: dict[str, Any]) -> TargetPlaylist:
    playlist_id = item.get("Id")
    if not isinstance(playlist_id, str) or not playlist_id:
        raise JellyfinParseError("a playlist has no Id")
    tags = item.get("ImageTags")
    has_image = isinstance(tags, dict) and bool(tags.get("Primary"))
    return TargetPlaylist(
        playlist_id=playlist_id,
        title=str(item.get("Name") or ""),
        summary=str(item.get("Overview") or ""),
        item_count=_opt_int(item, "ChildCount") or 0,
        # BaseItemDto.ImageTags names the item's images; the primary one is served at
        # ImageController.GetItemImage's route.
        image=f"/Items/{playlist_id}/Images/Primary" if has_image else "",
    )


def entry_from_item(item: dict[str, Any]) -> PlaylistEntry:
    entry = item.get("PlaylistItemId")
    item_id = item.get("Id")
    if not isinstance(entry, str) or not entry or not isinstance(item_id, str):
        raise JellyfinParseError("a playlist item lacks PlaylistItemId or Id")
    return PlaylistEntry(entry_id=entry, item_id=item_id, title=str(item.get("Name") or ""))
