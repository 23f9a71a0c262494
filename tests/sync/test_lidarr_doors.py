"""PreviewLidarr and SendToLidarr through every door: cmdarr lidarr preview/send, the
client library, a gRPC CLI through reflection and the status page's routes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.sync.v1 import sync_pb2 as pb

from cmdarr_client import AsyncClient
from emulators.server import running_lidarr
from tests.support.cache_service import settle
from tests.support.command_line import cmdarr
from tests.support.inprocess_stack import PLEX, configure, enable_targets, stack, with_gateway
from tests.support.lidarr_world import album, lidarr_settings, run_to_end, wanted

BUF = str(Path(sys.executable).parent / "buf")
ROOT = Path(__file__).resolve().parents[2]
KEY = "doors-key-8e21"


def buf_curl(body: str, url: str) -> subprocess.CompletedProcess[str]:
    command = [BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", body, url]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)


async def test_every_door_previews_and_sends(database_url: str, tmp_path: Path) -> None:
    async with stack(database_url, tmp_path) as s, running_lidarr(api_key=KEY) as lidarr:
        await enable_targets(s)
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await configure(s, **lidarr_settings(lidarr.url, KEY, LIDARR_MAX_ALBUMS_PER_RUN="2"))
        tracks = [*wanted("Salt Hymns", 0), *wanted("Night Orchard", 1), *wanted("Ferrous", 0)]
        spec = pb.SyncSpec(playlist_title="Doors", tracks=tracks, targets=[PLEX])
        run_id = (await run_to_end(s.sync, pb.RunSyncRequest(spec=spec))).run_id

        shown = await cmdarr("lidarr", "preview", run_id, addresses=s.addresses)
        assert shown.code == 0, shown.err
        assert f"Run {run_id}: 3 albums wanted; a send would hand over 2" in shown.out
        assert "Marrow Lanterns - Salt Hymns" in shown.out
        assert "will add with artist" in shown.out
        assert "next run" in shown.out, "the third is over the cap"
        assert "Nothing was changed." in shown.out

        url = f"http://{s.addresses['sync']}/cmdarr.sync.v1.SyncService/PreviewLidarr"
        called = await asyncio.to_thread(buf_curl, json.dumps({"run_id": run_id}), url)
        assert called.returncode == 0, called.stderr
        assert len(json.loads(called.stdout)["albums"]) == 3
        assert KEY not in called.stdout

        async with AsyncClient(sync=s.addresses["sync"]) as client:
            preview = await client.preview_lidarr(run_id)
        assert preview.albums[0].id == album("Salt Hymns").mbid

        sent = await cmdarr(
            "lidarr", "send", run_id, "--album", "Night Orchard", addresses=s.addresses
        )
        assert sent.code == 0, sent.err
        assert f"Run {run_id}: 1 albums sent to Lidarr; search started (command" in sent.out
        assert "added with its artist" in sent.out

        async with with_gateway(s, tmp_path) as gateway:
            base = f"http://127.0.0.1:{gateway.http_port}"
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                page = await http.get(f"/api/lidarr/preview/{run_id}")
                states = {a["title"]: a["state"] for a in page.json()["albums"]}
                bad = await http.post(f"/api/lidarr/send/{run_id}", json={"albums": [3]})
                rest = await http.post(f"/api/lidarr/send/{run_id}", json={})
                index = await http.get("/")
        assert states == {
            "Salt Hymns": "add_with_artist",
            "Night Orchard": "sent",
            "Ferrous": "deferred",
        }, "one of two sent: room for one more"
        assert (bad.status_code, bad.json()["violations"][0]["field"]) == (400, "albums")
        assert rest.status_code == 200, rest.text
        assert rest.json()["sent"] == 1
        assert "Send to Lidarr" in index.text
        assert "Preview Lidarr" in index.text
        assert KEY not in page.text + rest.text

        again = await cmdarr("--json", "lidarr", "send", run_id, addresses=s.addresses)
        assert again.code == 0
        assert again.json().get("sent", 0) == 0, "a second send adds nothing"
