"""cmdarr match explain: why a track matches what it does in a server's cache.

    cmdarr match explain --server S --title T --artist A [--album ALBUM] [--duration 3:25]

Shows the candidates the matcher considered, each one's score by part (artist, title,
album, duration, version tags), and why the winner won or why none did (cache_svc's
ExplainMatch; the decision is MatchTracks' own): what a user needs to decide whether to
pin.
"""

from __future__ import annotations

import argparse

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from rich.text import Text

from cli import render
from cli.commands import Subparsers
from cli.context import Context, as_dict
from cli.errors import EXIT_OK, UsageError
from common.wire.channels import DEFAULT_TIMEOUT

TARGETS = ("plex", "jellyfin")


def register(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    explain = verbs.add_parser(
        "explain", parents=[common], help="why a track matches what it does (scores by part)"
    )
    where = explain.add_mutually_exclusive_group(required=True)
    where.add_argument("--target", choices=TARGETS, help="the built-in server plex or jellyfin")
    where.add_argument("--server", metavar="NAME", help="the server whose cache to ask")
    explain.add_argument("--title", required=True, help="the track's title, as the playlist has it")
    explain.add_argument(
        "--artist", action="append", default=[], help="an artist credit (repeat for more)"
    )
    explain.add_argument("--album", default="", help="its album")
    explain.add_argument(
        "--duration", default="", metavar="M:SS", help="its duration (M:SS or seconds)"
    )
    explain.add_argument("--mbid", default="", help="its recording MBID")
    explain.add_argument(
        "--min-confidence",
        type=float,
        default=0.0,
        metavar="X",
        help="the threshold (default: MATCH_MIN_CONFIDENCE)",
    )
    explain.add_argument(
        "--limit", type=int, default=0, metavar="N", help="candidates shown (default 10)"
    )
    explain.set_defaults(handler=explain_match)


def duration_ms(text: str) -> int:
    """'3:25' or '205' or '205.5' (seconds) in milliseconds; '' is unknown (0)."""
    text = text.strip()
    if not text:
        return 0
    try:
        minutes, _, seconds = text.rpartition(":")
        value = (int(minutes) * 60 if minutes else 0) + float(seconds)
    except ValueError:
        raise UsageError(f"--duration: {text!r} is not M:SS or seconds") from None
    if value < 0:
        raise UsageError("--duration: must not be negative")
    return round(value * 1000)


def _gap(parts: cache_pb.ScoreParts) -> str:
    if parts.duration_gap_ms < 0:
        return "?"
    seconds = f"{parts.duration_gap_ms / 1000:.1f}s"
    return f"{seconds} vetoed" if parts.duration_vetoed else seconds


def _mark(found: cache_pb.ExplainedCandidate, chosen: str) -> Text:
    if found.rejected:
        return Text("rejected", style="red")
    if found.candidate.item_id == chosen:
        return Text("chosen", style="green")
    return Text("exact" if found.exact else "")


async def explain_match(ctx: Context, args: argparse.Namespace) -> int:
    if not args.artist or not all(a.strip() for a in args.artist):
        raise UsageError("--artist is required (one per credit)")
    track = cache_pb.TrackQuery(
        title=args.title,
        artists=args.artist,
        album=args.album,
        duration_ms=duration_ms(args.duration),
        recording_mbid=args.mbid,
    )
    request = cache_pb.ExplainMatchRequest(
        track=track, min_confidence=args.min_confidence, limit=args.limit
    )
    if args.server:
        request.server = args.server
    else:
        request.server = args.target
    async with ctx.calling("cache"):
        reply = await ctx.cache().ExplainMatch(request, timeout=DEFAULT_TIMEOUT)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK
    out = ctx.io.out
    if not reply.result.method:
        render.line(out, reply.verdict, "yellow")
        return EXIT_OK
    chosen = reply.result.match.item_id
    grid = render.table(
        f"Candidates for {', '.join(args.artist)} - {args.title} "
        f"(minimum confidence {reply.min_confidence:.2f})",
        ["", "Item", "Artist - Title", "Album", "Artist", "Title", "Album", "Duration",
         "Version", "Score", "Reason"],
    )  # fmt: skip
    for found in reply.candidates:
        c, parts = found.candidate, found.parts
        grid.add_row(
            *render.cells(
                _mark(found, chosen),
                c.item_id,
                f"{c.artist} - {c.title}",
                c.album or "-",
                f"{parts.artist:.2f}",
                f"{parts.title:.2f}",
                "same" if parts.same_album else "-",
                _gap(parts),
                ", ".join(parts.other_version_tags) or "same",
                f"{found.score:.2f}",
                found.reason,
            )
        )
    if reply.candidates:
        out.print(grid)
    style = "green" if chosen else "yellow"
    render.line(out, f"{render.method(reply.result.method)}: {reply.verdict}", style)
    return EXIT_OK
