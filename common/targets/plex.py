"""Plex Media Server client (see docs/TARGETS.md): XML by default, JSON on request."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TypeVar

import httpx

from common.domain import Target
from common.matching.query import LibraryTrack
from common.matching.search_terms import name_fragment
from common.targets.choice import choose_libraries
from common.targets.counters import EndpointClass, RequestCounter
from common.targets.errors import (
    TargetMalformedResponse,
    TargetPartialWrite,
    TargetRejected,
    TargetUnsupportedVersion,
)
from common.targets.items import (
    ChangeSet,
    LibraryChoice,
    PlaylistEntry,
    ServerIdentity,
    TargetLibrary,
    TargetPlaylist,
    TargetTrack,
)
from common.targets.listing import Fetch, Items, PageResult, ProgressCallback, list_all
from common.targets.offload import parse_sized
from common.targets.paging import Page, entry_before
from common.targets.plex_pages import PageRead, ids_page, indexed_page, tracks_page
from common.targets.plex_parse import (
    PlexContainer,
    PlexParseError,
    artist_names_of,
    entry_from_node,
    library_from_node,
    parse_container,
    playlist_from_node,
    tracks_of,
)
from common.targets.plex_uri import (
    PLEX_URI_URL_LIMIT,
    after_too_long,
    ids_in_one_request,
    uri_prefix,
)
from common.targets.plex_version import MINIMUM_PLEX_VERSION, plex_version_too_old
from common.targets.query import encode, url
from common.targets.settings import ClientSettings
from common.targets.sweep import fresh_since, sweep_deletions, swept_ids
from common.targets.transport import Transport

log = logging.getLogger(__name__)

T = TypeVar("T")

# The attributes of a track that a listing reads (common/targets/plex_parse.py
# track_from_node) ...
TRACK_READ = (
    "title", "grandparentTitle", "parentTitle", "originalTitle", "librarySectionID", "index",
    "parentIndex", "year", "duration", "addedAt", "updatedAt",
)  # fmt: skip
# ... and those it never reads. Listings leave these out (``excludeFields``): they are about
# half of each track's bytes, to render, send and parse.
LISTING_EXCLUDED = ",".join(
    (
        "key", "guid", "parentGuid", "grandparentGuid", "parentRatingKey",
        "grandparentRatingKey", "parentKey", "grandparentKey", "titleSort",
        "librarySectionTitle", "librarySectionKey", "parentYear", "summary", "thumb",
        "parentThumb", "grandparentThumb", "art", "grandparentArt", "viewCount",
        "lastViewedAt", "userRating", "ratingCount", "musicAnalysisVersion",
    )
)  # fmt: skip
# An id sweep leaves out every attribute but ratingKey and type: 40 bytes an id, so a
# 25,000-id page is 1 MB, and a 50,000-track library takes two rounds.
SWEEP_EXCLUDED = ",".join((LISTING_EXCLUDED, *TRACK_READ))
PLEX_SWEEP_PAGE_SIZE = 25_000
# What a listing asks for beside its filters: MBIDs, without the attributes never read.
LISTING_TERMS = (("includeGuids", "1"), ("excludeFields", LISTING_EXCLUDED))
# Listing and sweep pages are asked for in JSON (plex_pages.py); the rest in XML.
JSON_PAGES = {"Accept": "application/json"}


class PlexClient:
    """A TargetClient for Plex. ``http`` carries the server's base URL."""

    kind = Target.PLEX

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: str,
        settings: ClientSettings | None = None,
        use_json: bool = False,
        counter: RequestCounter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: random.Random | None = None,
    ) -> None:
        self._settings = settings or ClientSettings()
        headers = {
            "X-Plex-Token": token,
            "X-Plex-Client-Identifier": self._settings.device_id,
            "X-Plex-Product": self._settings.client_name,
            "X-Plex-Version": self._settings.client_version,
            "Accept": "application/json" if use_json else "application/xml",
        }
        self._transport = Transport(
            http=http,
            target="Plex",
            settings=self._settings,
            headers=headers,
            counter=counter,
            sleep=sleep,
            rand=rand,
        )
        self.counter = self._transport.counter
        self._identity: ServerIdentity | None = None
        # The most ids a playlist write may carry once the server answered 414 (None: as
        # many as PLEX_URI_URL_LIMIT allows); kept for the client's later writes.
        self._uri_cap: int | None = None

    async def _get(self, path: str, endpoint: EndpointClass, where: str = "") -> PlexContainer:
        response = await self._transport.request("GET", path, endpoint)
        return self._parse(response, path, where)

    @staticmethod
    def _parse(response: httpx.Response, path: str, where: str = "") -> PlexContainer:
        try:
            return parse_container(response.content, response.headers.get("Content-Type", ""))
        except PlexParseError as exc:
            at = f" {where}" if where else ""
            raise TargetMalformedResponse(
                f"Plex: malformed response to GET {path.split('?', 1)[0]}{at}: {exc}"
            ) from exc

    async def identify(self) -> ServerIdentity:
        """Who the server is, from ``GET /``: the one endpoint that carries the name
        (``friendlyName``) beside ``machineIdentifier`` and ``version``; ``/identity`` has
        only ``claimed``, ``machineIdentifier`` and ``version`` (python-plexapi 4.16.1,
        plexapi/server.py: ``PlexServer`` loads ``/``, ``Identity._loadData``). A server
        older than the client's requests need is refused here, naming both versions."""
        container = await self._get("/", EndpointClass.OTHER)
        machine = container.attrs.get("machineIdentifier", "")
        if not machine:
            raise TargetMalformedResponse("Plex: GET / has no machineIdentifier")
        version = container.attrs.get("version", "")
        if plex_version_too_old(version):
            raise TargetUnsupportedVersion(
                f"Plex Media Server {version} is too old: cmdarr needs {MINIMUM_PLEX_VERSION}"
                " or later (older servers leave the MusicBrainz ids out of track listings)."
                " Update Plex Media Server.",
                version=version,
                minimum=MINIMUM_PLEX_VERSION,
            )
        identity = ServerIdentity(
            kind=Target.PLEX,
            server_id=machine,
            name=container.attrs.get("friendlyName", ""),
            version=version,
        )
        self._identity = identity
        return identity

    async def _identified(self) -> ServerIdentity:
        """The identity, asked once per client: the version check and the machine id that
        playlist URIs need."""
        return self._identity or await self.identify()

    async def libraries(self) -> list[TargetLibrary]:
        container = await self._get("/library/sections", EndpointClass.LIBRARY_LISTING)
        try:
            return [library_from_node(node) for node in container.items if node.tag == "Directory"]
        except PlexParseError as exc:
            raise TargetMalformedResponse(f"Plex: malformed /library/sections: {exc}") from exc

    async def music_libraries(self, names: Sequence[str] = ()) -> LibraryChoice:
        """The libraries to use. Every build and live search starts here, so the server's
        version is checked here (once per client), before any listing: its request goes
        beside the one for the sections, one round trip instead of two, and its verdict
        comes first (an unsupported server is named as such, whatever the other says)."""
        identity, sections = await asyncio.gather(
            self._identified(), self.libraries(), return_exceptions=True
        )
        if isinstance(identity, BaseException):
            raise identity
        if isinstance(sections, BaseException):
            raise sections
        choice = choose_libraries(sections, names)
        log.info("Plex libraries: %s", choice.describe())
        return choice

    def _page_fetcher(
        self,
        library: TargetLibrary,
        *filters: tuple[str, str] | tuple[str, str, str],
        guids: bool = True,
    ) -> Callable[[Page], Awaitable[PageResult[TargetTrack]]]:
        def read(body: bytes, content_type: str) -> PageRead[TargetTrack]:
            return tracks_page(body, content_type, library.library_id)

        terms = LISTING_TERMS if guids else LISTING_TERMS[1:]
        return self._fetcher(library, read, *filters, *terms)

    def _fetcher(
        self,
        library: TargetLibrary,
        read: Callable[[bytes, str], PageRead[T]],
        *filters: tuple[str, str] | tuple[str, str, str] | None,
        retry_timeouts: bool = True,
    ) -> Callable[[Page], Awaitable[PageResult[T]]]:
        """Pages of ``/all`` tracks read by ``read``; large bodies are parsed off the loop.
        They are asked for in JSON, which ``plex_pages`` reads for less than half the CPU
        that XML takes (an XML answer is read too)."""
        base = f"/library/sections/{encode(library.library_id)}/all"
        terms = [f for f in filters if f is not None]

        async def fetch(page: Page) -> PageResult[T]:
            path = url(
                base,
                ("type", "10"),
                *terms,
                ("X-Plex-Container-Start", str(page.start)),
                ("X-Plex-Container-Size", str(page.size)),
            )
            where = f"at page {page.number}"
            response = await self._transport.request(
                "GET",
                path,
                EndpointClass.TRACK_PAGE,
                headers=JSON_PAGES,
                retry_timeouts=retry_timeouts,
            )

            def parse() -> PageRead[T]:
                try:
                    return read(response.content, response.headers.get("Content-Type", ""))
                except PlexParseError as exc:
                    raise TargetMalformedResponse(f"Plex: malformed {base} {where}: {exc}") from exc

            items, total, offset = await parse_sized(len(response.content), parse)
            if total is None:
                header = response.headers.get("X-Plex-Container-Total-Size")
                total = int(header) if header and header.isdigit() else None
            if total is None:
                raise TargetMalformedResponse(f"Plex: {base} {where} reports no totalSize")
            if offset is not None and offset != page.start and items:
                raise TargetMalformedResponse(
                    f"Plex: {base} {where} starts at {offset}, not {page.start}"
                )
            return PageResult(items, total)

        return fetch

    async def _list(
        self,
        library: TargetLibrary,
        *filters: tuple[str, str] | tuple[str, str, str],
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
        guids: bool = True,
    ) -> list[TargetTrack]:
        return await list_all(
            self._page_fetcher(library, *filters, guids=guids),
            what=f"Plex library {library.title!r}",
            page_size=self._settings.page_size,
            key=lambda track: track.item_id,
            on_progress=on_progress,
            on_items=on_items,
        )

    async def list_tracks(
        self,
        library: TargetLibrary,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> list[TargetTrack]:
        return await self._list(library, on_progress=on_progress, on_items=on_items)

    async def list_indexed(
        self,
        library: TargetLibrary,
        title: str,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> None:
        def read(body: bytes, content_type: str) -> PageRead[LibraryTrack]:
            return indexed_page(body, content_type, library.library_id, title)

        await list_all(
            self._fetcher(library, read, *LISTING_TERMS),
            what=f"Plex library {library.title!r}",
            page_size=self._settings.page_size,
            key=lambda track: track.item_id,
            on_progress=on_progress,
            on_items=on_items,
        )

    async def track_ids(self, library: TargetLibrary) -> set[str]:
        """The id sweep that reveals deletions: ratingKeys only (``excludeFields`` drops the
        other attributes), in large pages (smaller ones when a large one times out)."""

        async def pages(retry_timeouts: bool) -> Fetch[str]:
            excluded = ("excludeFields", SWEEP_EXCLUDED)
            # A sweep reads no file path: the Media elements (a track's longest part since
            # listings carry them) are asked away too, which a server may ignore at no cost
            # to correctness, as it may ``excludeFields``.
            elements = ("excludeElements", "Media")
            return self._fetcher(
                library, ids_page, excluded, elements, retry_timeouts=retry_timeouts
            )

        return await swept_ids(
            pages,
            large=self._settings.sweep_page_size or PLEX_SWEEP_PAGE_SIZE,
            small=self._settings.page_size,
            what=f"Plex library {library.title!r} (id sweep)",
        )

    async def changes_since(
        self, library: TargetLibrary, since: int, known_ids: Collection[str] | None = None
    ) -> ChangeSet:
        """Tracks added or updated at or after ``since`` (epoch s): one listing filtered on
        ``updatedAt`` and one on ``addedAt`` (whether Plex bumps a track's updatedAt when
        it is added is unverified). The filters are re-checked here, so a server that
        ignores them costs time, never correctness. Deletions come from an id sweep when
        ``known_ids`` is given."""
        # Plex's >>= is strictly after: ask from one second earlier, then filter here.
        updated, added = await asyncio.gather(
            self._list(library, ("updatedAt", ">>=", str(since - 1))),
            self._list(library, ("addedAt", ">>=", str(since - 1))),
        )
        changed = fresh_since({t.item_id: t for t in (*updated, *added)}.values(), since)
        return ChangeSet(changed, await sweep_deletions(self, library, known_ids))

    async def track_total(self, library: TargetLibrary) -> int:
        """How many tracks the library holds, for one small request."""
        return (await self._page_fetcher(library, guids=False)(Page(0, 0, 1))).total

    async def search(
        self, library: TargetLibrary, query: str, limit: int = 20
    ) -> list[TargetTrack]:
        path = url(
            f"/library/sections/{encode(library.library_id)}/all",
            ("type", "10"),
            ("includeGuids", "1"),
            ("title", query),
            ("X-Plex-Container-Start", "0"),
            ("X-Plex-Container-Size", str(limit)),
        )
        container = await self._get(path, EndpointClass.SEARCH)
        try:
            return tracks_of(container, library.library_id)[:limit]
        except PlexParseError as exc:
            raise TargetMalformedResponse(f"Plex: malformed search response: {exc}") from exc

    async def artist_tracks(
        self, library: TargetLibrary, artist: str, limit: int = 500
    ) -> list[TargetTrack]:
        """One page of the tracks whose album artist's name contains a plain run of
        ``artist`` (``artist.title=``, a contains filter on the album artist)."""
        path = url(
            f"/library/sections/{encode(library.library_id)}/all",
            ("type", "10"),
            ("includeGuids", "1"),
            ("artist.title", name_fragment(artist)),
            ("X-Plex-Container-Start", "0"),
            ("X-Plex-Container-Size", str(limit)),
        )
        container = await self._get(path, EndpointClass.SEARCH)
        try:
            return tracks_of(container, library.library_id)[:limit]
        except PlexParseError as exc:
            raise TargetMalformedResponse(f"Plex: malformed artist listing: {exc}") from exc

    async def artist_names(
        self, library: TargetLibrary, start: int, size: int
    ) -> tuple[list[str], int]:
        """One page of the library's artists' names, and how many it has (type 8: Plex's
        artists are album artists, as ``artist.title=`` filters on)."""
        path = url(
            f"/library/sections/{encode(library.library_id)}/all",
            ("type", "8"),
            ("X-Plex-Container-Start", str(start)),
            ("X-Plex-Container-Size", str(size)),
        )
        container = await self._get(path, EndpointClass.SEARCH)
        try:
            return artist_names_of(container)
        except PlexParseError as exc:
            raise TargetMalformedResponse(f"Plex: malformed artist list: {exc}") from exc

    async def playlists(self) -> list[TargetPlaylist]:
        container = await self._get(
            url("/playlists", ("playlistType", "audio")), EndpointClass.PLAYLIST_READ
        )
        try:
            return [playlist_from_node(n) for n in container.items if n.attrs.get("ratingKey")]
        except PlexParseError as exc:
            raise TargetMalformedResponse(f"Plex: malformed /playlists: {exc}") from exc

    async def playlist_items(self, playlist_id: str) -> list[PlaylistEntry]:
        base = f"/playlists/{encode(playlist_id)}/items"

        async def fetch(page: Page) -> PageResult[PlaylistEntry]:
            path = url(
                base,
                ("X-Plex-Container-Start", str(page.start)),
                ("X-Plex-Container-Size", str(page.size)),
            )
            where = f"at page {page.number}"
            container = await self._get(path, EndpointClass.PLAYLIST_READ, where)
            try:
                entries = [entry_from_node(n) for n in container.items]
                total = container.int_attr("totalSize")
            except PlexParseError as exc:
                raise TargetMalformedResponse(f"Plex: malformed {base} {where}: {exc}") from exc
            return PageResult(entries, total if total is not None else len(entries))

        return await list_all(
            fetch,
            what=f"Plex playlist {playlist_id}",
            page_size=self._settings.page_size,
            key=lambda entry: entry.entry_id,
        )

    async def playlist_tracks(self, playlist_id: str) -> list[TargetTrack]:
        """A playlist's items as tracks, in order, repeats kept, each with what a listing
        carries: the ``Media``/``Part`` file path, and the ``Guid`` MBIDs asked for with
        ``includeGuids=1`` (that playlist items honour it is unverified: a server that does
        not sends no MBID, and the tracks are matched by path and tags)."""
        base = f"/playlists/{encode(playlist_id)}/items"

        async def fetch(page: Page) -> PageResult[tuple[int, TargetTrack]]:
            path = url(
                base,
                ("includeGuids", "1"),
                ("X-Plex-Container-Start", str(page.start)),
                ("X-Plex-Container-Size", str(page.size)),
            )
            where = f"at page {page.number}"
            response = await self._transport.request("GET", path, EndpointClass.PLAYLIST_READ)

            def parse() -> PageResult[tuple[int, TargetTrack]]:
                container = self._parse(response, path, where)
                try:
                    tracks = tracks_of(container, "")
                    total = container.int_attr("totalSize")
                except PlexParseError as exc:
                    raise TargetMalformedResponse(f"Plex: malformed {base} {where}: {exc}") from exc
                numbered = list(enumerate(tracks, page.start))
                return PageResult(numbered, total if total is not None else len(tracks))

            return await parse_sized(len(response.content), parse)

        pages = await list_all(
            fetch,
            what=f"Plex playlist {playlist_id}",
            page_size=self._settings.page_size,
            key=lambda numbered: str(numbered[0]),
        )
        return [track for _, track in pages]

    async def read_image(self, path: str, max_bytes: int) -> tuple[bytes, str]:
        """The image at a server path (a playlist's ``thumb`` or ``composite``), with its
        Content-Type; TargetRejected past ``max_bytes``."""
        return await self._transport.read_image(path, max_bytes)

    def _uri_limit(self) -> int:
        return min(self._settings.url_limit, PLEX_URI_URL_LIMIT)

    async def _send_ids(
        self,
        path: str,
        extra: str,
        item_ids: Sequence[str],
        send: Callable[[str, Sequence[str]], Awaitable[T]],
    ) -> tuple[T, int]:
        """Send the leading ids that one URL carries (``send`` gets the URL and those ids)
        and return its answer and how many ids it carried. A 414 was refused before
        anything was applied, so the same ids go again, half as many, and later writes keep
        that smaller size; a 414 to a single id is final."""
        prefix = uri_prefix((await self._identified()).server_id)
        head = f"{path}?{extra}{'&' if extra else ''}uri={encode(prefix)}"
        while True:
            count = ids_in_one_request(
                item_ids,
                fixed_length=len(head),
                limit=self._uri_limit(),
                cap=self._uri_cap or len(item_ids),
            )
            try:
                chunk = item_ids[:count]
                return await send(head + encode(",".join(chunk)), chunk), count
            except TargetRejected as exc:
                if exc.status != 414:
                    raise
                smaller = after_too_long(count)
                if smaller is None:
                    raise TargetRejected(
                        f"Plex: {path} was refused with 414 (URI too long) for a single item:"
                        " the server, or a proxy in front of it, takes no playlist write",
                        status=414,
                    ) from exc
                log.info(
                    "Plex refused a playlist write as too long (414): sending fewer items",
                    extra={"fields": {"path": path, "sent": count, "next": smaller}},
                )
                self._uri_cap = smaller

    async def create_playlist(
        self, title: str, item_ids: Sequence[str], summary: str = ""
    ) -> TargetPlaylist:
        """Create with as many items as one URL carries, then add the rest chunk by chunk."""
        if not item_ids:
            raise ValueError("Plex cannot create an empty playlist")
        extra = f"type=audio&title={encode(title)}&smart=0"

        async def post(chunk_url: str, _ids: Sequence[str]) -> httpx.Response:
            return await self._transport.request("POST", chunk_url, EndpointClass.PLAYLIST_WRITE)

        response, sent = await self._send_ids("/playlists", extra, item_ids, post)
        container = self._parse(response, "/playlists")
        nodes = [n for n in container.items if n.attrs.get("ratingKey")]
        if not nodes:
            raise TargetMalformedResponse("Plex: the created playlist is missing from the answer")
        playlist = playlist_from_node(nodes[0])
        await self.add_to_playlist(playlist.playlist_id, item_ids[sent:])
        if summary:
            await self.update_playlist(playlist.playlist_id, summary=summary)
        return TargetPlaylist(playlist.playlist_id, title, summary, len(item_ids))

    async def keeps_repeats(self) -> bool:
        """Whether Plex keeps an item twice in a playlist is unverified (neither the API
        spec nor python-plexapi says what ``leafCountAdded`` counts then), so the sync
        leaves repeats out: that settles whichever way the server behaves."""
        return False

    async def writable(self, playlist: TargetPlaylist) -> bool:
        """A smart playlist is filled by its rules: a PUT of items replaces the rules and
        its items carry no playlistItemID (plex-api-spec ``/playlists/{playlistId}/items``),
        so it is never the managed playlist."""
        return not playlist.smart

    async def _put_items(self, chunk_url: str, sent: Sequence[str]) -> None:
        # Not idempotent: a resent add would add the items twice.
        response = await self._transport.request(
            "PUT", chunk_url, EndpointClass.PLAYLIST_WRITE, idempotent=False
        )
        container = self._parse(response, chunk_url)
        added = container.int_attr("leafCountAdded")
        requested = container.int_attr("leafCountRequested")
        # A server that drops an item named twice in one request (unverified) adds fewer
        # than requested without failing: only a shortfall beyond the repeats is partial.
        distinct = len(set(sent))
        if added is not None and requested is not None and added < min(requested, distinct):
            raise TargetPartialWrite(
                f"Plex: added {added} of {requested} items to a playlist",
                requested=requested,
                added=added,
            )

    async def add_to_playlist(self, playlist_id: str, item_ids: Sequence[str]) -> None:
        """Add in order, as many ids per request as one URL carries."""
        path = f"/playlists/{encode(playlist_id)}/items"
        rest = item_ids
        while rest:
            _, sent = await self._send_ids(path, "", rest, self._put_items)
            rest = rest[sent:]

    async def remove_from_playlist(self, playlist_id: str, entry_ids: Sequence[str]) -> None:
        """One DELETE per entry: Plex removes by playlistItemID only."""
        for entry in entry_ids:
            await self._transport.request(
                "DELETE",
                f"/playlists/{encode(playlist_id)}/items/{encode(entry)}",
                EndpointClass.PLAYLIST_WRITE,
            )

    async def replace_playlist(self, playlist_id: str, item_ids: Sequence[str]) -> None:
        await self._transport.request(
            "DELETE", f"/playlists/{encode(playlist_id)}/items", EndpointClass.PLAYLIST_WRITE
        )
        await self.add_to_playlist(playlist_id, item_ids)

    async def move_entry(
        self,
        playlist_id: str,
        entry_id: str,
        new_index: int,
        current: Sequence[PlaylistEntry],
    ) -> None:
        """Move one entry to ``new_index`` of ``current`` (the playlist as last read)."""
        after = entry_before([e.entry_id for e in current], entry_id, new_index)
        path = f"/playlists/{encode(playlist_id)}/items/{encode(entry_id)}/move"
        await self._transport.request(
            "PUT",
            url(path, ("after", after)) if after is not None else path,
            EndpointClass.PLAYLIST_WRITE,
        )

    async def update_playlist(
        self, playlist_id: str, *, title: str | None = None, summary: str | None = None
    ) -> None:
        """Edit as metadata is edited: ``field.value`` and ``field.locked`` (plex-api-spec
        ``PUT /playlists/{playlistId}``, "in the same manner as editing metadata";
        python-plexapi 4.16 ``editTitle``/``editSummary``, whose plain ``title=``/``summary=``
        ``edit`` was deprecated and is gone from 4.18.0). Locked, so an agent refresh
        leaves the values alone."""
        pairs: list[tuple[str, str]] = []
        for name, value in (("title", title), ("summary", summary)):
            if value is not None:
                pairs += [(f"{name}.value", value), (f"{name}.locked", "1")]
        if pairs:
            await self._transport.request(
                "PUT",
                url(f"/playlists/{encode(playlist_id)}", *pairs),
                EndpointClass.PLAYLIST_WRITE,
            )

    async def upload_cover(self, playlist_id: str, image: bytes, content_type: str) -> None:
        """The poster, as bytes in the body of ``POST /library/metadata/{ratingKey}/posters``
        (python-plexapi ``PosterMixin.uploadPoster``, its ``filepath`` form). Sent once: an
        upload resent after a lost answer would only upload the same image again, but a
        large body is not worth sending twice."""
        await self._transport.request(
            "POST",
            f"/library/metadata/{encode(playlist_id)}/posters",
            EndpointClass.PLAYLIST_WRITE,
            headers={"Content-Type": content_type},
            content=image,
            idempotent=True,
        )

    async def delete_playlist(self, playlist_id: str) -> None:
        await self._transport.request(
            "DELETE", f"/playlists/{encode(playlist_id)}", EndpointClass.PLAYLIST_WRITE
        )
