"""TestServer through every door: gRPC, a gRPC CLI through reflection, the client library
and cmdarr server test; against the whole stack in-process, with the server's token never shown."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import grpc
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb

from cmdarr_client import AsyncClient
from tests.support.command_line import cmdarr
from tests.support.inprocess_stack import Stack, configure, stack
from tests.support.rpc import TIMEOUT, assert_invalid, expect_error

BUF = str(Path(sys.executable).parent / "buf")
ROOT = Path(__file__).resolve().parents[2]
WRONG = "attic-wr0ng-t0ken-77"


async def _add(s: Stack, name: str, kind: cpb.ServerKind.ValueType, url: str, token: str) -> None:
    server = cpb.Server(name=name, kind=kind, url=url, token=token)
    await s.config.CreateServer(cpb.CreateServerRequest(server=server), timeout=TIMEOUT)


def buf_curl(body: str, url: str) -> subprocess.CompletedProcess[str]:
    command = [BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", body, url]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)


async def test_server_checks_name_the_problem(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s:
        await _add(s, "cabin", cpb.SERVER_KIND_PLEX, s.plex.url, s.plex.token)
        await _add(s, "attic", cpb.SERVER_KIND_JELLYFIN, s.jellyfin.url, WRONG)
        await configure(s, JELLYFIN_URL=s.jellyfin.url, JELLYFIN_TOKEN=s.jellyfin.token)

        cabin = await s.sync.TestServer(pb.TestServerRequest(name="cabin"), timeout=TIMEOUT)
        assert cabin.ok, cabin.message
        assert cabin.problem == pb.SERVER_PROBLEM_UNSPECIFIED
        assert list(cabin.libraries) == ["Music", "Lossless"]
        assert cabin.skipped_libraries == ["Audiobooks: audiobook library (name it to include it)"]
        assert cabin.version == s.plex.knobs.plex_version
        assert cabin.server_id

        builtin = await s.sync.TestServer(pb.TestServerRequest(name="jellyfin"), timeout=TIMEOUT)
        assert builtin.ok, builtin.message
        assert builtin.version == s.jellyfin.knobs.jellyfin_version

        unset = await s.sync.TestServer(pb.TestServerRequest(name="plex"), timeout=TIMEOUT)
        assert (unset.ok, unset.problem) == (False, pb.SERVER_PROBLEM_NO_URL)
        assert unset.message == "plex has no URL to reach: set PLEX_URL"

        attic = await s.sync.TestServer(pb.TestServerRequest(name="attic"), timeout=TIMEOUT)
        assert not attic.ok
        assert attic.problem == pb.SERVER_PROBLEM_TOKEN_REFUSED
        assert "refused the token" in attic.message
        assert WRONG not in str(attic)

        missing = await expect_error(
            s.sync.TestServer(pb.TestServerRequest(name="cellar"), timeout=TIMEOUT),
            grpc.StatusCode.NOT_FOUND,
        )
        assert "no server named 'cellar'" in (missing.details() or "")
        empty = await expect_error(
            s.sync.TestServer(pb.TestServerRequest(name=""), timeout=TIMEOUT),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert_invalid(empty, "name")

        url = f"http://{s.addresses['sync']}/cmdarr.sync.v1.SyncService/TestServer"
        called = await asyncio.to_thread(buf_curl, '{"name": "attic"}', url)
        assert called.returncode == 0, called.stderr
        reply = json.loads(called.stdout)
        assert reply["problem"] == "SERVER_PROBLEM_TOKEN_REFUSED"
        assert WRONG not in called.stdout + called.stderr

        async with AsyncClient(sync=s.addresses["sync"]) as client:
            again = await client.test_server("cabin")
        assert again.ok
        assert again.server_id == cabin.server_id

        good = await cmdarr("server", "test", "cabin", addresses=s.addresses)
        assert good.code == 0, good.err
        assert "cabin: OK." in good.out
        assert "Libraries: Music, Lossless" in good.out
        bad = await cmdarr("server", "test", "attic", addresses=s.addresses)
        assert bad.code == 1
        assert "attic: FAILED (token refused)." in bad.out
        assert WRONG not in bad.out + bad.err
        unknown = await cmdarr("server", "test", "cellar", addresses=s.addresses)
        assert unknown.code != 0
        assert "no server named 'cellar'" in unknown.err
