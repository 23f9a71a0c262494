"""Tracing's overhead: MatchTracks throughput and a warm sync's wall time, tracing off
beside tracing on (always-on sampler, every span exported over OTLP to a local receiver).

Two stacks (config_svc, cache_svc, sync_svc as processes) run at once against the same
emulated Plex, one with no OTLP endpoint (tracing off, no exporter), one pointed at the
receiver; measurements alternate between them so that the machine's other load falls on
both alike, and the medians are compared."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.cache.v1 import cache_pb2_grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.config.v1 import config_pb2_grpc
from cmdarr.sync.v1 import sync_pb2 as pb
from cmdarr.sync.v1 import sync_pb2_grpc
from cmdarr.type.v1 import type_pb2 as tpb

from bench.otlp_stub import otlp_stub
from bench.processes import emulators, service
from bench.report import Result
from common.wire.channels import open_channel
from emulators.library import generate

TRACKS = 10_000
SEED = 5
PLAYLIST = 500
MATCH_BATCH = 2_000
MATCH_CALLS = 2
ROUNDS = 25
TOKEN = "emulated-plex-token"
AIM = 1.05


@dataclass
class Stack:
    config: Any
    cache: Any
    sync: Any
    pids: tuple[int, ...]
    addresses: dict[str, str]

    def cpu_seconds(self) -> float:
        """User and system CPU time the stack's processes have used so far (Linux): less
        swayed by the machine's other load than wall time."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks


def _tracks(count: int) -> list[pb.InlineTrack]:
    catalog = generate(seed=SEED, tracks=TRACKS)
    music = [t for s in catalog.sections if s.kind == "music" for t in s.tracks]
    step = max(1, len(music) // count)
    return [
        pb.InlineTrack(
            title=t.title,
            artists=[(t.credit or t.album_artist).split(" feat. ")[0]],
            duration_ms=t.duration_ms,
        )
        for t in music[::step][:count]
    ]


@contextlib.asynccontextmanager
async def _stack(logs: Path, env: Mapping[str, str]) -> AsyncIterator[Stack]:
    async with service("config_svc", logs, env=env) as config_proc:
        up = {**env, "CMDARR_CONFIG_ADDR": config_proc.address}
        async with service("cache_svc", logs, env=up) as cache_proc:
            down = {**up, "CMDARR_CACHE_ADDR": cache_proc.address}
            async with service("sync_svc", logs, env=down) as sync_proc:
                yield Stack(
                    config_pb2_grpc.ConfigServiceStub(open_channel(config_proc.address)),
                    cache_pb2_grpc.CacheServiceStub(open_channel(cache_proc.address)),
                    sync_pb2_grpc.SyncServiceStub(open_channel(sync_proc.address)),
                    tuple(p.process.pid for p in (config_proc, cache_proc, sync_proc)),
                    {
                        "config": config_proc.address,
                        "cache": cache_proc.address,
                        "sync": sync_proc.address,
                    },
                )


async def _ready(stack: Stack, plex_url: str) -> None:
    changes = {
        "PLEX_URL": plex_url,
        "PLEX_TOKEN": TOKEN,
        "TARGET_MAX_REQUESTS_PER_SECOND": "1000",
        "PLEX_CLIENT_ENABLED": "true",
    }
    request = cpb.UpdateSettingsRequest(
        changes=[cpb.SettingChange(key=k, value=v) for k, v in changes.items()]
    )
    await stack.config.UpdateSettings(request, timeout=10)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status = (
            await stack.cache.GetCacheStatus(
                cache_pb.GetCacheStatusRequest(target=tpb.TARGET_PLEX), timeout=10
            )
        ).statuses[0]
        if status.state == cache_pb.CACHE_STATE_READY:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the cache did not become ready")


async def _match(stack: Stack, tracks: list[pb.InlineTrack]) -> float:
    """Tracks matched per second over MATCH_CALLS batches."""
    queries = [
        cache_pb.TrackQuery(ref=str(i), title=t.title, artists=t.artists, duration_ms=t.duration_ms)
        for i, t in enumerate(tracks)
    ]
    request = cache_pb.MatchTracksRequest(target=tpb.TARGET_PLEX, tracks=queries)
    began = time.perf_counter()
    for _ in range(MATCH_CALLS):
        await stack.cache.MatchTracks(request, timeout=60)
    return MATCH_CALLS * len(tracks) / (time.perf_counter() - began)


async def _sync(stack: Stack, tracks: list[pb.InlineTrack]) -> float:
    spec = pb.SyncSpec(playlist_title="Traced bench", tracks=tracks, targets=[tpb.TARGET_PLEX])
    began = time.perf_counter()
    run_id = (await stack.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=30)).run_id
    async for message in stack.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=600):
        state = message.progress.state
    seconds = time.perf_counter() - began
    if state != pb.SYNC_STATE_SUCCEEDED:
        raise RuntimeError(f"sync ended {pb.SyncState.Name(state)}")
    return seconds


async def _cli_sync(stack: Stack, folder: Path, endpoint: str, tracks: list[pb.InlineTrack]) -> int:
    """``cmdarr sync create`` then ``cmdarr sync run --watch`` as an operator types them,
    traced to ``endpoint``; the exit code of the run."""
    playlist = folder / "traced.m3u"
    lines = ["#EXTM3U"]
    for t in tracks:
        name = f"{t.artists[0]} - {t.title}"
        lines += [f"#EXTINF:{t.duration_ms // 1000},{name}", f"{name}.mp3"]
    playlist.write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CMDARR_", "OTEL_"))}
    env.update({f"CMDARR_{k.upper()}_ADDR": v for k, v in stack.addresses.items()})
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_TRACES_SAMPLER": "always_on"})
    create = ["sync", "create", "traced", "--source-kind", "file", "--source", str(playlist)]
    code = 0
    with (folder / "cli.log").open("ab") as log:
        for argv in ([*create, "--target", "plex", "--yes"], ["sync", "run", "traced", "--watch"]):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cli", *argv, env=env, stdout=log, stderr=log
            )
            code = await asyncio.wait_for(process.wait(), 300)
            if code != 0:
                raise RuntimeError(
                    f"cmdarr {' '.join(argv)}: exit {code}: "
                    + ((folder / "cli.log").read_text()[-600:])
                )
    return code


async def run() -> Result:
    result = Result("tracing overhead: off vs on (always-on sampler, OTLP to a local receiver)")
    f, met = result.figures, result.met
    playlist, batch = _tracks(PLAYLIST), _tracks(MATCH_BATCH)
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        base = {"CMDARR_LOG_LEVEL": "WARNING"}
        async with (
            otlp_stub() as (endpoint, receiver),
            emulators(logs, tracks=TRACKS, seed=SEED) as emu,
        ):
            traced = {
                **base,
                "CMDARR_DATA_DIR": str(logs / "on"),
                "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
                "OTEL_TRACES_SAMPLER": "always_on",
                "OTEL_BSP_SCHEDULE_DELAY": "500",
            }
            async with (
                _stack(logs, {**base, "CMDARR_DATA_DIR": str(logs / "off")}) as off,
                _stack(logs, traced) as on,
            ):
                await asyncio.gather(_ready(off, emu.plex_url), _ready(on, emu.plex_url))
                stacks = {"off": off, "on": on}
                for stack in stacks.values():  # warm-up: the first write, connections
                    await _sync(stack, playlist)
                    await _match(stack, batch)
                cpu_before = {name: stack.cpu_seconds() for name, stack in stacks.items()}
                match: dict[str, list[float]] = {"off": [], "on": []}
                sync: dict[str, list[float]] = {"off": [], "on": []}
                for round_number in range(ROUNDS):
                    order = ("off", "on") if round_number % 2 == 0 else ("on", "off")
                    for name in order:
                        match[name].append(await _match(stacks[name], batch))
                        sync[name].append(await _sync(stacks[name], playlist))
                cpu = {n: stacks[n].cpu_seconds() - cpu_before[n] for n in stacks}
                cli_exit = await _cli_sync(on, logs, endpoint, playlist[:100])
                spans_before = receiver.spans
                await asyncio.sleep(1.5)  # the exporter's last batch (every 0.5 s)
                spans = max(receiver.spans, spans_before)
                services, trace_spans = receiver.widest_trace()
                cli_services, cli_spans, cli_endpoints = receiver.trace_of("cmdarr-cli")
    tps = {k: statistics.median(v) for k, v in match.items()}
    wall = {k: statistics.median(v) for k, v in sync.items()}
    # Paired: each round measures off and on back to back, so a busy moment of the machine
    # weighs on both; the median of the per-round ratios is the overhead figure.
    match_ratio = statistics.median(a / b for a, b in zip(match["off"], match["on"], strict=True))
    sync_ratio = statistics.median(b / a for a, b in zip(sync["off"], sync["on"], strict=True))
    for name in ("off", "on"):
        f[f"MatchTracks ({MATCH_BATCH:,} tracks/call), {name}: tracks/s median"] = tps[name]
        f[f"MatchTracks, {name}: tracks/s min-max"] = (
            f"{min(match[name]):,.0f}-{max(match[name]):,.0f}"
        )
    f["MatchTracks: slower with tracing (median of paired rounds)"] = f"{match_ratio - 1:+.1%}"
    for name in ("off", "on"):
        f[f"warm sync ({PLAYLIST} tracks), {name}: seconds median"] = wall[name]
        f[f"warm sync, {name}: seconds min-max"] = f"{min(sync[name]):.3f}-{max(sync[name]):.3f}"
    f["warm sync: slower with tracing (median of paired rounds)"] = f"{sync_ratio - 1:+.1%}"
    for name in ("off", "on"):
        f[f"CPU seconds of the services over the rounds, {name}"] = cpu[name]
    f["CPU: more with tracing"] = f"{cpu['on'] / cpu['off'] - 1:+.1%}"
    f["spans received by the local receiver"] = spans
    f["widest trace: services"] = ", ".join(sorted(services))
    f["widest trace: spans"] = trace_spans
    f["`cmdarr sync run --watch` (100 tracks from a file): exit code"] = cli_exit
    f["its trace: services"] = ", ".join(sorted(cli_services))
    f["its trace: spans"] = cli_spans
    f["its trace: target endpoint classes"] = ", ".join(sorted(cli_endpoints))
    f["load average (1 min) at the end"] = f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    met["MatchTracks"] = match_ratio <= AIM
    met["warm sync"] = sync_ratio <= AIM
    met["spans exported"] = spans > 0
    met["one trace across the services"] = {"sync_svc", "cache_svc", "config_svc"} <= services
    met["one trace from the CLI"] = (
        cli_exit == 0
        and {"cmdarr-cli", "sync_svc", "cache_svc", "config_svc"} <= cli_services
        and "playlist_read" in cli_endpoints
    )
    result.aims = {
        "MatchTracks": "tracing on <= 5% slower (median of paired rounds)",
        "warm sync": "tracing on <= 5% slower (median of paired rounds)",
        "spans exported": "the traced stack exported spans",
        "one trace across the services": "a sync's trace holds sync_svc, cache_svc, config_svc",
        "one trace from the CLI": "the CLI's sync is one trace: cli, sync, cache, config, target",
    }
    result.notes.append(
        f"{ROUNDS} rounds, off and on back to back in alternating order; {TRACKS:,}-track library, "
        "no emulated latency (the overhead is ours, not the network's)"
    )
    result.chart_unit = "seconds per warm sync"
    result.chart = {f"tracing {k}": v for k, v in wall.items()}
    return result
