"""Cover and description through the whole stack, on emulators that answer as the real
servers do (docs/TARGETS.md, Cover and description): both servers get the source's
description with the "Synced by cmdarr" line and its picture; a warm rerun sends no
playlist write and no image; what cannot be set is a warning on a succeeded run."""

from __future__ import annotations

import json
from pathlib import Path

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb

from tests.support.cache_service import settle
from tests.support.inprocess_stack import (
    JELLYFIN,
    PLEX,
    Stack,
    configure,
    enable_targets,
    stack,
)
from tests.support.inprocess_stack import playlist as inline_tracks
from tests.support.rpc import TIMEOUT
from tests.support.source_fakes import running_fakes

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
DESCRIPTION = "<p>Songs for the &amp; road.</p>"


def write_source(path: Path, tracks: list[pb.InlineTrack], image: str) -> None:
    entries = [{"title": t.title, "creator": t.artists[0]} for t in tracks]
    document = {"title": "Road", "annotation": DESCRIPTION, "image": image, "track": entries}
    path.write_text(json.dumps({"playlist": document}))


async def create_command(s: Stack, source: Path, **extra: object) -> None:
    command = cpb.Command(
        name="road",
        kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
        source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref=str(source)),
        targets=[PLEX, JELLYFIN],
        enabled=True,
        **extra,  # type: ignore[arg-type]
    )
    await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)


async def run(s: Stack) -> pb.SyncReport:
    run_id = (await s.sync.RunSync(pb.RunSyncRequest(command_name="road"), timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    report = (
        await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    ).report
    assert report.progress.state == pb.SYNC_STATE_SUCCEEDED, report.error
    return report


async def ready(s: Stack) -> None:
    await enable_targets(s)
    for kind in (PLEX, JELLYFIN):
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)


def looks(s: Stack, report: pb.SyncReport) -> dict[int, tuple[str, bytes]]:
    """Each server's description and cover of the run's playlist."""
    plex_id, jellyfin_id = (r.playlist_id for r in report.targets)
    plex = s.plex.plex.state.playlists[plex_id]
    jellyfin = s.jellyfin.jellyfin.state.playlists[jellyfin_id]
    return {PLEX: (plex.summary, plex.poster), JELLYFIN: (jellyfin.overview, jellyfin.image)}


async def test_cover_and_description_are_set_once_on_both_servers(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s, running_fakes() as (fakes, _http):
        fakes.files["cover.png"] = (PNG, "image/png")
        await ready(s)
        source = tmp_path / "road.jspf"
        tracks = inline_tracks(6)
        write_source(source, tracks[:5], f"{fakes.base_url}/files/cover.png")
        await create_command(s, source)

        first = await run(s)
        for result in first.targets:
            assert (result.error, list(result.warnings)) == ("", [])
        shown = looks(s, first)
        for description, cover in shown.values():
            assert description.startswith(
                "Songs for the & road.\n\nSynced by cmdarr from a file on "
            )
            assert cover == PNG
        plex = s.plex.plex.state.playlists[first.targets[0].playlist_id]
        assert plex.thumb.startswith(f"/library/metadata/{plex.rating_key}/thumb/")
        assert fakes.counts["/files/cover.png"] == 1

        # Warm: nothing changed, so no playlist write and no image, on either server.
        s.plex.knobs.reset_counts()
        s.jellyfin.knobs.reset_counts()
        warm = await run(s)
        assert [(r.writes, r.requests.playlist_write) for r in warm.targets] == [(0, 0), (0, 0)]
        assert s.plex.knobs.counts["playlist_write"] == 0
        assert s.jellyfin.knobs.counts["playlist_write"] == 0
        assert looks(s, warm) == shown
        assert fakes.counts["/files/cover.png"] == 2, "read once per run, to see it changed"

        # A new picture is sent; the description, unchanged, is not (its tracks are not).
        fakes.files["cover.png"] = (PNG + b"new", "image/png")
        changed = await run(s)
        assert [r.writes for r in changed.targets] == [1, 1], "the image alone"
        now = looks(s, changed)
        assert [cover for _, cover in now.values()] == [PNG + b"new"] * 2
        assert [text for text, _ in now.values()] == [text for text, _ in shown.values()]
        jellyfin = s.jellyfin.jellyfin.state.playlists[changed.targets[1].playlist_id]
        assert jellyfin.image_type == "image/png"


async def test_what_cannot_be_set_is_a_warning_on_a_succeeded_run(
    database_url: str, tmp_path: Path
) -> None:
    async with stack(database_url, tmp_path) as s, running_fakes() as (fakes, _http):
        # A Jellyfin user who is no administrator: the server keeps both to elevated tokens.
        s.jellyfin.jellyfin.state.add_user("guest", "pw", token="guest-token")
        await enable_targets(s)
        await configure(s, JELLYFIN_TOKEN="guest-token")
        for kind in (PLEX, JELLYFIN):
            await settle(s.cache, cache_pb.CACHE_STATE_READY, target=kind, limit=60)
        fakes.files["cover.png"] = (b"<html>not an image</html>", "text/html")
        source = tmp_path / "road.jspf"
        write_source(source, inline_tracks(4), f"{fakes.base_url}/files/cover.png")
        await create_command(s, source, sync_note=False)
        report = await run(s)
        plex, jellyfin = report.targets
        assert plex.error == jellyfin.error == ""
        assert list(plex.warnings) == [
            f"cover: {fakes.base_url}/files/cover.png is not a JPEG, PNG, WebP or GIF image:"
            " not set"
        ]
        assert any("description: not set: Jellyfin" in w for w in jellyfin.warnings)
        assert any("administrator" in w for w in jellyfin.warnings)
        shown = looks(s, report)
        assert shown[PLEX] == ("Songs for the & road.", b""), "no note: sync_note is off"
        assert shown[JELLYFIN] == ("", b"")
        assert len(s.jellyfin.jellyfin.state.playlists[jellyfin.playlist_id].entries) == 4

        # Too large: refused while streaming, nothing sent.
        fakes.files["cover.png"] = (b"\xff\xd8\xff" + bytes(10 * 2**20), "image/jpeg")
        again = await run(s)
        assert any("is over 10 MB" in w for w in again.targets[0].warnings)
        assert s.plex.plex.state.playlists[plex.playlist_id].poster == b""
