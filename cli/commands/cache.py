"""cmdarr cache build / status: start builds and follow them to ready or failed."""

from __future__ import annotations

import argparse
from typing import TypeAlias

from cmdarr.cache.v1 import cache_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from cli import render
from cli.commands import Subparsers
from cli.context import Context, as_dict
from cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from cmdarr_client import Target as ClientTarget

Target: TypeAlias = tpb.Target.ValueType
TARGETS: dict[str, Target] = {"plex": tpb.TARGET_PLEX, "jellyfin": tpb.TARGET_JELLYFIN}
# A build ends in one of these; DISABLED means the cache was turned off while building.
ENDED = {pb.CACHE_STATE_READY, pb.CACHE_STATE_STALE, pb.CACHE_STATE_FAILED, pb.CACHE_STATE_DISABLED}
GOOD = {pb.CACHE_STATE_READY, pb.CACHE_STATE_STALE}


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    cache = sub.add_parser("cache", parents=[common], help="library caches")
    verbs = cache.add_subparsers(dest="verb", required=True, metavar="{build,status}")
    build = verbs.add_parser("build", parents=[common], help="build a target's library cache")
    build.add_argument(
        "target", nargs="?", choices=sorted(TARGETS), help="default: every enabled cache"
    )
    mode = build.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_const", dest="mode", const=pb.BUILD_MODE_FULL)
    mode.add_argument(
        "--incremental", action="store_const", dest="mode", const=pb.BUILD_MODE_INCREMENTAL
    )
    build.add_argument("--watch", action="store_true", help="follow the build until it ends")
    build.set_defaults(handler=build_cache, mode=pb.BUILD_MODE_UNSPECIFIED)
    status = verbs.add_parser("status", parents=[common], help="every target's cache")
    status.set_defaults(handler=cache_status)


async def cache_status(ctx: Context, _args: argparse.Namespace) -> int:
    async with ctx.calling("cache"):
        reply = await ctx.client.cache_status()
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
    else:
        render.cache_statuses(ctx.io.out, reply.statuses)
    return EXIT_OK


async def enabled_targets(ctx: Context) -> list[Target]:
    async with ctx.calling("cache"):
        reply = await ctx.client.cache_status()
    found = [s.target for s in reply.statuses if s.state != pb.CACHE_STATE_DISABLED]
    if not found:
        raise UsageError(
            "no library cache is enabled (cmdarr config set LIBRARY_CACHE_PLEX_ENABLED=true)"
        )
    return found


async def build_cache(ctx: Context, args: argparse.Namespace) -> int:
    targets = [TARGETS[args.target]] if args.target else await enabled_targets(ctx)
    replies: list[pb.BuildCacheResponse] = []
    async with ctx.calling("cache"):
        for target in targets:
            replies.append(await ctx.client.build_cache(ClientTarget(target), mode=args.mode))
    if not args.watch:
        started(ctx, replies)
        return EXIT_OK
    finals = await watch(ctx, targets)
    return report(ctx, targets, finals)


def started(ctx: Context, replies: list[pb.BuildCacheResponse]) -> None:
    if ctx.json_output:
        ctx.io.json({"builds": [as_dict(r) for r in replies]})
        return
    for reply in replies:
        label = render.target_label(reply.status.target)
        verb = "Started a" if reply.started else "Joined the running"
        render.line(ctx.io.out, f"{verb} build of the {label} library cache")


async def watch(ctx: Context, targets: list[Target]) -> dict[Target, pb.CacheStatus]:
    """Follows the targets' caches until every build has ended; the final statuses."""
    finals: dict[Target, pb.CacheStatus] = {}
    with progress_bars(ctx) as bars:
        tasks = {t: add_task(bars, t) for t in targets}
        async with ctx.calling("cache"):
            async for status in ctx.client.watch_cache(*targets):
                show(bars, tasks[status.target], status)
                if status.state in ENDED:
                    finals[status.target] = status
    return finals


def add_task(bars: Progress, target: Target) -> TaskID:
    description = f"Building {render.target_label(target)} library cache..."
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


def report(ctx: Context, targets: list[Target], finals: dict[Target, pb.CacheStatus]) -> int:
    failed = len(finals) < len(targets) or any(s.state not in GOOD for s in finals.values())
    if ctx.json_output:
        ctx.io.json({"statuses": [as_dict(s) for s in finals.values()]})
        return EXIT_FAILED if failed else EXIT_OK
    for status in finals.values():
        outcome(ctx.io.out, status)
    for target in targets:
        if target not in finals:
            label = render.target_label(target)
            render.line(ctx.io.out, f"The status stream ended before the {label} build did", "red")
    return EXIT_FAILED if failed else EXIT_OK


def outcome(out: Console, status: pb.CacheStatus) -> None:
    label = render.target_label(status.target)
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
