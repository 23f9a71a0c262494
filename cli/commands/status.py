"""cmdarr status, cmdarr warnings: the gateway's whole picture."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from cmdarr.gateway.v1 import gateway_pb2 as pb
from rich.console import Console
from rich.text import Text

from cli import render
from cli.commands import Subparsers
from cli.context import Context, as_dict


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    status = sub.add_parser(
        "status", parents=[common], help="targets, caches, warnings, recent syncs, health"
    )
    status.set_defaults(handler=show_status)
    warnings = sub.add_parser("warnings", parents=[common], help="the warnings and their fixes")
    warnings.set_defaults(handler=show_warnings)


async def show_status(ctx: Context, _args: argparse.Namespace) -> int:
    async with ctx.calling("gateway"):
        status = await ctx.client.status()
    if ctx.json_output:
        ctx.io.json(as_dict(status))
        return 0
    out = ctx.io.out
    if status.servers:
        servers(out, status.servers)
    else:  # a gateway from before servers
        targets(out, status.targets)
    render.warnings(out, status.warnings)
    if status.recent_syncs:
        render.sync_list(out, status.recent_syncs, "Recent syncs")
    else:
        render.line(out, "Recent syncs: none")
    services(out, status.services)
    return 0


def targets(out: Console, items: Iterable[pb.TargetStatus]) -> None:
    grid = render.table(
        "Targets", ["Target", "Client", "Cache", "Tracks", "Libraries", "Progress / last error"]
    )
    for item in items:
        _, state, tracks, libraries = render.cache_row(item.cache)
        client = Text("enabled", "green") if item.client_enabled else Text("disabled")
        grid.add_row(
            render.cells(render.target_label(item.target))[0],
            client,
            state,
            tracks,
            libraries,
            render.cache_detail(item.cache),
        )
    out.print(grid)


def servers(out: Console, items: Iterable[pb.ServerStatus]) -> None:
    """Every server and its cache (the built-in ones first)."""
    grid = render.table(
        "Servers",
        ["Server", "Kind", "Client", "Cache", "Tracks", "Libraries", "Progress / last error"],
    )
    for item in items:
        _, state, tracks, libraries = render.cache_row(item.cache)
        client = Text("enabled", "green") if item.client_enabled else Text("disabled")
        grid.add_row(
            Text(item.name),
            Text(render.KIND_LABELS.get(item.kind, "-")),
            client,
            state,
            tracks,
            libraries,
            render.cache_detail(item.cache),
        )
    out.print(grid)


def services(out: Console, items: Iterable[pb.ServiceHealth]) -> None:
    grid = render.table("Services", ["Service", "Health"])
    for item in items:
        health = (
            Text("serving", "green")
            if item.serving
            else Text(f"not serving{': ' + item.error if item.error else ''}", "red")
        )
        grid.add_row(Text(item.name), health)
    out.print(grid)


async def show_warnings(ctx: Context, _args: argparse.Namespace) -> int:
    async with ctx.calling("gateway"):
        reply = await ctx.client.list_warnings()
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
    else:
        render.warnings(ctx.io.out, reply.warnings)
    return 0
