"""cmdarr: the command line of the cmdarr services.

    cmdarr status | warnings
    cmdarr config get [KEY ...] | config set KEY=VALUE ... [--reset KEY]
    cmdarr server list | server add NAME --kind plex|jellyfin --url URL
        [--token-stdin | --token-env VAR] [--library NAME ...] [--enable]
        | server update NAME [--url URL] [--enable|--disable] ... | server remove NAME
    cmdarr cache build [plex|jellyfin] [--full|--incremental] [--watch] | cache status
    cmdarr sync create NAME ... | sync run NAME [--watch] | sync report RUN_ID [--all]
    cmdarr sync list | sync unmatched RUN_ID [--format table|csv|jspf]
    cmdarr match pin|reject --target T (--mbid M | --isrc I | --artist A --title T
        | --run RUN_ID --position N) [--item ID] | match list | match delete ...
    cmdarr match explain --server S --title T --artist A [--album ALBUM] [--duration M:SS]
    cmdarr auth show-path | auth rotate

Exit codes: 0 done, 1 a build or run failed, 2 bad input, 3 a service cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence

from cli.commands import Handler, auth, cache, config, lidarr, match, server, status, sync
from cli.context import SERVICE_NAMES, Context, Io
from cli.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    CallFailed,
    UsageError,
    describe,
    exit_code_of,
    redact,
)
from common.auth.store import KeyFileError, key_path, read_key
from common.env import address_of
from common.runtime.tracing import Tracing

SERVICES = tuple(SERVICE_NAMES)


def common_options(environ: Mapping[str, str], *, suppress: bool) -> argparse.ArgumentParser:
    """The global options. Sub-commands accept them too (``cmdarr status --json``); there
    they default to SUPPRESS so they never undo a value given before the sub-command."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--json", action="store_true", default=default(False), help="one JSON document"
    )
    group.add_argument(
        "--api-key",
        default=default(environ.get("CMDARR_API_KEY") or None),
        metavar="KEY",
        help="API key sent to the services (default: $CMDARR_API_KEY, else the key file)",
    )
    for service in SERVICES:
        group.add_argument(
            f"--{service}",
            dest=f"{service}_address",
            default=default(address_of(service, environ)),
            metavar="ADDRESS",
            help=f"{SERVICE_NAMES[service]} address (default: {address_of(service, environ)})",
        )
    return parser


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cmdarr",
        description="Playlist sync into Plex and Jellyfin: status, settings, caches, syncs.",
        epilog="Exit codes: 0 done, 1 failed build or run, 2 bad input, 3 service unreachable.",
        parents=[common_options(environ, suppress=False)],
    )
    inner = common_options(environ, suppress=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (status, config, server, cache, sync, match, lidarr):
        module.register(commands, inner)
    auth.register(commands, inner, environ)
    return parser


def stored_key(environ: Mapping[str, str]) -> str | None:
    """The key the services keep in their key file, when this user can read it (the CLI
    run where the services run needs no --api-key)."""
    try:
        return read_key(key_path(environ)[0])
    except (KeyFileError, OSError):
        return None


def parse(argv: Sequence[str], environ: Mapping[str, str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse chose (--help, a usage error)."""
    try:
        return build_parser(environ).parse_args(list(argv))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT


async def run(
    argv: Sequence[str], io: Io | None = None, environ: Mapping[str, str] | None = None
) -> int:
    """Runs one command; returns its exit code. Never raises for a failed call."""
    io = io or Io.standard()
    environ = os.environ if environ is None else environ
    args = parse(argv, environ)
    if isinstance(args, int):
        return args
    addresses = {s: getattr(args, f"{s}_address") for s in SERVICES}
    api_key = args.api_key or await asyncio.to_thread(stored_key, environ)
    # With OTEL_EXPORTER_OTLP_ENDPOINT set, a command is the root of the trace it causes.
    tracing = Tracing.from_environ("cmdarr-cli", environ)
    ctx = Context(io, addresses, api_key, args.json, tracing=tracing, environ=environ)
    if api_key:
        ctx.secrets.append(api_key)
    try:
        handler: Handler = args.handler
        name = f"cmdarr {handler.__name__.removeprefix('_').replace('_', ' ')}"
        with tracing.tracer("cmdarr.cli").start_as_current_span(name):
            return await handler(ctx, args)
    except CallFailed as failure:
        io.error(redact(describe(failure), ctx.secrets))
        return exit_code_of(failure.error.code)
    except UsageError as problem:
        io.error(redact(str(problem), ctx.secrets))
        return EXIT_BAD_INPUT
    finally:
        await ctx.close()
        await asyncio.to_thread(tracing.shutdown)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    try:
        return asyncio.run(run(arguments))
    except KeyboardInterrupt:
        return 130
    except Exception as unexpected:  # a bug: one line, no traceback (CMDARR_DEBUG=1 shows it)
        if os.environ.get("CMDARR_DEBUG"):
            raise
        sys.stderr.write(f"cmdarr: internal error: {type(unexpected).__name__}: {unexpected}\n")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
