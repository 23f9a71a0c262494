"""The status page in a real browser (Debian's chromium, driven by Playwright): a warning's
one-click fix starts the build, whose progress and then "ready" appear on the page, and a
created server's card shows its own build the same way; with a
key required, the page signs in, its actions pass the CSRF guard, and sign-out and a
rotation bring the sign-in form back; signed in, a user adds a server (a bad name is
named at its field, and the token leaves the page once sent), tests it and enables it,
and its card shows the build and then "ready"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cmdarr.config.v1 import config_pb2 as cpb
from cmdarr.sync.v1 import sync_pb2 as sync_pb
from cmdarr.type.v1 import type_pb2 as tpb
from playwright.async_api import async_playwright, expect

from common.auth.keys import KeyRing, new_key
from common.domain import ServerKind
from common.targets.connect import connect
from common.targets.settings import ClientSettings
from emulators.images import mosaic_png
from emulators.library import generate
from emulators.server import running_plex
from tests.support.inprocess_stack import Stack, configure, stack, with_gateway
from tests.support.rpc import TIMEOUT

CHROMIUM = shutil.which("chromium") or ""
# One xdist worker runs every browser test, one browser at a time: a second chromium
# beside it would only compete for the same two cores and the page's timeouts.
pytestmark = pytest.mark.xdist_group("browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def test_fixing_a_warning_in_the_page_builds_the_cache(
    database_url: str, tmp_path: Path
) -> None:
    if not CHROMIUM:
        pytest.fail(
            "chromium is not installed: `make test` installs it with apt-get when run as root"
        )
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gw:
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, LIBRARY_CACHE_PLEX_ENABLED="false",
            TARGET_MAX_REQUESTS_PER_SECOND="1000", PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        command = cpb.Command(
            name="daily",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref="/music/daily.jspf"),
            targets=[tpb.TARGET_PLEX],
            enabled=True,
        )
        await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
        s.plex.knobs.latency_ms = 1000  # a build long enough to watch
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{gw.http_port}/")
            warning = page.locator(
                ".warning", has_text="Performance Warning: Playlist sync targeting Plex"
            )
            await expect(warning).to_be_visible(timeout=15_000)
            await warning.get_by_role("button", name="Enable library cache").click()
            plex = page.locator('.card[data-target="TARGET_PLEX"]')
            await expect(plex).to_contain_text("Building Plex library cache...", timeout=15_000)
            await expect(plex.locator("progress")).to_be_visible()
            await expect(plex).to_contain_text("Library cache ready", timeout=60_000)
            await expect(page.locator("#warnings")).to_contain_text("No warnings.", timeout=15_000)

            # A server created beside it gets a card of its own, with its build's progress.
            await s.config.CreateServer(
                cpb.CreateServerRequest(
                    server=cpb.Server(
                        name="cabin",
                        kind=cpb.SERVER_KIND_PLEX,
                        url=s.plex.url,
                        token=s.plex.token,
                        client_enabled=True,
                    )
                ),
                timeout=TIMEOUT,
            )
            cabin = page.locator('.card[data-server="cabin"]')
            await expect(cabin).to_contain_text(
                "Building Plex server 'cabin' library cache...", timeout=15_000
            )
            await expect(cabin.locator("progress")).to_be_visible()
            await expect(cabin).to_contain_text("Library cache ready", timeout=60_000)
            await expect(cabin.locator("h3")).to_have_text("cabin")
            await expect(plex).to_contain_text("Library cache ready")
            await page.screenshot(path=str(tmp_path / "status.png"))
            await browser.close()


async def test_the_page_signs_in_and_out(database_url: str, tmp_path: Path) -> None:
    if not CHROMIUM:
        pytest.fail(
            "chromium is not installed: `make test` installs it with apt-get when run as root"
        )
    key = new_key()
    ring = KeyRing(key)
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path, keys=ring) as gw:
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, LIBRARY_CACHE_PLEX_ENABLED="false",
            TARGET_MAX_REQUESTS_PER_SECOND="1000", PLEX_CLIENT_ENABLED="true",
        )  # fmt: skip
        command = cpb.Command(
            name="daily",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_FILE, ref="/music/daily.jspf"),
            targets=[tpb.TARGET_PLEX],
            enabled=True,
        )
        await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = await browser.new_page()
            url = f"http://127.0.0.1:{gw.http_port}/"
            await page.goto(url)
            signin = page.locator("form#signin")
            await expect(signin).to_be_visible()
            await expect(page.locator("#targets")).to_have_count(0)

            await page.get_by_label("API key").fill("not-the-key")
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.locator("#signin-message")).to_have_text("That key is not right.")
            await expect(page.locator("#targets")).to_have_count(0)

            await page.get_by_label("API key").fill(key)
            await page.get_by_role("button", name="Sign in").click()
            assert page.url == url, "the key never goes into a URL"
            warning = page.locator(
                ".warning", has_text="Performance Warning: Playlist sync targeting Plex"
            )
            await expect(warning).to_be_visible(timeout=15_000)
            await warning.get_by_role("button", name="Enable library cache").click()
            plex = page.locator('.card[data-target="TARGET_PLEX"]')
            await expect(plex).to_contain_text("Library cache ready", timeout=60_000)
            cookies = {c["name"]: c for c in await page.context.cookies()}
            assert cookies["cmdarr_session"]["httpOnly"]
            assert cookies["cmdarr_session"]["sameSite"] == "Strict"
            assert key not in str(cookies)

            await page.get_by_role("button", name="Sign out").click()
            await expect(signin).to_be_visible()
            await page.goto(url)
            await expect(signin).to_be_visible()

            await page.get_by_label("API key").fill(key)
            await page.get_by_role("button", name="Sign in").click()
            await expect(plex).to_be_visible(timeout=15_000)
            ring.replace(new_key())  # a rotation ends the session: the page falls back
            await expect(signin).to_be_visible(timeout=15_000)
            await browser.close()


async def test_a_signed_in_user_adds_tests_and_enables_a_server(
    database_url: str, tmp_path: Path
) -> None:
    if not CHROMIUM:
        pytest.fail(
            "chromium is not installed: `make test` installs it with apt-get when run as root"
        )
    key = new_key()
    secret = "Den-t0ken-4b7f19"
    async with (
        running_plex(catalog=generate(seed=7, tracks=300, music_libraries=1), token=secret) as den,
        stack(database_url, tmp_path) as s,
        with_gateway(s, tmp_path, keys=KeyRing(key)) as gw,
    ):
        await configure(s, TARGET_MAX_REQUESTS_PER_SECOND="1000")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{gw.http_port}/")
            await page.get_by_label("API key").fill(key)
            await page.get_by_role("button", name="Sign in").click()
            plex = page.locator('.card[data-server="plex"]')
            await expect(plex).to_contain_text("Built in: change it with the PLEX_* settings")
            await expect(plex.get_by_role("button", name="Enable")).to_have_count(0)
            await expect(plex).to_contain_text("URL not set")
            await expect(plex.get_by_role("button", name="Test Plex")).to_be_disabled()

            form = page.locator("form#add-server")
            await form.get_by_label("Name", exact=True).fill("Den Plex")
            await form.get_by_label("URL").fill(den.url)
            await form.get_by_label("Token").fill(secret)
            await form.get_by_role("button", name="Add server").click()
            name = form.get_by_label("Name", exact=True)
            await expect(name).to_have_attribute("aria-invalid", "true", timeout=15_000)
            await expect(form.locator("#server-name-error")).to_contain_text("lower-case")
            await expect(form.get_by_label("Token")).to_have_value("")
            await expect(form.locator("#add-server-message")).to_contain_text(
                "Enter the token again."
            )
            assert [x.name for x in (await _servers(s))] == ["jellyfin", "plex"], "nothing added"

            await name.fill("den")
            await form.get_by_label("Kind").select_option("plex")
            await form.get_by_label("Token").fill(secret)
            await form.get_by_role("button", name="Add server").click()
            await expect(form.locator("#add-server-message")).to_contain_text(
                "Added den.", timeout=15_000
            )
            await expect(name).not_to_have_attribute("aria-invalid", "true")
            await expect(form.get_by_label("Token")).to_have_value("")
            assert secret not in await page.content(), "no secret in the page after submit"

            card = page.locator('.card[data-server="den"]')
            await expect(card).to_contain_text("Client disabled", timeout=15_000)
            await expect(card).to_contain_text(f"{den.url} \u00b7 every music library")
            await card.get_by_role("button", name="Test den").click()
            verdict = card.locator(".verdict")
            await expect(verdict).to_contain_text("OK: ", timeout=15_000)
            await expect(verdict).to_contain_text("1 music library")

            den.knobs.latency_ms = 1000  # a build long enough to watch
            await card.get_by_role("button", name="Enable den").click()
            await expect(card).to_contain_text(
                "Building Plex server 'den' library cache...", timeout=15_000
            )
            await expect(card.get_by_role("progressbar")).to_be_visible()
            await expect(page.locator("#message")).to_contain_text("Enabled den.")
            await expect(card).to_contain_text("Library cache ready", timeout=60_000)
            await expect(card).to_contain_text("300 tracks in 1 libraries")
            await expect(card.get_by_role("button", name="Disable den")).to_be_visible()
            (den_server,) = [x for x in await _servers(s) if x.name == "den"]
            assert (den_server.client_enabled, den_server.library_cache_enabled) == (True, True)
            assert secret not in await page.content()
            await page.screenshot(path=str(tmp_path / "servers.png"), full_page=True)
            await browser.close()


async def _servers(s: Stack) -> list[cpb.Server]:
    listed = await s.config.ListServers(cpb.ListServersRequest(), timeout=TIMEOUT)
    return list(listed.servers)


async def test_the_page_shows_each_runs_source_with_its_cover(
    database_url: str, tmp_path: Path
) -> None:
    """A run that copied a Plex playlist shows its source's kind and reference, and the
    playlist's poster as a thumbnail served by the gateway (GetCover), no server token in
    the page; a run of inline tracks says so."""
    if not CHROMIUM:
        pytest.fail("chromium is not installed")
    poster = mosaic_png("a poster", size=16)
    async with stack(database_url, tmp_path) as s, with_gateway(s, tmp_path) as gw:
        await configure(
            s, PLEX_URL=s.plex.url, PLEX_TOKEN=s.plex.token, JELLYFIN_URL=s.jellyfin.url,
            JELLYFIN_TOKEN=s.jellyfin.token, TARGET_MAX_REQUESTS_PER_SECOND="1000",
            PLEX_CLIENT_ENABLED="true", JELLYFIN_CLIENT_ENABLED="true",
        )  # fmt: skip
        plex = connect(
            ServerKind.PLEX, url=s.plex.url, token=s.plex.token, settings=ClientSettings()
        )
        try:
            made = await plex.client.create_playlist("Road Trip", ["100001", "100002"])
            await plex.client.upload_cover(made.playlist_id, poster, "image/png")
        finally:
            await plex.close()
        ref = "plex:plex/Road Trip"
        command = cpb.Command(
            name="road",
            kind=cpb.COMMAND_KIND_PLAYLIST_SYNC,
            source=cpb.PlaylistSource(kind=cpb.SOURCE_KIND_SERVER_PLAYLIST, ref=ref),
            targets=[tpb.TARGET_JELLYFIN],
        )
        await s.config.CreateCommand(cpb.CreateCommandRequest(command=command), timeout=TIMEOUT)
        await finished(s, sync_pb.RunSyncRequest(command_name="road"))
        inline = sync_pb.SyncSpec(
            playlist_title="Inline",
            targets=[tpb.TARGET_JELLYFIN],
            tracks=[sync_pb.InlineTrack(title="Ace of Spades", artists=["Motörhead"])],
        )
        await finished(s, sync_pb.RunSyncRequest(spec=inline))
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{gw.http_port}/")
            road = page.locator("#syncs tr", has_text="road")
            await expect(road.locator(".source-kind")).to_have_text(
                "server playlist", timeout=15_000
            )
            await expect(road.locator(".source-ref")).to_have_text(ref)
            cover = road.locator("img.cover")
            await expect(cover).to_be_visible()
            await expect(cover).to_have_js_property("naturalWidth", 16, timeout=15_000)
            source = await cover.get_attribute("src")
            assert source is not None
            assert source.startswith("/api/covers/")
            assert s.plex.token not in await page.content()
            served = await page.request.get(f"http://127.0.0.1:{gw.http_port}{source}")
            assert (served.status, await served.body()) == (200, poster)
            missing = await page.request.get(
                f"http://127.0.0.1:{gw.http_port}/api/covers/{'0' * 64}"
            )
            assert missing.status == 404
            inline_row = page.locator("#syncs tr", has_text="(inline)")
            await expect(inline_row.locator(".source")).to_have_text("inline tracks")
            await expect(inline_row.locator("img.cover")).to_have_count(0)
            await page.locator("#syncs").screenshot(path=str(tmp_path / "syncs.png"))
            await browser.close()


async def finished(s: Stack, request: sync_pb.RunSyncRequest) -> None:
    """Run a sync and wait for its end."""
    run_id = (await s.sync.RunSync(request, timeout=TIMEOUT)).run_id
    async for _ in s.sync.WatchSync(sync_pb.WatchSyncRequest(run_id=run_id), timeout=120):
        pass
