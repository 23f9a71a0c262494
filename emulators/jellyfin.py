"""An emulated Jellyfin server: the docs/TARGETS.md subset, plus what
jellyfin-apiclient-python needs to connect."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import re
import time
from array import array
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from json.encoder import encode_basestring as quoted
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from emulators.admin import admin_json, admin_routes
from emulators.fragments import FragmentCache
from emulators.http import fold, search_fold
from emulators.jellyfin_auth import PUBLIC, CaseInsensitivePaths, classify, token_of
from emulators.jellyfin_order import (
    audio_sort_name,
    column_keys,
    order_terms,
    page_with_ties,
    tie_runs,
)
from emulators.jellyfin_users import Forbidden, JUser, named_user
from emulators.knobs import Knobs
from emulators.library import (
    Catalog,
    Section,
    Track,
    added_tracks,
    file_path,
    imported_tracks,
    touched,
)
from emulators.lookup import Flat, ItemIndex, Ordered
from emulators.middleware import EmulatorMiddleware, json_body
from emulators.tracklist import TrackList

TICKS_PER_MS = 10_000
# The fragment cache's key for the fields every listing carries (option sets are frozensets).
_BASE = "base fields"
_FIELD_NAMES = (
    "AirTime",
    "CanDelete",
    "CanDownload",
    "ChannelInfo",
    "Chapters",
    "Trickplay",
    "ChildCount",
    "CumulativeRunTimeTicks",
    "CustomRating",
    "DateCreated",
    "DateLastMediaAdded",
    "DisplayPreferencesId",
    "Etag",
    "ExternalUrls",
    "Genres",
    "ItemCounts",
    "MediaSourceCount",
    "MediaSources",
    "OriginalTitle",
    "Overview",
    "ParentId",
    "Path",
    "People",
    "PlayAccess",
    "ProductionLocations",
    "ProviderIds",
    "PrimaryImageAspectRatio",
    "RecursiveItemCount",
    "Settings",
    "SeriesStudio",
    "SortName",
    "SpecialEpisodeNumbers",
    "Studios",
    "Taglines",
    "Tags",
    "RemoteTrailers",
    "MediaStreams",
    "SeasonUserData",
    "DateLastRefreshed",
    "DateLastSaved",
    "RefreshState",
    "ChannelImage",
    "EnableMediaSourceDisplay",
    "Width",
    "Height",
    "ExtraIds",
    "LocalTrailerCount",
    "IsHD",
    "SpecialFeatureCount",
    "Writer",
    "OfficialRating",
    "Metascore",
    "CriticRating",
    "CriticRatingSummary",
    "ShortOverview",
    "VoteCount",
)
KNOWN_FIELDS = frozenset(f.lower() for f in _FIELD_NAMES)


class BadRequest(Exception):
    pass


class ServerFault(Exception):
    """What the real server answers with a 500 (an unhandled exception)."""


def version_tuple(text: str) -> tuple[int, ...]:
    """ "10.11.11" -> (10, 11, 11); the numeric parts up to the first other one."""
    parts: list[int] = []
    for part in text.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def _hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def iso(epoch: int) -> str:
    """What ``datetime.fromtimestamp(epoch, UTC).strftime(...)`` gives, in half the time."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(epoch))


def parse_iso(value: str) -> int:
    text = value.strip().replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:
        digits = re.match(r"\d*", tail)
        frac = digits.group(0) if digits else ""
        text = head + "." + frac[:6].ljust(6, "0") + tail[len(frac) :]
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"bad date {value!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


# Sources for the playlist behaviour below: jellyfin/jellyfin v10.11.11,
# Jellyfin.Api/Controllers/PlaylistsController.cs (the controller),
# Emby.Server.Implementations/Playlists/PlaylistManager.cs (the manager),
# MediaBrowser.Controller/Playlists/Playlist.cs (visibility).


@dataclass
class JPlaylist:
    playlist_id: str
    name: str
    user_id: str  # the owner (Playlist.OwnerUserId)
    public: bool = False  # Playlist.OpenAccess
    entries: list[tuple[str, str]] = field(default_factory=list)  # (PlaylistItemId, item id)
    shares: list[tuple[str, bool]] = field(default_factory=list)  # (user id, CanEdit)
    overview: str = ""  # the description (BaseItem.Overview)
    image: bytes = b""  # the primary image, decoded
    image_type: str = ""  # its Content-Type

    def visible_to(self, user: str) -> bool:
        """Playlist.IsVisible: public, owned, or shared with the user."""
        return self.public or user == self.user_id or any(u == user for u, _ in self.shares)

    def editable_by(self, user: str) -> bool:
        """The controller's isPermitted for writes: the owner or a share with CanEdit."""
        return user == self.user_id or any(u == user and edit for u, edit in self.shares)


# What the server answers when a playlist route needs a user and the token has none (an API
# key): UserManager.GetUserById throws ArgumentException "Guid can't be empty", which
# Jellyfin.Api/Middleware/ExceptionMiddleware.cs turns into 400 with this plain-text body
# outside a Development build (jellyfin issues 13476 and 15600 show the log side).
NO_USER_BODY = "Error processing request."


class JellyfinState:
    def __init__(
        self,
        catalog: Catalog,
        token: str,
        username: str = "emulator",
        password: str = "emulator",
        api_key: str = "",
        name: str = "cmdarr-emulated-jellyfin",
    ) -> None:
        self.catalog = catalog
        self.name = name
        self.server_id = _hex(f"jellyfin-{catalog.seed}")
        self.user_id = _hex(f"user-{username}")
        self.username = username
        self.password = password
        self.tokens = {token: self.user_id}
        # Every user, by id; the first is the administrator the token above is for.
        self.users: dict[str, JUser] = {
            self.user_id: JUser(self.user_id, username, password, admin=True)
        }
        # API keys (Dashboard > API Keys) authenticate without a user: the server sets
        # IsApiKey and leaves the user empty (Jellyfin.Server.Implementations/Security/
        # AuthorizationContext.cs), and grants the Administrator role
        # (Jellyfin.Api/Auth/CustomAuthenticationHandler.cs).
        self.api_keys = {api_key} if api_key else set()
        self.playlists: dict[str, JPlaylist] = {}
        self.counter = 0
        self.index = ItemIndex([], self.item_id_of)
        # Ids are md5 digests of the seed and a number or name, fixed for the server's life:
        # an album's and an artist's are worked out once each, not per track per listing (a
        # track's is in its rendered fragment).
        self.album_ids: dict[int, str] = {}
        self.artist_ids: dict[str, str] = {}
        self.fragments = FragmentCache()
        # The artists an ``Artists=`` name created (folded names): the server makes an item
        # for a name it does not know, once.
        self.created_artists: set[str] = set()
        self.draws = 0  # listing requests so far: each draws its own order for ties
        self.reindex()

    def item_id(self, track: Track) -> str:
        return self.item_id_of(track.seq)

    def item_id_of(self, seq: int) -> str:
        return _hex(f"jf-{self.catalog.seed}-{seq}")

    def album_id(self, album_seq: int) -> str:
        found = self.album_ids.get(album_seq)
        if found is None:
            found = self.album_ids[album_seq] = _hex(f"album-{self.catalog.seed}-{album_seq}")
        return found

    def artist_id(self, name: str) -> str:
        found = self.artist_ids.get(name)
        if found is None:
            found = self.artist_ids[name] = _hex(f"artist-{self.catalog.seed}-{name}")
        return found

    def next_draw(self) -> int:
        self.draws += 1
        return self.draws

    def view_id(self, section: Section) -> str:
        return _hex(f"view-{self.catalog.seed}-{section.number}")

    def reindex(self) -> None:
        """After any library edit: the id index is rebuilt (at its first lookup) and orders
        dropped. Rendered tracks an edit changed are rendered anew (FragmentCache compares
        them)."""
        self.index = ItemIndex(self.catalog.sections, self.item_id_of)
        self.sorted_cache: dict[tuple[str, ...], Ordered] = {}

    def new_id(self, kind: str) -> str:
        self.counter += 1
        return _hex(f"{kind}-{self.counter}-{time.time_ns()}")

    def add_user(
        self,
        name: str,
        password: str,
        *,
        admin: bool = False,
        libraries: Collection[str] | None = None,
        token: str = "",
    ) -> JUser:
        """A user seeing ``libraries`` (titles; None: every library, ``EnableAllFolders``),
        with ``token`` as a session of theirs when given."""
        views = {s.title: self.view_id(s) for s in self.catalog.sections}
        unknown = sorted(set(libraries or ()) - set(views))
        if unknown:
            raise ValueError(f"no library named {', '.join(unknown)}")
        user = JUser(
            _hex(f"user-{self.server_id}-{name}"),
            name,
            password,
            admin=admin,
            all_folders=libraries is None,
            folders=frozenset(views[t] for t in libraries or ()),
        )
        self.users[user.user_id] = user
        if token:
            self.tokens[token] = user.user_id
        return user

    def user_named(self, name: str) -> JUser | None:
        return next((u for u in self.users.values() if u.name == name), None)

    def sections_for(self, user_id: str) -> list[Section]:
        """The libraries ``user_id`` may see; every one for no user (an API key alone)."""
        if not user_id:
            return list(self.catalog.sections)
        user = self.users.get(user_id)
        if user is None:
            return []
        return [s for s in self.catalog.sections if user.sees(self.view_id(s))]

    def outside(self, user_id: str, item_ids: Collection[str]) -> list[str]:
        """The items among ``item_ids`` in libraries ``user_id`` cannot see."""
        visible = {id(s) for s in self.sections_for(user_id)}
        return [i for i in item_ids if i in self.index and id(self.index[i][0]) not in visible]


class Query:
    """Jellyfin query parameters are case-insensitive: look them up folded."""

    def __init__(self, request: Request) -> None:
        self.values: dict[str, str] = {}
        for key, value in request.query_params.multi_items():
            self.values.setdefault(key.lower(), value)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name.lower(), default)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.get(name)
        if value == "":
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise BadRequest(f"{name} must be a number") from exc

    def list(self, name: str) -> list[str]:
        return [v.strip() for v in self.get(name).split(",") if v.strip()]


def image_tag(image: bytes) -> str:
    """An image's tag: it changes with the image (the server's is derived from the file's
    date; here from the bytes)."""
    return hashlib.md5(image, usedforsecurity=False).hexdigest()


class JellyfinApp:
    def __init__(self, state: JellyfinState, knobs: Knobs) -> None:
        self.state = state
        self.knobs = knobs

    def caller(self, request: Request) -> str:
        """The token's user (``User.GetUserId()``): empty for an API key."""
        return self.state.tokens.get(token_of(request.scope, self.knobs.legacy_auth), "")

    def user_or_caller(self, request: Request, value: str) -> str:
        """The given user id, else the token's user, unchecked (as ``GetPlaylistItems``
        reads ``userId ?? User.GetUserId()``)."""
        return value or self.caller(request)

    def caller_is_admin(self, request: Request) -> bool:
        """An API key carries the Administrator role (CustomAuthenticationHandler); a user
        token their own policy's."""
        caller = self.caller(request)
        user = self.state.users.get(caller)
        return not caller or (user is not None and user.admin)

    def named(self, request: Request, value: str) -> str:
        """``RequestHelpers.GetUserId``: the named user, else the token's; 403 (Forbidden)
        when a user who is not an administrator names someone else."""
        return named_user(self.caller(request), value, self.caller_is_admin(request))

    # -- dtos ----------------------------------------------------------------------------

    def track_dto(self, track: Track, fields: Collection[str]) -> dict[str, Any]:
        """The track as Jellyfin's BaseItemDto; ``track_json`` writes the same as JSON."""
        album_id = self.state.album_id(track.album_seq)
        dto: dict[str, Any] = {
            "Name": track.title,
            "ServerId": self.state.server_id,
            "Id": self.state.item_id(track),
            "Type": "Audio",
            "MediaType": "Audio",
            "IsFolder": False,
            "RunTimeTicks": track.duration_ms * TICKS_PER_MS,
            "ProductionYear": track.year,
            "IndexNumber": track.track_no,
            "ParentIndexNumber": track.disc_no,
            "Artists": list(track.artists),
            "ArtistItems": [{"Name": a, "Id": self.state.artist_id(a)} for a in track.artists],
            "Album": track.album,
            "AlbumId": album_id,
            "AlbumArtist": track.album_artist,
            "AlbumArtists": [
                {"Name": track.album_artist, "Id": self.state.artist_id(track.album_artist)}
            ],
            "LocationType": "FileSystem",
        }
        if "providerids" in fields:
            dto["ProviderIds"] = provider_ids(track)
        if "datecreated" in fields:
            dto["DateCreated"] = iso(track.added_at)
        if "sortname" in fields:
            dto["SortName"] = audio_sort_name(track)
        if "parentid" in fields:
            dto["ParentId"] = album_id
        if "path" in fields:
            dto["Path"] = self._path(track)
        return dto

    def _path(self, track: Track, section: Section | None = None) -> str:
        """The file's path, with ``Fields=Path`` only (DtoService: ``ItemFields.Path``, then
        ``GetMappedPath``)."""
        if section is None:
            found = self.state.index.get(self.state.item_id(track))
            section = found[0] if found is not None else None
        return file_path(section, track) if section is not None else ""

    def track_json(self, track: Track, fields: Collection[str]) -> bytes:
        """``track_dto`` as compact JSON, written out directly: building the dict and
        encoding it cost about 40 us a track, most of a listing's CPU. A test holds the
        two to the same bytes for every track and field."""
        return self._with_fields(self._base_json(track), track, fields)

    def _base_json(self, track: Track) -> bytes:
        """The fields every listing carries, without the closing brace: shared by every
        set of optional fields (a track listing's and an id sweep's)."""
        q = quoted
        album_artist = q(track.album_artist)
        artist_items = ",".join(
            [f'{{"Name":{q(a)},"Id":"{self.state.artist_id(a)}"}}' for a in track.artists]
        )
        parts = [
            f'{{"Name":{q(track.title)}',
            f'"ServerId":"{self.state.server_id}"',
            f'"Id":"{self.state.item_id(track)}"',
            '"Type":"Audio","MediaType":"Audio","IsFolder":false',
            f'"RunTimeTicks":{track.duration_ms * TICKS_PER_MS}',
            f'"ProductionYear":{track.year}',
            f'"IndexNumber":{track.track_no}',
            f'"ParentIndexNumber":{track.disc_no}',
            f'"Artists":[{",".join([q(a) for a in track.artists])}]',
            f'"ArtistItems":[{artist_items}]',
            f'"Album":{q(track.album)}',
            f'"AlbumId":"{self.state.album_id(track.album_seq)}"',
            f'"AlbumArtist":{album_artist}',
            f'"AlbumArtists":[{{"Name":{album_artist},'
            f'"Id":"{self.state.artist_id(track.album_artist)}"}}]',
            '"LocationType":"FileSystem"',
        ]
        return ",".join(parts).encode()

    def _with_fields(
        self, base: bytes, track: Track, fields: Collection[str], section: Section | None = None
    ) -> bytes:
        """``base`` with the optional fields asked for, closed."""
        q = quoted
        parts: list[str] = []
        if "providerids" in fields:
            ids = ",".join([f"{q(k)}:{q(v)}" for k, v in provider_ids(track).items()])
            parts.append(f'"ProviderIds":{{{ids}}}')
        if "datecreated" in fields:
            parts.append(f'"DateCreated":"{iso(track.added_at)}"')
        if "sortname" in fields:
            parts.append(f'"SortName":{q(audio_sort_name(track))}')
        if "parentid" in fields:
            parts.append(f'"ParentId":"{self.state.album_id(track.album_seq)}"')
        if "path" in fields:
            parts.append(f'"Path":{q(self._path(track, section))}')
        if not parts:
            return base + b"}"
        return base + ("," + ",".join(parts) + "}").encode()

    def _track_fragment(
        self, fields: Collection[str], track: Track, sections: dict[int, Section] | None = None
    ) -> bytes:
        """``track_json``, its base part cached; ``sections`` says where a page's tracks
        are (their paths), by ``seq``."""
        base = self.state.fragments.one(_BASE, track, self._base_json)
        return self._with_fields(base, track, fields, (sections or {}).get(track.seq))

    def view_dto(self, section: Section) -> dict[str, Any]:
        return {
            "Name": section.title,
            "ServerId": self.state.server_id,
            "Id": self.state.view_id(section),
            "Type": "CollectionFolder",
            "CollectionType": "music",  # the audiobook library is music-typed too: a trap
            "IsFolder": True,
        }

    def playlist_dto(self, playlist: JPlaylist, fields: set[str]) -> dict[str, Any]:
        dto: dict[str, Any] = {
            "Name": playlist.name,
            "ServerId": self.state.server_id,
            "Id": playlist.playlist_id,
            "Type": "Playlist",
            "MediaType": "Audio",
            "IsFolder": True,
        }
        if "childcount" in fields:
            dto["ChildCount"] = len(playlist.entries)
        if "overview" in fields:  # DtoService: only when Fields asks for it
            dto["Overview"] = playlist.overview
        # BaseItemDto.ImageTags: the item's images by type, each with a tag that changes
        # with the image (DtoService fills it from the item's ImageInfos).
        dto["ImageTags"] = {"Primary": image_tag(playlist.image)} if playlist.image else {}
        return dto

    def user_dto(self, user_id: str = "") -> dict[str, Any]:
        return self.state.users[user_id or self.state.user_id].dto(self.state.server_id)

    # -- system and users ----------------------------------------------------------------

    def public_info(self) -> dict[str, Any]:
        return {
            "LocalAddress": "",
            "ServerName": self.state.name,
            "Version": self.knobs.jellyfin_version,
            "ProductName": "Jellyfin Server",
            "OperatingSystem": "Linux",
            "Id": self.state.server_id,
            "StartupWizardCompleted": True,
        }

    async def info_public(self, _request: Request) -> Response:
        return JSONResponse(self.public_info())

    async def info(self, _request: Request) -> Response:
        return JSONResponse({**self.public_info(), "HasPendingRestart": False})

    async def configuration(self, _request: Request) -> Response:
        return JSONResponse({"EnableLegacyAuthorization": self.knobs.legacy_auth})

    async def authenticate(self, request: Request) -> Response:
        # ASP.NET binds JSON bodies case-insensitively: "username" works as well as "Username".
        data = {str(k).lower(): v for k, v in (await request.json()).items()}
        user = self.state.user_named(str(data.get("username", "")))
        if user is None or data.get("pw") != user.password:
            return Response("Error processing request.", 401)
        token = self.state.new_id("token")
        self.state.tokens[token] = user.user_id
        return JSONResponse(
            {
                "User": self.user_dto(user.user_id),
                "SessionInfo": {"UserId": user.user_id},
                "AccessToken": token,
                "ServerId": self.state.server_id,
            }
        )

    async def me(self, request: Request) -> Response:
        # UserController.GetCurrentUser: BadRequest when the token has no user (an API key).
        if not self.caller(request):
            return Response(status_code=400)
        return JSONResponse(self.user_dto(self.caller(request)))

    async def users(self, _request: Request) -> Response:
        """``GET /Users``: every user, to any authenticated caller, ordered by name
        (UserController.cs ``GetUsers``, ``Get``)."""
        users = sorted(self.state.users.values(), key=lambda u: u.name)
        return JSONResponse([u.dto(self.state.server_id) for u in users])

    async def public_users(self, _request: Request) -> Response:
        return JSONResponse([])

    async def user(self, request: Request) -> Response:
        if request.path_params["uid"] not in self.state.users:
            return Response("User not found", 404)
        return JSONResponse(self.user_dto(request.path_params["uid"]))

    async def user_views(self, request: Request) -> Response:
        """``/UserViews`` came with 10.9.0 (jellyfin/jellyfin v10.9.0,
        Jellyfin.Api/Controllers/UserViewsController.cs, GetUserViews); 10.8 has only
        ``/Users/{userId}/Views`` (v10.8.13, same file)."""
        if version_tuple(self.knobs.jellyfin_version) < (10, 9):
            return Response("Not Found", 404)
        return await self.views(request)

    async def views(self, request: Request) -> Response:
        """A user's libraries (UserViewsController ``GetUserViews``): the named user's (an
        administrator or API key may name anyone, others get 403) or the token's; those
        the user may see (UserViewManager ``GetUserViews``). An API key naming nobody has
        no user: ``GetUserById`` of an empty id answers 400."""
        named = request.path_params.get("uid") or Query(request).get("userId")
        user = self.named(request, named)
        if not user:
            return PlainTextResponse(NO_USER_BODY, 400)
        if user not in self.state.users:  # GetUserById ?? throw ResourceNotFoundException
            return Response(status_code=404)
        items = [self.view_dto(s) for s in self.state.sections_for(user)]
        return JSONResponse({"Items": items, "TotalRecordCount": len(items), "StartIndex": 0})

    async def media_folders(self, _request: Request) -> Response:
        """``GET /Library/MediaFolders`` (elevated): every library, whoever asks."""
        items = [self.view_dto(s) for s in self.state.catalog.sections]
        return JSONResponse({"Items": items, "TotalRecordCount": len(items), "StartIndex": 0})

    # -- items ---------------------------------------------------------------------------

    def _fields(self, query: Query) -> set[str]:
        """The ``Fields`` asked for. An unknown name is dropped, not refused: the comma-
        delimited model binder catches the enum converter's FormatException and leaves the
        value out (jellyfin/jellyfin v10.10.7, Jellyfin.Api/ModelBinders/
        CommaDelimitedArrayModelBinder.cs, GetParsedResult; v10.11.11,
        CommaDelimitedCollectionModelBinder.cs)."""
        return {f.lower() for f in query.list("Fields")} & KNOWN_FIELDS

    async def items(self, request: Request) -> Response:
        query = Query(request)
        fields = self._fields(query)
        types = {t.lower() for t in query.list("IncludeItemTypes")}
        parent = query.get("ParentId")
        start = query.int("StartIndex", 0) or 0
        limit = self.knobs.cap(query.int("Limit"))
        ids = query.list("Ids")
        user = self.named(request, request.path_params.get("uid") or query.get("userId"))
        if user and user not in self.state.users:  # GetItems: ResourceNotFoundException
            return Response(status_code=404)
        refused = self._not_permitted(request, user, parent)
        if refused is not None:
            return refused
        if ids:
            found: list[dict[str, Any]] = []
            for item_id in ids:
                if item_id in self.state.index:
                    found.append(self.track_dto(self.state.index[item_id][1], fields))
                elif item_id in self.state.playlists:
                    found.append(self.playlist_dto(self.state.playlists[item_id], fields))
            return JSONResponse({"Items": found, "TotalRecordCount": len(found), "StartIndex": 0})
        if not types and not parent and query.get("Recursive").lower() != "true":
            return await self.views(request)
        dtos: list[dict[str, Any]]
        if types == {"playlist"}:
            # The user's view: what Playlist.IsVisible lets them see (an API key without a
            # userId sees every playlist).
            playlists = [p for p in self.state.playlists.values() if not user or p.visible_to(user)]
            dtos = [self.playlist_dto(p, fields) for p in playlists]
        elif types and "audio" not in types:
            dtos = []
        else:
            tracks = self._tracks(self._sections(parent, user), parent, query)
            total = len(tracks)
            stop = total if limit is None else start + limit
            page = page_with_ties(tracks, tracks.ties, start, stop, self.state.next_draw())
            if request.scope.get("state", {}).get("short_page") and page:
                page = page[: len(page) // 2]
            render = partial(self._track_fragment, fields, sections={t.seq: s for s, t in page})
            tracks_of_page = [t for _, t in page]
            items = self.state.fragments.render(frozenset(fields), tracks_of_page, render)
            return Response(_items_body(items, total, start), media_type="application/json")
        page_dtos = dtos[start : None if limit is None else start + limit]
        return JSONResponse(
            {"Items": page_dtos, "TotalRecordCount": len(dtos), "StartIndex": start}
        )

    def _sections(self, parent: str, user: str) -> list[Section]:
        """The libraries a query covers: the parent's, else the user's (LibraryManager
        ``AddUserToQuery`` restricts a query with no parent to the user's views; with a
        parent, the parent restricts it instead). No user (an API key alone): every one."""
        if parent:
            return [s for s in self.state.catalog.sections if self.state.view_id(s) == parent]
        return self.state.sections_for(user)

    def _not_permitted(self, request: Request, user: str, parent: str) -> Response | None:
        """ItemsController ``GetItems``: a parent library the user may not see is refused
        with 401 to a user's token; "api keys can always access all folders"."""
        if not parent or not user or not self.caller(request):
            return None
        hidden = [s for s in self.state.catalog.sections if self.state.view_id(s) == parent]
        if not hidden or any(s is hidden[0] for s in self.state.sections_for(user)):
            return None
        name = self.state.users[user].name if user in self.state.users else user
        text = f"{name} is not permitted to access Library {hidden[0].title}."
        return PlainTextResponse(text, 401)

    def _tracks(self, sections: list[Section], parent: str, query: Query) -> Ordered:
        """The tracks a listing of ``sections`` matches, in the server's order, with their
        runs of equal sort keys (ties, which ``page_with_ties`` orders anew for each
        request)."""
        if parent and not sections:
            flat = Flat(self.state.catalog.sections)
            album_seqs = array("q")
            for s in flat.sections:
                album_seqs.extend(s.tracks.ints["album_seq"])
            album = [p for p, a in enumerate(album_seqs) if self.state.album_id(a) == parent]
            numbers = [flat[p][1].track_no for p in album]
            order = sorted(range(len(album)), key=numbers.__getitem__)
            ties = tie_runs(numbers[i] for i in order)
            return Ordered(flat, [album[i] for i in order], ties)
        term = query.get("searchTerm")
        saved = query.get("minDateLastSaved")
        named = [n for n in query.get("Artists").split("|") if n.strip()]
        artist_ids = set(query.list("ArtistIds"))
        terms = order_terms(query.list("SortBy"))
        descending = query.get("SortOrder").lower().startswith("desc")
        # Artists= writes (one artist item per unknown name), whether or not the listing is
        # served from the cache below.
        self._resolve_artists(named)
        cache_key = (
            ",".join(str(s.number) for s in sections),
            parent,
            term,
            "|".join(named),
            ",".join(sorted(artist_ids)),
            saved,
            self.knobs.jellyfin_version,
            str(descending),
            *terms,
        )
        cached = self.state.sorted_cache.get(cache_key)
        if cached is not None:  # paging re-sorts nothing: the order is kept until an edit
            return cached
        flat = Flat(sections)
        # Flat positions, filtered on the columns; a track is built only where a filter
        # needs one whole.
        chosen: list[int] = list(range(len(flat)))
        if term:
            want = search_fold(term)
            chosen = _flat_positions(
                flat, lambda tracks: tracks.where("title", lambda title: want in search_fold(title))
            )
        folded = {search_fold(n) for n in named}
        if folded:  # whole names, track or album artist (case-insensitive; unverified)
            credited = set(
                _flat_positions(
                    flat, lambda tracks: tracks.where_credited(lambda n: search_fold(n) in folded)
                )
            )
            chosen = [p for p in chosen if p in credited]
        if artist_ids:
            # Track or album artist: BaseItemRepository.TranslateQuery, ArtistIds
            # (jellyfin/jellyfin v10.11.11, WhereReferencedItemMultipleTypes with the types
            # Artist and AlbumArtist).
            ids_of = self.state.artist_id
            credited = set(
                _flat_positions(
                    flat, lambda tracks: tracks.where_credited(lambda n: ids_of(n) in artist_ids)
                )
            )
            chosen = [p for p in chosen if p in credited]
        if saved:
            chosen = self._saved_since(flat, chosen, parse_iso(saved))
        keys = column_keys(flat.sections, flat.starts, terms, chosen)  # as ``chosen``
        ranks = sorted(range(len(chosen)), key=keys.__getitem__, reverse=descending)
        order = list(map(chosen.__getitem__, ranks))
        ordered = Ordered(flat, order, tie_runs(map(keys.__getitem__, ranks)))
        del keys
        self.state.sorted_cache[cache_key] = ordered
        return ordered

    def _saved_since(self, flat: Flat, chosen: list[int], since: int) -> list[int]:
        """``minDateLastSaved`` as each version applies it. From 10.11 (EF Core) it filters
        on DateLastSaved (jellyfin/jellyfin v10.11.11, Jellyfin.Server.Implementations/
        Item/BaseItemRepository.cs, TranslateQuery: ``DateLastSaved >= MinDateLastSaved``).
        Before, SqliteItemRepository.GetWhereClauses (v10.8.13 to v10.10.7) writes
        ``DateLastSaved>=@MinDateLastSavedForUser`` but binds ``@MinDateLastSaved``:
        Microsoft.Data.Sqlite (10.9, 10.10) refuses a statement with an unbound parameter
        (SqliteCommand: "Must add values for the following parameters"), a 500; SQLitePCL
        (10.8) leaves it NULL, so no row passes. See also jellyfin/jellyfin issue 17542."""
        version = version_tuple(self.knobs.jellyfin_version)
        if version >= (10, 11):
            updated = array("q")
            for section in flat.sections:
                updated.extend(section.tracks.ints["updated_at"])
            return [p for p in chosen if updated[p] >= since]
        if version >= (10, 9):
            raise ServerFault(
                "Must add values for the following parameters: @MinDateLastSavedForUser"
            )
        return []

    def _resolve_artists(self, names: list[str]) -> None:
        """``Artists=`` resolves each name with LibraryManager.GetArtist, which creates a
        MusicArtist item (and its metadata folder) for a name it does not know
        (jellyfin/jellyfin v10.11.11, Jellyfin.Api/Controllers/ItemsController.cs,
        GetItems; Emby.Server.Implementations/Library/LibraryManager.cs, GetArtist ->
        CreateItemByName: Directory.CreateDirectory, CreateItem). Each such creation is
        counted (``GET /__admin/state``, ``side_effects``). Without a name there is nothing
        to resolve, and the artist set (every track's) is not built: a listing stays cheap."""
        if not names:
            return
        known = {
            search_fold(a) for s in self.state.catalog.sections for a in s.tracks.credited_names()
        }
        for name in names:
            folded = search_fold(name.strip())
            if folded and folded not in known and folded not in self.state.created_artists:
                self.state.created_artists.add(folded)
                self.knobs.side_effect("artists_created")

    async def artists(self, request: Request) -> Response:
        """``GET /Artists``: the artists of the items under ``parentId`` whose name holds
        ``searchTerm``, by name; read-only (jellyfin/jellyfin v10.11.11,
        Jellyfin.Api/Controllers/ArtistsController.cs, GetArtists: searchTerm, parentId,
        startIndex, limit, fields)."""
        query = Query(request)
        self._fields(query)
        parent = query.get("ParentId")
        sections = self._sections(parent, self.named(request, query.get("userId")))
        term = search_fold(query.get("searchTerm"))
        names: dict[str, str] = {}
        for section in sections:
            for name in section.tracks.credited_names():
                if name and term in search_fold(name):
                    names.setdefault(search_fold(name), name)
        found = sorted(names.values(), key=fold)
        start = query.int("StartIndex", 0) or 0
        limit = query.int("Limit")
        page = found[start : None if limit is None else start + limit]
        items = [
            {
                "Name": name,
                "ServerId": self.state.server_id,
                "Id": self.state.artist_id(name),
                "Type": "MusicArtist",
                "IsFolder": True,
            }
            for name in page
        ]
        return JSONResponse({"Items": items, "TotalRecordCount": len(found), "StartIndex": start})

    async def item(self, request: Request) -> Response:
        item_id = request.path_params["item"]
        fields = self._fields(Query(request))
        if item_id in self.state.index:
            return JSONResponse(self.track_dto(self.state.index[item_id][1], fields))
        if item_id in self.state.playlists:
            # UserLibraryController.GetItem builds the DTO with every field (DtoOptions()),
            # so the description comes whatever Fields says.
            playlist = self.state.playlists[item_id]
            return JSONResponse(self.playlist_dto(playlist, fields | {"overview"}))
        for section in self.state.catalog.sections:
            if self.state.view_id(section) == item_id:
                return JSONResponse(self.view_dto(section))
        return Response("Not Found", 404)

    async def delete_item(self, request: Request) -> Response:
        if self.state.playlists.pop(request.path_params["item"], None) is None:
            return Response("Not Found", 404)
        return Response(status_code=204)

    # -- playlists -----------------------------------------------------------------------

    def _playlist(self, request: Request) -> JPlaylist | None:
        return self.state.playlists.get(request.path_params["pid"])

    def _append(self, playlist: JPlaylist, ids: list[str]) -> None:
        """PlaylistManager.AddToPlaylistInternal (v10.10 to v10.11; v10.9 by default): an
        item already in the playlist, or named twice in the request, is dropped. The entry
        id reported as PlaylistItemId is the item's own id: the controller's GetPlaylistItems
        reports LinkedChild.ItemId, which BaseItem.GetLinkedChild caches as the item's Id."""
        present = {item for _, item in playlist.entries}
        for item_id in ids:
            if item_id in self.state.index and item_id not in present:
                playlist.entries.append((item_id, item_id))
                present.add(item_id)
        # The server keeps library access out of nothing here (AddToPlaylistInternal checks
        # parental ratings and tags only, BaseItem.IsVisible), so an item of a library the
        # owner cannot see is stored; it is counted for tests to assert none was sent.
        for _ in self.state.outside(playlist.user_id, set(ids)):
            self.knobs.side_effect("items_outside_user_libraries")

    def _checked(
        self, request: Request, user: str, *, write: bool
    ) -> tuple[JPlaylist | None, Response | None]:
        """The controller's common checks: a user is needed (400 without one), the playlist
        must be visible to them (404) and, for writes, theirs or shared with CanEdit (403)."""
        if not user:
            return None, PlainTextResponse(NO_USER_BODY, 400)
        playlist = self._playlist(request)
        if playlist is None or not playlist.visible_to(user):
            return None, Response("Playlist not found", 404)
        if write and not playlist.editable_by(user):
            return None, Response(status_code=403)
        return playlist, None

    async def create_playlist(self, request: Request) -> Response:
        query = Query(request)
        body = await request.json() if await request.body() else {}
        name = body.get("Name") or query.get("Name")
        ids: list[Any] = body["Ids"] if body.get("Ids") is not None else query.list("Ids")
        # The owner is the user named (an administrator or API key may name anyone: 403 to
        # others), else the token's (RequestHelpers.GetUserId).
        user = self.named(request, query.get("UserId") or str(body.get("UserId") or ""))
        if not user:  # CreatePlaylist: GetUserById(empty) for an API key without UserId
            return PlainTextResponse(NO_USER_BODY, 400)
        if not name:
            raise BadRequest("Name is required")
        # A JSON body without IsPublic makes a public playlist: CreatePlaylistDto.IsPublic
        # defaults to true (10.9 to 10.11); the obsolete query-only form (no body) makes a
        # private one (PlaylistManager.CreatePlaylist: OpenAccess = request.Public ?? false).
        public = bool(body.get("IsPublic", True)) if body else False
        shares = [
            (str(s.get("UserId", "")), bool(s.get("CanEdit")))
            for s in body.get("Users") or []
            if isinstance(s, dict)
        ]
        playlist = JPlaylist(self.state.new_id("playlist"), name, user, public, shares=shares)
        self._append(playlist, [str(i) for i in ids])
        self.state.playlists[playlist.playlist_id] = playlist
        return JSONResponse({"Id": playlist.playlist_id})

    async def get_playlist(self, request: Request) -> Response:
        """GetPlaylist (10.10 on): no owner in the answer, only OpenAccess and Shares."""
        playlist, refused = self._checked(request, self.caller(request), write=False)
        if playlist is None:
            return refused or Response(status_code=404)
        return JSONResponse(
            {
                "OpenAccess": playlist.public,
                "Shares": [{"UserId": u, "CanEdit": e} for u, e in playlist.shares],
                "ItemIds": [item for _, item in playlist.entries],
            }
        )

    async def playlist_users(self, request: Request) -> Response:
        """GetPlaylistUsers: the shares, to the owner only (403 to anyone else)."""
        user = self.caller(request)
        playlist, refused = self._checked(request, user, write=False)
        if playlist is None:
            return refused or Response(status_code=404)
        if user != playlist.user_id:
            return Response(status_code=403)
        return JSONResponse([{"UserId": u, "CanEdit": e} for u, e in playlist.shares])

    async def update_playlist(self, request: Request) -> Response:
        """UpdatePlaylist takes the user from the token only (``User.GetUserId()``), so an
        API key gets 400, whatever the body (jellyfin issues 13476, 15600)."""
        playlist, refused = self._checked(request, self.caller(request), write=True)
        if playlist is None:
            return refused or Response(status_code=404)
        body = await request.json() if await request.body() else {}
        if body.get("Name"):
            playlist.name = body["Name"]
        if body.get("Ids") is not None:
            playlist.entries = []
            self._append(playlist, [str(i) for i in body["Ids"]])
        if body.get("IsPublic") is not None:
            playlist.public = bool(body["IsPublic"])
        return Response(status_code=204)

    async def update_item(self, request: Request) -> Response:
        """ItemUpdateController.UpdateItem (``POST /Items/{id}``, elevated: an API key or an
        administrator): the item's metadata from a full BaseItemDto; ``Name`` renames."""
        if not self.caller_is_admin(request):
            return Response(status_code=403)
        playlist = self.state.playlists.get(request.path_params["item"])
        if playlist is None:
            return Response("Not Found", 404)
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("Tags"), list):
            # UpdateItem reads request.Tags unguarded (currentTags.Except(newTags)).
            raise BadRequest("the item update needs the whole item, Tags included")
        playlist.name = str(body.get("Name") or "")
        # UpdateItem sets item.Overview = request.Overview: absent from the body, it is
        # cleared (ItemUpdateController.cs:248), which is why callers send the whole item.
        playlist.overview = str(body.get("Overview") or "")
        return Response(status_code=204)

    async def set_item_image(self, request: Request) -> Response:
        """ImageController.SetItemImage (``POST /Items/{itemId}/Images/{imageType}``):
        ``RequiresElevation`` (an administrator's token or an API key, else 403), the item
        (404), an image Content-Type (``MimeTypes.IsImage``, else 400 "Incorrect
        ContentType."), then the body read as base64 (``GetFromBase64Stream``); 204."""
        if not self.caller_is_admin(request):
            return Response(status_code=403)
        playlist = self.state.playlists.get(request.path_params["item"])
        if playlist is None:
            return Response("Not Found", 404)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content_type.startswith("image/"):
            return PlainTextResponse("Incorrect ContentType.", 400)
        if request.path_params["type"] != "Primary":
            raise BadRequest("only the Primary image is emulated")
        try:
            image = base64.b64decode(await request.body(), validate=True)
        except binascii.Error:
            # A FromBase64Transform on bad input throws FormatException: 500 from the
            # exception middleware (not a status the client relies on).
            return PlainTextResponse("Error processing request.", 500)
        playlist.image, playlist.image_type = image, content_type
        return Response(status_code=204)

    async def get_item_image(self, request: Request) -> Response:
        """ImageController.GetItemImage (``GET /Items/{itemId}/Images/{imageType}``): the
        item as the token's user sees it (``GetItemById<BaseItem>(itemId,
        User.GetUserId())``, 404 when there is none), then its image (404 without one)."""
        playlist = self.state.playlists.get(request.path_params["item"])
        user = self.caller(request)
        if playlist is None or (user and not playlist.visible_to(user)):
            return Response("Not Found", 404)
        if request.path_params["type"] != "Primary" or not playlist.image:
            return Response("Not Found", 404)
        return Response(playlist.image, media_type=playlist.image_type)

    async def playlist_items(self, request: Request) -> Response:
        query = Query(request)
        user = self.user_or_caller(request, query.get("userId"))
        playlist, refused = self._checked(request, user, write=False)
        if playlist is None:
            return refused or Response(status_code=404)
        fields = self._fields(query)
        start = query.int("StartIndex", 0) or 0
        limit = self.knobs.cap(query.int("Limit"))
        page = playlist.entries[start : None if limit is None else start + limit]
        items = []
        for entry, item_id in page:
            found = self.state.index.get(item_id)
            if found is not None:
                items.append({**self.track_dto(found[1], fields), "PlaylistItemId": entry})
        if request.scope.get("state", {}).get("short_page") and items:
            items = items[: len(items) // 2]
        return JSONResponse(
            {"Items": items, "TotalRecordCount": len(playlist.entries), "StartIndex": start}
        )

    async def add_items(self, request: Request) -> Response:
        """AddItemToPlaylist: ``userId`` from the query, else the token's user, so an API
        key works when the user is named."""
        query = Query(request)
        user = self.named(request, query.get("userId"))
        playlist, refused = self._checked(request, user, write=True)
        if playlist is None:
            return refused or Response(status_code=404)
        self._append(playlist, query.list("Ids"))
        return Response(status_code=204)

    async def remove_items(self, request: Request) -> Response:
        """RemoveItemFromPlaylist: an API key passes without a user (10.11.0 on, jellyfin
        PR 14154); every entry whose PlaylistItemId is named goes."""
        user = self.caller(request)
        if user:
            playlist, refused = self._checked(request, user, write=True)
            if playlist is None:
                return refused or Response(status_code=404)
        else:
            playlist = self._playlist(request)
            if playlist is None:
                return Response(status_code=404)
        gone = set(Query(request).list("EntryIds"))
        playlist.entries = [(e, i) for e, i in playlist.entries if e not in gone]
        return Response(status_code=204)

    async def move_item(self, request: Request) -> Response:
        """MoveItem takes the token's user only (400 for an API key) and the PlaylistItemId
        (PlaylistManager.MoveItemAsync matches LinkedChild.ItemId)."""
        playlist, refused = self._checked(request, self.caller(request), write=True)
        if playlist is None:
            return refused or Response(status_code=404)
        entry = request.path_params["entry"]
        index = int(request.path_params["index"])
        moving = [(e, i) for e, i in playlist.entries if e == entry]
        if not moving:
            return Response("Not Found", 404)
        rest = [(e, i) for e, i in playlist.entries if e != entry]
        playlist.entries = rest[:index] + moving + rest[index:]
        return Response(status_code=204)

    # -- admin ---------------------------------------------------------------------------

    def mutate(self, data: dict[str, Any]) -> dict[str, Any]:
        """Admin edits for change detection: ``touch`` and ``delete`` take item ids; ``add``
        scans that many new tracks into the first music library."""
        now = int(time.time())
        touched_ids = []
        for item_id in data.get("touch", []):
            found = self.state.index.get(str(item_id))
            if found:
                section, track = found
                section.tracks[section.tracks.index(track)] = touched(track, now, data.get("title"))
                touched_ids.append(str(item_id))
        gone = {str(i) for i in data.get("delete", [])}
        deleted = 0
        gone_seqs = {found[1].seq for i in gone if (found := self.state.index.get(i))}
        for section in self.state.catalog.sections:
            deleted += section.tracks.drop_seqs(gone_seqs)
        added: list[str] = []
        music = [s for s in self.state.catalog.sections if s.kind == "music"]
        if int(data.get("add", 0)) > 0 and music:
            fresh = added_tracks(self.state.catalog, int(data["add"]), now)
            music[0].tracks.extend(fresh)
            added = [self.state.item_id(t) for t in fresh]
        if data.get("import") and music:
            # Downloads a library scan picked up (the emulated Lidarr's deliveries).
            imported = imported_tracks(self.state.catalog, list(data["import"]), now)
            music[0].tracks.extend(imported)
            added += [self.state.item_id(t) for t in imported]
        self.state.reindex()
        return {"added": added, "touched": touched_ids, "deleted": deleted, "now": now}

    def playlists_by_user(self) -> dict[str, Any]:
        """Every playlist with its owner, shares and items, and the items of libraries the
        owner cannot see (``GET /__admin/playlists``)."""
        out = []
        for p in self.state.playlists.values():
            owner = self.state.users.get(p.user_id)
            items = [item for _, item in p.entries]
            out.append(
                {
                    "id": p.playlist_id,
                    "title": p.name,
                    "owner": p.user_id,
                    "owner_name": owner.name if owner else p.user_id,
                    "public": p.public,
                    "shares": [{"UserId": u, "CanEdit": e} for u, e in p.shares],
                    "items": items,
                    "outside_owner_libraries": self.state.outside(p.user_id, items),
                    "overview": p.overview,
                    "image_tags": {"Primary": image_tag(p.image)} if p.image else {},
                    "image_type": p.image_type,
                }
            )
        return {"playlists": out}

    def users_by_id(self) -> dict[str, Any]:
        """Every user and the libraries they may see (``GET /__admin/users``)."""
        return {
            "users": [
                {
                    "id": u.user_id,
                    "name": u.name,
                    "admin": u.admin,
                    "libraries": [s.title for s in self.state.sections_for(u.user_id)],
                }
                for u in self.state.users.values()
            ]
        }

    def ids(self) -> dict[str, Any]:
        return {
            "sections": {
                self.state.view_id(s): {
                    "title": s.title,
                    "kind": s.kind,
                    "ids": [self.state.item_id_of(seq) for seq in s.tracks.ints["seq"]],
                }
                for s in self.state.catalog.sections
            },
            "user_id": self.state.user_id,
        }


def _items_body(items: list[bytes], total: int, start: int) -> bytes:
    """The body JSONResponse renders for these items, joined from rendered fragments."""
    tail = json_body({"TotalRecordCount": total, "StartIndex": start})
    return b"".join([b'{"Items":[', b",".join(items), b"],", tail[1:]])


def _flat_positions(flat: Flat, pick: Callable[[TrackList], list[int]]) -> list[int]:
    """The flat positions of what ``pick`` finds in each section's tracks."""
    out: list[int] = []
    for section, start in zip(flat.sections, flat.starts, strict=False):
        out += [start + p for p in pick(section.tracks)]
    return out


def provider_ids(track: Track) -> dict[str, str]:
    ids = {"MusicBrainzAlbum": _hex(f"mb-album-{track.album_seq}")}
    if track.mbid:
        ids["MusicBrainzRecording"] = track.mbid
        # The release-track id: a different MBID, a trap for clients that take it.
        ids["MusicBrainzTrack"] = _uuid_from(f"release-track-{track.seq}")
    # One id each, as Jellyfin keeps only the first of a multi-valued tag.
    if track.artist_mbids:
        ids["MusicBrainzArtist"] = track.artist_mbids[0]
    if track.album_artist_mbid:
        ids["MusicBrainzAlbumArtist"] = track.album_artist_mbid
    return ids


def _uuid_from(text: str) -> str:
    digest = _hex(text)
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"


def sort_name(title: str) -> str:
    folded = fold(title)
    for article in ("the ", "a ", "an "):
        if folded.startswith(article):
            return folded[len(article) :]
    return folded


def build_jellyfin(
    catalog: Catalog,
    knobs: Knobs,
    token: str,
    closing: asyncio.Event,
    api_key: str = "",
    *,
    name: str = "cmdarr-emulated-jellyfin",
) -> tuple[ASGIApp, JellyfinApp]:
    state = JellyfinState(catalog, token, api_key=api_key, name=name)
    app = JellyfinApp(state, knobs)
    routes = [
        Route("/System/Info/Public", app.info_public),
        Route("/System/Info", app.info),
        Route("/System/Configuration", app.configuration),
        Route("/Users/AuthenticateByName", app.authenticate, methods=["POST"]),
        Route("/Users/Me", app.me),
        Route("/Users/Public", app.public_users),
        Route("/Users", app.users),
        Route("/Users/{uid}", app.user),
        Route("/Users/{uid}/Views", app.views),
        Route("/UserViews", app.user_views),
        Route("/Library/MediaFolders", app.media_folders),
        Route("/__admin/playlists", admin_json(app.playlists_by_user), methods=["GET"]),
        Route("/__admin/users", admin_json(app.users_by_id), methods=["GET"]),
        Route("/Items", app.items),
        Route("/Artists", app.artists),
        Route("/Users/{uid}/Items", app.items),
        Route("/Items/{item}", app.item, methods=["GET"]),
        Route("/Items/{item}", app.delete_item, methods=["DELETE"]),
        Route("/Items/{item}", app.update_item, methods=["POST"]),
        Route("/Items/{item}/Images/{type}", app.set_item_image, methods=["POST"]),
        Route("/Items/{item}/Images/{type}", app.get_item_image, methods=["GET"]),
        Route("/Users/{uid}/Items/{item}", app.item),
        Route("/Playlists", app.create_playlist, methods=["POST"]),
        Route("/Playlists/{pid}", app.get_playlist, methods=["GET"]),
        Route("/Playlists/{pid}", app.update_playlist, methods=["POST"]),
        Route("/Playlists/{pid}/Users", app.playlist_users, methods=["GET"]),
        Route("/Playlists/{pid}/Items", app.playlist_items, methods=["GET"]),
        Route("/Playlists/{pid}/Items", app.add_items, methods=["POST"]),
        Route("/Playlists/{pid}/Items", app.remove_items, methods=["DELETE"]),
        Route("/Playlists/{pid}/Items/{entry}/Move/{index:int}", app.move_item, methods=["POST"]),
        *admin_routes(knobs, app.mutate, app.ids),
    ]

    async def bad_request(_request: Request, exc: Exception) -> Response:
        return JSONResponse({"title": "Bad Request", "detail": str(exc)}, status_code=400)

    async def server_fault(_request: Request, exc: Exception) -> Response:
        return JSONResponse({"title": "Internal Server Error", "detail": str(exc)}, 500)

    async def forbidden(_request: Request, _exc: Exception) -> Response:
        return Response(status_code=403)

    starlette = Starlette(
        routes=routes,
        exception_handlers={
            BadRequest: bad_request,
            ServerFault: server_fault,
            Forbidden: forbidden,
        },
    )
    wrapped = EmulatorMiddleware(
        CaseInsensitivePaths(starlette),
        knobs=knobs,
        classify=classify,
        authorize=lambda scope, k: (
            state.tokens.get(token_of(scope, k.legacy_auth)) is not None
            or token_of(scope, k.legacy_auth) in state.api_keys
        ),
        public=lambda path: path.lower().rstrip("/") in PUBLIC,
        closing=closing,
    )
    return wrapped, app
