"""python -m bench.household_emulators --tracks N [--seed S] [--latency-ms MS]: the
household bench_household measures, served as ``python -m emulators --household`` serves
one (each server on a free port; one line per server, ``<kind> <url> <name>``, then
``plex.tv <url>``; stops on SIGINT/SIGTERM).

It is ``default_household`` with two changes, so that the three servers weigh the same and
one playlist is found on each: every server holds ``--tracks`` music tracks (``cabin``'s own
part is shrunk to leave room for its copy of ``plex``'s), and ``jellyfin`` serves the same
music as ``plex`` (its seed), as a household running both on one music folder does."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace

from emulators.household import HouseholdSpec, default_household
from emulators.knobs import PLEX_TV_CLASSES, Knobs
from emulators.server import running_household


def household_spec(tracks: int, seed: int) -> HouseholdSpec:
    """``plex`` (two music libraries), ``cabin`` (one, a third of it ``plex``'s "Music"),
    ``jellyfin`` (``plex``'s music): ``tracks`` music tracks each; the default people."""
    base = default_household(tracks=tracks, seed=seed, plex_servers=2, jellyfin_servers=1)
    plex, cabin = base.plex
    (jellyfin,) = base.jellyfin
    return replace(
        base,
        plex=(plex, replace(cabin, tracks=tracks - cabin.copied_tracks)),
        jellyfin=(replace(jellyfin, seed=plex.seed, music_libraries=plex.music_libraries),),
    )


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.household_emulators", description=__doc__
    )
    parser.add_argument("--tracks", type=int, default=5000, help="music tracks per server")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    args = parser.parse_args(argv)
    if not 3 <= args.tracks <= 200_000:
        parser.error("--tracks must be between 3 and 200000")
    return args


async def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running_household(
        household_spec(args.tracks, args.seed),
        knobs=lambda _name: Knobs(latency_ms=args.latency_ms),
        plex_tv_knobs=Knobs(classes=PLEX_TV_CLASSES, latency_ms=args.latency_ms),
    ) as household:
        for kind, name, url in household.servers():
            print(f"{kind} {url}" if kind == "plex.tv" else f"{kind} {url} {name}", flush=True)
        await stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
