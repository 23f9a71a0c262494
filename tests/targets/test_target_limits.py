"""The concurrency cap, the rate limit and the smaller entry points, observed through
counts and recorded waits, never through the clock."""

from __future__ import annotations

import httpx
import pytest

from common.targets import JellyfinClient, TargetAuthError, authenticate_by_name
from common.targets.counters import EndpointClass
from common.targets.settings import ClientSettings
from common.targets.transport import Transport
from emulators.knobs import Fault
from tests.support.target_clients import KINDS, Target, fast_settings, target

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("kind", KINDS)
async def test_no_more_requests_in_flight_than_the_cap(kind: str) -> None:
    async with target(kind, settings=fast_settings(concurrency=3, page_size=20)) as tgt:
        library = (await tgt.client.music_libraries()).chosen[0]
        tgt.emulator.knobs.update({"latency_ms": 20})
        tgt.reset_counts()
        tracks = await tgt.client.list_tracks(library)
        assert len(tracks) == 300
        assert tgt.server_counts()["track_page"] == 15
        assert 1 <= tgt.emulator.knobs.peak_in_flight <= 3


@pytest.mark.parametrize("kind", KINDS)
async def test_the_rate_limit_spaces_requests(kind: str) -> None:
    # 0.5 requests/s, burst 1: each request after the first waits its turn. The waits are
    # recorded (not slept), so the figures are the limiter's own, free of timing.
    settings = fast_settings(requests_per_second=0.5, burst=1)
    async with target(kind, settings=settings) as tgt:
        for _ in range(4):
            await tgt.client.identify()
        waits = [w for w in tgt.sleep.waits if w > 0]
        assert len(waits) == 3
        assert waits == sorted(waits)
        assert waits[-1] > 4.0


async def test_update_playlist_renames(tgt: Target) -> None:
    library = (await tgt.client.music_libraries()).chosen[0]
    tracks = await tgt.client.search(library, "halo")
    created = await tgt.client.create_playlist("Old", [t.item_id for t in tracks])
    await tgt.client.update_playlist(created.playlist_id, title="New", summary="About")
    listed = await tgt.client.playlists()
    assert [p.title for p in listed] == ["New"]
    if tgt.kind.startswith("plex"):
        assert listed[0].summary == "About"


async def test_jellyfin_login_by_name_gives_a_working_token() -> None:
    async with target("jellyfin") as tgt:
        login = await authenticate_by_name(tgt.http, "emulator", "emulator", fast_settings())
        assert login.user_id == tgt.emulator.jellyfin.state.user_id
        client = JellyfinClient(tgt.http, token=login.token, settings=fast_settings())
        assert len((await client.music_libraries()).chosen) == 2
        with pytest.raises(TargetAuthError) as caught:
            await authenticate_by_name(tgt.http, "emulator", "wrong-password", fast_settings())
        assert "wrong-password" not in str(caught.value)


def test_fault_specs_parse_from_the_command_line_form() -> None:
    fault = Fault.parse("rate_limit:count=3,retry_after=2,endpoint=track_page")
    assert (fault.kind, fault.count, fault.retry_after, fault.endpoint) == (
        "rate_limit",
        3,
        2.0,
        "track_page",
    )
    assert Fault.parse('{"kind": "slow", "seconds": 4}').seconds == 4.0
    with pytest.raises(ValueError, match="unknown fault kind 'explode'"):
        Fault.parse("explode")


async def test_admin_state_reports_the_peak(tgt: Target) -> None:
    async with httpx.AsyncClient(base_url=tgt.emulator.url) as admin:
        await tgt.client.identify()
        state = (await admin.get("/__admin/state")).json()
        assert state["peak_in_flight"] >= 1
        assert state["in_flight"] == 0


async def test_a_retry_after_date_is_read_against_the_transports_clock() -> None:
    # 2026-01-01 00:00:00 UTC by the injected clock; the server asks for 00:00:10.
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "Thu, 01 Jan 2026 00:00:10 GMT"}),
            httpx.Response(200, json={}),
        ]
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda _request: next(answers)), base_url="http://t"
    ) as http:
        transport = Transport(
            http=http,
            target="plex",
            settings=ClientSettings(requests_per_second=0),
            headers={},
            sleep=sleep,
            clock=lambda: 1767225600.0,
        )
        response = await transport.request("GET", "/identity", EndpointClass.OTHER)
    assert response.status_code == 200
    assert waits == [10.0]
