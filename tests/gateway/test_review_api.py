"""The review routes of the gateway's HTTP API over the whole stack in-process: the last
run's unmatched tracks, a pin replaced by a rejection, and bad input that stores nothing."""

from __future__ import annotations

from pathlib import Path

import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb

from tests.support.cache_service import settle
from tests.support.inprocess_stack import PLEX, configure, playlist, stack, with_gateway
from tests.support.rpc import TIMEOUT


async def test_review_pin_then_replace_and_bad_input(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gw:
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        spec = pb.SyncSpec(playlist_title="API", tracks=playlist(4, absent=1), targets=[PLEX])
        run_id = (await s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)).run_id
        async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
            pass
        report = (
            await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
        ).report
        some_item = next(t for t in report.tracks if t.position == 0).result.match.item_id

        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{gw.http_port}", timeout=TIMEOUT
        ) as http:
            (run,) = (await http.get("/api/review")).json()["runs"]
            assert run["run_id"] == run_id
            (miss,) = run["unmatched"]
            assert (miss["target"], miss["position"], miss["method"]) == (
                "plex",
                3,
                "MATCH_METHOD_NONE",
            )
            body = {"target": "plex", "track": miss["track"]}
            pinned = await http.post(
                "/api/overrides", json={**body, "action": "pin", "item_id": some_item}
            )
            assert pinned.status_code == 200, pinned.text
            assert pinned.json()["override"]["author"] == "status page"
            replaced = await http.post("/api/overrides", json={**body, "action": "reject"})
            assert replaced.status_code == 200, replaced.text
            assert replaced.json()["override"]["action"] == "OVERRIDE_ACTION_REJECT"
            assert replaced.json()["revision"] == pinned.json()["revision"] + 1
            listed = (await http.get("/api/overrides")).json()
            assert [o["action"] for o in listed["overrides"]] == ["OVERRIDE_ACTION_REJECT"]

            for wrong, field in (
                ({**body, "target": "emby", "action": "pin"}, "target"),
                ({**body, "action": "maybe"}, "action"),
                ({"target": "plex", "action": "reject", "track": {"title": "x"}}, "track"),
                ({**body, "action": "pin", "item_id": "no-such-item"}, "override.item_id"),
                ({**body, "action": "pin"}, "override.item_id"),
            ):
                refused = await http.post("/api/overrides", json=wrong)
                assert refused.status_code == 400, refused.text
                assert field in [v["field"] for v in refused.json()["violations"]]
            assert (await http.post("/api/overrides", content=b"{")).status_code == 400
            after = await s.config.ListMatchOverrides(
                cpb.ListMatchOverridesRequest(), timeout=TIMEOUT
            )
            assert after.revision == listed["revision"]


async def test_a_pin_is_refused_while_cache_svc_cannot_check_it(
    database_url: str, tmp_path: Path
) -> None:
    """The gateway checks a pin's item with cache_svc before the put: with cache_svc away
    the pin is refused and nothing is written, while a rejection without an item (nothing
    to check) goes through."""
    async with stack(database_url, tmp_path, cache_up=False) as s, with_gateway(s, tmp_path) as gw:
        track = {"title": "Nowhere Song", "artists": ["Zed Quillfeather"]}
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{gw.http_port}", timeout=TIMEOUT
        ) as http:
            before = (await http.get("/api/overrides")).json()
            refused = await http.post(
                "/api/overrides",
                json={"target": "plex", "track": track, "action": "pin", "item_id": "101"},
            )
            assert refused.status_code == 503, refused.text
            assert refused.json()["reason"] == "UPSTREAM_UNAVAILABLE"
            assert (await http.get("/api/overrides")).json() == before
            rejected = await http.post(
                "/api/overrides", json={"target": "plex", "track": track, "action": "reject"}
            )
            assert rejected.status_code == 200, rejected.text
