"""Every request the target clients send is in docs/TARGETS.md's conformance record.

The record names, for each endpoint, the source that says a real server answers it as the
client expects (the server's code, a spec, an issue) or says "unverified". This test drives
every method of the client interface against the emulators, records each request on the
wire, and fails on a request whose endpoint the record lacks, or on a row with no source: a
new request cannot ship on a belief nobody wrote down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from common.lidarr.choice import choose
from common.lidarr.client import LidarrClient
from common.lidarr.connect import LIDARR_RETRY
from common.targets import JellyfinClient, PlexClient, TargetRejected
from common.targets.base import TargetClient
from common.targets.jellyfin_users import JellyfinUsers
from common.targets.plex_tv import PlexTvClient
from common.targets.plex_users import list_plex_recipients, plex_library_access
from common.targets.settings import ClientSettings
from common.targets.transport import Transport
from emulators.household import default_household
from emulators.lidarr_catalog import demo_world
from emulators.server import running_household, running_lidarr
from sync_svc.lidarr.plan import album_body
from tests.support.target_clients import (
    KINDS,
    RecordingSleep,
    client_for,
    emulator_for,
    fast_settings,
)

ROOT = Path(__file__).resolve().parents[2]
RECORD_HEADING = "## Conformance record"
# The smallest PNG: its signature and an IHDR chunk are all the emulators look at.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(25)
# The interface's attributes that are not requests.
NOT_REQUESTS = {"counter", "kind"}


@dataclass(frozen=True)
class Row:
    server: str
    method: str
    path: str
    source: str

    def matches(self, server: str, method: str, path: str) -> bool:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.path))
        return (
            self.server == server
            and self.method == method
            and re.fullmatch(pattern, path) is not None
        )


def record() -> list[Row]:
    """The rows of the record's table: | server | `METHOD /path` | source |."""
    text = (ROOT / "docs" / "TARGETS.md").read_text()
    section = text.split(RECORD_HEADING, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        found = (
            re.fullmatch(r"`(GET|POST|PUT|DELETE) (/[^`? ]*)[^`]*`", cells[1])
            if len(cells) == 3
            else None
        )
        if found:
            rows.append(Row(cells[0], found.group(1), found.group(2), cells[2]))
    return rows


@dataclass
class Wire:
    """The (method, path) of every request an httpx client sends."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path))


@dataclass
class Calls:
    """Runs the client's methods, remembering which were run."""

    client: TargetClient
    names: set[str] = field(default_factory=set)

    def __getattr__(self, name: str) -> object:
        self.names.add(name)
        return getattr(self.client, name)


async def exercise(client: TargetClient, *, moves: bool = True) -> set[str]:
    """Every request kind the interface has, in the order a build and a sync send them.
    ``moves``: False where the server refuses the move (Jellyfin, to an API key)."""
    calls = Calls(client)
    driven: TargetClient = calls  # type: ignore[assignment]
    await driven.identify()
    await driven.libraries()
    library = (await driven.music_libraries()).chosen[0]
    await driven.track_total(library)
    tracks = await driven.list_tracks(library)
    await driven.list_indexed(library, library.title)
    await driven.track_ids(library)
    await driven.changes_since(library, since=max(t.updated_at for t in tracks) - 1)
    await driven.search(library, tracks[0].title)
    await driven.artist_tracks(library, tracks[0].artists[0])
    await driven.artist_names(library, 0, 50)
    ids = [t.item_id for t in tracks[:5]]
    playlist = await driven.create_playlist("Conformance", ids[:3], summary="made by a test")
    found = [p for p in await driven.playlists() if p.playlist_id == playlist.playlist_id]
    assert await driven.writable(found[0])
    await driven.keeps_repeats()
    await driven.add_to_playlist(playlist.playlist_id, ids[3:])
    entries = await driven.playlist_items(playlist.playlist_id)
    if moves:
        await driven.move_entry(playlist.playlist_id, entries[-1].entry_id, 0, entries)
    else:
        with pytest.raises(TargetRejected):
            await driven.move_entry(playlist.playlist_id, entries[-1].entry_id, 0, entries)
    await driven.remove_from_playlist(playlist.playlist_id, [entries[0].entry_id])
    await driven.replace_playlist(playlist.playlist_id, ids[:2])
    await driven.update_playlist(playlist.playlist_id, title="Conformance 2", summary="edited")
    await driven.upload_cover(playlist.playlist_id, PNG, "image/png")
    read = await driven.playlist_tracks(playlist.playlist_id)
    assert [t.item_id for t in read] == ids[:2]
    assert all(t.path for t in read)
    pictured = [p for p in await driven.playlists() if p.playlist_id == playlist.playlist_id]
    assert await driven.read_image(pictured[0].image, 2**20) == (PNG, "image/png")
    await driven.delete_playlist(playlist.playlist_id)
    return calls.names


def test_every_row_of_the_record_names_its_source() -> None:
    rows = record()
    assert {row.server for row in rows} == {"Plex", "Jellyfin", "plex.tv", "Lidarr"}
    for row in rows:
        assert row.source, f"{row.server} {row.method} {row.path} names no source"


@pytest.mark.parametrize(("kind", "api_key"), [(k, False) for k in KINDS] + [("jellyfin", True)])
async def test_every_request_a_client_sends_is_in_the_record(kind: str, api_key: bool) -> None:
    """``api_key``: Jellyfin with a dashboard API key, which takes other routes for what a
    key may not do (the rename, the ownership check)."""
    server = "Jellyfin" if kind == "jellyfin" else "Plex"
    rows = [row for row in record() if row.server == server]
    wire = Wire()
    async with (
        emulator_for(kind, tracks=300) as emulator,
        httpx.AsyncClient(base_url=emulator.url, event_hooks={"request": [wire]}) as http,
    ):
        client: TargetClient
        if api_key:
            client = JellyfinClient(
                http,
                token=emulator.api_key,
                user_id=emulator.jellyfin.state.user_id,
                settings=fast_settings(),
                sleep=RecordingSleep(),
            )
        else:
            client = client_for(kind, emulator, http, fast_settings(), RecordingSleep())
        called = await exercise(client, moves=not api_key)

    interface = {name for name in dir(TargetClient) if not name.startswith("_")} - NOT_REQUESTS
    assert interface <= called, f"not exercised here: {sorted(interface - called)}"
    unrecorded = sorted(
        {(method, path) for method, path in wire.sent}
        - {(m, p) for m, p in wire.sent for row in rows if row.matches(server, m, p)}
    )
    assert not unrecorded, f"{server} requests missing from docs/TARGETS.md: {unrecorded}"


async def test_every_request_the_users_readers_send_is_in_the_record() -> None:
    """plex.tv, and each server, as the readers of users and of what each sees use them."""
    wires = {"Plex": Wire(), "Jellyfin": Wire(), "plex.tv": Wire()}

    def client(url: str, server: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=url, event_hooks={"request": [wires[server]]})

    async with running_household(default_household(tracks=300)) as home:
        plex, jellyfin = home.plex["plex"], home.jellyfin["jellyfin"]
        machine = plex.plex.state.machine_id
        async with (
            client(home.tv.url, "plex.tv") as tv_http,
            client(plex.url, "Plex") as plex_http,
            client(jellyfin.url, "Jellyfin") as jf_http,
        ):
            tv = PlexTvClient(tv_http, token=home.tv.token, settings=fast_settings())
            recipients = await list_plex_recipients(tv, machine)
            token = await tv.server_token(machine, recipients[-1].user_id)
            reader = PlexClient(plex_http, token=token.reveal(), settings=fast_settings())
            await plex_library_access(reader, recipients[-1].name)
            users = JellyfinUsers(jf_http, token=jellyfin.api_key, settings=fast_settings())
            await users.library_access((await users.list_users())[0])

    rows = record()
    for server, wire in wires.items():
        assert wire.sent, f"nothing sent to {server}"
        unrecorded = sorted(
            {(m, p) for m, p in wire.sent}
            - {(m, p) for m, p in wire.sent for row in rows if row.matches(server, m, p)}
        )
        assert not unrecorded, f"{server} requests missing from docs/TARGETS.md: {unrecorded}"


async def test_every_request_the_lidarr_client_sends_is_in_the_record() -> None:
    """Every method of the Lidarr client, as a preview and a send use them."""
    rows = [row for row in record() if row.server == "Lidarr"]
    wire = Wire()
    world = demo_world()
    async with (
        running_lidarr() as lidarr,
        httpx.AsyncClient(base_url=lidarr.url, event_hooks={"request": [wire]}) as http,
    ):
        transport = Transport(
            http=http,
            target="Lidarr",
            settings=ClientSettings(retry=LIDARR_RETRY),
            headers={"X-Api-Key": lidarr.token},
        )
        calls = Calls(LidarrClient(transport))  # type: ignore[arg-type]
        driven: LidarrClient = calls  # type: ignore[assignment]
        await driven.status()
        await driven.root_folders()
        await driven.quality_profiles()
        await driven.metadata_profiles()
        catalogue = await driven.catalogue()
        choice = choose(catalogue, root_folder_name="", quality_name="", metadata_name="")
        assert not isinstance(choice, list)
        (found,) = await driven.lookup_album(f"lidarr:{world.albums[0].mbid}")
        added = await driven.add_album(album_body(found, choice, [found.foreign_album_id]))
        assert await driven.album_by_foreign_id(found.foreign_album_id) == added
        await driven.monitor_albums([added.id])
        await driven.search_albums([added.id])
    interface = {
        name for name in dir(LidarrClient) if not name.startswith("_") and name != "counter"
    }
    assert interface <= calls.names, f"not exercised: {sorted(interface - calls.names)}"
    unrecorded = sorted(
        {(m, p) for m, p in wire.sent}
        - {(m, p) for m, p in wire.sent for row in rows if row.matches("Lidarr", m, p)}
    )
    assert not unrecorded, f"Lidarr requests missing from docs/TARGETS.md: {unrecorded}"
