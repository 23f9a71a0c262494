"""TestLidarr through every door: gRPC, the client library, cmdarr lidarr test and the
status page's route; each problem named by what a user fixes, the API key never shown."""

from __future__ import annotations

from pathlib import Path

import httpx
from cmdarr.sync.v1 import sync_pb2 as pb

from cmdarr_client import AsyncClient
from emulators.server import running_lidarr
from tests.support.command_line import cmdarr
from tests.support.inprocess_stack import Stack, configure, stack, with_gateway
from tests.support.ports import free_port
from tests.support.rpc import TIMEOUT

KEY = "lidarr-k3y-5150"


async def check(s: Stack) -> pb.TestLidarrResponse:
    return await s.sync.TestLidarr(pb.TestLidarrRequest(), timeout=TIMEOUT)


async def test_lidarr_checks_name_the_problem(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s, running_lidarr(api_key=KEY) as lidarr:
        unset = await check(s)
        assert (unset.ok, unset.problem) == (False, pb.LIDARR_PROBLEM_NO_URL)
        assert "set LIDARR_URL" in unset.message

        await configure(s, LIDARR_URL=lidarr.url, LIDARR_API_KEY=KEY, LIDARR_ENABLED="true")
        good = await check(s)
        assert good.ok, good.message
        assert (good.root_folder, good.quality_profile, good.metadata_profile) == (
            "/music",
            "Any",
            "Standard",
        ), "an empty setting takes the root folder's defaults"
        assert list(good.quality_profiles) == ["Any", "Lossless", "Standard"]
        assert good.version
        assert good.enabled
        assert lidarr.knobs.counts["status"] == 1
        assert lidarr.knobs.counts["listing"] == 3

        await configure(s, LIDARR_QUALITY_PROFILE="Lossless")
        lidarr.lidarr.state.quality_profiles.remove((2, "Lossless"))  # deleted in Lidarr since
        gone = await check(s)
        assert gone.problem == pb.LIDARR_PROBLEM_UNKNOWN_NAME
        assert "no quality profile 'Lossless'; it has 'Any', 'Standard'" in gone.message

        await configure(s, LIDARR_QUALITY_PROFILE="", LIDARR_API_KEY="wr0ng-key")
        refused = await check(s)
        assert refused.problem == pb.LIDARR_PROBLEM_KEY_REFUSED
        assert "refused the API key" in refused.message
        assert "wr0ng-key" not in str(refused)

        await configure(s, LIDARR_API_KEY=KEY)
        await lidarr_fault(lidarr.url, {"kind": "status", "status": 500, "endpoint": "status"})
        failing = await check(s)
        assert failing.problem == pb.LIDARR_PROBLEM_SERVER_ERROR
        await lidarr_fault(lidarr.url, {"kind": "status", "status": 404, "endpoint": "status"})
        assert (await check(s)).problem == pb.LIDARR_PROBLEM_NOT_LIDARR

        async with AsyncClient(sync=s.addresses["sync"]) as client:
            assert (await client.test_lidarr()).ok
        ok = await cmdarr("lidarr", "test", addresses=s.addresses)
        assert ok.code == 0, ok.err
        assert "Lidarr: OK." in ok.out
        assert "Quality profiles: Any, Lossless, Standard" not in ok.out, "Lossless is gone"
        async with with_gateway(s, tmp_path) as gateway:
            base = f"http://127.0.0.1:{gateway.http_port}"
            async with httpx.AsyncClient(base_url=base) as http:
                page = await http.post("/api/lidarr/test")
        assert page.status_code == 200
        assert page.json()["ok"] is True
        assert KEY not in page.text

        await configure(s, LIDARR_URL=f"http://127.0.0.1:{free_port()}")
        down = await cmdarr("lidarr", "test", addresses=s.addresses)
        assert down.code == 1
        assert "Lidarr: FAILED (connection refused)." in down.out
        assert KEY not in down.out + down.err


async def lidarr_fault(url: str, fault: dict[str, object]) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        assert (await http.post("/__admin/faults", json=fault)).status_code == 200
