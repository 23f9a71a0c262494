"""Finding the users a run writes for, against a household of emulators: by id or name
without case, what each sees, the requests it costs, and their tokens kept out of sight."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common.domain import ServerKind
from common.targets.connect import Connection, connect
from common.targets.jellyfin_users import JellyfinUser
from common.targets.plex_tv_parse import PlexShare, PlexTvUser, SharedSection
from emulators.household import default_household
from emulators.server import Household, running_household
from sync_svc.recipients import Recipients, UserNotFound, jellyfin_person, plex_person
from sync_svc.server_access import ServerAccess
from tests.support.target_clients import fast_settings


@pytest.fixture
async def home() -> AsyncIterator[Household]:
    async with running_household(default_household(tracks=200)) as household:
        yield household


def owner_of(home: Household, server: str) -> tuple[ServerAccess, Connection]:
    kind = ServerKind.PLEX if server in home.plex else ServerKind.JELLYFIN
    emulator = (home.plex if kind is ServerKind.PLEX else home.jellyfin)[server]
    access = ServerAccess(server, kind, emulator.url, emulator.token)
    return access, connect(kind, url=access.url, token=access.token, settings=fast_settings())


async def test_plex_users_by_name_or_id_with_what_they_see(home: Household) -> None:
    access, owner = owner_of(home, "plex")
    remembered: list[str] = []
    users = Recipients(
        access, owner, plex_tv_url=home.tv.url, settings=fast_settings(),
        remember_secret=remembered.append,
    )  # fmt: skip
    try:
        alice = await users.find("ALICE")
        bob = await users.find("102")
        assert (alice.name, bob.name) == ("alice", "bob")
        assert alice.access is not None
        assert bob.access is not None
        assert alice.access.titles == {"Music", "Lossless", "Audiobooks"}
        assert bob.access.titles == {"Music"}
        # Each user's own token: one plex.tv request each, nothing else to learn access.
        assert alice.client.counter.total == bob.client.counter.total == 1
        # The server's identity and the two plex.tv listings, once for the run.
        assert owner.client.counter.total == 3
        assert remembered == [home.plex_token("plex", "alice"), home.plex_token("plex", "bob")]
        assert home.plex_token("plex", "alice") not in repr(alice)
        with pytest.raises(
            UserNotFound, match="no user 'eve' can receive playlists on server 'plex'"
        ):
            await users.find("eve")
        await alice.close()
        await bob.close()
    finally:
        await owner.close()


async def test_jellyfin_users_see_their_views_for_one_request(home: Household) -> None:
    access, owner = owner_of(home, "jellyfin")
    users = Recipients(
        access, owner, plex_tv_url="", settings=fast_settings(), remember_secret=lambda _: None
    )
    try:
        carol = await users.find("Carol")
        assert carol.access is not None
        assert carol.access.titles == {"Music"}
        assert carol.client.counter.total == 1, "her views"
        dave = await users.find(home.jellyfin_user("jellyfin", "dave").user_id)
        assert dave.access is None, "dave sees every library"
        assert dave.client.counter.total == 0
        assert owner.client.counter.total == 1, "/Users, once for the run"
    finally:
        await owner.close()


def test_a_plex_person_is_named_by_id_title_or_username() -> None:
    users = [PlexTvUser("7", "Kid", "", True, True, True, frozenset())]
    shares = [
        PlexShare("7", "", (SharedSection("1", "Music", True),)),
        PlexShare("8", "bob_b", ()),
    ]
    assert plex_person("kid", users, shares) is shares[0]
    assert plex_person("7", users, shares) is shares[0]
    assert plex_person("BOB_B", users, shares) is shares[1]
    assert plex_person("eve", users, shares) is None


def test_a_jellyfin_person_is_named_by_id_with_or_without_dashes_or_name() -> None:
    carol = JellyfinUser("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "Carol", False, frozenset({"m"}))
    assert jellyfin_person("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", [carol]) is carol
    assert jellyfin_person("0F1E2D3C4B5A69788796A5B4C3D2E1F0", [carol]) is carol
    assert jellyfin_person(" carol ", [carol]) is carol
    assert jellyfin_person("dave", [carol]) is None
