"""A Jellyfin server's users and what each can see (docs/TARGETS.md, Users and
households): ``GET /Users`` for everyone, with their policy; ``GET /UserViews?userId=`` for
one user's libraries. Naming another user takes an administrator's token or an API key.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from common.targets.access import LibraryAccess
from common.targets.counters import EndpointClass, RequestCounter
from common.targets.errors import TargetMalformedResponse
from common.targets.jellyfin import authorization_header
from common.targets.jellyfin_parse import (
    JellyfinParseError,
    items_page,
    library_from_item,
    parse_json,
)
from common.targets.query import url
from common.targets.settings import ClientSettings
from common.targets.transport import Transport


@dataclass(frozen=True)
class JellyfinUser:
    """One user. ``folder_ids``: the libraries their policy names (``EnabledFolders``);
    None when they see every one (``EnableAllFolders``)."""

    user_id: str
    name: str
    is_admin: bool
    folder_ids: frozenset[str] | None
    disabled: bool = False


def user_from(data: Any) -> JellyfinUser:
    """A UserDto read (``Id``, ``Name``, ``Policy``)."""
    if not isinstance(data, dict) or not isinstance(data.get("Id"), str) or not data["Id"]:
        raise JellyfinParseError("a user has no Id")
    policy = data.get("Policy")
    if not isinstance(policy, dict):
        raise JellyfinParseError("a user has no Policy")
    folders = policy.get("EnabledFolders") or []
    if not isinstance(folders, list):
        raise JellyfinParseError("Policy.EnabledFolders is not a list")
    all_folders = bool(policy.get("EnableAllFolders"))
    return JellyfinUser(
        user_id=data["Id"],
        name=str(data.get("Name") or ""),
        is_admin=bool(policy.get("IsAdministrator")),
        folder_ids=None if all_folders else frozenset(str(f) for f in folders),
        disabled=bool(policy.get("IsDisabled")),
    )


def users_from(data: Any) -> list[JellyfinUser]:
    if not isinstance(data, list):
        raise JellyfinParseError("/Users is not a list")
    return [user_from(item) for item in data]


class JellyfinUsers:
    """Reads users with ``token``: an administrator's or an API key. ``http`` carries the
    server's base URL."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: str,
        settings: ClientSettings | None = None,
        counter: RequestCounter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: random.Random | None = None,
    ) -> None:
        settings = settings or ClientSettings()
        self._transport = Transport(
            http=http,
            target="Jellyfin",
            settings=settings,
            headers={
                "Authorization": authorization_header(token, settings),
                "Accept": "application/json",
            },
            counter=counter,
            sleep=sleep,
            rand=rand,
        )
        self.counter = self._transport.counter

    async def _json(self, path: str, endpoint: EndpointClass) -> Any:
        response = await self._transport.request("GET", path, endpoint)
        try:
            return parse_json(response.content)
        except JellyfinParseError as exc:
            raise TargetMalformedResponse(
                f"Jellyfin: malformed response to {path.split('?', 1)[0]}: {exc}"
            ) from exc

    async def list_users(self) -> list[JellyfinUser]:
        """Every user, with whether an administrator and the libraries their policy names:
        one request (``GET /Users``)."""
        data = await self._json("/Users", EndpointClass.OTHER)
        try:
            return users_from(data)
        except JellyfinParseError as exc:
            raise TargetMalformedResponse(f"Jellyfin: malformed response to /Users: {exc}") from exc

    async def library_access(self, user: JellyfinUser) -> LibraryAccess:
        """What ``user`` sees, by name and id: one request (``GET /UserViews?userId=``)."""
        path = url("/UserViews", ("userId", user.user_id))
        data = await self._json(path, EndpointClass.LIBRARY_LISTING)
        try:
            items, _ = items_page(data)
            return LibraryAccess(user.name, tuple(library_from_item(i) for i in items))
        except JellyfinParseError as exc:
            raise TargetMalformedResponse(
                f"Jellyfin: malformed response to /UserViews: {exc}"
            ) from exc
