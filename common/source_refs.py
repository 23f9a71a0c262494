"""What a source reference may be, for the kinds whose grammar config_svc (when a command is
stored) and sync_svc (when it is read) must agree on exactly. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from common.server_names import NAME_PATTERN

DEEZER_ID = re.compile(r"[1-9][0-9]{0,19}")
DEEZER_WEB_HOSTS = ("www.deezer.com", "deezer.com")
# Short links as Deezer's share button makes them (deezer.page.link/..., seen in
# LMS-Community/slimserver issue 596; link.deezer.com/s/..., kmille/deezer-downloader
# issue 224). Only following the redirect tells what one names, a network call config_svc
# never makes; and it may name an album or a track rather than a playlist.
DEEZER_SHORT_HOSTS = ("deezer.page.link", "link.deezer.com")
# The language segment of www.deezer.com links: /en/, /fr/, /pt-br/ ...
LANGUAGE = re.compile(r"[a-z]{2}(?:-[a-z]{2})?")
DEEZER_FORMS = "a Deezer playlist id or a https://www.deezer.com/[lang/]playlist/<id> link"


def deezer_playlist_id(ref: str) -> str:
    """The playlist id of ``ref``: the id itself, or ``https://www.deezer.com/playlist/<id>``
    with an optional language segment, query and fragment. Raises ValueError saying what
    to give instead."""
    ref = ref.strip()
    if DEEZER_ID.fullmatch(ref):
        return ref
    if "://" not in ref:
        raise ValueError(f"must be {DEEZER_FORMS}")
    try:
        url = urlsplit(ref)
        host = url.hostname or ""
    except ValueError:
        raise ValueError(f"must be {DEEZER_FORMS}") from None
    if host in DEEZER_SHORT_HOSTS:
        raise ValueError(
            "is a Deezer short link, which cannot be followed here: open it in a browser "
            "and paste the full https://www.deezer.com/playlist/<id> link it leads to, or "
            "the playlist's id"
        )
    segments = [segment for segment in url.path.split("/") if segment]
    if segments[:1] and LANGUAGE.fullmatch(segments[0]):
        segments = segments[1:]
    if (
        url.scheme in ("http", "https")
        and host in DEEZER_WEB_HOSTS
        and len(segments) == 2
        and segments[0] == "playlist"
        and DEEZER_ID.fullmatch(segments[1])
    ):
        return segments[1]
    raise ValueError(f"must be {DEEZER_FORMS}")


SERVER_KINDS = ("plex", "jellyfin")
SERVER_FORMS = (
    "KIND:SERVER/PLAYLIST, optionally KIND:USER@SERVER/PLAYLIST, where KIND is plex or "
    "jellyfin and PLAYLIST is a title or id:<id> (e.g. plex:plex/Road Trip, "
    "jellyfin:alice@den/id:5b2c...)"
)
ID_PREFIX = "id:"
TITLE_PREFIX = "title:"


@dataclass(frozen=True)
class ServerPlaylistRef:
    """A playlist on a configured server: the server's kind and name, the user whose
    playlist it is ("" for the server token's own account), and the playlist by id or by
    title (one of the two is set)."""

    kind: str
    server: str
    user: str
    playlist_id: str
    title: str

    def __str__(self) -> str:
        who = f"{self.user}@" if self.user else ""
        what = f"{ID_PREFIX}{self.playlist_id}" if self.playlist_id else self.title
        return f"{self.kind}:{who}{self.server}/{what}"


def server_playlist_ref(ref: str) -> ServerPlaylistRef:
    """``KIND:[USER@]SERVER/PLAYLIST``: the kind names which server software the server
    runs (checked against the configured server when a command is stored and when it
    runs), the server is a configured server's name, the user (optional) is one on that
    server, by name or id, and the playlist is its title, or ``id:<id>`` for its id (a
    title that itself starts with ``id:`` is written ``title:id:...``). Raises ValueError
    saying what to give instead."""
    text = ref.strip()
    kind, colon, rest = text.partition(":")
    if not colon or kind not in SERVER_KINDS:
        raise ValueError(f"must be {SERVER_FORMS}")
    where, slash, playlist = rest.partition("/")
    user, _, server = where.rpartition("@")
    user, playlist = user.strip(), playlist.strip()
    if not slash:
        raise ValueError(f"must be {SERVER_FORMS}: no '/' before the playlist")
    if not NAME_PATTERN.fullmatch(server):
        raise ValueError(f"must be {SERVER_FORMS}: {server!r} is not a server name")
    if "@" in where and not user:
        raise ValueError(f"must be {SERVER_FORMS}: the user before '@' is empty")
    if playlist.startswith(ID_PREFIX):
        playlist_id = playlist.removeprefix(ID_PREFIX).strip()
        if not playlist_id or any(c in playlist_id for c in "/?#&% "):
            raise ValueError(f"must be {SERVER_FORMS}: {playlist!r} is not a playlist id")
        return ServerPlaylistRef(kind, server, user, playlist_id, "")
    title = playlist.removeprefix(TITLE_PREFIX).strip()
    if not title:
        raise ValueError(f"must be {SERVER_FORMS}: the playlist's title or id is missing")
    return ServerPlaylistRef(kind, server, user, "", title)
