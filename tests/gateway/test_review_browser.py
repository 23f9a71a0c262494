"""The status page's review of unmatched tracks in a real browser (chromium via
Playwright): behind the API key, "Use this" pins a track to its best candidate and
"Never match" rejects another; the next run applies both and writes only that change.
"Preview Lidarr" and "Send to Lidarr" hand a run's wanted albums over."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from cmdarr.cache.v1 import cache_pb2 as cache_pb
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as pb
from playwright.async_api import async_playwright, expect

from emulators.server import running_lidarr
from tests.support.cache_service import settle
from tests.support.inprocess_stack import (
    MUSIC,
    PLEX,
    Stack,
    configure,
    playlist,
    stack,
    with_gateway,
)
from tests.support.lidarr_world import lidarr_settings, wanted
from tests.support.rpc import TIMEOUT
from tests.support.waiting import eventually

CHROMIUM = shutil.which("chromium") or ""
# One xdist worker runs every browser test, one browser at a time: a second chromium
# beside it would only compete for the same two cores and the page's timeouts.
pytestmark = pytest.mark.xdist_group("browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
KEY = "page-key-7d2e"


async def run(s: Stack, tracks: list[pb.InlineTrack]) -> pb.SyncReport:
    spec = pb.SyncSpec(playlist_title="Review", tracks=tracks, targets=[PLEX])
    run_id = (await s.sync.RunSync(pb.RunSyncRequest(spec=spec), timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
    reply = await s.sync.GetSyncReport(pb.GetSyncReportRequest(run_id=run_id), timeout=TIMEOUT)
    assert reply.report.progress.state == pb.SYNC_STATE_SUCCEEDED, reply.report.error
    return reply.report


async def test_use_this_and_never_match_in_the_page(database_url: str, tmp_path: Path) -> None:
    if not CHROMIUM:
        pytest.fail(
            "chromium is not installed: `make test` installs it with apt-get when run as root"
        )
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path, KEY) as gw:
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        source = MUSIC[50]
        live_take = pb.InlineTrack(
            title=f"{source.title} (Live)",
            artists=[(source.credit or source.album_artist).split(" feat. ")[0]],
            duration_ms=source.duration_ms,
        )
        tracks = [*playlist(8, absent=1), live_take]
        first = await run(s, tracks)
        assert (first.targets[0].matched, first.targets[0].unmatched) == (7, 2)
        best = next(t for t in first.tracks if t.position == 8).result.best_candidate
        assert best.item_id, "the studio take is the live take's best candidate"

        base = f"http://127.0.0.1:{gw.http_port}"
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as http:
            assert (await http.get("/api/review")).status_code == 401
            refused = await http.post(
                "/api/overrides", json={"target": "plex", "action": "reject", "track": {}}
            )
            assert refused.status_code == 401
        assert not (
            await s.config.ListMatchOverrides(cpb.ListMatchOverridesRequest(), timeout=TIMEOUT)
        ).overrides

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = await browser.new_page()
            await page.goto(f"{base}/")
            await expect(page.locator("form#signin")).to_be_visible(timeout=15_000)
            await page.get_by_label("API key").fill(KEY)
            await page.get_by_role("button", name="Sign in").click()
            rows = page.locator("tr.unmatched")
            await expect(rows).to_have_count(2, timeout=15_000)
            take = page.locator('tr.unmatched[data-position="8"]')
            await expect(take).to_contain_text(best.title)
            await take.get_by_role("button", name="Use this").click()
            await expect(take).to_contain_text("pinned", timeout=15_000)
            nowhere = page.locator('tr.unmatched[data-position="7"]')
            await expect(nowhere.get_by_role("button", name="Use this")).to_be_disabled()
            await nowhere.get_by_role("button", name="Never match").click()
            await expect(nowhere).to_contain_text("never matched", timeout=15_000)
            await page.screenshot(path=str(tmp_path / "review.png"))

            listed = await s.config.ListMatchOverrides(
                cpb.ListMatchOverridesRequest(), timeout=TIMEOUT
            )
            by_action = {o.action: o for o in listed.overrides}
            assert by_action[cpb.OVERRIDE_ACTION_PIN].item_id == best.item_id
            assert by_action[cpb.OVERRIDE_ACTION_PIN].author == "status page"
            assert not by_action[cpb.OVERRIDE_ACTION_REJECT].item_id

            async def followed() -> bool:
                reply = await s.cache.GetCacheStatus(
                    cache_pb.GetCacheStatusRequest(target=PLEX), timeout=TIMEOUT
                )
                return reply.statuses[0].applied_config_revision >= listed.revision

            await eventually(followed, within=20, what="cache_svc following the overrides")
            second = await run(s, tracks)
            plex = second.targets[0]
            # One add, and the description, whose date line moves with the tracks.
            assert (plex.matched, plex.unmatched, plex.items_added, plex.writes) == (8, 1, 1, 2)
            pinned = next(t for t in second.tracks if t.position == 8).result
            assert (pinned.method, pinned.reason) == (
                cache_pb.MATCH_METHOD_OVERRIDE,
                "pinned by user",
            )
            await page.reload()
            await expect(page.locator("#review")).to_contain_text(
                "Nothing to review.", timeout=15_000
            )
            await browser.close()


async def test_preview_and_send_to_lidarr_from_the_review(
    database_url: str, tmp_path: Path
) -> None:
    """Signed in, the review's "Preview Lidarr" lists a run's wanted albums and changes
    nothing; "Send to Lidarr" (through the CSRF guard) hands them over and starts their
    search."""
    if not CHROMIUM:
        pytest.fail(
            "chromium is not installed: `make test` installs it with apt-get when run as root"
        )
    lidarr_key = "review-lidarr-key-5f1a"
    async with (
        stack(database_url, tmp_path) as s,
        with_gateway(s, tmp_path, KEY) as gw,
        running_lidarr(api_key=lidarr_key) as lidarr,
    ):
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true", **lidarr_settings(lidarr.url, lidarr_key),
        )  # fmt: skip
        await settle(s.cache, cache_pb.CACHE_STATE_READY, target=PLEX, limit=60)
        await run(s, [*playlist(2), *wanted("Salt Hymns", 0, 1), *wanted("Night Orchard", 0)])
        before = lidarr.lidarr.ids()

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{gw.http_port}/")
            await expect(page.locator("form#signin")).to_be_visible(timeout=15_000)
            await page.get_by_label("API key").fill(KEY)
            await page.get_by_role("button", name="Sign in").click()
            handoff = page.locator(".lidarr-handoff")
            await expect(handoff).to_have_count(1, timeout=15_000)

            await handoff.get_by_role("button", name="Preview Lidarr").click()
            albums = handoff.locator("table.lidarr-albums tr[data-state]")
            await expect(albums).to_have_count(2, timeout=15_000)
            await expect(handoff).to_contain_text("2 album(s) wanted; nothing was changed.")
            await expect(albums.first).to_contain_text("Marrow Lanterns \u2014 Salt Hymns")
            await expect(albums.first).to_contain_text("will add with its artist")
            assert lidarr.lidarr.ids() == before, "a preview changes nothing"

            await handoff.get_by_role("button", name="Send to Lidarr").click()
            await expect(handoff).to_contain_text("2 album(s) sent to Lidarr.", timeout=15_000)
            await expect(handoff.locator('tr[data-state="added"]')).to_have_count(2)
            await browser.close()

        held = {a["title"]: a for a in lidarr.lidarr.ids()["albums"]}
        assert [
            (held[t]["monitored"], held[t]["searched"]) for t in ("Salt Hymns", "Night Orchard")
        ] == [(True, 1), (True, 1)]
        assert [c.name for c in lidarr.lidarr.state.commands] == ["AlbumSearch"]
