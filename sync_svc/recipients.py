"""The users of one server that a run writes playlists for: found by the id or name the
destination gives, with a client that acts as them and what they may see.

Plex: a user acts with their own token for the server, read from plex.tv when needed and
kept in memory only (common/targets/plex_tv.py); what they see is the sections plex.tv
says are shared with them, read with the listing that names them. Jellyfin: the server's
token writes for the user (the playlist is created with them as owner, private), and
what they see is their own views. Costs per server: Plex two plex.tv requests and the
server's identity, Jellyfin one; per user: Plex one plex.tv request (the token),
Jellyfin one (the views). Listings are read once per run and server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from common.domain import ServerKind
from common.errors import FailedPrecondition
from common.targets.access import LibraryAccess
from common.targets.connect import Connection, connect, default_tls
from common.targets.counters import RequestCounter
from common.targets.items import TargetLibrary
from common.targets.jellyfin import JellyfinClient
from common.targets.jellyfin_users import JellyfinUser, JellyfinUsers
from common.targets.plex import PlexClient
from common.targets.plex_tv import PlexTvClient
from common.targets.plex_tv_parse import PlexShare, PlexTvUser
from common.targets.settings import ClientSettings
from sync_svc.server_access import ServerAccess


class UserNotFound(FailedPrecondition):
    """The destination names nobody who can receive playlists on the server."""

    def __init__(self, server: str, user: str) -> None:
        super().__init__(
            f"no user {user!r} can receive playlists on server {server!r} "
            f"(cmdarr server users {server} lists who can)"
        )


@dataclass
class Recipient:
    """A user found on the server: ``access`` None means every library; ``client`` acts
    as them (its counter holds every request made for them, plex.tv's included) and is
    closed with ``close``."""

    name: str
    access: LibraryAccess | None
    client: PlexClient | JellyfinClient
    http: httpx.AsyncClient | None = None  # the user's own pool (Plex), closed with them

    async def close(self) -> None:
        if self.http is not None:
            await self.http.aclose()


def _folded(text: str) -> str:
    return text.strip().casefold()


def plex_person(user: str, users: list[PlexTvUser], shares: list[PlexShare]) -> PlexShare | None:
    """The share of the person ``user`` names: their account id, title or username."""
    wanted = _folded(user)
    names = {u.account_id: (u.title, u.username) for u in users}
    for share in shares:
        known = (share.account_id, share.username, *names.get(share.account_id, ()))
        if any(_folded(n) == wanted for n in known if n):
            return share
    return None


def jellyfin_person(user: str, users: list[JellyfinUser]) -> JellyfinUser | None:
    """The user ``user`` names: their id (with or without dashes) or name."""
    wanted = _folded(user).replace("-", "")
    for candidate in users:
        if candidate.user_id.casefold().replace("-", "") == wanted:
            return candidate
    return next((u for u in users if _folded(u.name) == _folded(user)), None)


class Recipients:
    """The users of one server for one run. ``owner`` is the server's own connection."""

    def __init__(
        self,
        access: ServerAccess,
        owner: Connection,
        *,
        plex_tv_url: str,
        settings: ClientSettings,
        remember_secret: Callable[[str], None],
    ) -> None:
        self._access = access
        self._owner = owner
        self._plex_tv_url = plex_tv_url
        self._settings = settings
        self._remember = remember_secret
        self._plex: tuple[str, list[PlexTvUser], list[PlexShare]] | None = None
        self._jellyfin: list[JellyfinUser] | None = None
        self._lock = asyncio.Lock()

    async def find(self, user: str) -> Recipient:
        if self._access.kind is ServerKind.PLEX:
            return await self._plex_user(user)
        return await self._jellyfin_user(user)

    def _tv(self, http: httpx.AsyncClient, counter: RequestCounter) -> PlexTvClient:
        return PlexTvClient(
            http,
            token=self._access.token,
            settings=self._settings,
            counter=counter,
            remember_secret=self._remember,
        )

    async def _plex_user(self, user: str) -> Recipient:
        owner = self._owner.client
        assert isinstance(owner, PlexClient)
        counter = RequestCounter()
        async with httpx.AsyncClient(base_url=self._plex_tv_url, verify=default_tls()) as http:
            async with self._lock:
                if self._plex is None:
                    tv = self._tv(http, owner.counter)  # the server-wide listing: the owner's
                    machine = (await owner.identify()).server_id
                    users, shares = await asyncio.gather(tv.users(), tv.shares(machine))
                    self._plex = (machine, users, shares)
            machine, users, shares = self._plex
            share = plex_person(user, users, shares)
            if share is None:
                raise UserNotFound(self._access.name, user)
            token = await self._tv(http, counter).server_token(machine, share.account_id)
        name = next((u.title for u in users if u.account_id == share.account_id), user)
        libraries = tuple(
            TargetLibrary(s.key, s.title, "artist", is_music=True)
            for s in share.sections
            if s.shared
        )
        own = connect(
            ServerKind.PLEX,
            url=self._access.url,
            token=token.reveal(),
            settings=self._settings,
            counter=counter,
        )
        return Recipient(name or user, LibraryAccess(name or user, libraries), own.client, own.http)

    async def _jellyfin_user(self, user: str) -> Recipient:
        async with self._lock:
            if self._jellyfin is None:
                everyone = JellyfinUsers(
                    self._owner.http, token=self._access.token, counter=self._owner.client.counter
                )
                self._jellyfin = await everyone.list_users()
        found = jellyfin_person(user, self._jellyfin)
        if found is None:
            raise UserNotFound(self._access.name, user)
        counter = RequestCounter()
        reader = JellyfinUsers(self._owner.http, token=self._access.token, counter=counter)
        access = None if found.folder_ids is None else await reader.library_access(found)
        client = JellyfinClient(
            self._owner.http,
            token=self._access.token,
            user_id=found.user_id,
            settings=self._settings,
            counter=counter,
        )
        return Recipient(found.name, access, client)
