"""A Deezer public-API emulator: playlists by id, their tracks page by page, and the ways
the real API refuses, each cited below. Tests, the sources' fakes and demos use it.

    python -m emulators.deezer --port 0 [--seed 1 --tracks 5000 --playlist-tracks 250]

serves, until interrupted, one public playlist (id ``DEMO_PLAYLIST``) of the first
``--playlist-tracks`` music tracks of the catalogue ``python -m emulators`` generates with
the same ``--seed`` and ``--tracks``, so a sync of it into those emulators matches; it
prints ``deezer <url>`` when ready.

Sources: the answers recorded from api.deezer.com in browniebroke/deezer-python's test
cassettes (``tests/resources/cassettes/``, ``tests/cassettes/``), the error-code table of
developers.deezer.com/api/errors (as quoted by clients, e.g. ecito/Music
``DeezerKit/DeezerError.swift``), and the issues named where they apply.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.library import Track, generate
from emulators.server import HOST, serve

DEMO_PLAYLIST = "1000000001"
# Without ``limit``, a page holds 25 entries and ``next`` is ``.../tracks?index=25``
# (cassette TestPlaylist.test_get_tracks: playlist 9200461, 25 of total 102). Larger limits
# are honoured: 1,000 and 10,000 return as many (topi314/LavaSrc pull request 182).
DEFAULT_LIMIT = 25
# ``GET /playlist/{id}`` embeds only part of the tracks (cassette TestPlaylist.test_attributes:
# 93 entries for nb_tracks 102; LavaSrc pull request 182: "only returns partial tracks");
# clients report the list stopping near 400 (ExtendLord/DeezLoader-Reborn issue 33, citing
# "Deezer API get more than 400 songs from a playlist").
EMBEDDED_MAX = 400
# Deezer answers an error with HTTP 200 and this object (cassette
# TestClient.test_no_playlist_raise: GET /playlist/-1 -> 200). Type and code from the error
# table; the messages as Deezer wrote them where one was recorded.
ERRORS: dict[int, tuple[str, str]] = {
    # QUOTA: BackInBash/DeezerSync issue 6 shows the body.
    4: ("Exception", "Quota limit exceeded"),
    # PERMISSION: a private playlist without a token; the message as deezer-py's
    # PermissionException carries it (bambanah/deemix issue 148, digitalec/deemon issue 55).
    200: (
        "OAuthException",
        "An active access token must be used to query information about the current user",
    ),
    # PARAMETER: cassettes TestClient.test_no_editorial_raise and others.
    500: ("ParameterException", "Wrong parameter"),
    # SERVICE_BUSY: type and code from the table; the message is unverified.
    700: ("Exception", "Service busy"),
    # DATA_NOT_FOUND: cassette TestClient.test_no_playlist_raise.
    800: ("DataException", "no data"),
}


@dataclass
class DeezerPlaylist:
    """A playlist as Deezer holds it; ``tracks`` are track objects as ``deezer_track`` makes
    them (tests may put anything there)."""

    title: str
    tracks: list[Any] = field(default_factory=list)
    public: bool = True
    description: str = ""
    # The playlist's picture, served as ``picture_xl`` and ``picture_big`` (the recorded
    # answers of browniebroke/deezer-python's ``TestPlaylist`` carry ``picture``,
    # ``picture_small`` ... ``picture_xl``, each a URL of one size); "" serves none.
    picture: str = ""
    # Ids of tracks that pages leave out while ``total`` and ``next`` still count them:
    # a page of 100 can hold fewer (XDGFX/ultrasonics pull request 23: 94 entries came
    # back for a page of a 400-track playlist).
    hidden: frozenset[int] = frozenset()


@dataclass
class DeezerState:
    """What the emulator holds and saw; tests fill and read it."""

    playlists: dict[str, DeezerPlaylist] = field(default_factory=dict)
    # What the next requests answer, one each, in order: an error code (4: the quota), or
    # None for the real answer.
    refusals: list[int | None] = field(default_factory=list)
    # path -> "malformed" (a cut body), "hang" (no answer until the server stops) or a status.
    faults: dict[str, str | int] = field(default_factory=dict)
    # Whether entries of /tracks carry ``isrc``: the real ones do not (the cassettes'
    # /playlist/{id}/tracks entries have none; /track/{id} and /album/{id}/tracks do).
    isrc_in_pages: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    requests: list[str] = field(default_factory=list)  # path?query of each request
    closing: asyncio.Event = field(default_factory=asyncio.Event)


def deezer_track(
    track_id: int,
    title: str,
    artist: str,
    *,
    version: str = "",
    album: str = "",
    duration: int = 200,
    isrc: str = "",
) -> dict[str, Any]:
    """A track object shaped as ``/playlist/{id}/tracks`` entries are (cassette
    TestPlaylist.test_get_tracks): ``title`` is ``title_short`` plus ``title_version``
    ("Roses (Imanbek Remix)" = "Roses" + "(Imanbek Remix)", cassette
    TestEditorial.test_get_chart); ``duration`` in seconds; one ``artist``. ``isrc`` is
    kept aside and served only with ``isrc_in_pages``."""
    full = f"{title} {version}" if version else title
    return {
        "id": track_id,
        "readable": True,
        "title": full,
        "title_short": title,
        "title_version": version,
        "link": f"https://www.deezer.com/track/{track_id}",
        "duration": duration,
        "rank": 500000,
        "explicit_lyrics": False,
        "explicit_content_lyrics": 0,
        "explicit_content_cover": 2,
        "preview": "",
        "md5_image": hashlib.md5(album.encode()).hexdigest(),
        "time_add": 1530283958,
        "artist": {
            "id": _number(artist),
            "name": artist,
            "link": f"https://www.deezer.com/artist/{_number(artist)}",
            "tracklist": f"https://api.deezer.com/artist/{_number(artist)}/top?limit=50",
            "type": "artist",
        },
        "album": {
            "id": _number(album),
            "title": album,
            "cover": f"https://api.deezer.com/album/{_number(album)}/image",
            "tracklist": f"https://api.deezer.com/album/{_number(album)}/tracks",
            "type": "album",
        },
        "type": "track",
        "_isrc": isrc,
    }


def from_catalog(tracks: Sequence[Track], first_id: int = 3_000_000) -> list[dict[str, Any]]:
    """Catalogue tracks as Deezer lists them: the first credited artist, whole seconds."""
    return [
        deezer_track(
            first_id + track.seq,
            track.title,
            (track.credit or track.album_artist).split(" feat. ")[0],
            album=track.album,
            duration=round(track.duration_ms / 1000),
        )
        for track in tracks
    ]


def build_deezer(state: DeezerState) -> Starlette:
    def refused(request: Request) -> Response | None:
        state.counts[request.url.path] += 1
        query = request.url.query
        state.requests.append(f"{request.url.path}?{query}" if query else request.url.path)
        fault = state.faults.get(request.url.path)
        if fault == "malformed":
            return Response(b'{"data": [{"id": 1, "title', media_type="application/json")
        if isinstance(fault, int):
            return Response(b"<html>error</html>", fault, media_type="text/html")
        code = state.refusals.pop(0) if state.refusals else None
        return None if code is None else error(code)

    def found(playlist_id: str) -> DeezerPlaylist | Response:
        playlist = state.playlists.get(playlist_id)
        if playlist is None:
            return error(800)
        if not playlist.public:
            return error(200)
        return playlist

    async def hang_if_asked(request: Request) -> None:
        if state.faults.get(request.url.path) == "hang":
            await state.closing.wait()

    async def playlist(request: Request) -> Response:
        await hang_if_asked(request)
        if (early := refused(request)) is not None:
            return early
        playlist_id = request.path_params["id"]
        held = found(playlist_id)
        if isinstance(held, Response):
            return held
        base = str(request.base_url).rstrip("/")
        shown = [served(t) for t in visible(held)[:EMBEDDED_MAX]]
        seconds = [t.get("duration") for t in held.tracks if isinstance(t, dict)]
        return JSONResponse(
            {
                "id": int(playlist_id),
                "title": held.title,
                "description": held.description,
                **(
                    {"picture_big": held.picture, "picture_xl": held.picture}
                    if held.picture
                    else {}
                ),
                "duration": sum(s for s in seconds if isinstance(s, int)),
                "public": True,
                "is_loved_track": False,
                "collaborative": False,
                "nb_tracks": len(held.tracks),
                "link": f"https://www.deezer.com/playlist/{playlist_id}",
                "checksum": checksum(held),
                "tracklist": f"{base}/playlist/{playlist_id}/tracks",
                "creation_date": "2014-06-27 09:09:31",
                "creator": {"id": 2529, "name": "emulated", "type": "user"},
                "type": "playlist",
                "tracks": {"data": shown, "checksum": checksum(held)},
            }
        )

    async def tracks(request: Request) -> Response:
        await hang_if_asked(request)
        if (early := refused(request)) is not None:
            return early
        playlist_id = request.path_params["id"]
        held = found(playlist_id)
        if isinstance(held, Response):
            return held
        try:
            index = int(request.query_params.get("index", "0"))
            limit = int(request.query_params.get("limit", str(DEFAULT_LIMIT)))
        except ValueError:
            return error(500)
        if index < 0 or limit <= 0:
            return error(500)
        window = held.tracks[index : index + limit]
        body: dict[str, Any] = {
            "data": [served(t) for t in window if not is_hidden(t, held)],
            "checksum": checksum(held),
            "total": len(held.tracks),
        }
        base = f"{str(request.base_url).rstrip('/')}/playlist/{playlist_id}/tracks"
        # ``next``/``prev`` keep the request's other parameters (only ``?index=25`` was
        # recorded, for a request without any).
        kept = {k: v for k, v in request.query_params.items() if k != "index"}
        if index + limit < len(held.tracks):
            body["next"] = f"{base}?{urlencode({**kept, 'index': index + limit})}"
        if index > 0:
            body["prev"] = f"{base}?{urlencode({**kept, 'index': max(0, index - limit)})}"
        return JSONResponse(body)

    def served(track: Any) -> Any:
        if not isinstance(track, dict):
            return track
        shown = {k: v for k, v in track.items() if k != "_isrc"}
        if state.isrc_in_pages and track.get("_isrc"):
            shown["isrc"] = track["_isrc"]
        return shown

    return Starlette(
        routes=[
            Route("/playlist/{id}", playlist),
            Route("/playlist/{id}/tracks", tracks),
        ]
    )


def visible(playlist: DeezerPlaylist) -> list[Any]:
    return [t for t in playlist.tracks if not is_hidden(t, playlist)]


def is_hidden(track: Any, playlist: DeezerPlaylist) -> bool:
    return isinstance(track, dict) and track.get("id") in playlist.hidden


def error(code: int) -> Response:
    kind, message = ERRORS[code]
    return JSONResponse({"error": {"type": kind, "message": message, "code": code}})


def checksum(playlist: DeezerPlaylist) -> str:
    ids = ",".join(str(t.get("id")) for t in playlist.tracks if isinstance(t, dict))
    return hashlib.md5(ids.encode()).hexdigest()  # a change marker, as Deezer's


def _number(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


@asynccontextmanager
async def running_deezer(
    state: DeezerState | None = None, port: int = 0
) -> AsyncIterator[tuple[str, DeezerState]]:
    """The emulator on 127.0.0.1 (``port`` 0: any free port): its base URL and state."""
    state = state or DeezerState()
    async with serve(build_deezer(state), state.closing, port) as bound:
        yield f"http://{HOST}:{bound}", state


def demo_state(seed: int, tracks: int, playlist_tracks: int) -> DeezerState:
    """One public playlist of the first music tracks of ``python -m emulators``'s catalogue."""
    catalog = generate(seed=seed, tracks=tracks)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    chosen = from_catalog(music[:playlist_tracks])
    return DeezerState(playlists={DEMO_PLAYLIST: DeezerPlaylist("Emulated Mix", chosen)})


async def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.deezer", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracks", type=int, default=5000, help="the catalogue's size")
    parser.add_argument("--playlist-tracks", type=int, default=250)
    args = parser.parse_args(argv)
    if not 1 <= args.playlist_tracks <= args.tracks:
        parser.error("--playlist-tracks must be between 1 and --tracks")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    state = demo_state(args.seed, args.tracks, args.playlist_tracks)
    async with contextlib.AsyncExitStack() as stack:
        url, _ = await stack.enter_async_context(running_deezer(state, args.port))
        print(f"deezer {url}", flush=True)
        await stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
