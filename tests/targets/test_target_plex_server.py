"""The Plex client against the emulator on three points a real server decides: where the
server's name comes from, which versions the client takes, and how long a playlist write's
URL may be. Requests are counted on both sides."""

from __future__ import annotations

import pytest

from common.targets import (
    EndpointClass,
    PlexClient,
    TargetRejected,
    TargetUnsupportedVersion,
)
from emulators.knobs import Knobs
from emulators.plex import PLEX_MAX_URL
from tests.support.target_clients import Target, target

pytestmark = pytest.mark.timeout(60)

PLEX_KINDS = ["plex-xml", "plex-json"]


def plex(tgt: Target) -> PlexClient:
    assert isinstance(tgt.client, PlexClient)
    return tgt.client


async def track_ids(tgt: Target, count: int) -> list[str]:
    """``count`` track ids of the emulated catalogue (six digits each), in catalogue order."""
    ids = sorted(tgt.emulator.plex.state.index)
    assert len(ids) >= count
    return ids[:count]


def entries(tgt: Target, playlist_id: str) -> list[str]:
    return [key for _, key in tgt.emulator.plex.state.playlists[playlist_id].entries]


# -- the server's name ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", PLEX_KINDS)
async def test_identify_reads_the_name_from_the_root_in_one_request(kind: str) -> None:
    async with target(kind) as tgt:
        identity = await plex(tgt).identify()
        state = tgt.emulator.plex.state
        assert identity.name == state.name == "cmdarr-emulated-plex"
        assert identity.server_id == state.machine_id
        assert identity.version == tgt.emulator.knobs.plex_version
        assert tgt.client.counter.total == 1
        assert tgt.server_counts()["other"] == 1


# -- the versions the client takes ---------------------------------------------------------


@pytest.mark.parametrize("kind", PLEX_KINDS)
async def test_a_server_older_than_1_24_3_is_refused_naming_both_versions(kind: str) -> None:
    knobs = Knobs(plex_version="1.20.0.3133-fede5bdc7")
    async with target(kind, knobs=knobs) as tgt:
        with pytest.raises(TargetUnsupportedVersion) as raised:
            await plex(tgt).identify()
        assert (raised.value.version, raised.value.minimum) == (
            "1.20.0.3133-fede5bdc7",
            "1.24.3.5033",
        )
        message = str(raised.value)
        assert "1.20.0.3133-fede5bdc7" in message
        assert "1.24.3.5033 or later" in message
        # A build starts with the libraries: it stops there, with the same error.
        with pytest.raises(TargetUnsupportedVersion):
            await plex(tgt).music_libraries()
        assert tgt.client.counter.get(EndpointClass.OTHER) == 2


@pytest.mark.parametrize(
    "version", ["1.24.3.5033-757abe6b4", "1.32.8.7639-fb6452ebf", "1.41.0.8992-emulated"]
)
async def test_servers_from_1_24_3_5033_on_are_taken(version: str) -> None:
    async with target("plex-xml", knobs=Knobs(plex_version=version)) as tgt:
        assert (await plex(tgt).identify()).version == version
        choice = await plex(tgt).music_libraries()
        assert [lib.title for lib in choice.chosen] == ["Music", "Lossless"]
        # The identity was known: music_libraries did not ask again.
        assert tgt.client.counter.get(EndpointClass.OTHER) == 1


async def test_music_libraries_checks_the_version_once_per_client() -> None:
    async with target("plex-xml") as tgt:
        await plex(tgt).music_libraries()
        await plex(tgt).music_libraries()
        assert tgt.client.counter.get(EndpointClass.OTHER) == 1
        assert tgt.client.counter.get(EndpointClass.LIBRARY_LISTING) == 2


# -- how long a playlist write may be ------------------------------------------------------


async def test_long_creates_and_adds_stay_under_the_servers_limit() -> None:
    """1,000 six-digit ids (9 characters each with the encoded comma) under the client's
    2,048-character budget: 210 in the create, then 212 per add. The emulator refuses
    targets over 3,000 characters, as a real server does somewhere near there."""
    async with target("plex-xml", tracks=1200) as tgt:
        ids = await track_ids(tgt, 1000)
        await plex(tgt).identify()
        tgt.reset_counts()
        created = await plex(tgt).create_playlist("Everything", ids)
        assert entries(tgt, created.playlist_id) == ids
        assert tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE) == 5  # 210 + 3 x 212 + 154
        await plex(tgt).add_to_playlist(created.playlist_id, ids[:500])
        assert entries(tgt, created.playlist_id) == ids + ids[:500]
        assert tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE) == 5 + 3  # 212, 212, 76
        assert tgt.server_counts()["playlist_write"] == 8
        assert tgt.server_counts()["other"] == 0  # no 414


async def test_a_414_halves_the_create_and_later_writes_keep_the_smaller_size() -> None:
    """The server takes 1,200 characters: the first create (210 ids, 2,048 characters) is
    refused, 105 ids pass, and the 895 others follow in adds of 105."""
    async with target("plex-xml", tracks=1200, knobs=Knobs(max_url=1200)) as tgt:
        ids = await track_ids(tgt, 1000)
        await plex(tgt).identify()
        tgt.reset_counts()
        created = await plex(tgt).create_playlist("Everything", ids)
        assert entries(tgt, created.playlist_id) == ids
        # One refused create, one create of 105, nine adds (8 x 105 + 55).
        assert tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE) == 11
        assert tgt.server_counts()["playlist_write"] == 10
        assert tgt.server_counts()["other"] == 1  # the 414
        assert len(tgt.emulator.plex.state.playlists) == 1


async def test_a_414_halves_an_add_and_nothing_is_added_twice() -> None:
    async with target("plex-json", tracks=1200, knobs=Knobs(max_url=1200)) as tgt:
        ids = await track_ids(tgt, 1003)
        created = await plex(tgt).create_playlist("Grows", ids[:3])
        tgt.reset_counts()
        await plex(tgt).add_to_playlist(created.playlist_id, ids[3:])
        assert entries(tgt, created.playlist_id) == ids
        # 212 refused, then 1,000 ids in adds of 106 (9 x 106 + 46).
        assert tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE) == 11
        assert tgt.server_counts()["playlist_write"] == 10
        assert tgt.server_counts()["other"] == 1


async def test_halving_goes_on_until_the_server_takes_the_request() -> None:
    async with target("plex-xml", tracks=1200, knobs=Knobs(max_url=500)) as tgt:
        ids = await track_ids(tgt, 100)
        await plex(tgt).identify()
        tgt.reset_counts()
        created = await plex(tgt).create_playlist("Small steps", ids)
        assert entries(tgt, created.playlist_id) == ids
        # 100 ids (1,060 characters) and 50 (610) are refused; 25 (385) pass, four times.
        assert tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE) == 2 + 4
        assert tgt.server_counts()["other"] == 2


async def test_a_414_for_a_single_id_is_a_clear_error() -> None:
    # 150 characters are fewer than the create's URL needs before any id (160).
    async with target("plex-xml", tracks=1200, knobs=Knobs(max_url=150)) as tgt:
        ids = await track_ids(tgt, 300)
        await plex(tgt).identify()
        tgt.reset_counts()
        with pytest.raises(TargetRejected) as raised:
            await plex(tgt).create_playlist("Never", ids)
        assert raised.value.status == 414
        assert "single item" in str(raised.value)
        assert "uri=" not in str(raised.value)  # no query string in messages
        # 210, 105, 52, 26, 13, 6, 3 and 1 ids: each refused, none applied.
        assert tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE) == 8
        assert tgt.server_counts()["other"] == 8
        assert tgt.emulator.plex.state.playlists == {}


def test_the_emulators_default_limit_is_the_documented_one() -> None:
    assert PLEX_MAX_URL == 3000
    assert Knobs().max_url == 0  # the server's own
