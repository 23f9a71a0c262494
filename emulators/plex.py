"""An emulated Plex Media Server: the docs/TARGETS.md subset, plus what plexapi needs."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Scope, Send

from emulators.admin import admin_json, admin_routes
from emulators.fragments import FragmentCache
from emulators.http import first, fold, path_ids, query_terms, search_fold
from emulators.images import image_media_type, mosaic_png
from emulators.knobs import Knobs
from emulators.library import Catalog, Section, Track, added_tracks, imported_tracks, touched
from emulators.lookup import ItemIndex
from emulators.middleware import EmulatorMiddleware, respond
from emulators.plex_filters import BadRequest, candidates, filters_of, matches, sort_tracks
from emulators.plex_nodes import (
    ALBUM_BASE,
    ARTIST_BASE,
    FILTER_CATALOGUE,
    TRACK_BASE,
    album_node,
    artist_node,
    rating_key,
    section_node,
    track_json,
    track_node,
    track_xml,
)
from emulators.plex_render import Node, container, fragment, rendered_container

# The longest request target (path and query) served; longer ones get 414. No Plex
# document gives one. A playlist tool reports 414s "inconsistently past" 300 ids in one
# plexapi request (cmathews393/spotify-to-plex pull request 23): with plexapi's encoding
# (an id and "%2C" per item, about 150 characters besides), 300 six-digit ids make 2,850
# characters and seven-digit ones 3,150, so the limit lies near 3,000. Here 300 of this
# catalogue's six-digit ids pass and 320 do not. ``Knobs.max_url`` sets another.
PLEX_MAX_URL = 3000

# Plex Media Server answers errors with a small HTML page, text/html (its 401 reads
# "<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body>
# </html>": bstascavage/plexReport issue 48, iharosi/homebridge-plex-v2 issue 12). Its 414
# page is assumed to follow the same pattern (unverified); clients read only the status.
TOO_LONG_PAGE = (
    b"<html><head><title>Request-URI Too Long</title></head>"
    b"<body><h1>414 Request-URI Too Long</h1></body></html>"
)


async def too_long(send: Send) -> None:
    await respond(send, 414, TOO_LONG_PAGE, "text/html")


# The owner's plex.tv account id: the account whose token is the server's admin token.
OWNER_ACCOUNT_ID = "1"


@dataclass(frozen=True)
class Viewer:
    """Whom a token acts for. The owner sees every section; a user given the server through
    plex.tv sees the sections shared with them (python-plexapi 4.16.1, plexapi/myplex.py
    ``Section.shared``; Tautulli v2.17.2, plexpy/plextv.py ``get_full_users_list``), or
    all of them when all libraries are shared (``MyPlexServerShare.allLibraries``)."""

    account_id: str
    name: str
    sections: frozenset[int] | None = None  # section numbers; None: every one
    owner: bool = False

    def sees(self, section: Section) -> bool:
        return self.sections is None or section.number in self.sections


@dataclass
class Playlist:
    rating_key: str
    title: str
    summary: str = ""
    entries: list[tuple[int, str]] = field(default_factory=list)  # (playlistItemID, ratingKey)
    added_at: int = 0
    updated_at: int = 0
    # A smart playlist is filled by rules (plex-api-spec: items of "dumb" playlists carry
    # playlistItemID; PUT of a uri on a smart one replaces its rules; DELETE items "only
    # works with dumb playlists"). The emulator serves its items and refuses item writes.
    smart: bool = False
    # Playlists belong to a user: each token sees and writes its own account's only, the
    # owner's token included (Maintainerr issue 1058; python-plexapi plexapi/playlist.py
    # ``Playlist.copyToUser`` writes as the user through ``PlexServer.switchUser``).
    owner: str = OWNER_ACCOUNT_ID
    # The uploaded poster's bytes, and the playlist's ``thumb`` once it has one (see
    # ``PlexApp.upload_poster``).
    poster: bytes = b""
    thumb: str = ""


class PlexState:
    """Everything one emulated server holds; mutated only by its own requests and admin."""

    def __init__(
        self,
        catalog: Catalog,
        token: str,
        name: str = "cmdarr-emulated-plex",
        machine_id: str = "",
        owner_name: str = "owner",
    ) -> None:
        self.catalog = catalog
        self.token = token
        self.name = name
        self.machine_id = machine_id or hashlib.sha1(f"plex-{catalog.seed}".encode()).hexdigest()
        self.owner = Viewer(OWNER_ACCOUNT_ID, owner_name, None, owner=True)
        # Every token the server takes, and whom it acts for: the admin token is the owner's;
        # plex.tv hands each user given the server a token of their own (``grant``).
        self.viewers: dict[str, Viewer] = {token: self.owner}
        self.playlists: dict[str, Playlist] = {}
        self.next_playlist = 30_000_000
        self.next_entry = 1
        self.index = ItemIndex([], rating_key_of)
        self.fragments = FragmentCache()
        self.reindex()

    def reindex(self) -> None:
        """After any library edit: the key index is rebuilt (at its first lookup). Rendered
        tracks an edit changed are rendered anew (FragmentCache compares them)."""
        self.index = ItemIndex(self.catalog.sections, rating_key_of, seq_of_rating_key)

    def section(self, key: str, viewer: Viewer | None = None) -> Section | None:
        """The section ``key``; None when there is none or ``viewer`` may not see it."""
        found = next((s for s in self.catalog.sections if str(s.number) == key), None)
        return found if found is not None and (viewer is None or viewer.sees(found)) else None

    def sections_for(self, viewer: Viewer) -> list[Section]:
        return [s for s in self.catalog.sections if viewer.sees(s)]

    def grant(self, token: str, viewer: Viewer) -> None:
        """Accept ``token`` as ``viewer``: a user's token for this server, from plex.tv."""
        self.viewers[token] = viewer

    def account(self, account_id: str) -> Viewer | None:
        return next((v for v in self.viewers.values() if v.account_id == account_id), None)


@dataclass(frozen=True)
class TrackOptions:
    """What changes a track's bytes in a listing."""

    as_json: bool
    guids: bool
    excluded: frozenset[str]  # attributes left out of every item (``excludeFields``)
    media: bool = True  # the Media and Part elements (``excludeElements=Media`` drops them)


def _track_fragment(section: Section, options: TrackOptions, track: Track) -> bytes:
    write = track_json if options.as_json else track_xml
    return write(
        section, track, guids=options.guids, excluded=options.excluded, media=options.media
    )


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


class PlexApp:
    """Routes over one PlexState."""

    def __init__(self, state: PlexState, knobs: Knobs) -> None:
        self.state = state
        self.knobs = knobs

    def viewer(self, request: Request) -> Viewer:
        """Whom the request's token acts for (the middleware let only known tokens in)."""
        return self.state.viewers.get(_token(request.scope), self.state.owner)

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
        filters = filters_of(terms)
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
                (s, t)
                for s in sections
                for t in candidates(s.tracks, filters)
                if not filters or matches(t, filters)
            ]
            if sort:
                order = {id(t): i for i, t in enumerate(sort_tracks([t for _, t in pairs], sort))}
                pairs.sort(key=lambda pair: order[id(pair[1])])
            if limit.isdigit():
                pairs = pairs[: int(limit)]
            total = len(pairs)
            page = pairs[start:end]
        if request.scope.get("state", {}).get("short_page") and page:
            page = page[: max(0, len(page) // 2)]
        options = TrackOptions(
            as_json=as_json,
            guids=first(terms, "includeGuids") == "1",
            excluded=frozenset(name for name in first(terms, "excludeFields").split(",") if name),
            media="Media" not in first(terms, "excludeElements").split(","),
        )
        children = [(node.tag, fragment(node, as_json=as_json)) for node in meta]
        children += [("Track", body) for body in self._track_fragments(page, options)]
        attrs = {"totalSize": total, "offset": start, **(extra or {})}
        return rendered_container(attrs, children, as_json=as_json)

    def _track_fragments(
        self, page: list[tuple[Section, Track]], options: TrackOptions
    ) -> list[bytes]:
        """The page's tracks as kept in the state's fragment cache. One entry serves every
        section: a track lives in one section, whose title and number no route changes."""
        out: list[bytes] = []
        for _, run in groupby(page, key=lambda pair: id(pair[0])):
            pairs = list(run)
            render = partial(_track_fragment, pairs[0][0], options)
            out += self.state.fragments.render(options, [t for _, t in pairs], render)
        return out

    def _groups(self, sections: list[Section], kind: str) -> list[Node]:
        seen: dict[int, Node] = {}
        counts: dict[int, int] = {}
        for section in sections:
            for track in section.tracks:
                key = track.album_seq if kind == "9" else track.artist_seq
                counts[key] = counts.get(key, 0) + 1
                if key not in seen:
                    seen[key] = (
                        album_node(section, track, 0)
                        if kind == "9"
                        else artist_node(section, track)
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

        return fill(FILTER_CATALOGUE)

    async def section_all(self, request: Request) -> Response:
        # A section not shared with the token's user is treated as absent: the listing of
        # sections leaves it out (python-plexapi issues 155 and 174); the status a real
        # server answers for its key is unverified (docs/TARGETS.md, Users and households).
        section = self.state.section(request.path_params["key"], self.viewer(request))
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
        return self._listing(request, self.state.sections_for(self.viewer(request)))

    async def section_collections(self, request: Request) -> Response:
        section = self.state.section(request.path_params["key"], self.viewer(request))
        if section is None:
            return PlainTextResponse("Not Found", 404)
        terms = query_terms(request.url.query)
        meta = [self._meta(section)] if first(terms, "includeMeta") == "1" else []
        return container({"totalSize": 0, "offset": 0}, meta, as_json=_wants_json(request))

    async def section_search(self, request: Request) -> Response:
        section = self.state.section(request.path_params["key"], self.viewer(request))
        if section is None:
            return PlainTextResponse("Not Found", 404)
        terms = query_terms(request.url.query)
        want = search_fold(first(terms, "query"))
        nodes = [
            track_node(section, section.tracks[p], guids=False)
            for p in section.tracks.where("title", lambda title: want in search_fold(title))
        ]
        return container({}, nodes, as_json=_wants_json(request))

    async def hub_search(self, request: Request) -> Response:
        terms = query_terms(request.url.query)
        want = fold(first(terms, "query"))
        section_id = first(terms, "sectionId")
        limit = int(first(terms, "limit", "10") or 10)
        found: list[Node] = []
        for section in self.state.sections_for(self.viewer(request)):
            if section_id and str(section.number) != section_id:
                continue
            for position in _hub_hits(section, want)[: max(0, limit - len(found))]:
                found.append(track_node(section, section.tracks[position], guids=False))
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
        viewer = self.viewer(request)
        nodes: list[Node] = []
        for key in path_ids(request.path_params["keys"]):
            found = self.state.index.get(key)
            if found is not None:
                if viewer.sees(found[0]):
                    nodes.append(track_node(*found, guids=True))
                continue
            node = self._group_node(key, viewer)
            if node is not None:
                nodes.append(node)
        if not nodes:
            return PlainTextResponse("Not Found", 404)
        return container({}, nodes, as_json=_wants_json(request))

    def _group_node(self, key: str, viewer: Viewer) -> Node | None:
        if not key.isdigit():
            return None
        number = int(key)
        for section in self.state.sections_for(viewer):
            for track in section.tracks:
                if number == ALBUM_BASE + track.album_seq:
                    leaves = sum(1 for t in section.tracks if t.album_seq == track.album_seq)
                    return album_node(section, track, leaves)
                if number == ARTIST_BASE + track.artist_seq:
                    return artist_node(section, track)
        return None

    async def children(self, request: Request) -> Response:
        key = request.path_params["key"]
        if not key.isdigit():
            return PlainTextResponse("Not Found", 404)
        number = int(key)
        nodes: list[Node] = []
        albums: set[int] = set()
        for section in self.state.sections_for(self.viewer(request)):
            for track in section.tracks:
                if number == ALBUM_BASE + track.album_seq:
                    nodes.append(track_node(section, track, guids=False))
                elif number == ARTIST_BASE + track.artist_seq and track.album_seq not in albums:
                    albums.add(track.album_seq)
                    nodes.append(album_node(section, track, 0))
        if not nodes:
            return PlainTextResponse("Not Found", 404)
        return container({}, nodes, as_json=_wants_json(request))

    # -- server --------------------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        """``GET /``: the server's name (``friendlyName``), id and version; it needs the
        token (python-plexapi 4.16.1, plexapi/server.py ``PlexServer._loadData``; the Plex
        support article "Plex Media Server URL Commands", whose example carries the three)."""
        attrs = {
            "friendlyName": self.state.name,
            "machineIdentifier": self.state.machine_id,
            "version": self.knobs.plex_version,
            "platform": "Linux",
            "myPlex": 0,
            "allowSync": 1,
            "multiuser": 1,
            "transcoderAudio": 1,
        }
        return container(attrs, [], as_json=_wants_json(request))

    async def identity(self, request: Request) -> Response:
        """``GET /identity``, public: ``claimed``, ``machineIdentifier`` and ``version``,
        never the name (LukeHagar/plex-api-spec, plex-api-spec.yaml ``getIdentity``;
        python-plexapi 4.16.1, plexapi/server.py ``Identity._loadData``)."""
        attrs = {
            "claimed": 0,
            "machineIdentifier": self.state.machine_id,
            "version": self.knobs.plex_version,
        }
        return container(attrs, [], as_json=_wants_json(request))

    async def library_root(self, request: Request) -> Response:
        """``GET /library``: the owner's alone (python-plexapi 4.16.1, plexapi/server.py
        ``PlexServer.library``: "Only the owner has access to /library", caught as
        BadRequest, i.e. neither 401 nor 404; 403 is this emulator's choice)."""
        if not self.viewer(request).owner:
            return PlainTextResponse("Forbidden", 403)
        nodes = [
            Node("Directory", {"key": "sections", "title": "Library Sections"}),
            Node("Directory", {"key": "recentlyAdded", "title": "Recently Added Content"}),
            Node("Directory", {"key": "onDeck", "title": "On Deck Content"}),
        ]
        return container({"title1": "Plex Library"}, nodes, as_json=_wants_json(request))

    async def sections(self, request: Request) -> Response:
        """The sections the token's user may see: all for the owner, the shared ones for a
        user (python-plexapi issue 155: a shared user's ``/library/sections`` works)."""
        nodes = [section_node(s) for s in self.state.sections_for(self.viewer(request))]
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
                **({"thumb": playlist.thumb} if playlist.thumb else {}),
                # Every playlist has a mosaic of its items (python-plexapi 4.16.1
                # ``playlist.py``: ``composite``, "URL to composite image
                # (/playlist/<ratingKey>/composite/<compositeid>)").
                "composite": f"/playlists/{playlist.rating_key}/composite/{playlist.updated_at}",
                "smart": int(playlist.smart),
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

    def _append(self, playlist: Playlist, keys: list[str], viewer: Viewer) -> int:
        """Add ``keys`` the way ``viewer`` sees the library: an item of a section not shared
        with them is not added, like an unknown key (what a real server does is unverified:
        the client never asks), and is counted as the side effect
        ``items_outside_user_libraries`` so that tests can assert none was sent."""
        added = 0
        present = {k for _, k in playlist.entries}
        for key in keys:
            if self.knobs.plex_drops_repeats and key in present:
                continue
            present.add(key)
            found = self.state.index.get(key)
            if found is not None and not viewer.sees(found[0]):
                self.knobs.side_effect("items_outside_user_libraries")
                continue
            if found is not None:
                playlist.entries.append((self.state.next_entry, key))
                self.state.next_entry += 1
                added += 1
        playlist.updated_at = int(time.time())
        return added

    def _playlist(self, request: Request) -> Playlist | None:
        """The playlist named in the path, when it is the token's user's own."""
        found = self.state.playlists.get(request.path_params["pid"])
        return (
            found if found is not None and found.owner == self.viewer(request).account_id else None
        )

    async def list_playlists(self, request: Request) -> Response:
        terms = query_terms(request.url.query)
        kind = first(terms, "playlistType")
        mine = self.viewer(request).account_id
        nodes = (
            []
            if kind not in ("", "audio")
            else [self._playlist_node(p) for p in self.state.playlists.values() if p.owner == mine]
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
        viewer = self.viewer(request)
        playlist = Playlist(
            str(self.state.next_playlist),
            first(terms, "title"),
            added_at=now,
            owner=viewer.account_id,
        )
        self.state.next_playlist += 1
        self._append(playlist, keys, viewer)
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
        # Edited as metadata is (plex-api-spec PUT /playlists/{playlistId}): field.value,
        # field.locked. The plain title=/summary= form is not documented there, and
        # python-plexapi dropped it (deprecated in 4.15.6, removed in 4.18.0), so the
        # emulator takes the strict reading and ignores it.
        for key, _, value in terms:
            if key == "title.value":
                playlist.title = value
            elif key == "summary.value":
                playlist.summary = value
        playlist.updated_at = int(time.time())
        return Response(status_code=200)

    def _own_playlist_by_key(self, request: Request) -> Playlist | None:
        """The token's user's playlist whose ratingKey the metadata path names."""
        found = self.state.playlists.get(request.path_params["key"])
        return (
            found if found is not None and found.owner == self.viewer(request).account_id else None
        )

    async def upload_poster(self, request: Request) -> Response:
        """``POST /library/metadata/{ratingKey}/posters`` with the image's bytes as the body
        (python-plexapi 4.16.1 ``mixins.py`` ``PosterMixin.uploadPoster``, the ``filepath``
        form; a ``Playlist`` is a ``PosterMixin``). plexapi takes 200, 201 and 204 as
        success (``PlexServer.query``); the emulator answers 200 with no body. Where the
        playlist shows the poster is unverified (plexapi aliases a playlist's ``thumb`` to
        its ``composite``): the emulator sets ``thumb`` in the form other items carry."""
        playlist = self._own_playlist_by_key(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        body = await request.body()
        if not body:
            raise BadRequest("no image in the body")
        now = int(time.time())
        playlist.poster = body
        playlist.thumb = f"/library/metadata/{playlist.rating_key}/thumb/{now}"
        playlist.updated_at = now
        return Response(status_code=200)

    async def poster_image(self, request: Request) -> Response:
        """``GET /library/metadata/{ratingKey}/thumb/{epoch}``: the uploaded poster's bytes,
        as any item's ``thumb`` URL serves its image."""
        playlist = self._own_playlist_by_key(request)
        if playlist is None or not playlist.poster:
            return PlainTextResponse("Not Found", 404)
        return Response(playlist.poster, media_type=image_media_type(playlist.poster))

    async def composite(self, request: Request) -> Response:
        """``GET /playlists/{ratingKey}/composite/{id}``: the mosaic of the playlist's items.
        The server renders it from the albums' art; the emulator, which has none, answers a
        small PNG of the playlist's own colour."""
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        return Response(mosaic_png(playlist.rating_key), media_type="image/png")

    async def posters(self, request: Request) -> Response:
        """``GET /library/metadata/{ratingKey}/posters``: the uploaded poster as a ``Photo``
        whose ratingKey is ``upload://posters/<sha1 of the bytes>``, selected (plexapi
        ``tests/test_mixins.py`` ``_test_mixins_edit_image``; ``media.py`` ``Poster``)."""
        playlist = self._own_playlist_by_key(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        nodes = []
        if playlist.poster:
            digest = hashlib.sha1(playlist.poster, usedforsecurity=False).hexdigest()
            nodes.append(
                Node(
                    "Photo",
                    {
                        "key": f"/library/metadata/{playlist.rating_key}/file?url=upload",
                        "ratingKey": f"upload://posters/{digest}",
                        "selected": 1,
                        "thumb": playlist.thumb,
                    },
                )
            )
        return container({}, nodes, as_json=_wants_json(request))

    async def delete_playlist(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        del self.state.playlists[playlist.rating_key]
        return Response(status_code=200)

    async def playlist_items(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        terms = query_terms(request.url.query)
        start, size = _paging(request, terms)
        size = self.knobs.cap(size)
        # The items carry Media and Part (python-plexapi ``Track.locations`` reads them off
        # any track), and Guid with includeGuids=1 as listings do (unverified for playlists).
        guids = first(terms, "includeGuids") == "1"
        entries = playlist.entries[start : None if size is None else start + size]
        if request.scope.get("state", {}).get("short_page") and entries:
            entries = entries[: len(entries) // 2]
        nodes = []
        for entry, key in entries:
            found = self.state.index.get(key)
            if found is not None:
                extra = {} if playlist.smart else {"playlistItemID": entry}
                nodes.append(track_node(*found, guids=guids, extra=extra))
        attrs = {
            "totalSize": len(playlist.entries),
            "offset": start,
            "ratingKey": playlist.rating_key,
            "title": playlist.title,
            "playlistType": "audio",
            "smart": int(playlist.smart),
            "leafCount": len(playlist.entries),
        }
        return container(attrs, nodes, as_json=_wants_json(request))

    async def add_items(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        if playlist.smart:
            raise BadRequest("a smart playlist's rules are not emulated")
        keys = self._keys_from_uri(first(query_terms(request.url.query), "uri"))
        added = self._append(playlist, keys, self.viewer(request))
        attrs = {"leafCountAdded": added, "leafCountRequested": len(keys)}
        return container(attrs, [self._playlist_node(playlist)], as_json=_wants_json(request))

    async def clear_items(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        if playlist.smart:
            raise BadRequest("only a regular playlist can be cleared")
        playlist.entries.clear()
        playlist.updated_at = int(time.time())
        return container({}, [self._playlist_node(playlist)], as_json=_wants_json(request))

    async def remove_item(self, request: Request) -> Response:
        playlist = self._playlist(request)
        if playlist is None:
            return PlainTextResponse("Not Found", 404)
        entry = request.path_params["entry"]
        kept = [(e, k) for e, k in playlist.entries if str(e) != entry]
        if playlist.smart or len(kept) == len(playlist.entries):
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
        """Admin edits for change detection: ``touch`` and ``delete`` take rating keys;
        ``add`` scans that many new tracks into the first music section."""
        now = int(time.time())
        touched_keys: list[str] = []
        for key in data.get("touch", []):
            found = self.state.index.get(str(key))
            if found:
                section, track = found
                position = section.tracks.index(track)
                section.tracks[position] = touched(track, now, data.get("title"))
                touched_keys.append(str(key))
        gone = {str(k) for k in data.get("delete", [])}
        deleted = 0
        gone_seqs = {seq for k in gone if (seq := seq_of_rating_key(k)) is not None}
        for section in self.state.catalog.sections:
            deleted += section.tracks.drop_seqs(gone_seqs)
        added: list[str] = []
        music = [s for s in self.state.catalog.sections if s.kind == "music"]
        if int(data.get("add", 0)) > 0 and music:
            fresh = added_tracks(self.state.catalog, int(data["add"]), now)
            music[0].tracks.extend(fresh)
            added = [rating_key(t) for t in fresh]
        if data.get("import") and music:
            # Downloads a library scan picked up (the emulated Lidarr's deliveries).
            imported = imported_tracks(self.state.catalog, list(data["import"]), now)
            music[0].tracks.extend(imported)
            added += [rating_key(t) for t in imported]
        self.state.reindex()
        return {"added": added, "touched": touched_keys, "deleted": deleted, "now": now}

    def playlists_by_user(self) -> dict[str, Any]:
        """Every playlist with its owner (``GET /__admin/playlists``): what each user has."""
        out = []
        for playlist in self.state.playlists.values():
            viewer = self.state.account(playlist.owner)
            out.append(
                {
                    "id": playlist.rating_key,
                    "title": playlist.title,
                    "owner": playlist.owner,
                    "owner_name": viewer.name if viewer else playlist.owner,
                    "items": [key for _, key in playlist.entries],
                    "summary": playlist.summary,
                    "thumb": playlist.thumb,
                    "poster_sha1": (
                        hashlib.sha1(playlist.poster, usedforsecurity=False).hexdigest()
                        if playlist.poster
                        else ""
                    ),
                }
            )
        return {"playlists": out}

    def ids(self) -> dict[str, Any]:
        return {
            "sections": {
                str(s.number): {
                    "title": s.title,
                    "kind": s.kind,
                    "ids": [rating_key_of(seq) for seq in s.tracks.ints["seq"]],
                }
                for s in self.state.catalog.sections
            }
        }


def rating_key_of(seq: int) -> str:
    return str(TRACK_BASE + seq)


def seq_of_rating_key(key: str) -> int | None:
    return int(key) - TRACK_BASE if key.isdigit() else None


def _hub_hits(section: Section, want: str) -> list[int]:
    """Positions whose title, or track artist (the album artist when there is none),
    holds ``want`` folded; each distinct string is folded once."""
    if not want:
        return []
    tracks = section.tracks

    def has(text: str) -> bool:
        return bool(text) and want in fold(text)

    hits = set(tracks.where("title", has)) | set(tracks.where("credit", has))
    credit_ids = tracks.strs["credit"]
    hits |= {p for p in tracks.where("album_artist", has) if credit_ids[p] == 0}
    return sorted(hits)


def _classify(method: str, path: str, query: str) -> str:
    if path.startswith("/playlists") or (
        path.startswith("/library/metadata/") and ("/posters" in path or "/thumb/" in path)
    ):
        return "playlist_read" if method == "GET" else "playlist_write"
    if path in ("/library/sections", "/library/sections/"):
        return "library_listing"
    if path.startswith("/hubs/search") or path.endswith("/search"):
        return "search"
    if path.startswith("/library/sections/") and path.endswith("/all"):
        terms = query_terms(query)
        names = {name for name, _, _ in terms}
        if "includeMeta" in names:
            return "other"
        searched = {"title", "title=", "track.title", "artist.title", "artist.title="}
        # A listing of the artists (type 8) is a lookup of names, as Jellyfin's /Artists.
        return "search" if names & searched or first(terms, "type") == "8" else "track_page"
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
    catalog: Catalog,
    knobs: Knobs,
    token: str,
    closing: asyncio.Event,
    *,
    name: str = "cmdarr-emulated-plex",
    machine_id: str = "",
) -> tuple[ASGIApp, PlexApp]:
    state = PlexState(catalog, token, name=name, machine_id=machine_id)
    app = PlexApp(state, knobs)
    routes = [
        Route("/", app.root),
        Route("/identity", app.identity),
        Route("/library", app.library_root),
        Route("/library/sections", app.sections),
        Route("/library/sections/", app.sections),  # plexapi's fallback for shared users
        Route("/library/sections/{key}/all", app.section_all),
        Route("/library/sections/{key}/collections", app.section_collections),
        Route("/library/sections/{key}/search", app.section_search),
        Route("/library/all", app.library_all),
        Route("/library/metadata/{key}/children", app.children),
        Route("/library/metadata/{key}/posters", app.upload_poster, methods=["POST"]),
        Route("/library/metadata/{key}/posters", app.posters, methods=["GET"]),
        Route("/library/metadata/{key}/thumb/{stamp}", app.poster_image, methods=["GET"]),
        Route("/library/metadata/{keys}", app.metadata),
        Route("/hubs/search", app.hub_search),
        Route("/playlists", app.list_playlists, methods=["GET"]),
        Route("/playlists", app.create_playlist, methods=["POST"]),
        Route("/playlists/{pid}", app.get_playlist, methods=["GET"]),
        Route("/playlists/{pid}", app.edit_playlist, methods=["PUT"]),
        Route("/playlists/{pid}", app.delete_playlist, methods=["DELETE"]),
        Route("/playlists/{pid}/items", app.playlist_items, methods=["GET"]),
        Route("/playlists/{pid}/composite/{stamp}", app.composite, methods=["GET"]),
        Route("/playlists/{pid}/items", app.add_items, methods=["PUT"]),
        Route("/playlists/{pid}/items", app.clear_items, methods=["DELETE"]),
        Route("/playlists/{pid}/items/{entry}", app.remove_item, methods=["DELETE"]),
        Route("/playlists/{pid}/items/{entry}/move", app.move_item, methods=["PUT"]),
        Route("/__admin/playlists", admin_json(app.playlists_by_user), methods=["GET"]),
        *admin_routes(knobs, app.mutate, app.ids),
    ]

    async def bad_request(_request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"Bad Request: {exc}", 400)

    starlette = Starlette(routes=routes, exception_handlers={BadRequest: bad_request})
    wrapped = EmulatorMiddleware(
        starlette,
        knobs=knobs,
        classify=_classify,
        authorize=lambda scope, _knobs: _token(scope) in state.viewers,
        public=lambda path: path == "/identity",
        closing=closing,
        max_url=PLEX_MAX_URL,
        too_long=too_long,
    )
    return wrapped, app
