"""Who can receive playlists on one Plex server: its owner, and each Home user or friend
plex.tv lists as given that server, with the sections shared with them; and what one of
them sees, from their own listing of sections (docs/TARGETS.md, Users and households).

A Home user or friend plex.tv does not list in the server's ``shared_servers`` has no token
for it, so cannot receive a playlist there, and is not listed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from common.targets.access import LibraryAccess
from common.targets.plex import PlexClient
from common.targets.plex_tv import PlexTvClient
from common.targets.plex_tv_parse import PlexAccount, PlexShare, PlexTvUser, SharedSection


class PlexUserKind(StrEnum):
    OWNER = "owner"  # the server's owner: every section
    HOME = "home"  # of the owner's Plex Home
    SHARED = "shared"  # a friend the server is shared with


@dataclass(frozen=True)
class PlexRecipient:
    """Someone a playlist can be written for on this server. ``user_id`` is the plex.tv
    account id (stable across renames); ``sections`` the sections plex.tv says are shared
    with them (None: the owner, every section). ``protected``: a Home user with a PIN,
    which writing through the server's token never asks for."""

    user_id: str
    name: str
    kind: PlexUserKind
    sections: tuple[SharedSection, ...] | None
    protected: bool = False

    @property
    def section_keys(self) -> frozenset[str] | None:
        return None if self.sections is None else frozenset(s.key for s in self.sections)


def plex_recipients(
    owner: PlexAccount, users: Sequence[PlexTvUser], shares: Sequence[PlexShare]
) -> list[PlexRecipient]:
    """The owner first, then everyone with a share of the server, by name."""
    by_id = {u.account_id: u for u in users}
    others = []
    for share in shares:
        if share.account_id == owner.account_id:
            continue
        user = by_id.get(share.account_id)
        others.append(
            PlexRecipient(
                user_id=share.account_id,
                name=(user.title if user else "") or share.username or share.account_id,
                kind=PlexUserKind.HOME if user and user.home else PlexUserKind.SHARED,
                sections=tuple(s for s in share.sections if s.shared),
                protected=bool(user and user.protected),
            )
        )
    first = PlexRecipient(owner.account_id, owner.title, PlexUserKind.OWNER, None)
    return [first, *sorted(others, key=lambda r: (r.name.casefold(), r.user_id))]


async def list_plex_recipients(tv: PlexTvClient, machine_id: str) -> list[PlexRecipient]:
    """Three plex.tv requests, at once: the owner, their users, the server's shares."""
    owner, users, shares = await asyncio.gather(tv.account(), tv.users(), tv.shares(machine_id))
    return plex_recipients(owner, users, shares)


async def plex_library_access(client: PlexClient, user: str) -> LibraryAccess:
    """What ``user`` sees: the sections the server lists to ``client``, which carries that
    user's token. One request (``GET /library/sections``)."""
    return LibraryAccess(user, tuple(await client.libraries()))
