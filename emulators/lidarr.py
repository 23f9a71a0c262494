"""An emulated Lidarr (API v1): system status, root folders, quality and metadata
profiles, album and artist lookup, adding albums (and with them their artists) and
artists, monitoring, and commands (AlbumSearch), behind the X-Api-Key check. Tests, the
demo and ``python -m emulators --lidarr-port`` use it.

Every behaviour is Lidarr/Lidarr v2.14.5.4824's, cited where it is implemented (paths
under ``src/``); docs/TARGETS.md "Lidarr" lists them. Nothing is downloaded: an album a
search was started for is "delivered" through ``POST /__admin/library``
(``{"deliver": true}``), which answers its tracks so that a test can put them on a media
server as a finished download and import would."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from emulators.admin import admin_routes
from emulators.knobs import LIDARR_CLASSES, Knobs
from emulators.lidarr_catalog import TINFOIL, MetaAlbum, MetaArtist, World, demo_world
from emulators.lidarr_render import (
    LidarrAlbum,
    LidarrArtist,
    LidarrCommand,
    album_resource,
    artist_resource,
    command_resource,
    error_model,
)
from emulators.lidarr_validation import Rules, failure
from emulators.middleware import EmulatorMiddleware, respond

DEFAULT_LIDARR_API_KEY = "emulated-lidarr-api-key"
LIDARR_VERSION = "2.14.5.4824"  # the release whose source this emulates
# The terms that ask for one release group or artist by MusicBrainz id
# (SkyHookProxy.IsMbidQuery).
MBID_PREFIXES = ("lidarr:", "lidarrid:", "mbid:")


@dataclass
class LidarrState:
    """What the emulated Lidarr holds and saw; tests fill and read it."""

    world: World
    api_key: str = DEFAULT_LIDARR_API_KEY
    # (id, name, path) of each root folder; (id, name) of each profile.
    root_folders: list[tuple[int, str, str]] = field(
        default_factory=lambda: [(1, "Music", "/music")]
    )
    quality_profiles: list[tuple[int, str]] = field(
        default_factory=lambda: [(1, "Any"), (2, "Lossless"), (3, "Standard")]
    )
    metadata_profiles: list[tuple[int, str]] = field(
        default_factory=lambda: [(1, "Standard"), (2, "None")]
    )
    artists: dict[int, LidarrArtist] = field(default_factory=dict)
    albums: dict[int, LidarrAlbum] = field(default_factory=dict)
    commands: list[LidarrCommand] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # "METHOD /path" of each API request
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        return next(self._ids)

    def artist_by_mbid(self, mbid: str) -> LidarrArtist | None:
        return next((a for a in self.artists.values() if a.meta.mbid == mbid.lower()), None)

    def album_by_mbid(self, mbid: str) -> LidarrAlbum | None:
        return next((a for a in self.albums.values() if a.meta.mbid == mbid.lower()), None)

    def add_artist(
        self,
        meta: MetaArtist,
        *,
        monitored: bool = True,
        monitor_new_items: str = "all",
        quality: int = 1,
        metadata: int = 1,
        root: str = "/music",
        monitor: Iterable[str] | None = None,
    ) -> LidarrArtist:
        """Add ``meta`` and, as its first scan would, every release group the metadata
        server knows of it; ``monitor`` (release-group ids) are the albums monitored, every
        one when None."""
        artist = LidarrArtist(
            self.next_id(),
            meta,
            f"{root.rstrip('/')}/{meta.name}",
            quality,
            metadata,
            monitored,
            monitor_new_items,
            _now(),
        )
        self.artists[artist.id] = artist
        wanted = None if monitor is None else {m.lower() for m in monitor}
        for album in self.world.albums_of(meta.mbid):
            number = self.next_id()
            on = wanted is None or album.mbid in wanted
            self.albums[number] = LidarrAlbum(number, album, artist.id, on)
        return artist

    def profile_exists(self, profiles: list[tuple[int, str]]) -> Any:
        return lambda number: any(pid == number for pid, _ in profiles)

    def rules(self) -> Rules:
        return Rules(
            quality=self.profile_exists(self.quality_profiles),
            metadata=self.profile_exists(self.metadata_profiles),
            root_paths=lambda: {path.rstrip("/") for _, _, path in self.root_folders},
            album_added=lambda mbid: self.album_by_mbid(mbid) is not None,
            artist_added=lambda mbid: self.artist_by_mbid(mbid) is not None,
        )


def demo_state(api_key: str = DEFAULT_LIDARR_API_KEY) -> LidarrState:
    """The demo world's Lidarr: it has The Tinfoil Saints, monitored, with only the 1999
    "Greatest Hits" monitored ("Paper Comets" and the 2011 one are not)."""
    state = LidarrState(demo_world(), api_key=api_key)
    greatest_1999 = next(a for a in state.world.albums_of(TINFOIL.mbid) if "1999" in a.release_date)
    state.add_artist(TINFOIL, monitor=[greatest_1999.mbid])
    return state


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class ApiError(Exception):
    """An answer other than a validation failure: ``ErrorModel`` with its status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Invalid(Exception):
    """A FluentValidation failure: 400 with the list of failures."""

    def __init__(self, failures: list[dict[str, Any]]) -> None:
        super().__init__("validation failed")
        self.failures = failures


class LidarrApp:
    def __init__(self, state: LidarrState, knobs: Knobs) -> None:
        self.state = state
        self.knobs = knobs

    # ----- resources ------------------------------------------------------------------

    def _artist(self, meta: MetaArtist) -> dict[str, Any]:
        return artist_resource(meta, self.state.artist_by_mbid(meta.mbid))

    def _album(self, meta: MetaAlbum) -> dict[str, Any]:
        return album_resource(meta, self.state.album_by_mbid(meta.mbid), self._artist(meta.artist))

    def _album_of(self, album: LidarrAlbum) -> dict[str, Any]:
        return self._album(album.meta)

    # ----- routes -----------------------------------------------------------------------

    async def status(self, _request: Request) -> Response:
        # SystemController.GetStatus; SystemResource.
        return JSONResponse(
            {
                "appName": "Lidarr",
                "instanceName": "Lidarr",
                "version": LIDARR_VERSION,
                "isDebug": False,
                "isProduction": True,
                "isLinux": True,
                "isDocker": False,
                "branch": "master",
                "authentication": "forms",
                "urlBase": "",
                "databaseType": "sqLite",
            }
        )

    async def root_folders(self, _request: Request) -> Response:
        # RootFolderController.GetRootFolders; RootFolderResource.
        return JSONResponse(
            [
                {
                    "id": number,
                    "name": name,
                    "path": path,
                    "defaultQualityProfileId": self.state.quality_profiles[0][0],
                    "defaultMetadataProfileId": self.state.metadata_profiles[0][0],
                    "defaultMonitorOption": "all",
                    "defaultNewItemMonitorOption": "all",
                    "defaultTags": [],
                    "accessible": True,
                    "freeSpace": 1_000_000_000_000,
                    "totalSpace": 2_000_000_000_000,
                }
                for number, name, path in self.state.root_folders
            ]
        )

    async def quality_profiles(self, _request: Request) -> Response:
        # QualityProfileController; QualityProfileResource (its items left out).
        return JSONResponse(
            [
                {"id": n, "name": name, "upgradeAllowed": False, "cutoff": 0, "items": []}
                for n, name in self.state.quality_profiles
            ]
        )

    async def metadata_profiles(self, _request: Request) -> Response:
        # MetadataProfileController; MetadataProfileResource (its items left out).
        return JSONResponse(
            [
                {"id": n, "name": name, "primaryAlbumTypes": [], "secondaryAlbumTypes": []}
                for n, name in self.state.metadata_profiles
            ]
        )

    async def album_lookup(self, request: Request) -> Response:
        # AlbumLookupController.Search -> SkyHookProxy.SearchForNewAlbum(term, null): an
        # id term is the album Lidarr has, else the metadata server's, else nothing (a
        # slug that is no GUID: nothing); any other term a free-text search.
        term = request.query_params.get("term", "")
        slug = _mbid_slug(term)
        if slug is not None:
            meta = self.state.world.album(slug) if slug else None
            return JSONResponse([self._album(meta)] if meta else [])
        return JSONResponse([self._album(m) for m in self.state.world.search_albums(term)])

    async def artist_lookup(self, request: Request) -> Response:
        # ArtistLookupController.Search -> SkyHookProxy.SearchForNewArtist.
        term = request.query_params.get("term", "")
        slug = _mbid_slug(term)
        if slug is not None:
            meta = self.state.world.artist(slug) if slug else None
            return JSONResponse([self._artist(meta)] if meta else [])
        return JSONResponse([self._artist(m) for m in self.state.world.search_artists(term)])

    async def albums(self, request: Request) -> Response:
        # AlbumController.GetAlbums: by foreignAlbumId (the one album, or none), by
        # artistId, by albumIds, else every album.
        params = request.query_params
        albums = list(self.state.albums.values())
        if params.get("artistId"):
            albums = [a for a in albums if str(a.artist_id) == params["artistId"]]
        elif params.get("foreignAlbumId"):
            found = self.state.album_by_mbid(params["foreignAlbumId"])
            albums = [found] if found else []
        elif params.getlist("albumIds"):
            wanted = {int(i) for i in params.getlist("albumIds") if i.isdigit()}
            albums = [a for a in albums if a.id in wanted]
        return JSONResponse([self._album_of(a) for a in albums])

    async def album(self, request: Request) -> Response:
        album = self.state.albums.get(int(request.path_params["id"]))
        if album is None:  # RestController.OnActionExecuted: ModelNotFoundException -> 404
            return Response(status_code=404)
        return JSONResponse(self._album_of(album))

    async def add_album(self, request: Request) -> Response:
        # AlbumController.AddAlbum (PostValidator first), AddAlbumService.AddAlbum: an
        # artist Lidarr lacks is added from the body's ``artist`` (AddArtistService: its
        # addOptions.monitor "none" leaves it unmonitored), and its first scan sets its
        # albums' monitoring from addOptions (AlbumMonitoredService: albumsToMonitor when
        # it names any, else the monitor type, "none" unmonitoring every album). 201.
        body = await _json(request)
        failures = self.state.rules().album_failures(body)
        if failures:
            raise Invalid(failures)
        meta = self.state.world.album(str(body["foreignAlbumId"]))
        if meta is None:  # AddAlbumService.AddSkyhookData
            raise Invalid([_not_found("An album with this ID was not found", body)])
        given = body["artist"]
        artist = self.state.artist_by_mbid(meta.artist.mbid)
        if artist is None:
            self._new_artist(meta.artist, given, posted=(meta.mbid, bool(body.get("monitored"))))
            album = self.state.album_by_mbid(meta.mbid)
            assert album is not None
        else:
            album = LidarrAlbum(self.state.next_id(), meta, artist.id, bool(body.get("monitored")))
            self.state.albums[album.id] = album
        return JSONResponse(self._album_of(album), status_code=201)

    def _new_artist(
        self, meta: MetaArtist, given: dict[str, Any], posted: tuple[str, bool] = ("", False)
    ) -> LidarrArtist:
        """Add the artist ``given`` describes and scan it; ``posted`` is the album whose
        POST added it, with the monitoring the POST asked for."""
        options = given.get("addOptions") or {}
        monitor = str(options.get("monitor", "unknown")).lower()
        to_monitor = _albums_to_monitor(given)
        artist = self.state.add_artist(
            meta,
            monitored=bool(given.get("monitored")) and monitor != "none",
            monitor_new_items=str(given.get("monitorNewItems", "all")).lower(),
            quality=int(given["qualityProfileId"]),
            metadata=int(given["metadataProfileId"]),
            root=str(given.get("rootFolderPath") or "/music"),
            monitor=to_monitor or None,
        )
        if not to_monitor:
            for album in self.state.albums.values():
                if album.artist_id == artist.id:
                    as_added = posted[1] if album.meta.mbid == posted[0] else artist.monitored
                    album.monitored = _scan_monitors(monitor, album.meta, self.state, as_added)
        return artist

    async def add_artist(self, request: Request) -> Response:
        # ArtistController.AddArtist (SharedValidator and PostValidator), 201.
        body = await _json(request)
        failures = self.state.rules().artist_failures(body)
        if failures:
            raise Invalid(failures)
        meta = self.state.world.artist(str(body["foreignArtistId"]))
        if meta is None:  # AddArtistService.AddSkyhookData
            raise Invalid([_not_found("An artist with this ID was not found", body)])
        artist = self._new_artist(meta, body)
        return JSONResponse(artist_resource(meta, artist), status_code=201)

    async def artists(self, request: Request) -> Response:
        # ArtistController.AllArtists: every artist, or the one with ``mbId``.
        mbid = request.query_params.get("mbId", "")
        chosen = list(self.state.artists.values())
        if mbid:
            chosen = [a for a in chosen if a.meta.mbid == mbid.lower()]
        return JSONResponse([artist_resource(a.meta, a) for a in chosen])

    async def artist(self, request: Request) -> Response:
        # ArtistController.GetResourceById; RestController: ModelNotFoundException -> 404.
        artist = self.state.artists.get(int(request.path_params["id"]))
        if artist is None:
            return Response(status_code=404)
        return JSONResponse(artist_resource(artist.meta, artist))

    async def update_artist(self, request: Request) -> Response:
        # ArtistController.UpdateArtist: the editable members, 202.
        artist = self.state.artists.get(int(request.path_params["id"]))
        if artist is None:
            raise ApiError(404, "Artist not found")
        body = await _json(request)
        artist.monitored = bool(body.get("monitored", artist.monitored))
        artist.monitor_new_items = str(body.get("monitorNewItems", artist.monitor_new_items))
        return JSONResponse(artist_resource(artist.meta, artist), status_code=202)

    async def update_album(self, request: Request) -> Response:
        # AlbumController.UpdateAlbum: monitoring is what a client changes here, 202.
        album = self.state.albums.get(int(request.path_params["id"]))
        if album is None:
            raise ApiError(404, "Album not found")
        body = await _json(request)
        album.monitored = bool(body.get("monitored", album.monitored))
        return JSONResponse(self._album_of(album), status_code=202)

    async def monitor_albums(self, request: Request) -> Response:
        # AlbumController.SetAlbumsMonitored: {albumIds, monitored}; 202 with the albums.
        body = await _json(request)
        ids = [int(i) for i in body.get("albumIds") or []]
        monitored = bool(body.get("monitored"))
        for number in ids:
            if number in self.state.albums:
                self.state.albums[number].monitored = monitored
        found = [self.state.albums[i] for i in ids if i in self.state.albums]
        return JSONResponse([self._album_of(a) for a in found], status_code=202)

    async def command(self, request: Request) -> Response:
        # CommandController.StartCommand: Name NotBlank (400); the name matched without
        # case against the command classes, ``.Single`` throwing (500) for none; 201.
        body = await _json(request)
        name = str(body.get("name") or "")
        if not name.strip():
            message = "'Name' must not be empty."
            raise Invalid([failure("Name", message, body.get("name"), "NotEmptyValidator")])
        if name.lower() not in KNOWN_COMMANDS:
            raise ApiError(500, "Sequence contains no matching element")
        command = LidarrCommand(self.state.next_id(), KNOWN_COMMANDS[name.lower()], body, _now())
        if command.name == "AlbumSearch":
            command.album_ids = [int(i) for i in body.get("albumIds") or []]
            for number in command.album_ids:
                if number in self.state.albums:
                    self.state.albums[number].searched += 1
        self.state.commands.append(command)
        return JSONResponse(command_resource(command), status_code=201)

    async def command_by_id(self, request: Request) -> Response:
        # CommandController.GetResourceById.
        number = int(request.path_params["id"])
        found = next((c for c in self.state.commands if c.id == number), None)
        if found is None:
            return Response(status_code=404)
        return JSONResponse(command_resource(found))

    async def commands(self, _request: Request) -> Response:
        # CommandController.GetStartedCommands: every command the queue holds.
        return JSONResponse([command_resource(c) for c in self.state.commands])

    # ----- admin ------------------------------------------------------------------------

    def mutate(self, data: dict[str, Any]) -> dict[str, Any]:
        """``{"deliver": true}``: every album a search was started for and not yet
        delivered is delivered, and answered with its artist and tracks."""
        delivered = []
        if data.get("deliver"):
            for album in self.state.albums.values():
                if album.searched and not album.delivered:
                    album.delivered = True
                    delivered.append(_delivery(album.meta))
        return {"delivered": delivered}

    def ids(self) -> dict[str, Any]:
        """What Lidarr holds: artists, albums (monitored, searched) and commands."""
        return {
            "artists": [
                {
                    "id": a.id,
                    "name": a.meta.name,
                    "foreignArtistId": a.meta.mbid,
                    "monitored": a.monitored,
                    "monitorNewItems": a.monitor_new_items,
                    "qualityProfileId": a.quality_profile_id,
                    "metadataProfileId": a.metadata_profile_id,
                    "path": a.path,
                }
                for a in self.state.artists.values()
            ],
            "albums": [
                {
                    "id": a.id,
                    "title": a.meta.title,
                    "artist": a.meta.artist.name,
                    "foreignAlbumId": a.meta.mbid,
                    "monitored": a.monitored,
                    "searched": a.searched,
                    "delivered": a.delivered,
                }
                for a in self.state.albums.values()
            ],
            "commands": [command_resource(c) for c in self.state.commands],
        }


# The command classes a client may start here, by the name Lidarr matches without case
# (the class name without "Command": IndexerSearch/AlbumSearchCommand.cs and others).
KNOWN_COMMANDS = {
    name.lower(): name
    for name in ("AlbumSearch", "ArtistSearch", "MissingAlbumSearch", "RefreshArtist", "RssSync")
}


def _mbid_slug(term: str) -> str | None:
    """The id of an id term ("" when it is no GUID: nothing is found), None for free text."""
    lowered = term.lower()
    if not lowered.startswith(MBID_PREFIXES):
        return None
    slug = lowered.split(":", 1)[1].strip()
    parts = slug.split("-")
    shaped = len(parts) == 5 and [len(p) for p in parts] == [8, 4, 4, 4, 12]
    hexed = all(c in "0123456789abcdef" for c in slug.replace("-", ""))
    return slug if shaped and hexed else ""


def _albums_to_monitor(artist: dict[str, Any]) -> list[str]:
    options = artist.get("addOptions") or {}
    return [str(m).lower() for m in options.get("albumsToMonitor") or []]


def _scan_monitors(monitor: str, album: MetaAlbum, state: LidarrState, as_added: bool) -> bool:
    """Whether the first scan leaves ``album`` monitored under addOptions.monitor
    (AlbumMonitoredService.SetAlbumMonitoredStatus; nothing has files here, so "missing"
    monitors what "all" does and "existing" nothing). "unknown" changes nothing: the
    album stays as added (``as_added``: the POST's own album as asked, the others as
    the refresh adds them, RefreshArtistService.PrepareNewChild: the artist's)."""
    siblings = sorted(state.world.albums_of(album.artist.mbid), key=lambda a: a.release_date)
    if monitor == "unknown":
        return as_added
    if monitor in ("all", "missing"):
        return True
    if monitor == "latest":
        return album is siblings[-1]
    if monitor == "first":
        return album is siblings[0]
    return False  # none, existing, future


def _delivery(meta: MetaAlbum) -> dict[str, Any]:
    return {
        "foreignAlbumId": meta.mbid,
        "title": meta.title,
        "artist": meta.artist.name,
        "artistMbid": meta.artist.mbid,
        "tracks": [
            {"title": t.title, "durationMs": t.duration_ms, "recordingMbid": t.recording_mbid}
            for t in meta.tracks
        ],
    }


def _not_found(message: str, body: dict[str, Any]) -> dict[str, Any]:
    attempted = body.get("foreignAlbumId") or body.get("foreignArtistId")
    return failure("MusicbrainzId", message, attempted, "")


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise ApiError(400, "Request body can't be empty") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Request body can't be empty")
    return data


def classify(method: str, path: str, _query: str) -> str:
    """A request's class, for counts and faults (LIDARR_CLASSES)."""
    lowered = path.lower().rstrip("/")
    if lowered == "/api/v1/system/status":
        return "status"
    if lowered in ("/api/v1/rootfolder", "/api/v1/qualityprofile", "/api/v1/metadataprofile"):
        return "listing"
    if lowered.endswith("/lookup"):
        return "lookup"
    if lowered.startswith("/api/v1/command"):
        return "command" if method == "POST" else "read"
    if lowered.startswith(("/api/v1/album", "/api/v1/artist")):
        return "read" if method == "GET" else "write"
    return "other"


class LowerCasePaths:
    """ASP.NET Core routes ignore case: ``/api/v1/RootFolder`` is ``/api/v1/rootfolder``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].lower().startswith("/api/"):
            scope = {**scope, "path": scope["path"].lower()}
        await self.app(scope, receive, send)


async def _unauthorized(send: Send) -> None:
    # ApiKeyAuthenticationHandler.HandleChallengeAsync: the status, no body.
    await respond(send, 401, b"", "text/plain")


def build_lidarr(
    state: LidarrState, knobs: Knobs, closing: asyncio.Event
) -> tuple[ASGIApp, LidarrApp]:
    app = LidarrApp(state, knobs)
    v1 = "/api/v1"
    routes = [
        Route(f"{v1}/system/status", app.status, methods=["GET"]),
        Route(f"{v1}/rootfolder", app.root_folders, methods=["GET"]),
        Route(f"{v1}/qualityprofile", app.quality_profiles, methods=["GET"]),
        Route(f"{v1}/metadataprofile", app.metadata_profiles, methods=["GET"]),
        Route(f"{v1}/album/lookup", app.album_lookup, methods=["GET"]),
        Route(f"{v1}/artist/lookup", app.artist_lookup, methods=["GET"]),
        Route(f"{v1}/album/monitor", app.monitor_albums, methods=["PUT"]),
        Route(f"{v1}/album", app.albums, methods=["GET"]),
        Route(f"{v1}/album", app.add_album, methods=["POST"]),
        Route(f"{v1}/album/{{id:int}}", app.album, methods=["GET"]),
        Route(f"{v1}/album/{{id:int}}", app.update_album, methods=["PUT"]),
        Route(f"{v1}/artist", app.artists, methods=["GET"]),
        Route(f"{v1}/artist", app.add_artist, methods=["POST"]),
        Route(f"{v1}/artist/{{id:int}}", app.artist, methods=["GET"]),
        Route(f"{v1}/artist/{{id:int}}", app.update_artist, methods=["PUT"]),
        Route(f"{v1}/command", app.command, methods=["POST"]),
        Route(f"{v1}/command", app.commands, methods=["GET"]),
        Route(f"{v1}/command/{{id:int}}", app.command_by_id, methods=["GET"]),
        *admin_routes(knobs, app.mutate, app.ids),
    ]

    async def invalid(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Invalid)
        return JSONResponse(exc.failures, status_code=400)

    async def api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return JSONResponse(error_model(str(exc)), status_code=exc.status)

    starlette = Starlette(routes=routes, exception_handlers={Invalid: invalid, ApiError: api_error})

    def authorized(scope: Scope, _knobs: Knobs) -> bool:
        # ApiKeyAuthenticationHandler.ParseApiKey: the apikey query parameter, else the
        # X-Api-Key header, else Authorization: Bearer.
        if scope["path"].startswith("/api/"):
            state.requests.append(f"{scope['method']} {scope['path']}")
        query: str = scope.get("query_string", b"").decode("latin-1")
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name == "apikey":
                return value == state.api_key
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-api-key") or headers.get("authorization", "").replace("Bearer ", "")
        return bool(given) and given == state.api_key

    wrapped = EmulatorMiddleware(
        LowerCasePaths(starlette),
        knobs=knobs,
        classify=classify,
        authorize=authorized,
        public=lambda _path: False,
        closing=closing,
        unauthorized=_unauthorized,
    )
    return wrapped, app


def lidarr_knobs(**values: Any) -> Knobs:
    return Knobs(classes=LIDARR_CLASSES, **values)
