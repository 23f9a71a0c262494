"""Lidarr's API v1, the requests a hand-off of wanted albums sends (docs/TARGETS.md
"Lidarr"): through the shared transport, so rate limit, bounded retries and typed errors
are the targets' (a 401 is TargetAuthError, a 404 TargetNotFound, a 400 TargetRejected
carrying Lidarr's validation failures, a 5xx after its retries TargetServerError). The API
key travels in the X-Api-Key header only, never in a URL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from common.lidarr import parse
from common.lidarr.model import Catalogue, FoundAlbum, LidarrStatus, Profile, RootFolder
from common.targets.counters import EndpointClass, RequestCounter
from common.targets.errors import TargetMalformedResponse
from common.targets.transport import Transport

V1 = "/api/v1"


class LidarrClient:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @property
    def counter(self) -> RequestCounter:
        return self._transport.counter

    async def _get(self, path: str, endpoint: EndpointClass = EndpointClass.OTHER) -> Any:
        response = await self._transport.request("GET", path, endpoint)
        return _json(response.content, f"GET {path.split('?', 1)[0]}")

    async def _send(self, method: str, path: str, body: Mapping[str, Any]) -> Any:
        response = await self._transport.request(
            method, path, EndpointClass.PLAYLIST_WRITE, json=dict(body)
        )
        return _json(response.content, f"{method} {path}")

    async def status(self) -> LidarrStatus:
        return parse.status(await self._get(f"{V1}/system/status"))

    async def root_folders(self) -> list[RootFolder]:
        return parse.root_folders(await self._get(f"{V1}/rootfolder"))

    async def quality_profiles(self) -> list[Profile]:
        return parse.profiles(await self._get(f"{V1}/qualityprofile"), "GET /qualityprofile")

    async def metadata_profiles(self) -> list[Profile]:
        return parse.profiles(await self._get(f"{V1}/metadataprofile"), "GET /metadataprofile")

    async def catalogue(self) -> Catalogue:
        """The root folders and both kinds of profile: three requests."""
        return Catalogue(
            tuple(await self.root_folders()),
            tuple(await self.quality_profiles()),
            tuple(await self.metadata_profiles()),
        )

    async def lookup_album(self, term: str) -> list[FoundAlbum]:
        """``album/lookup``: ``lidarr:<mbid>`` for one release group, else free text."""
        path = f"{V1}/album/lookup?{urlencode({'term': term}, quote_via=quote)}"
        return parse.albums(await self._get(path, EndpointClass.SEARCH), "GET /album/lookup")

    async def album_by_foreign_id(self, release_group_mbid: str) -> FoundAlbum | None:
        """The album Lidarr has with this release-group id, or None."""
        query = urlencode({"foreignAlbumId": release_group_mbid}, quote_via=quote)
        found = parse.albums(await self._get(f"{V1}/album?{query}"), "GET /album")
        return found[0] if found else None

    async def add_album(self, body: Mapping[str, Any]) -> FoundAlbum:
        """``POST /album``: the album, and its artist when Lidarr lacks it. Sent once:
        the transport resends a POST only when Lidarr cannot have acted on it."""
        return parse.album(await self._send("POST", f"{V1}/album", body), "POST /album")

    async def monitor_albums(self, album_ids: Sequence[int]) -> None:
        body = {"albumIds": list(album_ids), "monitored": True}
        await self._send("PUT", f"{V1}/album/monitor", body)

    async def search_albums(self, album_ids: Sequence[int]) -> int:
        """Start an AlbumSearch for ``album_ids``; the command's id."""
        body = {"name": "AlbumSearch", "albumIds": list(album_ids)}
        answer = await self._send("POST", f"{V1}/command", body)
        command_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(command_id, int):
            raise TargetMalformedResponse("Lidarr: POST /api/v1/command returned no command id")
        return command_id


def _json(content: bytes, what: str) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        raise TargetMalformedResponse(f"Lidarr: {what} did not answer JSON") from None
