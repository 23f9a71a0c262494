"""The household benchmark's parts that decide what it measures: the servers' sizes and
music, the playlist every destination can see, the ideal it is held to, and the child
process that serves the household."""

from __future__ import annotations

import math
import os
from pathlib import Path

import httpx

from bench.__main__ import discover, resolve
from bench.bench_cache import CONCURRENCY, LATENCY_MS, PAGE_SIZE, ideal_seconds
from bench.bench_household import _label, _playlist
from bench.household_emulators import household_spec
from bench.processes import household, proc_cpu_seconds
from emulators.household import jellyfin_catalogs, plex_catalogs
from emulators.server import DEFAULT_PLEX_TOKEN


def test_every_server_holds_the_same_number_of_music_tracks() -> None:
    spec = household_spec(900, seed=4)
    catalogs = {**plex_catalogs(spec), **jellyfin_catalogs(spec)}
    assert sorted(catalogs) == ["cabin", "jellyfin", "plex"]
    for name, catalog in catalogs.items():
        music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
        assert len(music) == 900, name


def test_the_playlist_is_in_every_servers_music_library() -> None:
    spec = household_spec(3000, seed=4)
    catalogs = {**plex_catalogs(spec), **jellyfin_catalogs(spec)}
    tracks = _playlist(catalogs, spec.plex[1].copied_tracks)
    assert len(tracks) == 500
    wanted = {(t.title, t.duration_ms) for t in tracks}
    for name, catalog in catalogs.items():
        # "Music" is the library bob (plex) and carol (jellyfin) are given.
        first = catalog.sections[0]
        assert first.title == "Music"
        held = {(t.title, t.duration_ms) for t in first.tracks}
        assert wanted <= held, name


def test_the_ideal_counts_the_listing_then_whole_pages_four_at_a_time() -> None:
    sizes = [50_000, 50_001]
    pages = 100 + 101
    assert math.ceil(50_001 / PAGE_SIZE) == 101
    assert ideal_seconds(sizes) == (1 + pages / CONCURRENCY) * LATENCY_MS / 1000


def test_names_are_taken_with_or_without_the_prefix() -> None:
    assert resolve(["household", "bench_cache"]) == ["bench_household", "bench_cache"]
    assert resolve([]) == discover()
    assert "bench_household" in discover()


def test_a_destination_without_a_user_is_the_owner() -> None:
    assert _label("cabin", "") == "cabin (owner)"
    assert _label("plex", "alice") == "plex:alice"


def test_cpu_seconds_grow_with_work() -> None:
    before = proc_cpu_seconds(os.getpid())
    sum(n * n for n in range(2_000_000))
    assert proc_cpu_seconds(os.getpid()) > before


async def test_the_household_process_announces_its_servers_and_plex_tv(tmp_path: Path) -> None:
    async with (
        household(tmp_path, tracks=300, seed=4) as emu,
        httpx.AsyncClient(timeout=10) as http,
    ):
        assert {n: k for n, (k, _) in emu.servers.items()} == {
            "plex": "plex",
            "cabin": "plex",
            "jellyfin": "jellyfin",
        }
        names = set()
        for name in ("plex", "cabin"):
            reply = await http.get(
                f"{emu.servers[name][1]}/", headers={"X-Plex-Token": DEFAULT_PLEX_TOKEN}
            )
            assert reply.status_code == 200
            names.add(reply.text.split('friendlyName="', 1)[1].split('"', 1)[0])
        assert names == {"plex", "cabin"}
        users = await http.get(
            f"{emu.plex_tv_url}/api/users/", headers={"X-Plex-Token": DEFAULT_PLEX_TOKEN}
        )
        assert users.status_code == 200
        for person in ("alice", "bob", "kid"):
            assert f'title="{person}"' in users.text
