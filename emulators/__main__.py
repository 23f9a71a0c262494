"""python -m emulators --plex-port N --jellyfin-port M --tracks 5000 --seed 1 [...]:
serve an emulated Plex, Jellyfin or both on 127.0.0.1 until interrupted.

python -m emulators --household [--plex-servers 2] [--jellyfin-servers 1] [...]: serve a
household instead (emulators/household.py default_household): several servers with
distinct libraries, their users, an emulated plex.tv and an emulated Lidarr, each on a
free port.

--lidarr-port N serves an emulated Lidarr too (emulators/lidarr.py demo_state, API key
--lidarr-api-key): ``lidarr <url>``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace

from emulators.household import default_household
from emulators.knobs import Fault, Knobs
from emulators.library import Catalog, generate
from emulators.lidarr import DEFAULT_LIDARR_API_KEY
from emulators.server import (
    DEFAULT_JELLYFIN_API_KEY,
    DEFAULT_JELLYFIN_TOKEN,
    DEFAULT_PLEX_TOKEN,
    running_household,
    running_jellyfin,
    running_lidarr,
    running_plex,
)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__)
    parser.add_argument("--plex-port", type=int, help="serve Plex on this port (0 = any)")
    parser.add_argument("--jellyfin-port", type=int, help="serve Jellyfin on this port (0 = any)")
    parser.add_argument("--lidarr-port", type=int, help="serve Lidarr on this port (0 = any)")
    parser.add_argument("--lidarr-api-key", default=DEFAULT_LIDARR_API_KEY)
    parser.add_argument("--tracks", type=int, default=5000, help="music tracks (1-1000000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--extra", action="store_true", help="add the fixed extra part (the quality set's)"
    )
    parser.add_argument("--music-libraries", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    parser.add_argument("--search-latency-ms", type=float, default=0.0, help="extra per search")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction answered 500")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault: kind[:name=value,...] (kinds: status, rate_limit, slow, "
        "malformed, short_page, revoke_token; names: count, skip, endpoint, status, "
        "retry_after, seconds), e.g. rate_limit:count=3,retry_after=2; repeatable",
    )
    parser.add_argument("--legacy-auth", action="store_true", help="Jellyfin: accept legacy auth")
    parser.add_argument(
        "--jellyfin-version",
        default=Knobs.jellyfin_version,
        help="the version Jellyfin reports (and behaves as, where versions differ)",
    )
    parser.add_argument(
        "--plex-version",
        default=Knobs().plex_version,
        help="the version Plex reports in / and /identity (clients refuse old ones)",
    )
    parser.add_argument("--plex-token", default=DEFAULT_PLEX_TOKEN)
    parser.add_argument("--jellyfin-token", default=DEFAULT_JELLYFIN_TOKEN)
    parser.add_argument(
        "--jellyfin-api-key",
        default=DEFAULT_JELLYFIN_API_KEY,
        help="Jellyfin: an API key (a token with no user)",
    )
    parser.add_argument(
        "--household",
        action="store_true",
        help="serve a household: several servers, their users and an emulated plex.tv",
    )
    parser.add_argument("--plex-servers", type=int, default=2, help="with --household")
    parser.add_argument("--jellyfin-servers", type=int, default=1, help="with --household")
    parser.add_argument(
        "--plex-tv-port", type=int, default=0, help="with --household: plex.tv's port"
    )
    args = parser.parse_args(argv)
    if args.household and (args.plex_port is not None or args.jellyfin_port is not None):
        parser.error("--household picks its own ports: leave out --plex-port, --jellyfin-port")
    if args.household and args.lidarr_port is not None:
        parser.error("--household serves a Lidarr on a port of its own: leave out --lidarr-port")
    ports = (args.plex_port, args.jellyfin_port, args.lidarr_port)
    if not args.household and all(p is None for p in ports):
        parser.error("give --plex-port, --jellyfin-port, --lidarr-port, or --household")
    if args.household and not (0 <= args.plex_servers <= 8 and 0 <= args.jellyfin_servers <= 8):
        parser.error("--plex-servers and --jellyfin-servers must be between 0 and 8")
    if not 1 <= args.tracks <= 1_000_000:
        parser.error("--tracks must be between 1 and 1000000")
    try:
        args.faults = [Fault.parse(spec) for spec in args.fault]
    except (TypeError, ValueError) as exc:
        parser.error(f"--fault: {exc}")
    return args


def knobs_from(args: argparse.Namespace) -> Knobs:
    return Knobs(
        latency_ms=args.latency_ms,
        search_latency_ms=args.search_latency_ms,
        error_rate=args.error_rate,
        legacy_auth=args.legacy_auth,
        jellyfin_version=args.jellyfin_version,
        plex_version=args.plex_version,
        faults=[replace(f) for f in args.faults],  # each server spends its own copy
    )


async def serve_household(args: argparse.Namespace, stop: asyncio.Event) -> None:
    """One line per server, ``<kind> <url> <name>``, then ``plex.tv <url>``."""
    spec = default_household(
        tracks=args.tracks,
        seed=args.seed,
        plex_servers=args.plex_servers,
        jellyfin_servers=args.jellyfin_servers,
    )
    async with running_household(
        spec,
        knobs=lambda _name: knobs_from(args),
        ports={"plex.tv": args.plex_tv_port},
        plex_token=args.plex_token,
        jellyfin_admin_token=args.jellyfin_token,
        api_key=args.jellyfin_api_key,
        lidarr=True,
    ) as household:
        for kind, name, url in household.servers():
            print(f"{kind} {url}" if kind == "plex.tv" else f"{kind} {url} {name}", flush=True)
        await stop.wait()


async def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if args.household:
        await serve_household(args, stop)
        return 0
    async with contextlib.AsyncExitStack() as stack:

        def catalog() -> Catalog:  # one per server: each changes its own
            return generate(
                seed=args.seed,
                tracks=args.tracks,
                music_libraries=args.music_libraries,
                extra=args.extra,
            )

        if args.plex_port is not None:
            plex = await stack.enter_async_context(
                running_plex(
                    catalog=catalog(),
                    token=args.plex_token,
                    knobs=knobs_from(args),
                    port=args.plex_port,
                )
            )
            print(f"plex {plex.url}", flush=True)
        if args.jellyfin_port is not None:
            jellyfin = await stack.enter_async_context(
                running_jellyfin(
                    catalog=catalog(),
                    token=args.jellyfin_token,
                    api_key=args.jellyfin_api_key,
                    knobs=knobs_from(args),
                    port=args.jellyfin_port,
                )
            )
            print(f"jellyfin {jellyfin.url}", flush=True)
        if args.lidarr_port is not None:
            lidarr = await stack.enter_async_context(
                running_lidarr(api_key=args.lidarr_api_key, port=args.lidarr_port)
            )
            print(f"lidarr {lidarr.url}", flush=True)
        await stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
