"""plex.tv, read with the server owner's token: the owner's account, their Home users and
friends, who was given a server, and a user's own token for it (docs/TARGETS.md, Users
and households), as python-plexapi's ``MyPlexAccount.users`` and ``MyPlexUser.get_token``
read them.

A user's token is fetched when needed, kept in memory only and never logged: it comes back
as a ``UserToken``, which prints as ``UserToken(***)``, refuses to be pickled, and is handed
to ``remember_secret`` (the log redactor's ``add``) before anything can log it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import NoReturn

import httpx

from common.targets.counters import EndpointClass, RequestCounter
from common.targets.errors import TargetMalformedResponse, TargetNotFound
from common.targets.plex_tv_parse import (
    PlexAccount,
    PlexShare,
    PlexTvParseError,
    PlexTvUser,
    parse_account,
    parse_shares,
    parse_users,
    share_token,
)
from common.targets.query import encode
from common.targets.settings import ClientSettings
from common.targets.transport import Transport

# python-plexapi names it in every plex.tv URL (plexapi/myplex.py); a setting names another
# (an emulated plex.tv in tests).
PLEX_TV_URL = "https://plex.tv"


class UserToken:
    """A user's token for one server: ``reveal()`` is the one way to the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "UserToken(***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UserToken) and other._value == self._value

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        raise TypeError("a user's token is kept in memory only")


def _forget(_secret: str) -> None:
    return None


class PlexTvClient:
    """plex.tv for one owner. ``http`` carries plex.tv's base URL (``PLEX_TV_URL``)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: str,
        settings: ClientSettings | None = None,
        counter: RequestCounter | None = None,
        remember_secret: Callable[[str], None] = _forget,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: random.Random | None = None,
    ) -> None:
        settings = settings or ClientSettings()
        self._transport = Transport(
            http=http,
            target="plex.tv",
            settings=settings,
            headers={
                "X-Plex-Token": token,
                "X-Plex-Client-Identifier": settings.device_id,
                "X-Plex-Product": settings.client_name,
                "X-Plex-Version": settings.client_version,
                "Accept": "application/xml",
            },
            counter=counter,
            sleep=sleep,
            rand=rand,
        )
        self.counter = self._transport.counter
        self._remember = remember_secret

    async def _get(self, path: str) -> bytes:
        response = await self._transport.request("GET", path, EndpointClass.OTHER)
        return response.content

    @staticmethod
    def _malformed(path: str, exc: PlexTvParseError) -> NoReturn:
        where = path.split("?", 1)[0]
        raise TargetMalformedResponse(f"plex.tv: malformed response to GET {where}: {exc}")

    async def account(self) -> PlexAccount:
        """The owner (the token's account): ``GET /api/v2/user``."""
        path = "/api/v2/user"
        try:
            return parse_account(await self._get(path))
        except PlexTvParseError as exc:
            self._malformed(path, exc)

    async def users(self) -> list[PlexTvUser]:
        """The owner's Home users and friends: ``GET /api/users/``."""
        path = "/api/users/"
        try:
            return parse_users(await self._get(path))
        except PlexTvParseError as exc:
            self._malformed(path, exc)

    async def shares(self, machine_id: str) -> list[PlexShare]:
        """Who was given server ``machine_id``, and which sections, tokens left out."""
        path = f"/api/servers/{encode(machine_id)}/shared_servers"
        try:
            return parse_shares(await self._get(path))
        except PlexTvParseError as exc:
            self._malformed(path, exc)

    async def server_token(self, machine_id: str, account_id: str) -> UserToken:
        """``account_id``'s own token for server ``machine_id`` (its ``shared_servers``
        ``accessToken``, as plexapi's ``MyPlexUser.get_token``). No PIN is needed: the
        owner's token suffices. TargetNotFound when the server is not shared with them."""
        path = f"/api/servers/{encode(machine_id)}/shared_servers"
        try:
            value = share_token(await self._get(path), account_id)
        except PlexTvParseError as exc:
            self._malformed(path, exc)
        if value is None:
            raise TargetNotFound(f"plex.tv: the server is not shared with account {account_id}")
        self._remember(value)
        return UserToken(value)
