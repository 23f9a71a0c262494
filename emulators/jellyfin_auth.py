"""How the Jellyfin emulator reads requests: the token (as Jellyfin 12 does, legacy forms
only when enabled), request classes, public paths and case-insensitive routes."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from starlette.types import ASGIApp, Scope

_AUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


def classify(method: str, path: str, query: str) -> str:
    lowered = path.lower()
    q = query.lower()
    if lowered.startswith("/playlists"):
        return "playlist_read" if method == "GET" else "playlist_write"
    if lowered.startswith("/items/"):
        # Reading a playlist whole to edit it, deleting, editing (name, description) or
        # imaging it: the classes the client counts them as (common/targets/jellyfin.py).
        return "playlist_read" if method == "GET" else "playlist_write"
    if lowered in ("/userviews", "/library/mediafolders", "/library/virtualfolders") or (
        lowered.startswith("/users/") and lowered.endswith("/views")
    ):
        return "library_listing"
    if lowered == "/artists":  # resolving an artist's name is part of a search
        return "search"
    if lowered == "/items" or (lowered.startswith("/users/") and lowered.endswith("/items")):
        if "searchterm=" in q or "artists=" in q or "artistids=" in q:
            return "search"
        if "includeitemtypes=playlist" in q:
            return "playlist_read"
        if "includeitemtypes=audio" in q:
            return "track_page"
    return "other"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def token_of(scope: Scope, legacy: bool) -> str:
    """The token as Jellyfin 12 reads it: ``Authorization: MediaBrowser Token=...`` or the
    ``ApiKey`` query parameter; the legacy forms only when legacy auth is enabled."""
    header = _header(scope, b"authorization")
    if header.lower().startswith("mediabrowser "):
        params: dict[str, str] = dict(_AUTH_PARAM.findall(header))
        if params.get("Token"):
            return params["Token"]
    query = scope.get("query_string", b"").decode("latin-1")
    pairs = [part.partition("=") for part in query.split("&") if part]
    for key, _, value in pairs:
        if key.lower() == "apikey":
            return str(value)
    if legacy:
        for name in (b"x-emby-token", b"x-mediabrowser-token"):
            if _header(scope, name):
                return _header(scope, name)
        emby = _header(scope, b"x-emby-authorization")
        legacy_params: dict[str, str] = dict(_AUTH_PARAM.findall(emby))
        if legacy_params.get("Token"):
            return legacy_params["Token"]
        for key, _, value in pairs:
            if key.lower() == "api_key":
                return str(value)
    return ""


PUBLIC = frozenset(
    {"/system/info/public", "/users/authenticatebyname", "/users/public", "/system/ping"}
)


class CaseInsensitivePaths:
    """Jellyfin routes ignore case (``/items`` = ``/Items``); map known prefixes."""

    _CANONICAL: ClassVar[dict[str, str]] = {
        "system": "System",
        "info": "Info",
        "public": "Public",
        "configuration": "Configuration",
        "users": "Users",
        "authenticatebyname": "AuthenticateByName",
        "me": "Me",
        "views": "Views",
        "userviews": "UserViews",
        "library": "Library",
        "mediafolders": "MediaFolders",
        "items": "Items",
        "artists": "Artists",
        "playlists": "Playlists",
        "move": "Move",
        "__admin": "__admin",
    }

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/__admin"):
            parts = scope["path"].rstrip("/").split("/") or [""]
            fixed = "/".join(self._CANONICAL.get(p.lower(), p) for p in parts) or "/"
            scope = {**scope, "path": fixed}
        await self.app(scope, receive, send)
