"""Plex listing pages (``/library/sections/{key}/all``), read straight into tracks or ids.

A build reads two hundred 500-track pages per 100,000 tracks, so their JSON form is read
as orjson gives it: each track's fields are taken from its object without the generic
node tree of ``plex_parse.parse_container`` (a PlexNode and an attribute dict of strings
for the track, its Media and its Part). The result is the same as that path's: every
value read as its string form would be, numbers from numbers or from their text, and a
server that answers XML (or sends hubs) is read through ``parse_container``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import orjson

from common.matching.query import LibraryTrack
from common.targets.items import TargetTrack
from common.targets.plex_parse import (
    PlexParseError,
    artist_mbids_from_guids,
    mbid_from_guids,
    parse_container,
    track_ids_of,
    tracks_of,
)

T = TypeVar("T")
# A page's items, its totalSize and its offset (None where the body has none).
PageRead = tuple[list[T], int | None, int | None]


def _text(value: Any) -> str:
    """A JSON value as ``plex_parse`` reads an attribute: "" for what is no attribute."""
    if type(value) is str:
        return value
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _number(item: dict[str, Any], name: str) -> int | None:
    """``plex_parse._int`` of the attribute ``name``."""
    value = item.get(name)
    if type(value) is int:
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return int(float(text))
    except ValueError as exc:
        raise PlexParseError(f"{name}={text!r} is not a number") from exc


def _count(container: dict[str, Any], name: str) -> int | None:
    """``PlexContainer.int_attr`` of the container's ``name``."""
    value = container.get(name)
    if type(value) is int:
        return value
    text = _text(value)
    try:
        return int(text) if text else None
    except ValueError as exc:
        raise PlexParseError(f"{name}={text!r} is not a number") from exc


def _file(item: dict[str, Any]) -> str:
    """``plex_parse.file_of``: the first Media's first Part that has a file."""
    media = item.get("Media")
    for medium in media if isinstance(media, list) else ():
        parts = medium.get("Part") if isinstance(medium, dict) else None
        for part in parts if isinstance(parts, list) else ():
            if isinstance(part, dict) and (found := _text(part.get("file"))):
                return found
    return ""


def _guids(item: dict[str, Any]) -> tuple[str, ...]:
    found = item.get("Guid")
    if not isinstance(found, list):
        return ()
    return tuple(str(g.get("id", "")) for g in found if isinstance(g, dict))


def _track(item: dict[str, Any], library: str) -> TargetTrack:
    """``plex_parse.track_from_node`` of a track's JSON object."""
    item_id = _text(item.get("ratingKey"))
    if not item_id:
        raise PlexParseError("a track has no ratingKey")
    album_artist = _text(item.get("grandparentTitle"))
    track_artist = _text(item.get("originalTitle")) or album_artist
    guids = _guids(item)
    added = _number(item, "addedAt")
    return TargetTrack(
        item_id=item_id,
        library=library or _text(item.get("librarySectionID")),
        title=_text(item.get("title")),
        artists=(track_artist,) if track_artist else (),
        album_artist=album_artist,
        album=_text(item.get("parentTitle")),
        duration_ms=_number(item, "duration"),
        track_index=_number(item, "index"),
        disc_index=_number(item, "parentIndex"),
        year=_number(item, "year"),
        mbid=mbid_from_guids(guids) if guids else "",
        artist_mbids=artist_mbids_from_guids(guids) if guids else (),
        added_at=added or 0,
        updated_at=_number(item, "updatedAt") or added or 0,
        path=_file(item),
    )


def _indexed(item: dict[str, Any], title: str) -> LibraryTrack:
    """``_track(item, ...).indexed(title)`` without the TargetTrack between: the fields the
    index does not keep (track and disc numbers, year, added date) are not read."""
    item_id = _text(item.get("ratingKey"))
    if not item_id:
        raise PlexParseError("a track has no ratingKey")
    album_artist = _text(item.get("grandparentTitle"))
    track_artist = _text(item.get("originalTitle")) or album_artist
    guids = _guids(item)
    return LibraryTrack(
        item_id=item_id,
        library=title,
        title=_text(item.get("title")),
        artists=(track_artist,) if track_artist else (),
        album_artist=album_artist,
        album=_text(item.get("parentTitle")),
        duration_ms=_number(item, "duration") or 0,
        mbid=mbid_from_guids(guids) if guids else "",
        updated_at=_number(item, "updatedAt") or _number(item, "addedAt") or 0,
        artist_mbids=artist_mbids_from_guids(guids) if guids else (),
        path=_file(item),
    )


def _container(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlexParseError(f"invalid JSON: {exc}") from exc
    container = data.get("MediaContainer") if isinstance(data, dict) else None
    if not isinstance(container, dict):
        raise PlexParseError("no MediaContainer object")
    return container


def _track_objects(container: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The container's items that are tracks, in order (``tracks_of`` without hubs)."""
    for key, value in container.items():
        if isinstance(value, list) and key != "Guid":
            for item in value:
                if isinstance(item, dict) and (item.get("type") == "track" or key == "Track"):
                    yield item


def _page(
    body: bytes,
    content_type: str,
    fast: Callable[[dict[str, Any]], list[T]],
    generic: Callable[[Any], list[T]],
) -> PageRead[T]:
    if "json" in content_type.lower():
        container = _container(body)
        if "Hub" not in container:
            return fast(container), _count(container, "totalSize"), _count(container, "offset")
    node = parse_container(body, content_type)
    return generic(node), node.int_attr("totalSize"), node.int_attr("offset")


def tracks_page(body: bytes, content_type: str, library: str) -> PageRead[TargetTrack]:
    """A listing page's tracks (``library``: the library's id), totalSize and offset."""
    return _page(
        body,
        content_type,
        lambda container: [_track(item, library) for item in _track_objects(container)],
        lambda node: tracks_of(node, library),
    )


def indexed_page(
    body: bytes, content_type: str, library: str, title: str
) -> PageRead[LibraryTrack]:
    """A listing page's tracks as the index takes them (their library named ``title``),
    totalSize and offset."""
    return _page(
        body,
        content_type,
        lambda container: [_indexed(item, title) for item in _track_objects(container)],
        lambda node: [track.indexed(title) for track in tracks_of(node, library)],
    )


def _rating_key(item: dict[str, Any]) -> str:
    item_id = _text(item.get("ratingKey"))
    if not item_id:
        raise PlexParseError("a track has no ratingKey")
    return item_id


def ids_page(body: bytes, content_type: str) -> PageRead[str]:
    """An id sweep's page: the ratingKey of every track, totalSize and offset."""
    return _page(
        body,
        content_type,
        lambda container: [_rating_key(item) for item in _track_objects(container)],
        track_ids_of,
    )
