"""cmdarr config get / set: settings, with secrets shown only as set or not set."""

from __future__ import annotations

import argparse
import re

from cmdarr.config.v1 import config_pb2 as pb
from rich.console import Console
from rich.text import Text

from cli import render
from cli.commands import Subparsers
from cli.context import Context, as_dict
from cli.errors import UsageError

# Values given for keys named like these never appear in any output, even in errors.
SECRET_LOOKING = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY", re.IGNORECASE)


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    config = sub.add_parser("config", parents=[common], help="read and change settings")
    verbs = config.add_subparsers(dest="verb", required=True, metavar="{get,set}")
    get = verbs.add_parser("get", parents=[common], help="show settings (all, or KEY ...)")
    get.add_argument("keys", nargs="*", metavar="KEY")
    get.set_defaults(handler=get_settings)
    put = verbs.add_parser("set", parents=[common], help="change settings in one atomic batch")
    put.add_argument("assignments", nargs="*", metavar="KEY=VALUE")
    put.add_argument(
        "--reset", action="append", default=[], metavar="KEY", help="back to the default"
    )
    put.set_defaults(handler=set_settings)


def shown_value(setting: pb.Setting) -> str:
    if setting.secret:
        return "(set)" if setting.is_set else "(not set)"
    return setting.value


def source(setting: pb.Setting) -> Text:
    name = render.word(pb.SettingSource.Name(setting.source), "SETTING_SOURCE_")
    return Text(name, style={"user": "cyan", "auto": "magenta", "env": "yellow"}.get(name, ""))


def settings_table(out: Console, title: str, settings: list[pb.Setting], full: bool) -> None:
    columns = ["Key", "Value", "Source"] + (["Description"] if full else [])
    grid = render.table(title, columns)
    for setting in settings:
        row = [Text(setting.key, "bold"), Text(shown_value(setting)), source(setting)]
        grid.add_row(*row, *([Text(setting.description)] if full else []))
    out.print(grid)


async def get_settings(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.calling("config"):
        reply = await ctx.client.get_settings(*args.keys)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
    else:
        settings_table(
            ctx.io.out, f"Settings (revision {reply.revision})", list(reply.settings), True
        )
    return 0


def changes_of(args: argparse.Namespace) -> list[pb.SettingChange]:
    changes: list[pb.SettingChange] = []
    for number, item in enumerate(args.assignments, start=1):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            # Never echo the argument: it may be a secret typed in the wrong place.
            raise UsageError(f"config set: argument {number} is not of the form KEY=VALUE")
        changes.append(pb.SettingChange(key=key.strip(), value=value))
    changes += [pb.SettingChange(key=key, reset=True) for key in args.reset]
    if not changes:
        raise UsageError("config set needs at least one KEY=VALUE or --reset KEY")
    return changes


async def set_settings(ctx: Context, args: argparse.Namespace) -> int:
    changes = changes_of(args)
    ctx.secrets += [c.value for c in changes if SECRET_LOOKING.search(c.key) and c.value]
    async with ctx.calling("config"):
        reply = await ctx.client.update_settings(
            {c.key: None if c.reset else c.value for c in changes}
        )
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return 0
    out = ctx.io.out
    if reply.changed:
        settings_table(out, f"Changed (revision {reply.revision})", list(reply.changed), False)
    else:
        render.line(out, "Nothing changed.")
    render.notifications(out, reply.notifications)
    if reply.warnings:
        render.warnings(out, reply.warnings)
    return 0
