"""The Lidarr hand-off's whole story, every service its own process, driven by the CLI:
a sync leaves tracks unmatched; the preview lists their albums without changing Lidarr;
a send adds at most the cap, monitors only those albums and starts their search; a
second send adds nothing; after the emulated Plex gains the delivered tracks and its
cache refreshes, the next run adds them and its report says they came through Lidarr."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc

from bench.processes import Emulators, emulators
from common.wire.channels import open_channel
from emulators.library import generate
from emulators.lidarr import DEFAULT_LIDARR_API_KEY
from tests.support.cache_service import settle
from tests.support.command_line import Outcome, cmdarr
from tests.support.emulated_catalog import SEED, TOKEN, TRACKS
from tests.support.lidarr_world import album, jspf_track
from tests.support.processes import service

KEY = DEFAULT_LIDARR_API_KEY


@asynccontextmanager
async def services(tmp_path: Path) -> AsyncIterator[tuple[Emulators, dict[str, str]]]:
    data = {"CMDARR_DATA_DIR": str(tmp_path / "data")}
    async with (
        emulators(tmp_path, tracks=TRACKS, seed=SEED, lidarr=True) as emu,
        service("config_svc", tmp_path, env=data) as config_proc,
    ):
        up = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
        async with service("cache_svc", tmp_path, env=up) as cache_proc:
            up["CMDARR_CACHE_ADDR"] = cache_proc.address
            async with service("sync_svc", tmp_path, env=up) as sync_proc:
                yield (
                    emu,
                    {
                        "config": config_proc.address,
                        "cache": cache_proc.address,
                        "sync": sync_proc.address,
                    },
                )


def write_playlist(path: Path) -> None:
    """Four tracks Plex has, then eight of five albums only Lidarr knows (the release
    group given for two of them, as ListenBrainz can)."""
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks][::50][:4]
    have = [
        {"title": t.title, "creator": (t.credit or t.album_artist).split(" feat. ")[0]}
        for t in music
    ]
    salt, ferrous, orchard = album("Salt Hymns"), album("Ferrous"), album("Night Orchard")
    comets, breakwater = album("Paper Comets"), album("Breakwater Hours")
    missing = [
        jspf_track(salt, 0, rgid=True),
        jspf_track(salt, 1, rgid=True),
        jspf_track(salt, 3, rgid=True),
        jspf_track(ferrous, 0, rgid=False),
        jspf_track(orchard, 0, rgid=False),
        jspf_track(orchard, 2, rgid=False),
        jspf_track(comets, 1, rgid=False),
        jspf_track(breakwater, 0, rgid=False),
    ]
    path.write_text(json.dumps({"playlist": {"title": "Wanted", "track": have + missing}}))


async def lidarr_state(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    state: dict[str, Any] = (await http.get(f"{url}/__admin/library")).json()
    return state


def shown(title: str, outcome: Outcome) -> Outcome:
    """Print what the command printed (the flow's record), and hand it back."""
    print(f"\n$ {title}\n{outcome.out}{outcome.err}")
    return outcome


async def test_unmatched_tracks_go_to_lidarr_and_come_back(tmp_path: Path) -> None:
    path = tmp_path / "wanted.jspf"
    write_playlist(path)
    async with services(tmp_path) as (emu, at), httpx.AsyncClient(timeout=30) as http:
        cache = cache_pb2_grpc.CacheServiceStub(open_channel(at["cache"]))
        configured = await cmdarr(
            "config", "set", f"PLEX_URL={emu.plex_url}", f"PLEX_TOKEN={TOKEN}",
            "PLEX_CLIENT_ENABLED=true", f"LIDARR_URL={emu.lidarr_url}", f"LIDARR_API_KEY={KEY}",
            "LIDARR_ENABLED=true", "LIDARR_QUALITY_PROFILE=Lossless",
            "LIDARR_MAX_ALBUMS_PER_RUN=3", addresses=at,
        )  # fmt: skip
        assert configured.code == 0, configured.err
        assert KEY not in configured.out + configured.err
        ready = await settle(cache, cache_pb.CACHE_STATE_READY, limit=120)
        tested = shown("cmdarr lidarr test", await cmdarr("lidarr", "test", addresses=at))
        assert tested.code == 0, tested.out
        created = await cmdarr(
            "sync", "create", "wanted", "--source-kind", "file", "--source", str(path),
            "--to", "plex", addresses=at,
        )  # fmt: skip
        assert created.code == 0, created.err

        first = shown(
            "cmdarr sync run wanted --watch",
            await cmdarr("sync", "run", "wanted", "--watch", addresses=at),
        )
        assert first.code == 0, first.err
        run_id = first.out.split("Started sync run ", 1)[1].split()[0]
        report = (await cmdarr("--json", "sync", "report", run_id, addresses=at)).json()
        assert report["targets"][0]["unmatched"] == 8

        before = await lidarr_state(http, emu.lidarr_url)
        preview = shown(
            f"cmdarr lidarr preview {run_id}",
            await cmdarr("lidarr", "preview", run_id, addresses=at),
        )
        assert preview.code == 0, preview.err
        assert f"Run {run_id}: 5 albums wanted; a send would hand over 3 (at most 3" in preview.out
        assert await lidarr_state(http, emu.lidarr_url) == before, "the preview changed nothing"

        sent = shown(
            f"cmdarr lidarr send {run_id}", await cmdarr("lidarr", "send", run_id, addresses=at)
        )
        assert sent.code == 0, sent.err
        assert f"Run {run_id}: 3 albums sent to Lidarr; search started" in sent.out
        after = await lidarr_state(http, emu.lidarr_url)
        wanted = {(a["artist"], a["title"]) for a in after["albums"] if a["monitored"]}
        assert wanted == {
            ("Marrow Lanterns", "Salt Hymns"),
            ("Marrow Lanterns", "Ferrous"),
            ("Odalys Quillfeather", "Night Orchard"),
            ("The Tinfoil Saints", "Greatest Hits"),  # monitored before cmdarr came
        }, "only the albums sent are monitored: no discography"
        artists = {a["name"]: a for a in after["artists"]}
        assert artists["Marrow Lanterns"]["monitored"] is False
        assert artists["Marrow Lanterns"]["monitorNewItems"] == "none"
        (search,) = after["commands"]
        assert search["name"] == "AlbumSearch"
        assert len(search["body"]["albumIds"]) == 3

        again = shown(
            f"cmdarr lidarr send {run_id}  (again)",
            await cmdarr("lidarr", "send", run_id, addresses=at),
        )
        assert again.code == 0, again.err
        assert f"Run {run_id}: 0 albums sent to Lidarr" in again.out
        assert (await lidarr_state(http, emu.lidarr_url))["commands"] == after["commands"]

        delivered = (
            await http.post(f"{emu.lidarr_url}/__admin/library", json={"deliver": True})
        ).json()["delivered"]
        imported = [
            {**t, "artist": d["artist"], "album": d["title"]}
            for d in delivered
            for t in d["tracks"]
        ]
        await http.post(f"{emu.plex_url}/__admin/library", json={"import": imported})
        refreshed = shown(
            "cmdarr cache build plex --incremental --watch",
            await cmdarr("cache", "build", "plex", "--incremental", "--watch", addresses=at),
        )
        assert refreshed.code == 0, refreshed.err
        await settle(cache, cache_pb.CACHE_STATE_READY, generation=ready.generation + 1)

        second = shown(
            "cmdarr sync run wanted --watch  (after the albums arrived)",
            await cmdarr("sync", "run", "wanted", "--watch", addresses=at),
        )
        assert second.code == 0, second.err
        assert "now found; was sent to Lidarr on" in second.out
        assert second.out.count("now found; was sent to Lidarr on") == 6
        next_id = second.out.split("Started sync run ", 1)[1].split()[0]
        later = (await cmdarr("--json", "sync", "report", next_id, addresses=at)).json()
        assert later["targets"][0]["unmatched"] == 2, "the albums not sent are still missing"
        assert later["targets"][0]["items_added"] == 6
