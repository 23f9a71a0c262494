"""The Plex client against the emulator on points a real server decides: where the
server's name comes from and which versions the client takes. Requests are counted on
both sides."""

from __future__ import annotations

import pytest

from common.targets import (
    EndpointClass,
    PlexClient,
    TargetVersionUnsupported,
)
from emulators.knobs import Knobs
from tests.support.target_clients import Target, target

pytestmark = pytest.mark.timeout(60)

PLEX_KINDS = ["plex-xml", "plex-json"]


def plex(tgt: Target) -> PlexClient:
    assert isinstance(tgt.client, PlexClient)
    return tgt.client


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
        with pytest.raises(TargetVersionUnsupported) as raised:
            await plex(tgt).identify()
        assert (raised.value.version, raised.value.minimum) == (
            "1.20.0.3133-fede5bdc7",
            "1.24.3.5033",
        )
        message = str(raised.value)
        assert "1.20.0.3133-fede5bdc7" in message
        assert "1.24.3.5033 or later" in message
        # A build starts with the libraries: it stops there, with the same error.
        with pytest.raises(TargetVersionUnsupported):
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
