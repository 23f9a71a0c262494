"""cmdarr cache build / status: start builds and follow them to ready or failed. A cache
is named by its server ("plex", "jellyfin" or any server added with cmdarr server add)."""

from __future__ import annotations

import argparse

from cmdarr.cache.v1 import cache_pb2 as pb
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from cli import render
from cli.commands import Subparsers
from cli.context import Context, as_dict
from cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from cmdarr_client.requests import status_server
from common.server_names import check_server_name

# A build ends in one of these; DISABLED means the cache was turned off while building.
ENDED = {pb.CACHE_STATE_READY, pb.CACHE_STATE_STALE, pb.CACHE_STATE_FAILED, pb.CACHE_STATE_DISABLED}
GOOD = {pb.CACHE_STATE_READY, pb.CACHE_STATE_STALE}


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    cache = sub.add_parser("cache", parents=[common], help="library caches")
    verbs = cache.add_subparsers(dest="verb", required=True, metavar="{build,status}")
    build = verbs.add_parser("build", parents=[common], help="build a server's library cache")
    build.add_argument(
        "server",
        nargs="?",
        metavar="SERVER",
        help="a server's name, e.g. plex or jellyfin; default: every enabled cache",
    )
    mode = build.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_const", dest="mode", const=pb.BUILD_MODE_FULL)
    mode.add_argument(
        "--incremental", action="store_const", dest="mode", const=pb.BUILD_MODE_INCREMENTAL
    )
    build.add_argument("--watch", action="store_true", help="follow the build until it ends")
    build.set_defaults(handler=build_cache, mode=pb.BUILD_MODE_UNSPECIFIED)
    status = verbs.add_parser("status", parents=[common], help="every server's cache")
    status.add_argument(
        "server", nargs="?", metavar="SERVER", help="one server's cache; default: every one"
    )
    status.set_defaults(handler=cache_status)


def server_arg(name: str | None) -> str | None:
    """A server named on the command line, checked before any call."""
    if name is None:
        return None
    problems = check_server_name(name, "SERVER")
    if problems:
        raise UsageError(f"{problems[0].field} {problems[0].description}")
    return name


async def cache_status(ctx: Context, args: argparse.Namespace) -> int:
    server = server_arg(args.server)
    async with ctx.calling("cache"):
        reply = await ctx.client.cache_status(server)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
    else:
        render.cache_statuses(ctx.io.out, reply.statuses)
    return EXIT_OK


async def enabled_servers(ctx: Context) -> list[str]:
    async with ctx.calling("cache"):
        reply = await ctx.client.cache_status()
    found = [status_server(s) for s in reply.statuses if s.state != pb.CACHE_STATE_DISABLED]
    if not found:
        raise UsageError(
            "no library cache is enabled (cmdarr config set LIBRARY_CACHE_PLEX_ENABLED=true)"
        )
    return found


async def build_cache(ctx: Context, args: argparse.Namespace) -> int:
    named = server_arg(args.server)
    servers = [named] if named else await enabled_servers(ctx)
    replies: list[pb.BuildCacheResponse] = []
    async with ctx.calling("cache"):
        for server in servers:
            replies.append(await ctx.client.build_cache(server, mode=args.mode))
    if not args.watch:
        started(ctx, replies)
        return EXIT_OK
    labels = {status_server(r.status): render.server_label(r.status) for r in replies}
    finals = await watch(ctx, labels)
    return report(ctx, labels, finals)


def started(ctx: Context, replies: list[pb.BuildCacheResponse]) -> None:
    if ctx.json_output:
        ctx.io.json({"builds": [as_dict(r) for r in replies]})
        return
    for reply in replies:
        label = render.server_label(reply.status)
        verb = "Started a" if reply.started else "Joined the running"
        render.line(ctx.io.out, f"{verb} build of the {label} library cache")


async def watch(ctx: Context, labels: dict[str, str]) -> dict[str, pb.CacheStatus]:
    """Follows the servers' caches (``labels``: each server's label, by name) until every
    build has ended; the final statuses, by server name."""
    finals: dict[str, pb.CacheStatus] = {}
    with progress_bars(ctx) as bars:
        tasks = {name: add_task(bars, label) for name, label in labels.items()}
        async with ctx.calling("cache"):
            async for status in ctx.client.watch_cache(*labels):
                name = status_server(status)
                show(bars, tasks[name], status)
                if status.state in ENDED:
                    finals[name] = status
    return finals


def add_task(bars: Progress, label: str) -> TaskID:
    description = f"Building {label} library cache..."
    return bars.add_task(description, total=None, counts="", phase="", eta="")


def progress_bars(ctx: Context) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[counts]}"),
        TextColumn("{task.fields[phase]}"),
        TextColumn("{task.fields[eta]}"),
        console=ctx.io.out,
        disable=ctx.json_output,
    )


def show(bars: Progress, task: TaskID, status: pb.CacheStatus) -> None:
    progress = status.progress
    if status.state == pb.CACHE_STATE_BUILDING:
        total = progress.tracks_total or None
        eta = f"ETA {render.duration(progress.eta_seconds)}" if progress.eta_seconds > 0 else ""
        bars.update(
            task,
            total=total,
            completed=progress.tracks_done,
            counts=render.track_counts(progress.tracks_done, progress.tracks_total),
            phase=render.word(pb.BuildPhase.Name(progress.phase), "BUILD_PHASE_"),
            eta=eta,
        )
    elif status.state in ENDED:
        bars.update(
            task,
            total=max(status.track_count, 1),
            completed=max(status.track_count, 1),
            counts=f"{status.track_count:,} tracks",
            phase=render.cache_state(status.state),
            eta="",
        )


def report(ctx: Context, labels: dict[str, str], finals: dict[str, pb.CacheStatus]) -> int:
    failed = len(finals) < len(labels) or any(s.state not in GOOD for s in finals.values())
    if ctx.json_output:
        ctx.io.json({"statuses": [as_dict(s) for s in finals.values()]})
        return EXIT_FAILED if failed else EXIT_OK
    for status in finals.values():
        outcome(ctx.io.out, status)
    for name, label in labels.items():
        if name not in finals:
            render.line(ctx.io.out, f"The status stream ended before the {label} build did", "red")
    return EXIT_FAILED if failed else EXIT_OK


def outcome(out: Console, status: pb.CacheStatus) -> None:
    label = render.server_label(status)
    if status.state in GOOD:
        libraries = f"{status.library_count} librar{'y' if status.library_count == 1 else 'ies'}"
        render.line(
            out, f"Library cache ready for {label}: {status.track_count:,} tracks in {libraries}",
            "green",
        )  # fmt: skip
    elif status.state == pb.CACHE_STATE_DISABLED:
        render.line(out, f"The {label} library cache was disabled during the build", "red")
    else:
        error = status.last_error or "no error recorded"
        render.line(out, f"The {label} library cache build failed: {error}", "red")
