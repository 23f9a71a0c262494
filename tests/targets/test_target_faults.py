"""Every fault the emulators inject reaches the caller as a typed error (or is survived),
with bounded tries and no token in any message or log line. No test measures time."""

from __future__ import annotations

import logging

import httpx
import pytest

from common.targets import (
    EndpointClass,
    TargetAuthError,
    TargetLibrary,
    TargetMalformedResponse,
    TargetServerError,
    TargetShortListing,
    TargetTimeout,
)
from common.targets.retry import RetryPolicy
from tests.support.log_capture import capture_debug
from tests.support.target_clients import (
    KINDS,
    RecordingSleep,
    Target,
    client_for,
    fast_settings,
    target,
)

pytestmark = pytest.mark.timeout(60)

SECRET = "s3cret-token-value"


async def first_music(tgt: Target) -> TargetLibrary:
    return (await tgt.client.music_libraries()).chosen[0]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_wrong_token_is_an_auth_error_without_the_token(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    capture_debug(caplog)
    async with target(kind, token=SECRET) as tgt:
        with pytest.raises(TargetAuthError) as caught:
            await tgt.client.libraries()
        assert "401" in str(caught.value)
        assert SECRET not in str(caught.value)
        # No retries of a 401 (Jellyfin asks /Users/Me and the public version beside it).
        assert tgt.client.counter.total <= 3
    assert SECRET not in caplog.text


async def test_a_token_revoked_mid_listing_stops_the_listing(tgt: Target) -> None:
    library = await first_music(tgt)
    tgt.add_fault(kind="revoke_token", endpoint="track_page", skip=1)
    with pytest.raises(TargetAuthError):
        await tgt.client.list_tracks(library)
    with pytest.raises(TargetAuthError):
        await tgt.client.libraries()  # and stays revoked


async def test_a_5xx_storm_fails_after_the_bounded_tries(
    tgt: Target, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await tgt.client.music_libraries()  # Jellyfin resolves its user first
    tgt.reset_counts()
    tgt.add_fault(kind="status", status=500, count=50, endpoint="library_listing")
    with pytest.raises(TargetServerError) as caught:
        await tgt.client.libraries()
    assert "after 3 tries" in str(caught.value)
    assert caught.value.tries == 3
    assert caught.value.status == 500
    assert tgt.client.counter.get(EndpointClass.LIBRARY_LISTING) == 3
    assert tgt.server_counts()["library_listing"] == 3
    assert len(tgt.sleep.waits) == 2  # backoff between the tries
    assert tgt.emulator.token not in caplog.text
    assert tgt.emulator.token not in str(caught.value)


async def test_a_passing_5xx_is_retried_away(tgt: Target) -> None:
    await tgt.client.music_libraries()
    tgt.reset_counts()
    tgt.add_fault(kind="status", status=503, count=2, endpoint="library_listing")
    choice = await tgt.client.music_libraries()
    assert len(choice.chosen) == 2
    assert tgt.client.counter.get(EndpointClass.LIBRARY_LISTING) == 3
    assert tgt.client.counter.retries == 2


async def test_429_retry_after_is_honoured(tgt: Target) -> None:
    library = await first_music(tgt)
    tgt.add_fault(kind="rate_limit", retry_after=2.5, endpoint="track_page")
    tracks = await tgt.client.list_tracks(library)
    assert len(tracks) == 300
    assert 2.5 in tgt.sleep.waits  # the wait the server asked for, not a guess
    assert tgt.client.counter.get(EndpointClass.TRACK_PAGE) == 4  # three pages and one retry


@pytest.mark.parametrize("kind", KINDS)
async def test_a_slow_server_times_out_after_the_bounded_tries(kind: str) -> None:
    settings = fast_settings(timeout_seconds=0.5)
    async with target(kind, settings=settings) as tgt:
        await tgt.client.music_libraries()
        tgt.reset_counts()
        tgt.add_fault(kind="slow", seconds=30, count=10, endpoint="library_listing")
        with pytest.raises(TargetTimeout) as caught:
            await tgt.client.libraries()
        assert "timed out after 3 tries" in str(caught.value)
        assert tgt.client.counter.get(EndpointClass.LIBRARY_LISTING) == 3


@pytest.mark.parametrize("kind", KINDS)
async def test_a_malformed_page_is_a_typed_error_naming_the_page(kind: str) -> None:
    async with target(kind, settings=fast_settings(concurrency=1)) as tgt:
        library = await first_music(tgt)
        tgt.add_fault(kind="malformed", endpoint="track_page", skip=1)
        with pytest.raises(TargetMalformedResponse) as caught:
            await tgt.client.list_tracks(library)
        assert "at page 1" in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_short_page_is_never_reported_as_a_complete_listing(kind: str) -> None:
    async with target(kind) as tgt:
        library = await first_music(tgt)
        tgt.add_fault(kind="short_page", endpoint="track_page", skip=2)
        with pytest.raises(TargetShortListing) as caught:
            await tgt.client.list_tracks(library)
        assert caught.value.received < caught.value.expected
        assert "page 2 held 50 items where 100 were due" in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_short_first_page_is_taken_as_the_servers_page_size(kind: str) -> None:
    async with target(kind) as tgt:
        library = await first_music(tgt)
        expected = await tgt.client.list_tracks(library)
        tgt.reset_counts()
        tgt.add_fault(kind="short_page", endpoint="track_page")  # the first page: 50 of 100
        tracks = await tgt.client.list_tracks(library)
        assert [t.item_id for t in tracks] == [t.item_id for t in expected]
        assert tgt.client.counter.get(EndpointClass.TRACK_PAGE) == 6  # then pages of 50: 300 / 50


@pytest.mark.parametrize("kind", KINDS)
async def test_a_server_that_caps_pages_is_followed(kind: str) -> None:
    async with target(kind) as tgt:
        library = await first_music(tgt)
        tgt.emulator.knobs.update({"max_page_size": 40})
        tgt.reset_counts()
        tracks = await tgt.client.list_tracks(library)
        assert len({t.item_id for t in tracks}) == 300
        assert tgt.client.counter.get(EndpointClass.TRACK_PAGE) == 8  # ceil(300 / 40)
        assert tgt.server_counts()["track_page"] == 8


async def test_a_short_playlist_page_is_an_error_too(tgt: Target) -> None:
    library = await first_music(tgt)
    tracks = await tgt.client.list_tracks(library)
    created = await tgt.client.create_playlist("P", [t.item_id for t in tracks[:150]])
    tgt.add_fault(kind="short_page", endpoint="playlist_read", skip=1)
    with pytest.raises(TargetShortListing):
        await tgt.client.playlist_items(created.playlist_id)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_flaky_server_still_yields_the_whole_listing(kind: str) -> None:
    settings = fast_settings(concurrency=1, retry=RetryPolicy(max_tries=8, base_delay=0.001))
    async with target(kind, settings=settings) as tgt:
        library = await first_music(tgt)
        tgt.emulator.knobs.update({"error_rate": 0.3, "seed": 3})
        tracks = await tgt.client.list_tracks(library)
        assert len({t.item_id for t in tracks}) == 300
        assert tgt.client.counter.retries > 0


@pytest.mark.parametrize("kind", KINDS)
async def test_an_unreachable_server_fails_after_the_bounded_tries(kind: str) -> None:
    async with target(kind) as tgt:
        url = tgt.emulator.url
    async with httpx.AsyncClient(base_url=url) as http:  # the emulator has stopped
        client = client_for(kind, tgt.emulator, http, fast_settings(), RecordingSleep())
        with pytest.raises(TargetServerError) as caught:
            await client.identify()
        assert "after 3 tries" in str(caught.value)


async def test_a_failed_add_is_not_resent_but_a_refused_one_is(tgt: Target) -> None:
    library = await first_music(tgt)
    tracks = await tgt.client.list_tracks(library)
    created = await tgt.client.create_playlist("P", [tracks[0].item_id])
    tgt.reset_counts()
    tgt.add_fault(kind="status", status=500, endpoint="playlist_write")
    with pytest.raises(TargetServerError) as caught:
        await tgt.client.add_to_playlist(created.playlist_id, [tracks[1].item_id])
    assert caught.value.tries == 1  # a 500 may have been applied: resending could duplicate
    tgt.add_fault(kind="status", status=503, endpoint="playlist_write")
    await tgt.client.add_to_playlist(created.playlist_id, [tracks[1].item_id])
    assert tgt.client.counter.get(EndpointClass.PLAYLIST_WRITE) == 3  # 500, then 503 and its retry
    entries = await tgt.client.playlist_items(created.playlist_id)
    assert [e.item_id for e in entries] == [tracks[0].item_id, tracks[1].item_id]


async def test_a_library_that_changes_during_a_listing_is_an_error(tgt: Target) -> None:
    library = await first_music(tgt)
    before = await tgt.client.list_tracks(library)

    def delete_one_after_the_first_page(received: int, _total: int) -> None:
        if received == 100:  # only page 0 is in: the rest are still to come
            tgt.emulator.app.mutate({"delete": [before[-1].item_id]})

    with pytest.raises(TargetShortListing) as caught:
        await tgt.client.list_tracks(library, on_progress=delete_one_after_the_first_page)
    assert "changed" in str(caught.value)
