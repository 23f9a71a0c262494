"""Jellyfin users as the emulator keeps them: who may see which libraries, and the user
object the server sends. Sources: jellyfin/jellyfin v10.11.11 (docs/TARGETS.md, Users and
households)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Forbidden(Exception):
    """What the server answers 403 for: ``RequestHelpers.GetUserId`` throws a
    SecurityException when a user who is not an administrator names another user
    (Jellyfin.Api/Helpers/RequestHelpers.cs; ExceptionMiddleware maps it to 403)."""


@dataclass(frozen=True)
class JUser:
    """One user. A library is visible to them with ``EnableAllFolders``, or when
    ``EnabledFolders`` holds its id (MediaBrowser.Controller/Entities/Folder.cs
    ``IsVisible``); the ids are the library (view) ids."""

    user_id: str
    name: str
    password: str
    admin: bool = False
    all_folders: bool = True
    folders: frozenset[str] = frozenset()  # EnabledFolders: view ids

    def sees(self, view_id: str) -> bool:
        return self.all_folders or view_id in self.folders

    def dto(self, server_id: str) -> dict[str, Any]:
        """The UserDto (Jellyfin.Server.Implementations/Users/UserManager.cs ``GetUserDto``),
        the fields a client reads about access."""
        return {
            "Name": self.name,
            "ServerId": server_id,
            "Id": self.user_id,
            "HasPassword": bool(self.password),
            "HasConfiguredPassword": bool(self.password),
            "Policy": {
                "IsAdministrator": self.admin,
                "IsHidden": False,
                "IsDisabled": False,
                "EnableAllFolders": self.all_folders,
                "EnabledFolders": sorted(self.folders),
                "BlockedMediaFolders": [],
            },
            "Configuration": {},
        }


def named_user(caller: str, named: str, caller_is_admin: bool) -> str:
    """``RequestHelpers.GetUserId``: the user a request names, else the caller's own; naming
    another user takes an administrator (an API key has the Administrator role)."""
    if not named:
        return caller
    if named != caller and not caller_is_admin:
        raise Forbidden("Forbidden")
    return named
