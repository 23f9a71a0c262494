"""python -m bench [NAME ...]: run the benchmarks (all, or those named, with or without
the ``bench_`` prefix), print a table, write JSON.

Every module bench/bench_*.py is a benchmark: it defines ``async def run() -> Result``.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import sys
from pathlib import Path

from bench.report import Result, draw, render, save, stamp_now

HERE = Path(__file__).parent


def discover() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))


def resolve(names: list[str]) -> list[str]:
    """The modules ``names`` ask for ("household" is bench_household, "server-copy"
    bench_server_copy), or every one."""
    modules = [n.replace("-", "_") for n in names]
    return [n if n.startswith("bench_") else f"bench_{n}" for n in modules] or discover()


async def main(names: list[str]) -> int:
    chosen = resolve(names)
    unknown = sorted(set(chosen) - set(discover()))
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(discover())}",
            file=sys.stderr,
        )
        return 2
    results: list[Result] = []
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.append(await module.run())
    print(render(results))
    stamp = stamp_now()
    path = save(results, HERE / "results", stamp)
    charts = draw(results, HERE / "results", stamp)
    print(f"\nwritten to {path}" + "".join(f"\nchart: {c}" for c in charts))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
