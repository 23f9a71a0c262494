"""Builds in a worker process: the same index as a build in the service's process, progress
and request counts carried back, failures reported without the token, and no worker (nor
build folder) left behind when a build is cancelled or cache_svc goes away."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider

from bench.otlp_stub import otlp_stub
from cache_svc.build.builders import (
    WORKER_COMMAND,
    BuildJob,
    Endpoint,
    Finished,
    LocalBuilder,
    RequestTally,
    WorkerBuilder,
)
from cache_svc.build.frames import Frame, pack
from cache_svc.build.generation import BuildFailed
from cache_svc.build.progress import BuildProgress
from cache_svc.config_view import FollowedConfig
from common.config.registry import Registry
from common.config.values import SettingValues
from common.domain import ServerKind, Target
from common.targets import LibraryReader
from common.targets.connect import connect_configured
from emulators.knobs import Fault, Knobs
from emulators.server import Emulator, running_plex
from tests.support.waiting import eventually

TOKEN = "worker-test-token-0123456789"


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build folders are made here, where the tests can see that none is left."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def _build_folders() -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob("cmdarr-build-*"))


@pytest.fixture
async def plex() -> AsyncIterator[Emulator]:
    async with running_plex(tracks=600, token=TOKEN, knobs=Knobs()) as emulator:
        yield emulator


def _settings(emulator: Emulator) -> dict[str, str]:
    return {"PLEX_URL": emulator.url, "TARGET_MAX_CONCURRENCY": "2"}


def _job(previous: Finished | None = None) -> BuildJob:
    return BuildJob(
        server="plex",
        label="Plex",
        config=FollowedConfig(),
        library_names=(),
        previous=None if previous is None else previous.built.index,
        previous_generation=1,
        since=0,
        memory_limit_bytes=2**30,
    )


def _worker(emulator: Emulator, token: str = TOKEN, images: bytes = b"") -> WorkerBuilder:
    async def connection(_server: str, _config: FollowedConfig) -> Endpoint:
        return Endpoint(
            kind=ServerKind.PLEX,
            url=emulator.url,
            user_id="",
            token=token,
            settings=_settings(emulator),
            url_name="PLEX_URL",
        )

    async def image(_server: str, generation: int) -> bytes:
        assert generation == 1
        return images

    return WorkerBuilder(connection, image)


def _local(emulator: Emulator) -> LocalBuilder:
    @contextlib.asynccontextmanager
    async def factory(_server: str, _config: FollowedConfig) -> AsyncIterator[LibraryReader]:
        values = SettingValues(Registry(), _settings(emulator))
        connection = connect_configured(Target.PLEX, values, token=TOKEN)
        try:
            yield connection.client
        finally:
            await connection.close()

    return LocalBuilder(factory)


def _workers() -> list[int]:
    """This process's live build workers, by pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
            worker = WORKER_COMMAND[-1].encode() in cmdline
            if int(fields[1]) == os.getpid() and fields[0] != "Z" and worker:
                found.append(int(entry.name))
    return found


async def test_a_worker_build_indexes_what_a_build_in_process_indexes(plex: Emulator) -> None:
    progress, seen = BuildProgress(full=True, started_at=0.0), []
    tally = RequestTally()
    finished = await _worker(plex).build(
        _job(), progress, lambda: seen.append(progress.pages_done), tally
    )
    local_tally = RequestTally()
    local = await _local(plex).build(
        _job(), BuildProgress(full=True, started_at=0.0), lambda: None, local_tally
    )
    ids = {t.item_id for t in finished.built.index.tracks()}
    assert ids == {t.item_id for t in local.built.index.tracks()}
    assert len(ids) > 0
    assert finished.built.libraries == local.built.libraries
    # Progress crossed the pipe page by page, and so did the request count.
    assert progress.pages_done == progress.pages_total > 1
    assert seen == sorted(seen)
    assert 0 < seen[-1] == progress.pages_done
    assert tally.total == local_tally.total > 0
    assert [c.step for c in finished.built.costs] == ["libraries", "listing"]
    assert not _workers()
    assert not _build_folders()


async def test_a_worker_refresh_starts_from_the_stored_image(plex: Emulator) -> None:
    full = await _worker(plex).build(
        _job(), BuildProgress(full=True, started_at=0.0), lambda: None, RequestTally()
    )
    refreshed = await _worker(plex, images=full.image).build(
        _job(previous=full), BuildProgress(full=False, started_at=0.0), lambda: None, RequestTally()
    )
    assert {t.item_id for t in refreshed.built.index.tracks()} == {
        t.item_id for t in full.built.index.tracks()
    }
    # Nothing changed: the counts add up, and no library is swept.
    assert [c.step for c in refreshed.built.costs] == ["libraries", "delta", "count"]
    assert not _build_folders()


async def test_a_failed_worker_build_names_the_cause_and_never_the_token(
    plex: Emulator, capfd: pytest.CaptureFixture[str]
) -> None:
    wrong = "wrong-token-9876543210"
    tally = RequestTally()
    with pytest.raises(BuildFailed) as failed:
        await _worker(plex, token=wrong).build(
            _job(), BuildProgress(full=True, started_at=0.0), lambda: None, tally
        )
    assert "401" in str(failed.value) or "auth" in str(failed.value).lower()
    assert tally.total >= 1
    out, err = capfd.readouterr()
    assert wrong not in str(failed.value) + out + err
    assert not _build_folders()


async def test_cancelling_a_build_kills_its_worker(plex: Emulator) -> None:
    # One page comes back; the next is held until the emulator stops: the build is still
    # listing, whatever the machine's speed, when it is cancelled.
    plex.knobs.faults.append(Fault(kind="slow", endpoint="track_page", skip=1, seconds=120))
    progress = BuildProgress(full=True, started_at=0.0)
    building = asyncio.create_task(
        _worker(plex).build(_job(), progress, lambda: None, RequestTally())
    )
    await eventually(
        lambda: len(_workers()) == 1 and progress.pages_done > 0,
        within=60,
        what="a worker listing pages",
    )
    building.cancel()
    with pytest.raises(asyncio.CancelledError):
        await building
    assert not _workers()
    assert not _build_folders()


async def test_a_worker_exits_when_cache_svc_goes_away(plex: Emulator, tmp_path: Path) -> None:
    plex.knobs.latency_ms = 200
    request = {
        "server": "plex",
        "label": "Plex",
        "kind": "plex",
        "url": plex.url,
        "url_name": "PLEX_URL",
        "user_id": "",
        "settings": _settings(plex),
        "token": TOKEN,
        "library_names": [],
        "refresh": False,
        "since": 0,
        "memory_limit_bytes": 2**30,
        "full": True,
        "started_at": 0.0,
        "folder": str(tmp_path),
    }
    worker = await asyncio.create_subprocess_exec(
        *WORKER_COMMAND,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert worker.stdin is not None
    assert worker.stdout is not None
    worker.stdin.write(pack(Frame.REQUEST, json.dumps(request).encode()))
    await worker.stdin.drain()
    # Its first progress frame: it is working.
    header = await asyncio.wait_for(worker.stdout.readexactly(5), timeout=60)
    assert header[0] == Frame.PROGRESS
    worker.stdin.close()  # what the pipe sees when cache_svc dies
    assert await asyncio.wait_for(worker.wait(), timeout=60) == 3


async def test_a_worker_build_joins_the_callers_trace(
    plex: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with otlp_stub() as (endpoint, receiver):
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)  # the worker's variables
        tracer = TracerProvider().get_tracer("tests")
        with tracer.start_as_current_span("cache.build") as build:
            finished = await _worker(plex).build(
                _job(), BuildProgress(full=True, started_at=0.0), lambda: None, RequestTally()
            )
        trace_id = build.get_span_context().trace_id.to_bytes(16, "big")
        services, spans = receiver.traces[trace_id]  # the worker flushed before it ended
        assert services == {"cache_svc"}
        # A span per page (and per request) at least: 600 tracks come in two pages.
        assert spans >= 2 + len(finished.built.libraries)
