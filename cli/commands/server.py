"""cmdarr server list / add / update / remove: the Plex and Jellyfin servers.

A token is never an argument (it would show in ``ps`` and in the shell's history): it is
read from standard input (--token-stdin, without echo on a terminal) or from an
environment variable (--token-env VAR), and kept out of every line the command prints.
The built-in "plex" and "jellyfin" are listed too; they are the PLEX_* and JELLYFIN_*
settings, changed with ``cmdarr config set``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass

from cmdarr.config.v1 import config_pb2 as pb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from rich.text import Text

from cli import render
from cli.commands import Subparsers
from cli.context import Context, as_dict
from cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from cmdarr_client.requests import ServerField

KINDS = {"plex": pb.SERVER_KIND_PLEX, "jellyfin": pb.SERVER_KIND_JELLYFIN}
KIND_LABELS = {pb.SERVER_KIND_PLEX: "Plex", pb.SERVER_KIND_JELLYFIN: "Jellyfin"}


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    server = sub.add_parser("server", parents=[common], help="the Plex and Jellyfin servers")
    verbs = server.add_subparsers(
        dest="verb", required=True, metavar="{list,add,update,remove,test,users}"
    )
    listing = verbs.add_parser("list", parents=[common], help="every server, tokens withheld")
    listing.set_defaults(handler=list_servers)

    add = verbs.add_parser("add", parents=[common], help="add a server")
    add.add_argument("name", metavar="NAME", help="a lower-case DNS label, e.g. den-plex")
    add.add_argument("--kind", required=True, choices=list(KINDS))
    add.add_argument("--url", required=True, help="its base URL (http:// or https://)")
    add_token_options(add)
    add.add_argument(
        "--library", action="append", default=[], metavar="NAME",
        help="a music library to use (repeat for more; default: every music library)",
    )  # fmt: skip
    add.add_argument("--enable", action="store_true", help="sync playlists into it")
    add.add_argument("--jellyfin-user-id", default="", metavar="ID", help="Jellyfin only")
    add.set_defaults(handler=add_server)

    update = verbs.add_parser("update", parents=[common], help="change a server")
    update.add_argument("name", metavar="NAME")
    update.add_argument("--url", help="its new base URL")
    add_token_options(update)
    client = update.add_mutually_exclusive_group()
    client.add_argument(
        "--enable", dest="enabled", action="store_const", const=True, help="sync into it"
    )
    client.add_argument(
        "--disable", dest="enabled", action="store_const", const=False, help="stop syncing"
    )
    libraries = update.add_mutually_exclusive_group()
    libraries.add_argument(
        "--library", action="append", metavar="NAME",
        help="use only these music libraries (repeat for more; replaces the list)",
    )  # fmt: skip
    libraries.add_argument(
        "--all-libraries", action="store_true", help="use every music library again"
    )
    update.add_argument("--jellyfin-user-id", metavar="ID", help="Jellyfin only")
    cache = update.add_mutually_exclusive_group()
    cache.add_argument(
        "--library-cache",
        dest="cache",
        action="store_const",
        const=True,
        help="keep a library cache of it",
    )
    cache.add_argument(
        "--no-library-cache",
        dest="cache",
        action="store_const",
        const=False,
        help="stop keeping its library cache",
    )
    update.set_defaults(handler=update_server)

    remove = verbs.add_parser("remove", parents=[common], help="remove a server")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=remove_server)

    test = verbs.add_parser(
        "test", parents=[common], help="check that a server can be used, and say what failed"
    )
    test.add_argument("name", metavar="NAME")
    test.set_defaults(handler=test_server)

    users = verbs.add_parser(
        "users", parents=[common], help="who can receive playlists on a server (--to SERVER:USER)"
    )
    users.add_argument("name", metavar="NAME")
    users.set_defaults(handler=list_users)


def add_token_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--token-stdin", action="store_true", help="read the access token from standard input"
    )
    group.add_argument(
        "--token-env", metavar="VAR", help="read the access token from environment variable VAR"
    )


async def token_of(ctx: Context, args: argparse.Namespace) -> str | None:
    """The token given by --token-stdin or --token-env (None when neither), added to the
    secrets every printed line is redacted of."""
    if args.token_env:
        token = ctx.environ.get(args.token_env, "").strip()
        if not token:
            raise UsageError(f"--token-env: {args.token_env} is not set or is empty")
    elif args.token_stdin:
        if ctx.io.interactive:
            token = await asyncio.to_thread(getpass.getpass, "Token: ")
        else:
            token = await asyncio.to_thread(ctx.io.stdin.readline)
        token = token.strip()
        if not token:
            raise UsageError("--token-stdin: standard input held no token")
    else:
        return None
    ctx.secrets.append(token)
    return token


async def list_servers(ctx: Context, _args: argparse.Namespace) -> int:
    async with ctx.calling("config"):
        reply = await ctx.client.list_servers()
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK
    grid = render.table(
        f"Servers (revision {reply.revision})",
        ["Name", "Kind", "URL", "Token", "Libraries", "Client", "Library cache", "Revision"],
    )
    for s in reply.servers:
        grid.add_row(
            *render.cells(
                Text(s.name + (" (built-in)" if s.built_in else ""), "bold"),
                KIND_LABELS.get(s.kind, "?"),
                s.url or "-",
                "set" if s.token_set else "not set",
                ", ".join(s.library_names) or "all",
                enabled(s.client_enabled),
                cache_of(s),
                s.mod_revision,
            )
        )
    ctx.io.out.print(grid)
    return EXIT_OK


def enabled(on: bool) -> Text:
    return Text("enabled", "green") if on else Text("disabled")


def cache_of(server: pb.Server) -> Text:
    shown = enabled(server.library_cache_enabled)
    source = render.word(pb.SettingSource.Name(server.library_cache_source), "SETTING_SOURCE_")
    if source in {"user", "auto", "env"}:
        shown.append(f" ({source})")
    return shown


async def add_server(ctx: Context, args: argparse.Namespace) -> int:
    token = await token_of(ctx, args)
    async with ctx.calling("config"):
        reply = await ctx.client.create_server(
            args.name,
            kind=KINDS[args.kind],
            url=args.url,
            token=token or "",
            library_names=args.library,
            client_enabled=args.enable,
            jellyfin_user_id=args.jellyfin_user_id,
        )
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK
    done = reply.server
    render.line(
        ctx.io.out,
        f"Added {KIND_LABELS.get(done.kind, '?')} server {done.name} at {done.url} "
        f"(revision {reply.revision})",
        "green",
    )
    render.notifications(ctx.io.out, reply.notifications)
    return EXIT_OK


def changes_of(args: argparse.Namespace, token: str | None) -> dict[str, ServerField]:
    changes: dict[str, ServerField] = {}
    if args.url is not None:
        changes["url"] = args.url
    if token is not None:
        changes["token"] = token
    if args.library is not None:
        changes["library_names"] = args.library
    elif args.all_libraries:
        changes["library_names"] = []
    if args.enabled is not None:
        changes["client_enabled"] = args.enabled
    if args.jellyfin_user_id is not None:
        changes["jellyfin_user_id"] = args.jellyfin_user_id
    if args.cache is not None:
        changes["library_cache_enabled"] = args.cache
    if not changes:
        raise UsageError(
            "server update needs something to change: --url, --token-stdin, --token-env, "
            "--enable, --disable, --library, --all-libraries, --jellyfin-user-id, "
            "--library-cache or --no-library-cache"
        )
    return changes


async def update_server(ctx: Context, args: argparse.Namespace) -> int:
    changes = changes_of(args, await token_of(ctx, args))
    async with ctx.calling("config"):
        listed = await ctx.client.list_servers()
        current = next((s for s in listed.servers if s.name == args.name), None)
        if current is None:
            raise UsageError(f"no server is named {args.name!r} (cmdarr server list shows them)")
        # Compare-and-swap on what was just read: a change made meanwhile is not overwritten.
        reply = await ctx.client.update_server(
            args.name, expected_mod_revision=current.mod_revision, **changes
        )
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK
    render.line(
        ctx.io.out,
        f"Updated server {reply.server.name}: {', '.join(changes)} (revision {reply.revision})",
        "green",
    )
    render.notifications(ctx.io.out, reply.notifications)
    return EXIT_OK


async def remove_server(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.calling("config"):
        reply = await ctx.client.delete_server(args.name)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
    else:
        render.line(ctx.io.out, f"Removed server {args.name} (revision {reply.revision})", "green")
    return EXIT_OK


async def test_server(ctx: Context, args: argparse.Namespace) -> int:
    """Exit 0 when the server can be used, 1 when the check found a problem."""
    async with ctx.calling("sync"):
        reply = await ctx.client.test_server(args.name)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK if reply.ok else EXIT_FAILED
    if reply.ok:
        render.line(ctx.io.out, f"{args.name}: OK. {reply.message}", "green")
        render.line(ctx.io.out, "Libraries: " + ", ".join(reply.libraries))
    else:
        problem = render.word(sync_pb.ServerProblem.Name(reply.problem), "SERVER_PROBLEM_")
        render.line(ctx.io.out, f"{args.name}: FAILED ({problem}). {reply.message}", "red")
    for skipped in reply.skipped_libraries:
        render.line(ctx.io.out, f"Skipped {skipped}")
    return EXIT_OK if reply.ok else EXIT_FAILED


USER_KINDS = {
    sync_pb.SERVER_USER_KIND_OWNER: "owner (the token's account)",
    sync_pb.SERVER_USER_KIND_HOME: "Plex Home",
    sync_pb.SERVER_USER_KIND_SHARED: "shared with",
    sync_pb.SERVER_USER_KIND_ADMINISTRATOR: "administrator",
    sync_pb.SERVER_USER_KIND_USER: "user",
}


async def list_users(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.calling("sync"):
        reply = await ctx.client.list_server_users(args.name)
    if ctx.json_output:
        ctx.io.json(as_dict(reply))
        return EXIT_OK
    grid = render.table(
        f"Who can receive playlists on {args.name}", ["Name", "Id", "Kind", "Libraries", "Notes"]
    )
    for user in reply.users:
        notes = [n for n, on in (("PIN", user.protected), ("disabled", user.disabled)) if on]
        grid.add_row(
            *render.cells(
                Text(user.name, "bold"),
                user.id,
                USER_KINDS.get(user.kind, "?"),
                "all" if user.all_libraries else ", ".join(user.libraries) or "none",
                ", ".join(notes),
            )
        )
    ctx.io.out.print(grid)
    return EXIT_OK
