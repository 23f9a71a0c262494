"""cmdarr auth show-path | auth rotate: where the services' key is kept, and a new one.

Both work on the key file itself (run them where the data directory is, e.g. inside the
gateway's container): the services follow the file and switch within seconds, and browser
sessions signed with the old key end."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from pathlib import Path

from cli.commands import Subparsers
from cli.context import Context
from cli.errors import UsageError
from common.auth.store import key_path, read_key, replace_key


def register(sub: Subparsers, common: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    path, named = key_path(environ)
    auth = sub.add_parser("auth", parents=[common], help="the API key: where it is, rotate it")
    auth.set_defaults(
        key_path=str(path), key_named=named, key_from_env=bool(environ.get("CMDARR_API_KEY"))
    )
    verbs = auth.add_subparsers(dest="auth_command", required=True, metavar="VERB")
    show = verbs.add_parser("show-path", parents=[common], help="the file that holds the key")
    show.set_defaults(handler=show_path)
    rotate = verbs.add_parser(
        "rotate", parents=[common], help="replace the key for every service, ending sessions"
    )
    rotate.set_defaults(handler=rotate_key)


async def show_path(ctx: Context, args: argparse.Namespace) -> int:
    path = Path(args.key_path)
    exists = await asyncio.to_thread(path.exists)
    if ctx.json_output:
        ctx.io.json({"path": str(path), "exists": exists, "from_env": args.key_from_env})
        return 0
    ctx.io.out.print(str(path), highlight=False, soft_wrap=True)
    if not exists:
        ctx.io.error(f"{path} does not exist yet: no key has been generated there")
    if args.key_from_env:
        ctx.io.error("CMDARR_API_KEY is set here: where it is set, it wins over this file")
    return 0


async def rotate_key(ctx: Context, args: argparse.Namespace) -> int:
    path = Path(args.key_path)
    if args.key_from_env:
        raise UsageError(
            "the key comes from CMDARR_API_KEY: change it where it is set and restart;"
            " rotation replaces only a key kept in a file"
        )
    try:
        had = await asyncio.to_thread(read_key, path)
        await asyncio.to_thread(replace_key, path)
    except OSError as exc:
        hint = " (a mounted Secret: update the Secret instead)" if args.key_named else ""
        raise UsageError(f"cannot replace the key in {path}: {exc.strerror or exc}{hint}") from None
    if ctx.json_output:
        ctx.io.json({"path": str(path), "rotated": had is not None})
        return 0
    ctx.io.out.print(f"new key written to {path}", highlight=False, soft_wrap=True)
    ctx.io.out.print(
        "every service switches to it within seconds; sessions signed with the old key end",
        highlight=False,
    )
    return 0
