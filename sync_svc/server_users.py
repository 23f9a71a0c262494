"""ListServerUsers' use case: who can receive playlists on a configured server.

Plex: the owner and everyone plex.tv lists as given the server (three plex.tv requests,
after the server's identity for its machine id); Jellyfin: every user and the libraries
their policy lets them see (``GET /Users``, and the token's own views to name the
libraries). The readers are common/targets/plex_users.py and jellyfin_users.py; the
translation to one shape for both is pure (``from_plex``, ``from_jellyfin``)."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx

from common.domain import ServerKind
from common.targets.connect import Connection, default_tls
from common.targets.items import TargetLibrary
from common.targets.jellyfin import JellyfinClient
from common.targets.jellyfin_users import JellyfinUser, JellyfinUsers
from common.targets.plex import PlexClient
from common.targets.plex_tv import PlexTvClient
from common.targets.plex_users import PlexRecipient, PlexUserKind, list_plex_recipients
from common.targets.settings import ClientSettings
from sync_svc.server_access import ServerAccess


class UserKind(enum.Enum):
    OWNER = "owner"  # Plex: the server's owner, the account of its token
    HOME = "home"  # Plex: a member of the owner's Plex Home
    SHARED = "shared"  # Plex: a friend the server is shared with
    ADMINISTRATOR = "administrator"  # Jellyfin
    USER = "user"  # Jellyfin


@dataclass(frozen=True)
class ServerUser:
    """Someone a playlist can be written for. ``libraries``: the titles they see, None
    for every library."""

    user_id: str
    name: str
    kind: UserKind
    libraries: tuple[str, ...] | None
    protected: bool = False  # Plex: a Home user with a PIN (writing never needs it)
    disabled: bool = False  # Jellyfin: cannot sign in


PLEX_KINDS = {
    PlexUserKind.OWNER: UserKind.OWNER,
    PlexUserKind.HOME: UserKind.HOME,
    PlexUserKind.SHARED: UserKind.SHARED,
}


def from_plex(recipients: Sequence[PlexRecipient]) -> list[ServerUser]:
    return [
        ServerUser(
            r.user_id,
            r.name,
            PLEX_KINDS[r.kind],
            None if r.sections is None else tuple(s.title for s in r.sections),
            protected=r.protected,
        )
        for r in recipients
    ]


def from_jellyfin(
    users: Sequence[JellyfinUser], views: Sequence[TargetLibrary]
) -> list[ServerUser]:
    """``views`` name the libraries (by id); an id no view has is shown as itself."""
    titles: Mapping[str, str] = {v.library_id: v.title for v in views}
    return [
        ServerUser(
            u.user_id,
            u.name,
            UserKind.ADMINISTRATOR if u.is_admin else UserKind.USER,
            None if u.folder_ids is None else tuple(sorted(titles.get(f, f) for f in u.folder_ids)),
            disabled=u.disabled,
        )
        for u in users
    ]


def connect_for_listing(access: ServerAccess) -> Connection:
    return access.connect(ClientSettings())


class ServerUsers:
    def __init__(
        self,
        access: Callable[[str], Awaitable[ServerAccess]],
        plex_tv_url: Callable[[], Awaitable[str]],
        *,
        connector: Callable[[ServerAccess], Connection] = connect_for_listing,
        remember_secret: Callable[[str], None],
    ) -> None:
        self._access = access
        self._plex_tv_url = plex_tv_url
        self._connect = connector
        self._remember = remember_secret

    async def of(self, name: str) -> list[ServerUser]:
        """Everyone on server ``name`` (ServerNotFound when there is none)."""
        access = await self._access(name)
        connection = self._connect(access)
        try:
            client = connection.client
            if access.kind is ServerKind.PLEX:
                assert isinstance(client, PlexClient)
                return await self._plex(client, access)
            assert isinstance(client, JellyfinClient)
            users, views = await asyncio.gather(
                JellyfinUsers(connection.http, token=access.token).list_users(),
                client.libraries(),
            )
            return from_jellyfin(users, views)
        finally:
            await connection.close()

    async def _plex(self, client: PlexClient, access: ServerAccess) -> list[ServerUser]:
        machine = (await client.identify()).server_id
        async with httpx.AsyncClient(
            base_url=await self._plex_tv_url(), verify=default_tls()
        ) as http:
            tv = PlexTvClient(http, token=access.token, remember_secret=self._remember)
            return from_plex(await list_plex_recipients(tv, machine))
