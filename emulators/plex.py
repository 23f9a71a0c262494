"""An emulated Plex Media Server: the TARGET_API.md subset, plus what plexapi needs."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Scope

from emulators.admin import admin_routes
from emulators.http import first, fold, path_ids, query_terms
from emulators.knobs import Knobs
from emulators.library import Catalog, Section, Track, touched
from emulators.middleware import EmulatorMiddleware
from emulators.plex_render import Node, container

TRACK_BASE = 100_000
ALBUM_BASE = 10_000_000
ARTIST_BASE = 20_000_000
STRING_FIELDS = {"title": "title", "originalTitle": "credit", "parentTitle": "album"}
INT_FIELDS = {"year", "addedAt", "updatedAt", "duration", "index", "parentIndex", "id"}
REJECTED_FIELDS = {"grandparentTitle"}
NOT_FILTERS = {
    "type",
    "includeGuids",
    "X-Plex-Container-Start",
    "X-Plex-Container-Size",
    "X-Plex-Token",
    "sort",
    "includeMeta",
    "includeAdvanced",
    "limit",
    "includeCollections",
    "includeExternalMedia",
    "checkFiles",
    "includeRelated",
    "includeFields",
    "excludeFields",
    "X-Plex-Product",
    "X-Plex-Client-Identifier",
    "X-Plex-Version",
    "X-Plex-Platform",
    "X-Plex-Device",
    "X-Plex-Device-Name",
    "X-Plex-Features",
    "X-Plex-Model",
    "X-Plex-Provides",
    "X-Plex-Platform-Version",
    "X-Plex-Language",
    "X-Plex-Text-Format",
}


class BadRequest(Exception):
    pass


@dataclass
class Playlist:
    rating_key: str
    title: str
    summary: str = ""
    entries: list[tuple[int, str]] = field(default_factory=list)  # (playlistItemID, ratingKey)
    added_at: int = 0
    updated_at: int = 0


def rating_key(track: Track) -> str:
    return str(TRACK_BASE + track.seq)


class PlexState:
    """Everything one emulated server holds; mutated only by its own requests and admin."""

    def __init__(self, catalog: Catalog, token: str, name: str = "cmdarr-emulated-plex") -> None:
        self.catalog = catalog
        self.token = token
        self.name = name
        self.machine_id = hashlib.sha1(f"plex-{catalog.seed}".encode()).hexdigest()
        self.playlists: dict[str, Playlist] = {}
        self.next_playlist = 30_000_000
        self.next_entry = 1
        self.index: dict[str, tuple[Section, Track]] = {}
        self.reindex()

    def reindex(self) -> None:
        self.index = {rating_key(t): (s, t) for s in self.catalog.sections for t in s.tracks}

    def section(self, key: str) -> Section | None:
        return next((s for s in self.catalog.sections if str(s.number) == key), None)


def _section_node(section: Section) -> Node:
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


def _album_node(section: Section, track: Track, leaf_count: int) -> Node:
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


def _artist_node(section: Section, track: Track) -> Node:
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


def _matches(track: Track, terms: list[tuple[str, str, str]]) -> bool:
    for name, op, value in terms:
        name = name.removeprefix("track.")
        if name in STRING_FIELDS:
            have = fold(getattr(track, STRING_FIELDS[name]))
            want = fold(value)
            ok = {
                "=": want in have,
                "!=": want not in have,
                "==": have == want,
                "!==": have != want,
            }[op]
        else:
            number = {
                "year": track.year,
                "addedAt": track.added_at,
                "updatedAt": track.updated_at,
                "duration": track.duration_ms,
                "index": track.track_no,
                "parentIndex": track.disc_no,
                "id": TRACK_BASE + track.seq,
            }[name]
            want_n = int(value)
            ok = {
                "=": number == want_n,
                "!=": number != want_n,
                ">>=": number > want_n,
                "<<=": number < want_n,
            }[op]
        if not ok:
            return False
    return True


def _filters(terms: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The filter terms of a query, validated as Plex does: unknown fields, wrong operators
    and ``grandparentTitle=`` are a 400."""
    filters = []
    for name, op, value in terms:
        bare = name.removeprefix("track.")
        if name in NOT_FILTERS or name.startswith("X-Plex-"):
            continue
        if bare in REJECTED_FIELDS:
            raise BadRequest(f"{bare} is not a filter of this type")
        if bare in STRING_FIELDS:
            if op not in ("=", "!=", "==", "!=="):
                raise BadRequest(f"operator {op} does not apply to {bare}")
        elif bare in INT_FIELDS:
            if op not in ("=", "!=", ">>=", "<<="):
                raise BadRequest(f"operator {op} does not apply to {bare}")
            if not value.lstrip("-").isdigit():
                raise BadRequest(f"{bare} takes a number")
        else:
            raise BadRequest(f"unknown filter {bare}")
        filters.append((bare, op, value))
    return filters


_SORTS = {
    "titleSort": lambda t: fold(t.title),
    "title": lambda t: fold(t.title),
    "addedAt": lambda t: t.added_at,
    "updatedAt": lambda t: t.updated_at,
    "id": lambda t: t.seq,
    "ratingKey": lambda t: t.seq,
    "duration": lambda t: t.duration_ms,
    "index": lambda t: t.track_no,
    "year": lambda t: t.year,
}


def _sorted(tracks: list[Track], sort: str) -> list[Track]:
    if not sort:
        return tracks
    result = tracks
    for spec in reversed(sort.split(",")):
        name, _, direction = spec.partition(":")
        if name not in _SORTS:
            raise BadRequest(f"unknown sort {name}")
        result = sorted(result, key=_SORTS[name], reverse=direction == "desc")
    return result


def _paging(request: Request, terms: list[tuple[str, str, str]]) -> tuple[int, int | None]:
    start = first(terms, "X-Plex-Container-Start") or request.headers.get(
        "X-Plex-Container-Start", "0"
    )
    size = first(terms, "X-Plex-Container-Size") or request.headers.get("X-Plex-Container-Size", "")
    try:
        return max(0, int(start)), (max(0, int(size)) if size != "" else None)
    except ValueError as exc:
        raise BadRequest("container start and size are numbers") from exc


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


_META = Node(
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


class PlexApp:
    """Routes over one PlexState."""

    def __init__(self, state: PlexState, knobs: Knobs) -> None:
        self.state = state
        self.knobs = knobs

    # -- listing -------------------------------------------------------------------------

    def _listing(
        self, request: Request, sections: list[Section], extra: dict[str, Any] | None = None
    ) -> Response:
        terms = query_terms(request.url.query)
        kind = first(terms, "type", "8")  # a music section lists artists unless asked
        start, size = _paging(request, terms)
        size = self.knobs.cap(size)
        as_json = _wants_json(request)
        meta = [self._meta(sections[0])] if first(terms, "includeMeta") == "1" and sections else []
        if kind in ("8", "9"):
            nodes = self._groups(sections, kind)
            page_nodes = nodes[start : None if size is None else start + size]
            attrs = {"totalSize": len(nodes), "offset": start, **(extra or {})}
            return container(attrs, meta + page_nodes, as_json=as_json)
        if kind != "10":
            raise BadRequest(f"type {kind} is not in a music library")
        filters = _filters(terms)
        sort = first(terms, "sort")
        limit = first(terms, "limit")
        end = None if size is None else start + size
        if len(sections) == 1 and not filters and not sort and not limit.isdigit():
            # The common bulk listing: slice, never copy the whole library per page.
            section = sections[0]
            total = len(section.tracks)
            page = [(section, t) for t in section.tracks[start:end]]
        else:
            pairs = [
                (s, t) for s in sections for t in s.tracks if not filters or _matches(t, filters)
            ]
            if sort:
                order = {id(t): i for i, t in enumerate(_sorted([t for _, t in pairs], sort))}
                pairs.sort(key=lambda pair: order[id(pair[1])])
            if limit.isdigit():
                pairs = pairs[: int(limit)]
            total = len(pairs)
            page = pairs[start:end]
        if request.scope.get("state", {}).get("short_page") and page:
            page = page[: max(0, len(page) // 2)]
        guids = first(terms, "includeGuids") == "1"
        nodes = [track_node(s, t, guids=guids) for s, t in page]
        attrs = {"totalSize": total, "offset": start, **(extra or {})}
        return container(attrs, meta + nodes, as_json=as_json)

    def _groups(self, sections: list[Section], kind: str) -> list[Node]:
        seen: dict[int, Node] = {}
        counts: dict[int, int] = {}
        for section in sections:
            for track in section.tracks:
                key = track.album_seq if kind == "9" else track.artist_seq
                counts[key] = counts.get(key, 0) + 1
                if key not in seen:
                    seen[key] = (
                        _album_node(section, track, 0)
                        if kind == "9"
                        else _artist_node(section, track)
                    )
        if kind == "9":
            for key, node in seen.items():
                node.attrs["leafCount"] = counts[key]
        return list(seen.values())

    def _meta(self, section: Section) -> Node:
        def fill(node: Node) -> Node:
            attrs = {
                k: (v.replace("{key}", str(section.number)) if isinstance(v, str) else v)
                for k, v in node.attrs.items()
            }
            return Node(node.tag, attrs, children=[fill(c) for c in node.children])

        return fill(_META)

    async def section_all(self, request: Request) -> Response:
        section = self.state.section(request.path_params["key"])
        if section is None:
            return PlainTextResponse("Not Found", 404)
        return self._listing(
            request,
            [section],
            {
                "librarySectionID": section.number,
                "librarySectionTitle": section.title,
                "identifier": "com.plexapp.plugins.library",
                "viewGroup": "track",
            },
        )

    async def library_all(self, request: Request) -> Response:
        return self._listing(request, list(self.state.catalog.sections))

    async def section_collections(self, request: Request) -> Response:
        section = self.state.section(request.path_params["key"])
        if section is None:
            return PlainTextResponse("Not Found", 404)
        terms = query_terms(request.url.query)
        meta = [self._meta(section)] if first(terms, "includeMeta") == "1" else []
        return container({"totalSize": 0, "offset": 0}, meta, as_json=_wants_json(request))

    async def section_search(self, request: Request) -> Response:
        section = self.state.section(request.path_params["key"])
        if section is None:
            return PlainTextResponse("Not Found", 404)
        terms = query_terms(request.url.query)
        want = fold(first(terms, "query"))
        nodes = [
            track_node(section, t, guids=False) for t in section.tracks if want in fold(t.title)
        ]
        return container({}, nodes, as_json=_wants_json(request))

    async def hub_search(self, request: Request) -> Response:
        terms = query_terms(request.url.query)
        want = fold(first(terms, "query"))
        section_id = first(terms, "sectionId")
        limit = int(first(terms, "limit", "10") or 10)
        found: list[Node] = []
        for section in self.state.catalog.sections:
            if section_id and str(section.number) != section_id:
                continue
            for track in section.tracks:
                if len(found) >= limit:
                    break
                if want and (
                    want in fold(track.title) or want in fold(track.credit or track.album_artist)
                ):
                    found.append(track_node(section, track, guids=False))
        hub = Node(
            "Hub",
            {
                "hubIdentifier": "track",
                "title": "Tracks",
                "type": "track",
                "size": len(found),
                "more": 0,
            },
            children=found,
        )
        return container({}, [hub], as_json=_wants_json(request))

    # -- metadata ------------------------------------------------------------------------

    async def metadata(self, request: Request) -> Response:
        nodes: list[Node] = []
        for key in path_ids(request.path_params["keys"]):
            found = self.state.index.get(key)
            if found is not None:
                nodes.append(track_node(*found, guids=True))
                continue
            node = self._group_node(key)
            if node is not None:
                nodes.append(node)
        if not nodes:
            return PlainTextResponse("Not Found", 404)
        return container({}, nodes, as_json=_wants_json(request))

    def _group_node(self, key: str) -> Node | None:
        if not key.isdigit():
            return None
        number = int(key)
        for section in self.state.catalog.sections:
            for track in section.tracks:
                if number == ALBUM_BASE + track.album_seq:
                    leaves = sum(1 for t in section.tracks if t.album_seq == track.album_seq)
                    return _album_node(section, track, leaves)
                if number == ARTIST_BASE + track.artist_seq:
                    return _artist_node(section, track)
        return None

    async def children(self, request: Request) -> Response:
        key = request.path_params["key"]
        if not key.isdigit():
            return PlainTextResponse("Not Found", 404)
        number = int(key)
        nodes: list[Node] = []
        albums: set[int] = set()
        for section in self.state.catalog.sections:
            for track in section.tracks:
                if number == ALBUM_BASE + track.album_seq:
                    nodes.append(track_node(section, track, guids=False))
                elif number == ARTIST_BASE + track.artist_seq and track.album_seq not in albums:
                    albums.add(track.album_seq)
                    nodes.append(_album_node(section, track, 0))
        if not nodes:
            return PlainTextResponse("Not Found", 404)
        return container({}, nodes, as_json=_wants_json(request))

    # -- server --------------------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        attrs = {
            "friendlyName": self.state.name,
            "machineIdentifier": self.state.machine_id,
            "version": "1.41.0.8992-emulated",
            "platform": "Linux",
            "myPlex": 0,
            "allowSync": 1,
            "multiuser": 1,
            "transcoderAudio": 1,
        }
        return container(attrs, [], as_json=_wants_json(request))

    async def identity(self, request: Request) -> Response:
        attrs = {
            "claimed": 0,
            "machineIdentifier": self.state.machine_id,
            "version": "1.41.0.8992-emulated",
        }
        return container(attrs, [], as_json=_wants_json(request))

    async def library_root(self, request: Request) -> Response:
        nodes = [
            Node("Directory", {"key": "sections", "title": "Library Sections"}),
            Node("Directory", {"key": "recentlyAdded", "title": "Recently Added Content"}),
            Node("Directory", {"key": "onDeck", "title": "On Deck Content"}),
        ]
        return container({"title1": "Plex Library"}, nodes, as_json=_wants_json(request))

    async def sections(self, request: Request) -> Response:
        nodes = [_section_node(s) for s in self.state.catalog.sections]
        return container({"title1": "Plex Library"}, nodes, as_json=_wants_json(request))

    # -- playlists -----------------------------------------------------------------------

    def _playlist_node(self, playlist: Playlist) -> Node:
        duration = sum(
            self.state.index[k][1].duration_ms for _, k in playlist.entries if k in self.state.index
        )
        return Node(
            "Playlist",
            {
                "ratingKey": playlist.rating_key,
                "key": f"/playlists/{playlist.rating_key}/items",
                "guid": f"com.plexapp.agents.none://{playlist.rating_key}",
                "type": "playlist",
                "title": playlist.title,
                "summary": playlist.summary,
                "smart": 0,
                "playlistType": "audio",
                "leafCount": len(playlist.entries),
                "duration": duration,
                "addedAt": playlist.added_at,
                "updatedAt": playlist.updated_at,
            },
        )

    def _keys_from_uri(self, uri: str) -> list[str]:
        prefix = f"server://{self.state.machine_id}/com.plexapp.plugins.library/library/metadata/"
        if not uri.startswith(prefix):
            raise BadRequest("uri does not name this server's library")
        return path_ids(uri[len(prefix) :])

    def _append(self, playlist: Playlist, keys: list[str]) -> int:
        added = 0
        for key in keys:
            if key in self.state.index:
                playlist.entries.append((self.state.next_entry, key))
                self.state.next_entry += 1
                added += 1
        playlist.updated_at = int(time.time())
        return added

    def _playlist(self, request: Request) -> Playlist | None:
        return self.state.playlists.get(request.path_params["pid"])

    async def list_playlists(self, request: Request) -> Response:
        terms = query_terms(request.url.query)
        kind = first(terms, "playlistType")
        nodes = (
            []
            if kind not in ("", "audio")
            else [self._playlist_node(p) for p in self.state.playlists.values()]
        )
        return container({}, nodes, as_json=_wants_json(request))

    async def create_playlist(self, request: Request) -> Response:
        terms = query_terms(request.url.query)
        if first(terms, "smart", "0") != "0":
            raise BadRequest("smart playlists are not emulated")
        if first(terms, "type") != "audio":
            raise BadRequest("only audio playlists are emulated")
        keys = self._keys_from_uri(first(terms, "uri"))
        now = int(time.time())
        playlist = Playlist(str(self.state.next_playlist), first(terms, "title"), added_at=now)
        self.state.next_playlist += 1
        self._append(playlist, keys)
        self.state.playlists[playlist.rating_key] = playlist
        return container({}, [self._playlist_node(playlist)], as_json=_wants_json(request))

    async def get_playlist(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        return container({}, [self._playlist_node(playlist)], as_json=_wants_json(request))

    async def edit_playlist(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        terms = query_terms(request.url.query)
        for key, _, value in terms:
            if key in ("title", "title.value"):
                playlist.title = value
            elif key in ("summary", "summary.value"):
                playlist.summary = value
        playlist.updated_at = int(time.time())
        return Response(status_code=200)

    async def delete_playlist(self, request: Request) -> Response:
        if self.state.playlists.pop(request.path_params["pid"], None) is None:
            return PlainTextResponse("Not Found", 404)
        return Response(status_code=200)

    async def playlist_items(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        terms = query_terms(request.url.query)
        start, size = _paging(request, terms)
        size = self.knobs.cap(size)
        entries = playlist.entries[start : None if size is None else start + size]
        if request.scope.get("state", {}).get("short_page") and entries:
            entries = entries[: len(entries) // 2]
        nodes = []
        for entry, key in entries:
            found = self.state.index.get(key)
            if found is not None:
                nodes.append(track_node(*found, guids=False, extra={"playlistItemID": entry}))
        attrs = {
            "totalSize": len(playlist.entries),
            "offset": start,
            "ratingKey": playlist.rating_key,
            "title": playlist.title,
            "playlistType": "audio",
            "smart": 0,
            "leafCount": len(playlist.entries),
        }
        return container(attrs, nodes, as_json=_wants_json(request))

    async def add_items(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        keys = self._keys_from_uri(first(query_terms(request.url.query), "uri"))
        added = self._append(playlist, keys)
        attrs = {"leafCountAdded": added, "leafCountRequested": len(keys)}
        return container(attrs, [self._playlist_node(playlist)], as_json=_wants_json(request))

    async def clear_items(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        playlist.entries.clear()
        playlist.updated_at = int(time.time())
        return container({}, [self._playlist_node(playlist)], as_json=_wants_json(request))

    async def remove_item(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        entry = request.path_params["entry"]
        kept = [(e, k) for e, k in playlist.entries if str(e) != entry]
        if len(kept) == len(playlist.entries):
            return PlainTextResponse("Not Found", 404)
        playlist.entries = kept
        playlist.updated_at = int(time.time())
        return container({}, [self._playlist_node(playlist)], as_json=_wants_json(request))

    async def move_item(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        entry = request.path_params["entry"]
        after = first(query_terms(request.url.query), "after")
        moving = [(e, k) for e, k in playlist.entries if str(e) == entry]
        if not moving:
            return PlainTextResponse("Not Found", 404)
        rest = [(e, k) for e, k in playlist.entries if str(e) != entry]
        position = 0
        if after:
            position = next((i + 1 for i, (e, _) in enumerate(rest) if str(e) == after), -1)
            if position < 0:
                return PlainTextResponse("Not Found", 404)
        playlist.entries = rest[:position] + moving + rest[position:]
        return container({}, [self._playlist_node(playlist)], as_json=_wants_json(request))

    # -- admin ---------------------------------------------------------------------------

    def mutate(self, data: dict[str, Any]) -> dict[str, Any]:
        """Admin edits for change detection: ``touch`` and ``delete`` take rating keys."""
        now = int(time.time())
        touched_keys, deleted = [], []
        for key in data.get("touch", []):
            found = self.state.index.get(str(key))
            if found:
                section, track = found
                position = section.tracks.index(track)
                section.tracks[position] = touched(track, now, data.get("title"))
                touched_keys.append(str(key))
        gone = {str(k) for k in data.get("delete", [])}
        for section in self.state.catalog.sections:
            before = len(section.tracks)
            section.tracks = [t for t in section.tracks if rating_key(t) not in gone]
            deleted.extend(["x"] * (before - len(section.tracks)))
        self.state.reindex()
        return {"touched": touched_keys, "deleted": len(deleted), "now": now}

    def ids(self) -> dict[str, Any]:
        return {
            "sections": {
                str(s.number): {
                    "title": s.title,
                    "kind": s.kind,
                    "ids": [rating_key(t) for t in s.tracks],
                }
                for s in self.state.catalog.sections
            }
        }


def _classify(method: str, path: str, query: str) -> str:
    if path.startswith("/playlists"):
        return "playlist_read" if method == "GET" else "playlist_write"
    if path in ("/library/sections", "/library/sections/"):
        return "library_listing"
    if path.startswith("/hubs/search") or path.endswith("/search"):
        return "search"
    if path.startswith("/library/sections/") and path.endswith("/all"):
        names = {name for name, _, _ in query_terms(query)}
        if "includeMeta" in names:
            return "other"
        return "search" if names & {"title", "title=", "track.title"} else "track_page"
    return "other"


def _token(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == b"x-plex-token":
            return str(value.decode("latin-1"))
    for name, _, value in query_terms(scope.get("query_string", b"").decode("latin-1")):
        if name == "X-Plex-Token":
            return value
    return ""


def build_plex(
    catalog: Catalog, knobs: Knobs, token: str, closing: asyncio.Event
) -> tuple[ASGIApp, PlexApp]:
    state = PlexState(catalog, token)
    app = PlexApp(state, knobs)
    routes = [
        Route("/", app.root),
        Route("/identity", app.identity),
        Route("/library", app.library_root),
        Route("/library/sections", app.sections),
        Route("/library/sections/{key}/all", app.section_all),
        Route("/library/sections/{key}/collections", app.section_collections),
        Route("/library/sections/{key}/search", app.section_search),
        Route("/library/all", app.library_all),
        Route("/library/metadata/{key}/children", app.children),
        Route("/library/metadata/{keys}", app.metadata),
        Route("/hubs/search", app.hub_search),
        Route("/playlists", app.list_playlists, methods=["GET"]),
        Route("/playlists", app.create_playlist, methods=["POST"]),
        Route("/playlists/{pid}", app.get_playlist, methods=["GET"]),
        Route("/playlists/{pid}", app.edit_playlist, methods=["PUT"]),
        Route("/playlists/{pid}", app.delete_playlist, methods=["DELETE"]),
        Route("/playlists/{pid}/items", app.playlist_items, methods=["GET"]),
        Route("/playlists/{pid}/items", app.add_items, methods=["PUT"]),
        Route("/playlists/{pid}/items", app.clear_items, methods=["DELETE"]),
        Route("/playlists/{pid}/items/{entry}", app.remove_item, methods=["DELETE"]),
        Route("/playlists/{pid}/items/{entry}/move", app.move_item, methods=["PUT"]),
        *admin_routes(knobs, app.mutate, app.ids),
    ]

    async def bad_request(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"Bad Request: {exc}", 400)

    starlette = Starlette(routes=routes, exception_handlers={BadRequest: bad_request})
    wrapped = EmulatorMiddleware(
        starlette,
        knobs=knobs,
        classify=_classify,
        authorize=lambda scope, _knobs: _token(scope) == state.token,
        public=lambda path: path == "/identity",
        closing=closing,
    )
    return wrapped, app
