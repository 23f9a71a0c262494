"""What the emulated Plex server says about itself (``/`` and ``/identity``) and the
version knob, checked over raw HTTP."""

from __future__ import annotations

import httpx
import pytest

from emulators.__main__ import knobs_from, parse
from emulators.knobs import Knobs
from emulators.server import Emulator

pytestmark = pytest.mark.timeout(60)

JSON = {"Accept": "application/json"}


async def test_identity_is_public_and_carries_no_name(plex: Emulator) -> None:
    async with httpx.AsyncClient(base_url=plex.url) as anonymous:
        answer = await anonymous.get("/identity", headers=JSON)
        assert answer.status_code == 200
        assert answer.json()["MediaContainer"] == {
            "size": 0,
            "claimed": 0,
            "machineIdentifier": plex.plex.state.machine_id,
            "version": plex.knobs.plex_version,
        }
        xml = (await anonymous.get("/identity")).text
        assert "friendlyName" not in xml
        assert (await anonymous.get("/")).status_code == 401  # the root needs the token


async def test_the_root_carries_name_id_and_version(plex_http: httpx.AsyncClient) -> None:
    root = (await plex_http.get("/", headers=JSON)).json()["MediaContainer"]
    assert root["friendlyName"] == "cmdarr-emulated-plex"
    assert len(root["machineIdentifier"]) == 40
    assert root["version"] == "1.41.0.8992-emulated"


async def test_the_reported_version_is_a_knob(plex_http: httpx.AsyncClient) -> None:
    await plex_http.post("/__admin/knobs", json={"plex_version": "1.20.0.3133-fede5bdc7"})
    for path in ("/", "/identity"):
        answer = (await plex_http.get(path, headers=JSON)).json()["MediaContainer"]
        assert answer["version"] == "1.20.0.3133-fede5bdc7"
    assert (await plex_http.get("/__admin/state")).json()["plex_version"] == (
        "1.20.0.3133-fede5bdc7"
    )


def test_the_cli_sets_the_reported_version() -> None:
    args = parse(["--plex-port", "0", "--plex-version", "1.20.0.3133-fede5bdc7"])
    assert knobs_from(args).plex_version == "1.20.0.3133-fede5bdc7"
    assert knobs_from(parse(["--plex-port", "0"])).plex_version == Knobs().plex_version
