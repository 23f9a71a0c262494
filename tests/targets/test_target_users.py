"""Who can receive playlists, their tokens and what each sees, read from a household of
emulators (two Plex servers and plex.tv, a Jellyfin server), requests counted on both
sides."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator

import httpx
import pytest

from common.targets import PlexClient
from common.targets.access import split_by_access
from common.targets.errors import TargetAuthError, TargetMalformedResponse, TargetNotFound
from common.targets.jellyfin_users import JellyfinUsers
from common.targets.plex_tv import PlexTvClient, UserToken
from common.targets.plex_users import (
    PlexUserKind,
    list_plex_recipients,
    plex_library_access,
)
from emulators.household import default_household
from emulators.knobs import Fault
from emulators.server import Household, jellyfin_token, running_household
from tests.support.log_capture import capture_debug
from tests.support.target_clients import fast_settings

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def home() -> AsyncIterator[Household]:
    async with running_household(default_household(tracks=300)) as household:
        yield household


@pytest.fixture
async def tv_http(home: Household) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=home.tv.url) as http:
        yield http


def plex_tv(home: Household, http: httpx.AsyncClient, remembered: list[str]) -> PlexTvClient:
    return PlexTvClient(
        http, token=home.tv.token, settings=fast_settings(), remember_secret=remembered.append
    )


async def test_recipients_are_the_owner_and_everyone_given_the_server(
    home: Household, tv_http: httpx.AsyncClient
) -> None:
    tv = plex_tv(home, tv_http, [])
    machine = home.plex["plex"].plex.state.machine_id
    found = await list_plex_recipients(tv, machine)
    assert [(r.name, r.kind, r.section_keys, r.protected) for r in found] == [
        ("owner", PlexUserKind.OWNER, None, False),
        ("alice", PlexUserKind.HOME, frozenset({"1", "2", "3"}), False),
        ("bob", PlexUserKind.SHARED, frozenset({"1"}), False),
        ("kid", PlexUserKind.HOME, frozenset({"1"}), True),
    ]
    assert [r.user_id for r in found] == ["1", "101", "102", "103"]
    assert [s.title for s in found[2].sections or ()] == ["Music"]
    assert tv.counter.total == 3
    assert home.tv.knobs.counts == {
        "account": 1,
        "users": 1,
        "shared_servers": 1,
        "switch": 0,
        "resources": 0,
        "other": 0,
    }
    cabin = home.plex["cabin"].plex.state.machine_id
    assert [r.name for r in await list_plex_recipients(tv, cabin)] == ["owner", "alice"]


async def test_a_users_token_is_fetched_when_needed_and_never_shown(
    home: Household, tv_http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    capture_debug(caplog)
    remembered: list[str] = []
    tv = plex_tv(home, tv_http, remembered)
    machine = home.plex["plex"].plex.state.machine_id
    home.tv.knobs.faults.append(Fault(kind="status", status=503, endpoint="shared_servers"))
    token = await tv.server_token(machine, "102")  # bob's, after one retry
    secret = home.plex_token("plex", "bob")
    assert token == UserToken(secret)
    assert token.reveal() == secret
    assert remembered == [secret]  # the log redactor learns it before it is returned
    assert repr(token) == str(token) == f"{token}" == "UserToken(***)"
    with pytest.raises(TypeError, match="memory only"):
        pickle.dumps(token)
    cabin = home.plex["cabin"].plex.state.machine_id
    with pytest.raises(TargetNotFound) as missing:
        await tv.server_token(cabin, "102")  # the cabin is not shared with bob
    assert tv.counter.total == 3
    assert tv.counter.retries == 1
    shown = [r.getMessage() for r in caplog.records] + [str(missing.value)]
    shown += [repr(getattr(r, "fields", "")) for r in caplog.records]
    assert any("retrying" in line for line in shown)
    assert all(secret not in line and home.tv.token not in line for line in shown)


async def test_what_each_plex_user_sees_costs_one_request_each(
    home: Household, tv_http: httpx.AsyncClient
) -> None:
    plex = home.plex["plex"]
    tv = plex_tv(home, tv_http, [])
    recipients = await list_plex_recipients(tv, plex.plex.state.machine_id)
    plex.knobs.reset_counts()
    seen = {}
    async with httpx.AsyncClient(base_url=plex.url) as http:
        for recipient in recipients:
            token = (
                plex.token
                if recipient.kind is PlexUserKind.OWNER
                else (await tv.server_token(plex.plex.state.machine_id, recipient.user_id)).reveal()
            )
            client = PlexClient(http, token=token, settings=fast_settings())
            access = await plex_library_access(client, recipient.name)
            assert client.counter.total == 1
            seen[recipient.name] = access
    assert plex.knobs.counts["library_listing"] == len(recipients) == 4
    assert {n: sorted(a.titles) for n, a in seen.items()} == {
        "owner": ["Audiobooks", "Lossless", "Music"],
        "alice": ["Audiobooks", "Lossless", "Music"],
        "bob": ["Music"],
        "kid": ["Music"],
    }
    # What plex.tv says is shared is what the server shows each user.
    assert all(
        r.section_keys is None or r.section_keys == seen[r.name].library_ids for r in recipients
    )
    tracks = [(t.title, s.title) for s in plex.plex.state.catalog.sections for t in s.tracks[:2]]
    kept, withheld = split_by_access(tracks, seen["bob"], library_title=lambda t: t[1])
    assert {library for _, library in kept} == {"Music"}
    assert {w.reason for w in withheld} == {"not in bob's libraries"}
    assert len(kept) + len(withheld) == len(tracks)


async def test_a_malformed_plex_tv_answer_names_the_request_not_the_body(
    home: Household, tv_http: httpx.AsyncClient
) -> None:
    tv = plex_tv(home, tv_http, [])
    home.tv.knobs.faults.append(Fault(kind="malformed", endpoint="shared_servers"))
    machine = home.plex["plex"].plex.state.machine_id
    with pytest.raises(TargetMalformedResponse) as raised:
        await tv.server_token(machine, "102")
    message = str(raised.value)
    assert message.startswith(f"plex.tv: malformed response to GET /api/servers/{machine}/")
    assert home.plex_token("plex", "bob") not in message


async def test_jellyfin_users_and_what_each_sees(home: Household) -> None:
    jellyfin = home.jellyfin["jellyfin"]
    views = {
        s.title: jellyfin.jellyfin.state.view_id(s)
        for s in jellyfin.jellyfin.state.catalog.sections
    }
    async with httpx.AsyncClient(base_url=jellyfin.url) as http:
        reader = JellyfinUsers(http, token=jellyfin.api_key, settings=fast_settings())
        users = await reader.list_users()
        assert reader.counter.total == 1
        assert [(u.name, u.is_admin, u.folder_ids) for u in users] == [
            ("carol", False, frozenset({views["Music"]})),
            ("dave", False, None),
            ("emulator", True, None),
        ]
        jellyfin.knobs.reset_counts()
        access = {u.name: await reader.library_access(u) for u in users}
        assert jellyfin.knobs.counts["library_listing"] == len(users) == 3
        assert sorted(access["carol"].titles) == ["Music"]
        assert access["carol"].library_ids == users[0].folder_ids
        assert sorted(access["dave"].titles) == ["Audiobooks", "Lossless", "Music"]
        # A user who is not an administrator may not read another's libraries.
        carol = JellyfinUsers(
            http, token=jellyfin_token("jellyfin", "carol"), settings=fast_settings()
        )
        with pytest.raises(TargetAuthError):
            await carol.library_access(users[1])
