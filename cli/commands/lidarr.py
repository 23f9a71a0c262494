"""cmdarr lidarr test / preview / send: handing the albums a library lacks to Lidarr.

``test`` checks the LIDARR_* settings against Lidarr (exit 1 when it cannot take albums).
The API key is a setting (``cmdarr config set LIDARR_API_KEY=...``), never printed."""

from __future__ import annotations

import argparse

from cmdarr.sync.v1 import sync_pb2 as sync_pb

from cli import render
from cli.commands import Subparsers
from cli.context import Context, as_dict
from cli.errors import EXIT_FAILED, EXIT_OK


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    lidarr = sub.add_parser(
        "lidarr", parents=[common], help="hand the albums a library lacks to Lidarr"
    )
    verbs = lidarr.add_subparsers(dest="verb", required=True, metavar="{test}")
    test = verbs.add_parser(
        "test", parents=[common], help="check that Lidarr can take albums, and say what failed"
    )
    test.set_defaults(handler=check_lidarr)


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
