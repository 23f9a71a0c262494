"""cmdarr match pin / reject / list / delete: a user's match overrides (and cmdarr match
explain, in match_explain.py: why a track matches what it does).

A source track is named by its recording MBID, its ISRC, or its artist and title (and
album), or by a run's report (--run RUN_ID --position N, the # the report shows); a pin
from a report takes the track's best candidate unless --item names another item. An item
is checked with cache_svc's LookupItems before the put (config_svc calls no other service).
"""

from __future__ import annotations

import argparse
import getpass

import grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.type.v1 import type_pb2 as tpb

from cli import render
from cli.commands import Subparsers, match_explain
from cli.context import Context, as_dict
from cli.errors import EXIT_OK, UsageError
from cli.unmatched_export import TARGET_NAMES
from common.matching import Query
from common.matching.overrides import SourceKey, raw_key, source_key
from common.override_items import check_item
from common.wire.channels import DEFAULT_TIMEOUT
from common.wire.override_pb import key_to_pb, stored_key_from_pb, stored_match

TARGETS = {"plex": tpb.TARGET_PLEX, "jellyfin": tpb.TARGET_JELLYFIN}
ACTIONS = {cpb.OVERRIDE_ACTION_PIN: "pin", cpb.OVERRIDE_ACTION_REJECT: "never match"}


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    match = sub.add_parser(
        "match", parents=[common], help="steer matching: pins and rejections; explain a match"
    )
    verbs = match.add_subparsers(
        dest="verb", required=True, metavar="{pin,reject,list,delete,explain}"
    )
    pin = verbs.add_parser("pin", parents=[common], help="match a source track to an item")
    add_key(pin)
    pin.add_argument(
        "--item", default="", metavar="ID", help="the item id (default: best candidate of --run)"
    )
    add_write_options(pin)
    pin.set_defaults(handler=put_override, action=cpb.OVERRIDE_ACTION_PIN)
    reject = verbs.add_parser("reject", parents=[common], help="never match a source track")
    add_key(reject)
    reject.add_argument("--item", default="", metavar="ID", help="never this item only")
    add_write_options(reject)
    reject.set_defaults(handler=put_override, action=cpb.OVERRIDE_ACTION_REJECT)
    listing = verbs.add_parser("list", parents=[common], help="the overrides")
    only = listing.add_mutually_exclusive_group()
    only.add_argument("--target", choices=list(TARGETS))
    only.add_argument("--server", metavar="NAME", help="only this server's overrides")
    listing.set_defaults(handler=list_overrides)
    delete = verbs.add_parser("delete", parents=[common], help="delete an override")
    add_key(delete)
    delete.set_defaults(handler=delete_override)
    match_explain.register(verbs, common)


def add_key(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--target", choices=list(TARGETS), help="the built-in server plex or jellyfin"
    )
    where.add_argument("--server", metavar="NAME", help="the server whose matching it steers")
    group = parser.add_argument_group("the source track (one way)")
    group.add_argument("--mbid", default="", help="its recording MBID")
    group.add_argument("--isrc", default="", help="its ISRC")
    group.add_argument("--artist", default="", help="its primary artist (with --title)")
    group.add_argument("--title", default="", help="its title (with --artist)")
    group.add_argument("--album", default="", help="its album (optional, with --title)")
    group.add_argument("--run", default="", metavar="RUN_ID", help="a run whose report has it")
    group.add_argument("--position", type=int, default=0, metavar="N", help="its # in --run")


def add_write_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--note", default="", help="why, for people")
    parser.add_argument("--replace", action="store_true", help="replace an existing override")


async def key_of(
    ctx: Context, args: argparse.Namespace
) -> tuple[cpb.SourceKey, pb.TrackOutcome | None]:
    """The key as given (config_svc normalizes it), and the report's outcome with --run."""
    given = [bool(args.mbid), bool(args.isrc), bool(args.artist or args.title), bool(args.run)]
    if sum(given) != 1:
        raise UsageError("name the track one way: --mbid, --isrc, --artist/--title or --run")
    if args.mbid:
        return cpb.SourceKey(recording_mbid=args.mbid), None
    if args.isrc:
        return cpb.SourceKey(isrc=args.isrc), None
    if not args.run:
        text = cpb.TrackText(artist=args.artist, title=args.title, album=args.album)
        return cpb.SourceKey(text=text), None
    async with ctx.calling("sync"):
        report = (
            await ctx.sync().GetSyncReport(
                pb.GetSyncReportRequest(run_id=args.run), timeout=DEFAULT_TIMEOUT
            )
        ).report
    server = server_arg(args)
    found = next(
        (
            t
            for t in report.tracks
            if t.position == args.position - 1
            and (t.destination.server or TARGET_NAMES.get(t.target, "")) == server
        ),
        None,
    )
    if found is None:
        raise UsageError(f"run {args.run} has no track #{args.position} on {server}")
    key = raw_key(query_of(found.track))
    if key is None:
        raise UsageError(f"track #{args.position} has no MBID, ISRC, or artist and title")
    return key_to_pb(key), found


def server_arg(args: argparse.Namespace) -> str:
    """--server NAME, or --target: a target is its built-in server's name."""
    return str(args.server or args.target)


def query_of(track: pb.InlineTrack) -> Query:
    return Query(
        track.title,
        tuple(track.artists),
        track.album,
        track.duration_ms,
        track.recording_mbid,
        track.isrc,
    )


def author() -> str:
    try:
        return getpass.getuser()[:128]
    except (KeyError, OSError):  # no user name in this environment
        return "cli"


async def put_override(ctx: Context, args: argparse.Namespace) -> int:
    key, outcome = await key_of(ctx, args)
    item = args.item
    if not item and args.action == cpb.OVERRIDE_ACTION_PIN and outcome is not None:
        item = outcome.result.best_candidate.item_id or outcome.result.match.item_id
        if not item:
            raise UsageError(f"track #{args.position} has no candidate: pass --item")
    override = cpb.MatchOverride(
        server=server_arg(args),
        key=key,
        action=args.action,
        item_id=item,
        note=args.note,
        author=author(),
    )
    async with ctx.calling("cache"):
        problems = await check_item(ctx.cache(), override, deadline=DEFAULT_TIMEOUT)
    if problems:
        raise UsageError("; ".join(f"{v.field}: {v.description}" for v in problems))
    config = ctx.config()
    async with ctx.calling("config"):
        try:
            reply = await config.PutMatchOverride(
                cpb.PutMatchOverrideRequest(override=override), timeout=DEFAULT_TIMEOUT
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.ALREADY_EXISTS or not args.replace:
                raise
            reply = await replace(ctx, override)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK
    done = reply.override
    what = (
        f"pinned to item {done.item_id}"
        if done.action == cpb.OVERRIDE_ACTION_PIN
        else (f"never matched to item {done.item_id}" if done.item_id else "never matched")
    )
    render.line(
        ctx.io.out,
        f"{render.overridden(done)}: {label(done.key)} {what} "
        f"(revision {reply.revision}); the next run applies it",
        "green",
    )
    return EXIT_OK


async def replace(ctx: Context, override: cpb.MatchOverride) -> cpb.PutMatchOverrideResponse:
    """Put over the stored override of the same key (compare-and-swap on its revision)."""
    listed = await ctx.config().ListMatchOverrides(
        cpb.ListMatchOverridesRequest(server=override.server), timeout=DEFAULT_TIMEOUT
    )
    wanted = source_key_of(override.key)
    current = stored_match(listed.overrides, wanted) if wanted is not None else None
    return await ctx.config().PutMatchOverride(
        cpb.PutMatchOverrideRequest(
            override=override, expected_mod_revision=current.mod_revision if current else 0
        ),
        timeout=DEFAULT_TIMEOUT,
    )


def source_key_of(key: cpb.SourceKey) -> SourceKey | None:
    """The key as config_svc will store it (the shared normalization)."""
    which = key.WhichOneof("key")
    if which == "recording_mbid":
        return source_key(Query("", mbid=key.recording_mbid))
    if which == "isrc":
        return source_key(Query("", isrc=key.isrc))
    return source_key(Query(key.text.title, (key.text.artist,), key.text.album))


def label(key: cpb.SourceKey) -> str:
    return stored_key_from_pb(key).label()


async def list_overrides(ctx: Context, args: argparse.Namespace) -> int:
    server = args.target or args.server or ""  # a target is its built-in server's name
    async with ctx.calling("config"):
        reply = await ctx.config().ListMatchOverrides(
            cpb.ListMatchOverridesRequest(server=server), timeout=DEFAULT_TIMEOUT
        )
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK
    if not reply.overrides:
        render.line(ctx.io.out, "No match overrides.")
        return EXIT_OK
    grid = render.table(
        f"Match overrides (revision {reply.revision})",
        ["Server", "Source track", "Decision", "Item", "Note", "By", "When", "Revision"],
    )
    for o in reply.overrides:
        grid.add_row(
            *render.cells(
                render.overridden(o),
                label(o.key),
                ACTIONS.get(o.action, "?"),
                o.item_id or "-",
                o.note or "-",
                o.author or "-",
                render.timestamp(o.update_time),
                o.mod_revision,
            )
        )
    ctx.io.out.print(grid)
    return EXIT_OK


async def delete_override(ctx: Context, args: argparse.Namespace) -> int:
    key, _outcome = await key_of(ctx, args)
    async with ctx.calling("config"):
        reply = await ctx.config().DeleteMatchOverride(
            cpb.DeleteMatchOverrideRequest(server=server_arg(args), key=key),
            timeout=DEFAULT_TIMEOUT,
        )
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
    else:
        render.line(ctx.io.out, f"Deleted the override (revision {reply.revision})", "green")
    return EXIT_OK
