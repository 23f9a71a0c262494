"""Plex responses, XML or JSON, reduced to one shape: nodes with string attributes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from common.targets.choice import looks_like_audiobooks
from common.targets.items import PlaylistEntry, TargetLibrary, TargetPlaylist, TargetTrack

_MBID = re.compile(
    r"^mbid://(?:recording/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
    re.IGNORECASE,
)
_ARTIST_MBID = re.compile(
    r"^mbid://artist/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.I
)


class PlexParseError(ValueError):
    """The body is not a Plex MediaContainer; the client adds where it happened."""


@dataclass
class PlexNode:
    tag: str
    attrs: dict[str, str]
    guids: tuple[str, ...] = ()
    children: list[PlexNode] = field(default_factory=list)


@dataclass
class PlexContainer:
    attrs: dict[str, str]
    items: list[PlexNode]

    def int_attr(self, name: str) -> int | None:
        value = self.attrs.get(name)
        try:
            return int(value) if value not in (None, "") else None
        except ValueError as exc:
            raise PlexParseError(f"{name}={value!r} is not a number") from exc


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _xml_node(element: ET.Element) -> PlexNode:
    guids = tuple(child.get("id", "") for child in element if child.tag == "Guid")
    children = [_xml_node(child) for child in element if child.tag != "Guid"]
    return PlexNode(element.tag, dict(element.attrib), guids, children)


def _json_node(tag: str, data: dict[str, Any]) -> PlexNode:
    attrs: dict[str, str] = {}
    guids: tuple[str, ...] = ()
    children: list[PlexNode] = []
    for key, value in data.items():
        if isinstance(value, list):
            if key == "Guid":
                guids = tuple(str(g.get("id", "")) for g in value if isinstance(g, dict))
            else:
                children.extend(_json_node(key, v) for v in value if isinstance(v, dict))
        elif not isinstance(value, dict) and value is not None:
            attrs[key] = _scalar(value)
    return PlexNode(tag, attrs, guids, children)


def parse_container(body: bytes, content_type: str) -> PlexContainer:
    """Parse a MediaContainer from XML or JSON (chosen by the Content-Type)."""
    if "json" in content_type.lower():
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PlexParseError(f"invalid JSON: {exc}") from exc
        container = data.get("MediaContainer") if isinstance(data, dict) else None
        if not isinstance(container, dict):
            raise PlexParseError("no MediaContainer object")
        node = _json_node("MediaContainer", container)
        return PlexContainer(node.attrs, node.children)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise PlexParseError(f"invalid XML: {exc}") from exc
    if root.tag != "MediaContainer":
        raise PlexParseError(f"root element is {root.tag}, not MediaContainer")
    node = _xml_node(root)
    return PlexContainer(node.attrs, node.children)


def _int(attrs: dict[str, str], name: str) -> int | None:
    value = attrs.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return int(float(value))
    except ValueError as exc:
        raise PlexParseError(f"{name}={value!r} is not a number") from exc


def mbid_from_guids(guids: tuple[str, ...]) -> str:
    """The recording MBID among Plex Guid entries (``mbid://<uuid>`` or
    ``mbid://recording/<uuid>``), lower-cased, else ""."""
    for guid in guids:
        match = _MBID.match(guid.strip())
        if match:
            return match.group(1).lower()
    return ""


def artist_mbids_from_guids(guids: tuple[str, ...]) -> tuple[str, ...]:
    """Artist MBIDs among a track's Guid entries (``mbid://artist/<uuid>``), lower-cased,
    in order, when a server lists them there."""
    found = (_ARTIST_MBID.match(guid.strip()) for guid in guids)
    return tuple(dict.fromkeys(m.group(1).lower() for m in found if m))


def file_of(node: PlexNode) -> str:
    """The file of a track's first ``Media`` element's first ``Part`` (python-plexapi 4.16.1
    ``audio.py`` ``Track.locations``: ``part.file`` for each part, ``media.py``
    ``MediaPart.file``), "" when the server sent none."""
    for media in node.children:
        if media.tag == "Media":
            for part in media.children:
                if part.tag == "Part" and part.attrs.get("file"):
                    return part.attrs["file"]
    return ""


def track_from_node(node: PlexNode, library: str) -> TargetTrack:
    attrs = node.attrs
    item_id = attrs.get("ratingKey", "")
    if not item_id:
        raise PlexParseError("a track has no ratingKey")
    album_artist = attrs.get("grandparentTitle", "")
    track_artist = attrs.get("originalTitle") or album_artist
    return TargetTrack(
        item_id=item_id,
        library=library or attrs.get("librarySectionID", ""),
        title=attrs.get("title", ""),
        artists=(track_artist,) if track_artist else (),
        album_artist=album_artist,
        album=attrs.get("parentTitle", ""),
        duration_ms=_int(attrs, "duration"),
        track_index=_int(attrs, "index"),
        disc_index=_int(attrs, "parentIndex"),
        year=_int(attrs, "year"),
        mbid=mbid_from_guids(node.guids),
        artist_mbids=artist_mbids_from_guids(node.guids),
        added_at=_int(attrs, "addedAt") or 0,
        updated_at=_int(attrs, "updatedAt") or _int(attrs, "addedAt") or 0,
        path=file_of(node),
    )


def tracks_of(container: PlexContainer, library: str) -> list[TargetTrack]:
    """Tracks among the container's items (hubs included), in order."""
    found: list[TargetTrack] = []
    for node in container.items:
        if node.attrs.get("type") == "track" or node.tag == "Track":
            found.append(track_from_node(node, library))
        elif node.tag == "Hub":
            found.extend(
                track_from_node(child, library)
                for child in node.children
                if child.attrs.get("type") == "track" or child.tag == "Track"
            )
    return found


def track_ids_of(container: PlexContainer) -> list[str]:
    """The ratingKey of every track in a listing (an id sweep asks for little else)."""
    found: list[str] = []
    for node in container.items:
        if node.attrs.get("type") == "track" or node.tag == "Track":
            item_id = node.attrs.get("ratingKey", "")
            if not item_id:
                raise PlexParseError("a track has no ratingKey")
            found.append(item_id)
    return found


def artist_names_of(container: PlexContainer) -> tuple[list[str], int]:
    """The artists' names in a type-8 listing, and the library's total of artists."""
    names = [
        node.attrs.get("title", "")
        for node in container.items
        if node.attrs.get("type") == "artist" or node.tag == "Directory"
    ]
    total = container.int_attr("totalSize")
    return [n for n in names if n], len(names) if total is None else total


def library_from_node(node: PlexNode) -> TargetLibrary:
    attrs = node.attrs
    key = attrs.get("key", "")
    if not key:
        raise PlexParseError("a library section has no key")
    title = attrs.get("title", "")
    agent = attrs.get("agent", "")
    kind = attrs.get("type", "")
    return TargetLibrary(
        library_id=key,
        title=title,
        kind=kind,
        agent=agent,
        is_music=kind == "artist",
        is_audiobook=kind == "artist" and looks_like_audiobooks(title, agent),
        updated_at=_int(attrs, "contentChangedAt") or _int(attrs, "updatedAt") or 0,
    )


def playlist_from_node(node: PlexNode) -> TargetPlaylist:
    attrs = node.attrs
    key = attrs.get("ratingKey", "")
    if not key:
        raise PlexParseError("a playlist has no ratingKey")
    return TargetPlaylist(
        playlist_id=key,
        title=attrs.get("title", ""),
        summary=attrs.get("summary", ""),
        item_count=_int(attrs, "leafCount") or 0,
        smart=attrs.get("smart", "0") in ("1", "true"),
        # A poster uploaded to the playlist shows as its ``thumb``
        # (``/library/metadata/{ratingKey}/thumb/{epoch}``, LukeHagar/plex-api-spec's
        # playlist example); every playlist has a ``composite``, the mosaic of its items
        # (python-plexapi 4.16.1 ``playlist.py`` ``Playlist._loadData``, ``thumb``: "Alias
        # to self.composite").
        image=attrs.get("thumb") or attrs.get("composite", ""),
    )


def entry_from_node(node: PlexNode) -> PlaylistEntry:
    attrs = node.attrs
    entry = attrs.get("playlistItemID", "")
    item = attrs.get("ratingKey", "")
    if not entry or not item:
        raise PlexParseError("a playlist item lacks playlistItemID or ratingKey")
    return PlaylistEntry(entry_id=entry, item_id=item, title=attrs.get("title", ""))
