"""cmdarr lidarr test / preview / send: handing the albums a library lacks to Lidarr.

``test`` checks the LIDARR_* settings against Lidarr (exit 1 when it cannot take albums).
``preview RUN_ID`` lists the albums a run's unmatched tracks ask for and what a send would
do, changing nothing; ``send RUN_ID [--album ID ...]`` hands them over (all, or those
named), at most LIDARR_MAX_ALBUMS_PER_RUN per run (exit 1 when Lidarr failed). The API
key is a setting (``cmdarr config set LIDARR_API_KEY=...``), never printed."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from cmdarr.sync.v1 import sync_pb2 as sync_pb

from cli import render
from cli.commands import Subparsers
from cli.context import Context, as_dict
from cli.errors import EXIT_FAILED, EXIT_OK


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    lidarr = sub.add_parser(
        "lidarr", parents=[common], help="hand the albums a library lacks to Lidarr"
    )
    verbs = lidarr.add_subparsers(dest="verb", required=True, metavar="{test,preview,send}")
    test = verbs.add_parser(
        "test", parents=[common], help="check that Lidarr can take albums, and say what failed"
    )
    test.set_defaults(handler=check_lidarr)

    preview = verbs.add_parser(
        "preview",
        parents=[common],
        help="the albums a run's unmatched tracks ask for; changes nothing",
    )
    preview.add_argument("run_id", metavar="RUN_ID")
    preview.set_defaults(handler=preview_albums)

    send = verbs.add_parser("send", parents=[common], help="hand a run's wanted albums to Lidarr")
    send.add_argument("run_id", metavar="RUN_ID")
    send.add_argument(
        "--album", action="append", default=[], metavar="ID",
        help="send only this album (its id, title or 'Artist - Title'; of an ambiguous "
        "album, the id of the candidate to send; repeat for more)",
    )  # fmt: skip
    send.set_defaults(handler=send_albums)


async def check_lidarr(ctx: Context, _args: argparse.Namespace) -> int:
    """Exit 0 when Lidarr can take albums, 1 when the check found a problem."""
    async with ctx.calling("sync"):
        reply = await ctx.client.test_lidarr()
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK if reply.ok else EXIT_FAILED
    if reply.ok:
        render.line(ctx.io.out, f"Lidarr: OK. {reply.message}", "green")
    else:
        problem = render.word(sync_pb.LidarrProblem.Name(reply.problem), "LIDARR_PROBLEM_")
        render.line(ctx.io.out, f"Lidarr: FAILED ({problem}). {reply.message}", "red")
    if reply.version:
        render.line(ctx.io.out, "Root folders: " + ", ".join(reply.root_folders))
        render.line(ctx.io.out, "Quality profiles: " + ", ".join(reply.quality_profiles))
        render.line(ctx.io.out, "Metadata profiles: " + ", ".join(reply.metadata_profiles))
    if not reply.enabled:
        render.line(ctx.io.out, "LIDARR_ENABLED is off: nothing is sent until it is on.", "yellow")
    return EXIT_OK if reply.ok else EXIT_FAILED


STATE_WORDS = {
    sync_pb.LIDARR_ALBUM_STATE_ADD: ("will add", ""),
    sync_pb.LIDARR_ALBUM_STATE_ADD_WITH_ARTIST: ("will add with artist", ""),
    sync_pb.LIDARR_ALBUM_STATE_MONITOR: ("will monitor", ""),
    sync_pb.LIDARR_ALBUM_STATE_ALREADY_WANTED: ("already wanted", "dim"),
    sync_pb.LIDARR_ALBUM_STATE_DEFERRED: ("next run", "yellow"),
    sync_pb.LIDARR_ALBUM_STATE_NOT_FOUND: ("not found", "yellow"),
    sync_pb.LIDARR_ALBUM_STATE_AMBIGUOUS: ("ambiguous", "yellow"),
    sync_pb.LIDARR_ALBUM_STATE_ADDED: ("added", "green"),
    sync_pb.LIDARR_ALBUM_STATE_MONITORED: ("monitored", "green"),
    sync_pb.LIDARR_ALBUM_STATE_FAILED: ("failed", "red"),
    sync_pb.LIDARR_ALBUM_STATE_SENT: ("sent", "dim"),
}


def albums_table(ctx: Context, title: str, albums: Sequence[sync_pb.LidarrAlbum]) -> None:
    grid = render.table(title, ["Album", "Tracks asking", "In Lidarr", "State", "Lidarr", "Id"])
    for album in albums:
        words, style = STATE_WORDS.get(album.state, ("?", ""))
        held = "album" if album.in_lidarr else ("artist" if album.artist_in_lidarr else "no")
        note = album.message
        if album.HasField("sent_at"):
            note = f"{note} (sent {render.timestamp(album.sent_at)})"
        for candidate in album.candidates:
            note = f"{note}\n  {candidate}"
        tracks = "; ".join(f"{t.position + 1}. {t.title}" for t in album.tracks)
        row = render.cells(f"{album.artist} - {album.title}", tracks, held, words, note, album.id)
        row[3].stylize(style)
        grid.add_row(*row)
    ctx.io.out.print(grid)


def loose_tracks(ctx: Context, tracks: Sequence[sync_pb.LidarrTrack]) -> None:
    if tracks:
        shown = "; ".join(f"{t.position + 1}. {', '.join(t.artists)} - {t.title}" for t in tracks)
        render.line(ctx.io.out, f"Wanted, but the source names no album: {shown}", "yellow")


async def preview_albums(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.calling("sync"):
        reply = await ctx.client.preview_lidarr(args.run_id)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK
    acting = sum(
        1 for a in reply.albums if a.state in (sync_pb.LIDARR_ALBUM_STATE_ADD,
                                               sync_pb.LIDARR_ALBUM_STATE_ADD_WITH_ARTIST,
                                               sync_pb.LIDARR_ALBUM_STATE_MONITOR)
    )  # fmt: skip
    title = (
        f"Run {reply.run_id}: {len(reply.albums)} albums wanted; a send would hand over "
        f"{acting} (at most {reply.max_albums} per run). Nothing was changed."
    )
    albums_table(ctx, title, reply.albums)
    loose_tracks(ctx, reply.without_album)
    if reply.error:
        render.line(ctx.io.out, f"Lidarr: {reply.error}", "red")
    if not reply.enabled:
        render.line(ctx.io.out, "LIDARR_ENABLED is off: turn it on to send.", "yellow")
    return EXIT_OK


async def send_albums(ctx: Context, args: argparse.Namespace) -> int:
    """Exit 0 when Lidarr answered every request, 1 when it failed."""
    async with ctx.calling("sync"):
        reply = await ctx.client.send_to_lidarr(args.run_id, args.album)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_FAILED if reply.error else EXIT_OK
    search = (
        f"; search started (command {reply.search_command_id})" if reply.search_command_id else ""
    )
    title = f"Run {reply.run_id}: {reply.sent} albums sent to Lidarr{search}"
    albums_table(ctx, title, reply.albums)
    loose_tracks(ctx, reply.without_album)
    if reply.error:
        render.line(ctx.io.out, f"Lidarr: {reply.error}", "red")
    return EXIT_FAILED if reply.error else EXIT_OK
