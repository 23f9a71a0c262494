"""cmdarr sync create / run / report / list: playlist sync commands and their runs."""

from __future__ import annotations

import argparse

from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from cli import render, unmatched_export
from cli.commands import Subparsers
from cli.context import Context, as_dict
from cli.errors import EXIT_FAILED, EXIT_OK, UsageError

SOURCE_KINDS = {
    "file": cpb.SOURCE_KIND_FILE,
    "url": cpb.SOURCE_KIND_URL,
    "listenbrainz": cpb.SOURCE_KIND_LISTENBRAINZ_PLAYLIST,
    "listenbrainz-created-for": cpb.SOURCE_KIND_LISTENBRAINZ_CREATED_FOR,
    "spotify": cpb.SOURCE_KIND_SPOTIFY_PLAYLIST,
    "deezer": cpb.SOURCE_KIND_DEEZER_PLAYLIST,
    "server": cpb.SOURCE_KIND_SERVER_PLAYLIST,
}
TARGETS = {"plex": tpb.TARGET_PLEX, "jellyfin": tpb.TARGET_JELLYFIN}
ENDED = {pb.SYNC_STATE_SUCCEEDED, pb.SYNC_STATE_FAILED, pb.SYNC_STATE_INTERRUPTED}
QUESTION = "Enable the library cache now?"


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    sync = sub.add_parser("sync", parents=[common], help="playlist sync commands and runs")
    verbs = sync.add_subparsers(
        dest="verb", required=True, metavar="{create,run,report,list,unmatched}"
    )
    add_create(verbs, common)
    run = verbs.add_parser("run", parents=[common], help="run a sync command now")
    run.add_argument("name")
    run.add_argument("--dry-run", action="store_true", help="match and diff, write nothing")
    run.add_argument("--watch", action="store_true", help="follow the run, then summarise it")
    run.set_defaults(handler=run_sync)
    report = verbs.add_parser("report", parents=[common], help="a run's full report")
    report.add_argument("run_id", metavar="RUN_ID")
    report.set_defaults(handler=show_report)
    report.add_argument(
        "--all", action="store_true", help="every track's method, confidence and reason"
    )
    listing = verbs.add_parser("list", parents=[common], help="recent runs, newest first")
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(handler=list_syncs)
    unmatched = verbs.add_parser(
        "unmatched", parents=[common], help="export a run's unmatched tracks and candidates"
    )
    unmatched.add_argument("run_id", metavar="RUN_ID")
    unmatched.add_argument("--format", choices=["table", "csv", "jspf"], default="table")
    only = unmatched.add_mutually_exclusive_group()
    only.add_argument("--target", choices=list(TARGETS), help="only this target's")
    only.add_argument("--to", metavar="SERVER[:USER]", default="", help="only this destination's")
    unmatched.set_defaults(handler=export_unmatched)


MODES = {"mirror": tpb.SYNC_MODE_MIRROR, "append": tpb.SYNC_MODE_APPEND}


def add_create(verbs: Subparsers, common: argparse.ArgumentParser) -> None:
    create = verbs.add_parser("create", parents=[common], help="create a playlist sync command")
    create.add_argument("name")
    create.add_argument("--source-kind", required=True, choices=list(SOURCE_KINDS))
    create.add_argument(
        "--source",
        required=True,
        metavar="REF",
        help="path, URL, MBID, user or playlist id; for --source-kind server, "
        "KIND:[USER@]SERVER/PLAYLIST (plex:plex/Road Trip, jellyfin:alice@den/id:<id>)",
    )
    create.add_argument(
        "--target", action="append", choices=list(TARGETS), dest="targets", default=[],
        help="the built-in server plex or jellyfin, as its token's account (repeatable)",
    )  # fmt: skip
    create.add_argument(
        "--to", action="append", default=[], dest="destinations", metavar="SERVER[:USER]",
        help="a server, and optionally a user on it, e.g. plex:alice or cabin (repeatable)",
    )  # fmt: skip
    create.add_argument("--schedule", default="", metavar="CRON", help="five-field cron")
    create.add_argument("--title", default="", help="the playlist's title (default: NAME)")
    create.add_argument(
        "--mode", choices=list(MODES), default="mirror",
        help="mirror: the playlist equals the source; append: only add what it lacks, at the"
        " end, never removing or moving what a user put there (default: mirror)",
    )  # fmt: skip
    create.add_argument(
        "--no-sync-note", dest="sync_note", action="store_false",
        help="leave out the description's line 'Synced by cmdarr from <source> on <date>'",
    )  # fmt: skip
    answer = create.add_mutually_exclusive_group()
    answer.add_argument(
        "--yes", dest="answer", action="store_const", const=True, help="accept offered fixes"
    )
    answer.add_argument(
        "--no", dest="answer", action="store_const", const=False, help="decline offered fixes"
    )
    create.set_defaults(handler=create_command, answer=None)


def destination_of(text: str) -> tpb.Destination:
    """SERVER or SERVER:USER (a server name has no ':'; a user name may)."""
    server, _, user = text.partition(":")
    if not server.strip():
        raise UsageError(f"--to {text!r}: name a server, e.g. plex or plex:alice")
    return tpb.Destination(server=server.strip(), user=user.strip())


def command_of(args: argparse.Namespace) -> cpb.Command:
    if not args.targets and not args.destinations:
        raise UsageError("say where to write the playlist: --to SERVER[:USER] or --target")
    return cpb.Command(
        name=args.name,
        kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
        source=cpb.PlaylistSource(kind=SOURCE_KINDS[args.source_kind], ref=args.source),
        targets=[TARGETS[t] for t in args.targets],
        destinations=[destination_of(d) for d in args.destinations],
        schedule=args.schedule,
        # proto3's default is false: a new command is enabled unless said otherwise.
        enabled=True,
        playlist_title=args.title,
        mode=MODES[args.mode],
        sync_note=args.sync_note,
    )


def offers_cache_fix(warnings: list[cpb.Warning]) -> bool:
    return any(w.fix.action == cpb.FIX_ACTION_ENABLE_LIBRARY_CACHE for w in warnings)


async def decide(ctx: Context, answer: bool | None) -> bool:
    """--yes / --no, else the person at the terminal; no when nobody can answer."""
    if answer is not None:
        return answer
    if not ctx.io.interactive:
        return False
    return await ctx.io.ask(QUESTION)


async def create_command(ctx: Context, args: argparse.Namespace) -> int:
    command = command_of(args)
    client = ctx.client
    async with ctx.calling("config"):
        preview = await client.create_command(command, validate_only=True)
        fixable = offers_cache_fix(list(preview.warnings))
        if fixable and not ctx.json_output:
            render.warnings(ctx.io.out, preview.warnings)
        accept = fixable and await decide(ctx, args.answer)
        created = await client.create_command(command, accept_fixes=accept)
    if ctx.json_output:
        ctx.io.json({**as_dict(created), "fixes_accepted": accept})
        return EXIT_OK
    out = ctx.io.out
    where = ", ".join(render.destination(d) for d in created.command.destinations)
    render.line(out, f"Created sync command {created.command.name} -> {where}", "green")
    shown = list(preview.warnings) if fixable else []
    fresh = [w for w in created.warnings if w not in shown]
    if fresh or not fixable:
        render.warnings(out, fresh)
    render.notifications(out, created.notifications)
    return EXIT_OK


async def run_sync(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.calling("sync"):
        run_id = await ctx.client.run_sync(args.name, dry_run=args.dry_run)
    if not args.watch:
        if ctx.json_output:
            ctx.io.json({"run_id": run_id})
        else:
            render.line(ctx.io.out, f"Started sync run {run_id} (cmdarr sync report {run_id})")
        return EXIT_OK
    if not ctx.json_output:
        render.line(ctx.io.out, f"Started sync run {run_id}")
    await follow(ctx, run_id)
    report = await fetch_report(ctx, run_id)
    if ctx.json_output:
        ctx.io.json(as_dict(report))
    else:
        render.sync_summary(ctx.io.out, report)
    return EXIT_OK if report.progress.state == pb.SYNC_STATE_SUCCEEDED else EXIT_FAILED


async def follow(ctx: Context, run_id: str) -> None:
    """Shows the run's progress until it ends."""
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("tracks"),
        console=ctx.io.out,
        disable=ctx.json_output,
    )
    with bars:
        task = bars.add_task("Starting", total=None)
        async with ctx.calling("sync"):
            async for progress in ctx.client.watch_sync(run_id):
                bars.update(
                    task,
                    description=progress.message or render.sync_state(progress.state),
                    total=progress.tracks_total or None,
                    completed=progress.tracks_done,
                )


async def fetch_report(ctx: Context, run_id: str) -> pb.SyncReport:
    async with ctx.calling("sync"):
        return await ctx.client.sync_report(run_id)


async def show_report(ctx: Context, args: argparse.Namespace) -> int:
    report = await fetch_report(ctx, args.run_id)
    if ctx.json_output:
        ctx.io.json(as_dict(report))
        return EXIT_OK
    render.sync_summary(ctx.io.out, report)
    if args.all:
        render.outcomes(ctx.io.out, report)
    render.unmatched(ctx.io.out, report)
    return EXIT_OK


async def export_unmatched(ctx: Context, args: argparse.Namespace) -> int:
    """The run's unmatched tracks with their best candidates, for other tools."""
    report = await fetch_report(ctx, args.run_id)
    at = args.target or args.to  # a target is its built-in server's name
    if args.format == "csv":
        ctx.io.out.file.write(unmatched_export.to_csv(report, at))
    elif args.format == "jspf" or ctx.json_output:
        ctx.io.json(unmatched_export.to_jspf(report, at))
    else:
        render.unmatched(ctx.io.out, report, at)
    return EXIT_OK


async def list_syncs(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.calling("sync"):
        reply = await ctx.client.list_syncs(args.limit)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
    elif reply.syncs:
        render.sync_list(ctx.io.out, reply.syncs, "Sync runs")
    else:
        render.line(ctx.io.out, "No sync runs yet.")
    return EXIT_OK
