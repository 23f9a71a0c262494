"""Jellyfin client (see docs/TARGETS.md): token in the ``Authorization: MediaBrowser`` header
only, never the legacy header or query forms."""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from common.domain import Target
from common.matching.query import LibraryTrack
from common.matching.search_terms import name_fragment
from common.targets.choice import choose_libraries
from common.targets.counters import EndpointClass, RequestCounter
from common.targets.errors import (
    TargetAuthError,
    TargetMalformedResponse,
    TargetRejected,
    TargetUnstableOrder,
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
from common.targets.jellyfin_parse import (
    JellyfinParseError,
    artist_ids_named,
    entry_from_item,
    ids_of,
    indexed_from_item,
    items_page,
    library_from_item,
    parse_json,
    playlist_from_item,
    track_from_item,
)
from common.targets.jellyfin_version import (
    Version,
    check_supported,
    keeps_repeats,
    saved_filter_works,
)
from common.targets.listing import (
    Fetch,
    Items,
    PageResult,
    ProgressCallback,
    check_complete,
    list_all,
    list_or_whole,
)
from common.targets.offload import parse_sized
from common.targets.paging import Page, chunk_by_length, missing_ids
from common.targets.query import encode, url
from common.targets.settings import ClientSettings
from common.targets.sweep import sweep_deletions, swept_ids
from common.targets.transport import Transport

log = logging.getLogger(__name__)

# A page of no size: the whole listing in one request (no StartIndex, no Limit).
WHOLE = Page(number=0, start=0, size=0)

T = TypeVar("T")

# The item DTO has no save date (BaseItemDto has no DateLastSaved in any version from
# 10.8.13 to master, though ItemFields names one): only the creation date is asked for.
# Path is the file's path, sent only when asked for (DtoService: ItemFields.Path, then
# GetMappedPath, the path after the library's network substitution): the path match's
# evidence.
TRACK_FIELDS = "ProviderIds,DateCreated,Path"
# What a listing asks for beside its filters. Play counts and favourites (UserData) are
# of no use to matching: not asked for.
LISTING_TERMS = (("Fields", TRACK_FIELDS), ("EnableUserData", "false"))
# Id is no ItemSortBy value and the binder drops unknown ones, so no key the server takes
# makes a total order. SortName is "disc - track - name" for audio; the album and the
# creation date (a file's, in ticks) part nearly every tie left. Rows equal on every key
# come in the database's order, which may change between requests: see list_or_whole.
TRACK_ORDER = "SortName,Album,DateCreated"
# The artists a name search may return: the exact name comes first (search relevance).
ARTIST_SEARCH_LIMIT = 100
# Even without optional fields the server builds a whole item for each id it sends (about
# 590 bytes in the emulator), and a 55,000-track listing in one request has been seen to
# outlast a 60 s timeout on Jellyfin 10.11 (about 1.1 ms an item or more). 12,500 a page is
# 14 s at that pace, inside half the 30 s default (a page that times out is swept again
# in small pages); a 50,000-track library takes one round of four, a million tracks 80.
JELLYFIN_SWEEP_PAGE_SIZE = 12_500


def authorization_header(token: str, settings: ClientSettings) -> str:
    """The one auth form Jellyfin accepts from version 12 on by default."""

    def clean(value: str) -> str:
        return value.replace('"', "'")

    return (
        f'MediaBrowser Token="{clean(token)}", Client="{clean(settings.client_name)}", '
        f'Device="{clean(settings.client_name)}", DeviceId="{clean(settings.device_id)}", '
        f'Version="{clean(settings.client_version)}"'
    )


@dataclass(frozen=True)
class JellyfinLogin:
    token: str
    user_id: str


async def authenticate_by_name(
    http: httpx.AsyncClient,
    username: str,
    password: str,
    settings: ClientSettings | None = None,
    counter: RequestCounter | None = None,
) -> JellyfinLogin:
    """Trade a username and password for an access token (``/Users/AuthenticateByName``).
    The password travels in the body only and appears in no message."""
    settings = settings or ClientSettings()
    header = authorization_header("", settings).replace('Token="", ', "")
    transport = Transport(
        http=http,
        target="Jellyfin",
        settings=settings,
        headers={"Authorization": header, "Accept": "application/json"},
        counter=counter,
    )
    response = await transport.request(
        "POST",
        "/Users/AuthenticateByName",
        EndpointClass.OTHER,
        json={"Username": username, "Pw": password},
        idempotent=True,
    )
    try:
        data = parse_json(response.content)
    except JellyfinParseError as exc:
        raise TargetMalformedResponse(f"Jellyfin: malformed login answer: {exc}") from exc
    token = data.get("AccessToken") if isinstance(data, dict) else None
    user = data.get("User") if isinstance(data, dict) else None
    user_id = user.get("Id") if isinstance(user, dict) else None
    if not isinstance(token, str) or not isinstance(user_id, str) or not token or not user_id:
        raise TargetMalformedResponse("Jellyfin: the login answer lacks AccessToken or User.Id")
    return JellyfinLogin(token=token, user_id=user_id)


class JellyfinClient:
    """A TargetClient for Jellyfin. ``user_id`` scopes libraries and playlists; without it
    the token's own user is asked for (``/Users/Me``)."""

    kind = Target.JELLYFIN

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: str,
        user_id: str = "",
        settings: ClientSettings | None = None,
        counter: RequestCounter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: random.Random | None = None,
    ) -> None:
        self._settings = settings or ClientSettings()
        self._transport = Transport(
            http=http,
            target="Jellyfin",
            settings=self._settings,
            headers={
                "Authorization": authorization_header(token, self._settings),
                "Accept": "application/json",
            },
            counter=counter,
            sleep=sleep,
            rand=rand,
        )
        self.counter = self._transport.counter
        self._user_id = user_id
        self._checked: asyncio.Future[Version | None] | None = None

    async def _json(
        self,
        method: str,
        path: str,
        endpoint: EndpointClass,
        where: str = "",
        body: Any = None,
    ) -> Any:
        response = await self._transport.request(method, path, endpoint, json=body)
        try:
            return parse_json(response.content)
        except JellyfinParseError as exc:
            raise self._malformed(path, where, exc) from exc

    @staticmethod
    def _malformed(path: str, where: str, exc: Exception) -> TargetMalformedResponse:
        at = f" {where}" if where else ""
        return TargetMalformedResponse(
            f"Jellyfin: malformed response to {path.split('?', 1)[0]}{at}: {exc}"
        )

    async def user_id(self) -> str:
        if not self._user_id:
            data = await self._json("GET", "/Users/Me", EndpointClass.OTHER)
            user = data.get("Id") if isinstance(data, dict) else None
            if not isinstance(user, str) or not user:
                raise TargetMalformedResponse("Jellyfin: /Users/Me has no Id")
            self._user_id = user
        return self._user_id

    async def identify(self) -> ServerIdentity:
        """The server, from ``/System/Info/Public``; TargetUnsupportedVersion for a server
        older than the client's requests need (jellyfin_version.py)."""
        data = await self._json("GET", "/System/Info/Public", EndpointClass.OTHER)
        if not isinstance(data, dict) or not data.get("Id"):
            raise TargetMalformedResponse("Jellyfin: /System/Info/Public has no Id")
        version = str(data.get("Version") or "")
        check_supported(version)
        return ServerIdentity(
            kind=Target.JELLYFIN,
            server_id=str(data["Id"]),
            name=str(data.get("ServerName") or ""),
            version=version,
        )

    async def server_version(self) -> Version | None:
        """The server's version, asked once per client (None: unreadable), after checking
        that it is supported. A failure is not remembered: the next call asks again."""
        if self._checked is None:
            self._checked = asyncio.ensure_future(self._read_version())
        try:
            return await asyncio.shield(self._checked)
        except Exception:
            self._checked = None
            raise

    async def _read_version(self) -> Version | None:
        data = await self._json("GET", "/System/Info/Public", EndpointClass.OTHER)
        version = data.get("Version") if isinstance(data, dict) else None
        return check_supported(version if isinstance(version, str) else "")

    async def libraries(self) -> list[TargetLibrary]:
        """The user's views, with the server's version checked beside them: the first
        request of every build and sync, so an unsupported server is named there."""
        if self._user_id:
            path = url("/UserViews", ("userId", self._user_id))
            asked = [self._json("GET", path, EndpointClass.LIBRARY_LISTING)]
        else:
            # The token's own user's views (userId is optional since 10.9), asked for beside
            # /Users/Me, which the listings need: one round trip instead of two.
            path = "/UserViews"
            asked = [self._json("GET", path, EndpointClass.LIBRARY_LISTING), self.user_id()]
        # The version's verdict first: an old server's 404 for /UserViews is its symptom.
        version, data, *_ = await asyncio.gather(
            self.server_version(), *asked, return_exceptions=True
        )
        for outcome in (version, data, *_):
            if isinstance(outcome, BaseException):
                raise outcome
        try:
            items, _ = items_page(data)
            return [library_from_item(item) for item in items]
        except JellyfinParseError as exc:
            raise self._malformed(path, "", exc) from exc

    async def music_libraries(self, names: Sequence[str] = ()) -> LibraryChoice:
        choice = choose_libraries(await self.libraries(), names)
        log.info("Jellyfin libraries: %s", choice.describe())
        return choice

    async def _list(
        self,
        library: TargetLibrary,
        *filters: tuple[str, str],
        fields: str = TRACK_FIELDS,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> list[TargetTrack]:
        fetch = await self._page_fetcher(library, *filters, fields=fields)
        return await list_or_whole(
            fetch,
            lambda: fetch(WHOLE),
            what=f"Jellyfin library {library.title!r}",
            page_size=self._settings.page_size,
            key=lambda track: track.item_id,
            on_progress=on_progress,
            on_items=on_items,
        )

    async def list_indexed(
        self,
        library: TargetLibrary,
        title: str,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> None:
        def read(items: list[dict[str, Any]]) -> list[LibraryTrack]:
            return [indexed_from_item(item, title) for item in items]

        fetch = await self._fetcher(library, read, *LISTING_TERMS)
        await list_or_whole(
            fetch,
            lambda: fetch(WHOLE),
            what=f"Jellyfin library {library.title!r}",
            page_size=self._settings.page_size,
            key=lambda track: track.item_id,
            on_progress=on_progress,
            on_items=on_items,
        )

    async def _page_fetcher(
        self, library: TargetLibrary, *filters: tuple[str, str], fields: str = TRACK_FIELDS
    ) -> Callable[[Page], Awaitable[PageResult[TargetTrack]]]:
        def read(items: list[dict[str, Any]]) -> list[TargetTrack]:
            return [track_from_item(item, library.library_id) for item in items]

        terms = (("Fields", fields),) if fields else ()
        return await self._fetcher(library, read, *filters, *terms, LISTING_TERMS[1])

    async def _fetcher(
        self,
        library: TargetLibrary,
        read: Callable[[list[dict[str, Any]]], list[T]],
        *filters: tuple[str, str] | None,
        retry_timeouts: bool = True,
    ) -> Callable[[Page], Awaitable[PageResult[T]]]:
        """Pages of the library's tracks read by ``read`` (``WHOLE``: every track in one
        request); large bodies are parsed off the event loop."""
        user = await self.user_id()
        terms = [f for f in filters if f is not None]

        async def fetch(page: Page) -> PageResult[T]:
            window = (
                [("StartIndex", str(page.start)), ("Limit", str(page.size))]
                if page.size > 0
                else []
            )
            path = url(
                "/Items",
                ("IncludeItemTypes", "Audio"),
                ("Recursive", "true"),
                ("ParentId", library.library_id),
                *terms,
                *window,
                ("SortBy", TRACK_ORDER),
                ("EnableImages", "false"),
                ("userId", user),
            )
            where = f"at page {page.number}"
            response = await self._transport.request(
                "GET", path, EndpointClass.TRACK_PAGE, retry_timeouts=retry_timeouts
            )

            def parse() -> PageResult[T]:
                try:
                    items, total = items_page(parse_json(response.content))
                    return PageResult(read(items), total)
                except JellyfinParseError as exc:
                    raise self._malformed(path, where, exc) from exc

            return await parse_sized(len(response.content), parse)

        return fetch

    async def track_total(self, library: TargetLibrary) -> int:
        """How many tracks the library holds, for one small request."""
        return (await (await self._page_fetcher(library, fields=""))(Page(0, 0, 1))).total

    async def list_tracks(
        self,
        library: TargetLibrary,
        on_progress: ProgressCallback | None = None,
        on_items: Items | None = None,
    ) -> list[TargetTrack]:
        return await self._list(library, on_progress=on_progress, on_items=on_items)

    async def track_ids(self, library: TargetLibrary) -> set[str]:
        """The id sweep that reveals deletions: no optional field, no images, no user data,
        in large pages (smaller ones when a large one times out)."""

        def pages(retry_timeouts: bool) -> Awaitable[Fetch[str]]:
            return self._fetcher(
                library,
                ids_of,
                ("Fields", ""),
                ("EnableUserData", "false"),
                ("EnableTotalRecordCount", "true"),
                retry_timeouts=retry_timeouts,
            )

        what = f"Jellyfin library {library.title!r} (id sweep)"
        try:
            return await swept_ids(
                pages,
                large=self._settings.sweep_page_size or JELLYFIN_SWEEP_PAGE_SIZE,
                small=self._settings.page_size,
                what=what,
            )
        except TargetUnstableOrder:
            # Pages overlapped on ties: every id in one request, which no order can split.
            whole = await (await pages(True))(WHOLE)
            check_complete(what, whole.items, whole.total, str)
            return set(whole.items)

    async def changes_since(
        self, library: TargetLibrary, since: int, known_ids: Collection[str] | None = None
    ) -> ChangeSet:
        """Tracks saved at or after ``since`` (epoch s), as the server's ``minDateLastSaved``
        filter lists them: trusted as it is, since an item carries no save date to check it
        by. Before 10.11 that filter fails (jellyfin_version.py), so every track is listed
        and all count as changed: slower, never wrong. Deletions from an id sweep when
        ``known_ids`` is given (Jellyfin never reports them), or from that full listing."""
        if not saved_filter_works(await self.server_version()):
            listed = await self._list(library)
            present = {t.item_id for t in listed}
            gone = missing_ids(known_ids, present) if known_ids else frozenset()
            return ChangeSet(tuple(listed), gone)
        stamp = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        listed = await self._list(library, ("minDateLastSaved", stamp))
        return ChangeSet(tuple(listed), await sweep_deletions(self, library, known_ids))

    async def search(
        self, library: TargetLibrary, query: str, limit: int = 20
    ) -> list[TargetTrack]:
        return await self._tracks_where(library, ("searchTerm", query), limit)

    async def artist_tracks(
        self, library: TargetLibrary, artist: str, limit: int = 500
    ) -> list[TargetTrack]:
        """One page of the tracks credited to ``artist`` (track or album artist). The name
        is found read-only first (``/Artists?searchTerm=``, then the whole name compared in
        both apostrophe spellings) and the tracks listed by ``ArtistIds``: ``Artists=<name>``
        would make the server create an artist item for every name it does not know
        (LibraryManager.GetArtist). No such artist: one request, no track."""
        ids = await self._artist_ids(library, artist)
        if not ids:
            return []
        return await self._tracks_where(library, ("ArtistIds", ",".join(ids)), limit)

    async def artist_names(
        self, library: TargetLibrary, start: int, size: int
    ) -> tuple[list[str], int]:
        """One page of the library's artists' names (track and album artists, as
        ``/Artists`` lists them), and how many it has."""
        path = url(
            "/Artists",
            ("ParentId", library.library_id),
            ("StartIndex", str(start)),
            ("Limit", str(size)),
            ("EnableImages", "false"),
            ("EnableUserData", "false"),
            ("userId", await self.user_id()),
        )
        data = await self._json("GET", path, EndpointClass.SEARCH)
        try:
            items, total = items_page(data)
        except JellyfinParseError as exc:
            raise self._malformed(path, "", exc) from exc
        return [n for item in items if isinstance(n := item.get("Name"), str) and n], total

    async def _artist_ids(self, library: TargetLibrary, artist: str) -> list[str]:
        """The ids of the library's artists named ``artist``: a contains-search on a plain
        run of the name (the server may or may not fold accents), the name checked here as
        the matcher reads it (jellyfin_parse.artist_ids_named)."""
        path = url(
            "/Artists",
            ("searchTerm", name_fragment(artist)),
            ("ParentId", library.library_id),
            ("Limit", str(ARTIST_SEARCH_LIMIT)),
            ("EnableImages", "false"),
            ("EnableUserData", "false"),
            ("userId", await self.user_id()),
        )
        data = await self._json("GET", path, EndpointClass.SEARCH)
        try:
            items, _ = items_page(data)
            return artist_ids_named(items, artist)
        except JellyfinParseError as exc:
            raise self._malformed(path, "", exc) from exc

    async def _tracks_where(
        self, library: TargetLibrary, condition: tuple[str, str], limit: int
    ) -> list[TargetTrack]:
        """One search request: the library's tracks that meet ``condition``, at most
        ``limit``."""
        path = url(
            "/Items",
            ("IncludeItemTypes", "Audio"),
            ("Recursive", "true"),
            ("ParentId", library.library_id),
            condition,
            ("Limit", str(limit)),
            ("Fields", TRACK_FIELDS),
            ("EnableImages", "false"),
            ("userId", await self.user_id()),
        )
        data = await self._json("GET", path, EndpointClass.SEARCH)
        try:
            items, _ = items_page(data)
            return [track_from_item(item, library.library_id) for item in items][:limit]
        except JellyfinParseError as exc:
            raise self._malformed(path, "", exc) from exc

    async def playlists(self) -> list[TargetPlaylist]:
        path = url(
            "/Items",
            ("IncludeItemTypes", "Playlist"),
            ("Recursive", "true"),
            ("Fields", "ChildCount,Overview"),
            ("userId", await self.user_id()),
        )
        data = await self._json("GET", path, EndpointClass.PLAYLIST_READ)
        try:
            items, _ = items_page(data)
            return [playlist_from_item(item) for item in items]
        except JellyfinParseError as exc:
            raise self._malformed(path, "", exc) from exc

    async def playlist_items(self, playlist_id: str) -> list[PlaylistEntry]:
        user = await self.user_id()
        base = f"/Playlists/{encode(playlist_id)}/Items"

        async def fetch(page: Page) -> PageResult[PlaylistEntry]:
            path = url(
                base,
                ("userId", user),
                ("startIndex", str(page.start)),
                ("limit", str(page.size)),
            )
            where = f"at page {page.number}"
            data = await self._json("GET", path, EndpointClass.PLAYLIST_READ, where)
            try:
                items, total = items_page(data)
                return PageResult([entry_from_item(item) for item in items], total)
            except JellyfinParseError as exc:
                raise self._malformed(path, where, exc) from exc

        return await list_all(
            fetch,
            what=f"Jellyfin playlist {playlist_id}",
            page_size=self._settings.page_size,
            key=lambda entry: entry.entry_id,
        )

    async def playlist_tracks(self, playlist_id: str) -> list[TargetTrack]:
        """A playlist's items as tracks, in order, repeats kept, with their MusicBrainz ids
        and file path (``GET /Playlists/{id}/Items`` takes ``fields`` as ``/Items`` does:
        PlaylistsController.GetPlaylistItems, then DtoService)."""
        user = await self.user_id()
        base = f"/Playlists/{encode(playlist_id)}/Items"

        async def fetch(page: Page) -> PageResult[tuple[int, TargetTrack]]:
            path = url(
                base,
                ("userId", user),
                ("fields", TRACK_FIELDS),
                ("enableImages", "false"),
                ("enableUserData", "false"),
                ("startIndex", str(page.start)),
                ("limit", str(page.size)),
            )
            where = f"at page {page.number}"
            data = await self._json("GET", path, EndpointClass.PLAYLIST_READ, where)
            try:
                items, total = items_page(data)
                tracks = [track_from_item(item, "") for item in items]
            except JellyfinParseError as exc:
                raise self._malformed(path, where, exc) from exc
            return PageResult(list(enumerate(tracks, page.start)), total)

        pages = await list_all(
            fetch,
            what=f"Jellyfin playlist {playlist_id}",
            page_size=self._settings.page_size,
            key=lambda numbered: str(numbered[0]),
        )
        return [track for _, track in pages]

    async def read_image(self, path: str, max_bytes: int) -> tuple[bytes, str]:
        """The image at a server path (``/Items/{id}/Images/Primary``), with its Content-Type;
        TargetRejected past ``max_bytes``."""
        return await self._transport.read_image(path, max_bytes)

    async def create_playlist(
        self, title: str, item_ids: Sequence[str], summary: str = ""
    ) -> TargetPlaylist:
        """One POST with the ids in the JSON body: no URL limit applies."""
        body = {
            "Name": title,
            "Ids": list(item_ids),
            "UserId": await self.user_id(),
            "MediaType": "Audio",
            "IsPublic": False,
        }
        data = await self._json("POST", "/Playlists", EndpointClass.PLAYLIST_WRITE, body=body)
        playlist_id = data.get("Id") if isinstance(data, dict) else None
        if not isinstance(playlist_id, str) or not playlist_id:
            raise TargetMalformedResponse("Jellyfin: the created playlist has no Id")
        return TargetPlaylist(playlist_id, title, summary, len(item_ids))

    def _chunked(self, path: str, extra: str, name: str, values: Sequence[str]) -> list[str]:
        head = f"{path}?{extra}&{name}=" if extra else f"{path}?{name}="
        chunks = chunk_by_length(
            list(values),
            fixed_length=len(head),
            limit=self._settings.url_limit,
            item_length=lambda value: len(encode(value)),
            separator_length=3,
        )
        return [head + encode(",".join(chunk)) for chunk in chunks]

    async def keeps_repeats(self) -> bool:
        """Whether this server keeps an item twice in a playlist: by its version (asked
        once per client)."""
        return keeps_repeats(await self.server_version())

    async def writable(self, playlist: TargetPlaylist) -> bool:
        """Whether ``playlist`` (found by title) is this user's to write: the listing shows
        other users' public and shared playlists too, and no item field names the owner.
        ``GET /Playlists/{id}/Users`` answers the owner only (403 to anyone else:
        PlaylistsController.GetPlaylistUsers). It needs a user token; with an API key (400)
        an empty add with ``userId`` asks instead: AddItemToPlaylist allows the owner or a
        user it is shared with for editing (403 otherwise) and adds nothing."""
        path = f"/Playlists/{encode(playlist.playlist_id)}"
        try:
            await self._transport.request("GET", f"{path}/Users", EndpointClass.PLAYLIST_READ)
            return True
        except TargetAuthError:
            return False
        except TargetRejected as exc:
            if exc.status != 400:
                raise
        probe = url(f"{path}/Items", ("userId", await self.user_id()))
        try:
            await self._transport.request(
                "POST", probe, EndpointClass.PLAYLIST_WRITE, idempotent=True
            )
        except TargetAuthError:
            return False
        return True

    async def add_to_playlist(self, playlist_id: str, item_ids: Sequence[str]) -> None:
        """``ids`` travel in the query only, so long lists go in chunks under the limit.
        ``userId`` names the user, so an API key (a token without one) is accepted."""
        if not item_ids:
            return
        extra = f"userId={encode(await self.user_id())}"
        path = f"/Playlists/{encode(playlist_id)}/Items"
        for chunk_url in self._chunked(path, extra, "ids", item_ids):
            await self._transport.request(
                "POST", chunk_url, EndpointClass.PLAYLIST_WRITE, idempotent=False
            )

    async def remove_from_playlist(self, playlist_id: str, entry_ids: Sequence[str]) -> None:
        """Removal takes PlaylistItemId values; from 10.10 on that is the item's id, and
        every entry of it goes. An API key is accepted from 10.11.0 on (jellyfin PR 14154);
        an older server answers 400, which names the way out."""
        if not entry_ids:
            return
        path = f"/Playlists/{encode(playlist_id)}/Items"
        for chunk_url in self._chunked(path, "", "entryIds", list(dict.fromkeys(entry_ids))):
            try:
                await self._transport.request("DELETE", chunk_url, EndpointClass.PLAYLIST_WRITE)
            except TargetRejected as exc:
                if exc.status != 400:
                    raise
                raise TargetRejected(
                    f"{exc} (Jellyfin before 10.11 removes playlist entries only for a user's "
                    "token, not an API key: set JELLYFIN_TOKEN to a user's access token, or "
                    "upgrade the server)",
                    status=exc.status,
                ) from exc

    async def replace_playlist(self, playlist_id: str, item_ids: Sequence[str]) -> None:
        """Remove every entry, then add ``item_ids``. Not the one-call replace
        (``POST /Playlists/{id}`` with ``Ids``): that takes the user from the token alone
        and answers 400 to an API key (PlaylistsController.UpdatePlaylist, 10.9 to 12)."""
        current = await self.playlist_items(playlist_id)
        await self.remove_from_playlist(playlist_id, [e.entry_id for e in current])
        await self.add_to_playlist(playlist_id, item_ids)

    async def move_entry(
        self,
        playlist_id: str,
        entry_id: str,
        new_index: int,
        current: Sequence[PlaylistEntry],  # noqa: ARG002 - TargetClient's signature
    ) -> None:
        """Move one entry (by PlaylistItemId, which PlaylistManager.MoveItemAsync matches)
        to ``new_index``. The server takes the user from the token only, so an API key gets
        400: the sync never moves entries (it removes and appends). ``current`` is taken for
        the common interface (Plex needs it)."""
        await self._transport.request(
            "POST",
            f"/Playlists/{encode(playlist_id)}/Items/{encode(entry_id)}/Move/{int(new_index)}",
            EndpointClass.PLAYLIST_WRITE,
            idempotent=True,
        )

    async def update_playlist(
        self, playlist_id: str, *, title: str | None = None, summary: str | None = None
    ) -> None:
        """Rename, and set the description. ``POST /Playlists/{id}`` with ``Name`` renames
        for a user's token; an API key gets 400 there, and then the item's metadata is
        rewritten with the new name (``POST /Items/{id}``, which takes API keys). The
        playlist update takes no description (``UpdatePlaylistDto``: Name, Ids, Users,
        IsPublic), so ``summary`` is the item's ``Overview``, set the same way: that
        route requires elevation, so a user who is not an administrator gets 403
        (TargetAuthError)."""
        if title is not None:
            path = f"/Playlists/{encode(playlist_id)}"
            try:
                await self._transport.request(
                    "POST",
                    path,
                    EndpointClass.PLAYLIST_WRITE,
                    json={"Name": title},
                    idempotent=True,
                )
            except TargetRejected as exc:
                if exc.status != 400:
                    raise
                await self._edit_item(playlist_id, {"Name": title})
        if summary is not None:
            await self._edit_item(playlist_id, {"Overview": summary})

    async def _edit_item(self, playlist_id: str, changes: dict[str, str]) -> None:
        """ItemUpdateController.UpdateItem replaces every editable field from the body, so
        the item is read whole (``GET /Items/{id}?userId=``) and sent back changed."""
        item_path = f"/Items/{encode(playlist_id)}"
        read = url(item_path, ("userId", await self.user_id()))
        item = await self._json("GET", read, EndpointClass.PLAYLIST_READ)
        if not isinstance(item, dict):
            raise TargetMalformedResponse("Jellyfin: the playlist item is not an object")
        await self._transport.request(
            "POST",
            item_path,
            EndpointClass.PLAYLIST_WRITE,
            json={**item, **changes, "Tags": item.get("Tags") or []},
            idempotent=True,
        )

    async def upload_cover(self, playlist_id: str, image: bytes, content_type: str) -> None:
        """The primary image: ``POST /Items/{id}/Images/Primary``, the bytes base64-encoded
        in the body with the image's Content-Type (ImageController.SetItemImage). It
        requires elevation: an administrator's token or an API key, else 403
        (TargetAuthError)."""
        await self._transport.request(
            "POST",
            f"/Items/{encode(playlist_id)}/Images/Primary",
            EndpointClass.PLAYLIST_WRITE,
            headers={"Content-Type": content_type},
            content=base64.b64encode(image),
            idempotent=True,
        )

    async def delete_playlist(self, playlist_id: str) -> None:
        await self._transport.request(
            "DELETE", f"/Items/{encode(playlist_id)}", EndpointClass.PLAYLIST_WRITE
        )
