"""python -m bench.demo (make demo): the seed's story on emulated servers, end to end.

Starts emulated Plex, Jellyfin and Lidarr and the four services (each its own process,
data in a temporary folder), enables both targets through the API, shows the library
caches being built at once, syncs a 500-track playlist to both, prints the report beside
what the old behaviour would have sent, and previews the albums Lidarr would be asked for
the tracks no library has (changing nothing)."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bench.processes import emulators, service
from common.runtime.probe import free_port
from common.wire.channels import open_channel
from emulators.library import generate
from emulators.lidarr import DEFAULT_LIDARR_API_KEY
from emulators.lidarr_catalog import demo_world

TRACKS = 50_000
SEED = 8
LATENCY_MS = 200
PLAYLIST = 500
OLD_QUERIES = 8  # per track and library, what live matching used to send
LABELS = {tpb.TARGET_PLEX: "Plex", tpb.TARGET_JELLYFIN: "Jellyfin"}


def write_playlist(path: Path) -> None:
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    chosen = music[:: len(music) // PLAYLIST][: PLAYLIST - 12]
    tracks = [
        {
            "title": t.title,
            "creator": (t.credit or t.album_artist).split(" feat. ")[0],
            "duration": t.duration_ms,
        }
        for t in chosen
    ] + [
        {"title": track.title, "creator": album.artist.name, "album": album.title}
        for album in demo_world().albums
        for track in album.tracks
    ][:12]  # tracks only the emulated Lidarr knows
    path.write_text(json.dumps({"playlist": {"title": "Demo 500", "track": tracks}}))


async def watch_builds(console: Console, cache: Any) -> None:
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bars:
        tasks = {
            t: bars.add_task(f"Building {LABELS[t]} library cache...", total=None) for t in LABELS
        }
        ready: set[int] = set()
        call = cache.WatchCacheStatus(cache_pb.WatchCacheStatusRequest(), timeout=600)
        async for message in call:
            status = message.status
            task = tasks[status.target]
            if status.state == cache_pb.CACHE_STATE_BUILDING and status.progress.tracks_total:
                bars.update(
                    task, total=status.progress.tracks_total, completed=status.progress.tracks_done
                )
            elif status.state == cache_pb.CACHE_STATE_READY:
                done = f"{LABELS[status.target]}: Library cache ready"
                bars.update(task, total=status.track_count, completed=status.track_count)
                bars.update(task, description=done)
                ready.add(status.target)
            elif status.state == cache_pb.CACHE_STATE_FAILED:
                raise RuntimeError(f"{LABELS[status.target]} cache failed: {status.last_error}")
            if ready == set(LABELS):
                break
        call.cancel()


def report_table(report: pb.SyncReport, libraries: int) -> Table:
    table = Table(
        title=f"Sync report ({len(report.tracks) // max(1, len(report.targets))} tracks per target)"
    )
    for column in (
        "target",
        "matched",
        "unmatched",
        "added",
        "writes",
        "requests sent",
        "old behaviour",
    ):
        table.add_column(column, justify="right" if column != "target" else "left")
    for t in report.targets:
        r = t.requests
        sent = (
            r.library_listing
            + r.track_page
            + r.search
            + r.playlist_read
            + r.playlist_write
            + r.other
        )
        old = (t.matched + t.unmatched) * libraries * OLD_QUERIES
        table.add_row(
            LABELS[t.target],
            f"{t.matched:,}",
            f"{t.unmatched:,}",
            f"{t.items_added:,}",
            str(t.writes),
            f"{sent:,}",
            f"{old:,} searches",
        )
    return table


async def preview_lidarr(
    console: Console, config: Any, sync: Any, lidarr_url: str, run_id: str
) -> None:
    """What the run's missing tracks would ask Lidarr for (PreviewLidarr: nothing sent)."""
    changes = {"LIDARR_URL": lidarr_url, "LIDARR_API_KEY": DEFAULT_LIDARR_API_KEY}
    await config.UpdateSettings(
        cpb.UpdateSettingsRequest(
            changes=[cpb.SettingChange(key=k, value=v) for k, v in changes.items()]
        ),
        timeout=10,
    )
    preview = await sync.PreviewLidarr(pb.PreviewLidarrRequest(run_id=run_id), timeout=60)
    table = Table(title="The missing tracks' albums, as Lidarr sees them (nothing sent)")
    for column in ("album", "tracks", "what a send would do"):
        table.add_column(column)
    for album in preview.albums:
        state = pb.LidarrAlbumState.Name(album.state).removeprefix("LIDARR_ALBUM_STATE_")
        what = f"{state.lower().replace('_', ' ')}: {album.message}"
        table.add_row(f"{album.artist} - {album.title}", str(len(album.tracks)), what)
    console.print(table)
    console.print(
        f"At most {preview.max_albums} albums a run; send them with "
        f"cmdarr lidarr send {run_id} (LIDARR_ENABLED=true)."
    )


async def main() -> int:
    console = Console()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        data = {"CMDARR_DATA_DIR": str(logs / "data"), "CMDARR_LOG_LEVEL": "WARNING"}
        console.print(
            f"Starting emulated Plex and Jellyfin ({TRACKS:,} tracks, "
            f"{LATENCY_MS} ms per request)..."
        )
        async with (
            emulators(logs, tracks=TRACKS, seed=SEED, latency_ms=LATENCY_MS, lidarr=True) as emu,
            service("config_svc", logs, env=data) as config_proc,
        ):
            env = {**data, "CMDARR_CONFIG_ADDR": config_proc.address}
            async with service("cache_svc", logs, env=env) as cache_proc:
                env["CMDARR_CACHE_ADDR"] = cache_proc.address
                async with service("sync_svc", logs, env=env) as sync_proc:
                    env["CMDARR_SYNC_ADDR"] = sync_proc.address
                    http = f"127.0.0.1:{free_port()}"
                    env["CMDARR_GATEWAY_HTTP_ADDR"] = http
                    async with service("gateway", logs, env=env):
                        console.print(f"Services up. Status page: http://{http}/\n")
                        config = config_pb2_grpc.ConfigServiceStub(
                            open_channel(config_proc.address)
                        )
                        cache = cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address))
                        sync = sync_pb2_grpc.SyncServiceStub(open_channel(sync_proc.address))
                        values = {
                            "PLEX_URL": emu.plex_url, "PLEX_TOKEN": "emulated-plex-token",
                            "JELLYFIN_URL": emu.jellyfin_url,
                            "JELLYFIN_TOKEN": "emulated-jellyfin-token",
                            "PLEX_CLIENT_ENABLED": "true", "JELLYFIN_CLIENT_ENABLED": "true",
                        }  # fmt: skip
                        console.print("Enabling Plex and Jellyfin through the API...")
                        reply = await config.UpdateSettings(
                            cpb.UpdateSettingsRequest(
                                changes=[
                                    cpb.SettingChange(key=k, value=v) for k, v in values.items()
                                ]
                            ),
                            timeout=10,
                        )
                        for note in reply.notifications:
                            console.print(f"  [bold]{note.message}[/bold]")
                        await watch_builds(console, cache)
                        path = logs / "demo.jspf"
                        write_playlist(path)
                        command = cpb.Command(
                            name="demo-500", kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
                            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(path)),
                            targets=[tpb.TARGET_PLEX, tpb.TARGET_JELLYFIN], enabled=True,
                        )  # fmt: skip
                        await config.CreateCommand(
                            cpb.CreateCommandRequest(command=command), timeout=10
                        )
                        console.print(
                            f"\nSyncing a {PLAYLIST}-track JSPF playlist to both targets..."
                        )
                        started = time.monotonic()
                        run_id = (
                            await sync.RunSync(
                                pb.RunSyncRequest(command_name="demo-500"), timeout=10
                            )
                        ).run_id
                        async for message in sync.WatchSync(
                            pb.WatchSyncRequest(run_id=run_id), timeout=300
                        ):
                            console.print(f"  {message.progress.message}")
                        seconds = time.monotonic() - started
                        report = (
                            await sync.GetSyncReport(
                                pb.GetSyncReportRequest(run_id=run_id), timeout=10
                            )
                        ).report
                        status = (
                            await cache.GetCacheStatus(
                                cache_pb.GetCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=10
                            )
                        ).statuses[0]
                        console.print(report_table(report, max(1, status.library_count)))
                        console.print(
                            f"Synced in {seconds:.1f} s. 'old behaviour' is the seed's arithmetic: "
                            f"{OLD_QUERIES} live searches per track per library."
                        )
                        await preview_lidarr(console, config, sync, emu.lidarr_url, run_id)
    console.print(f"Demo finished in {time.monotonic() - began:.0f} s.")
    return 0 if report.progress.state == pb.SYNC_STATE_SUCCEEDED else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
