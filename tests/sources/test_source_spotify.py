"""Spotify against a local fake of its accounts service and Web API: the client-credentials
token, paging, the /tracks fallback, entries without a track, and refusals."""

from __future__ import annotations

import httpx
import pytest

from common.domain import SourceKind
from common.errors import FailedPrecondition, InvalidArgument, Unavailable
from sync_svc.sources import SourceTrack, load_playlist
from sync_svc.sources.spotify import spotify_playlist_id
from tests.support.log_capture import capture_debug
from tests.support.source_fakes import ACCESS_TOKEN, CLIENT_SECRET, State, spotify_track

pytestmark = pytest.mark.timeout(60)

Fakes = tuple[State, httpx.AsyncClient]
PLAYLIST = "37i9dQZF1DXcBWIGoYBM5M"
URL = f"https://open.spotify.com/playlist/{PLAYLIST}?si=abcdef123456"


def fill(state: State, count: int) -> list[SourceTrack]:
    entries = [
        spotify_track(f"Song {i}", [f"Artist {i}", "Guest"], album=f"Album {i}", duration_ms=i)
        for i in range(count)
    ]
    state.spotify_playlists[PLAYLIST] = ("Mix", entries)
    return [
        SourceTrack(title=f"Song {i}", artists=(f"Artist {i}", "Guest"), album=f"Album {i}",
                    duration_ms=i)
        for i in range(count)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "ref",
    [
        URL,
        f"https://open.spotify.com/intl-de/playlist/{PLAYLIST}",
        f"spotify:playlist:{PLAYLIST}",
        f"spotify:user:someone:playlist:{PLAYLIST}",
        f" {PLAYLIST} ",
    ],
)
def test_playlist_references(ref: str) -> None:
    assert spotify_playlist_id(ref) == PLAYLIST


@pytest.mark.parametrize(
    "ref",
    [
        "https://open.spotify.com/album/37i9dQZF1DXcBWIGoYBM5M",
        "https://evil.example/playlist/37i9dQZF1DXcBWIGoYBM5M",
        "spotify:track:37i9dQZF1DXcBWIGoYBM5M",
        "short",
    ],
)
async def test_bad_references_are_invalid(fakes: Fakes, ref: str) -> None:
    state, http = fakes
    with pytest.raises(InvalidArgument) as caught:
        await load_playlist(SourceKind.SPOTIFY_PLAYLIST, ref, http=http, settings=state.settings())
    assert caught.value.violations[0].field == "source.ref"
    assert sum(state.counts.values()) == 0


async def test_a_playlist_over_several_pages(fakes: Fakes) -> None:
    state, http = fakes
    expected = fill(state, 5)
    state.spotify_page = 2
    playlist = await load_playlist(
        SourceKind.SPOTIFY_PLAYLIST, URL, http=http, settings=state.settings()
    )
    assert playlist.title == "Mix"
    assert playlist.origin == f"Spotify playlist {PLAYLIST}"
    assert list(playlist.tracks) == expected
    assert state.counts["/api/token"] == 1
    assert state.counts[f"/v1/playlists/{PLAYLIST}"] == 1
    assert state.counts[f"/v1/playlists/{PLAYLIST}/items"] == 3
    assert state.counts[f"/v1/playlists/{PLAYLIST}/tracks"] == 0
    assert state.authorizations[1:] == [f"Bearer {ACCESS_TOKEN}"] * 4


async def test_the_older_tracks_endpoint_when_items_is_missing(fakes: Fakes) -> None:
    state, http = fakes
    expected = fill(state, 3)
    state.spotify_page = 2
    state.spotify_items_endpoint = False
    playlist = await load_playlist(
        SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=state.settings()
    )
    assert list(playlist.tracks) == expected
    assert state.counts[f"/v1/playlists/{PLAYLIST}/items"] == 1
    assert state.counts[f"/v1/playlists/{PLAYLIST}/tracks"] == 2


async def test_entries_without_a_track_are_skipped(fakes: Fakes) -> None:
    state, http = fakes
    entries = [
        None,
        spotify_track("Kept", ["A"], external_ids={"isrc": "us-um7-03-00123"}),
        spotify_track("", ["Local"], is_local=True, album=None),
        spotify_track("Local but named", [], is_local=True, album=None, duration_ms=0),
        {"type": "episode", "name": "A podcast", "show": {"name": "Show"}},
        spotify_track("No ISRC for this app", ["B"], external_ids={}),
    ]
    state.spotify_playlists[PLAYLIST] = ("Mixed", entries)
    playlist = await load_playlist(
        SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=state.settings()
    )
    assert playlist.tracks == (
        SourceTrack(title="Kept", artists=("A",), duration_ms=200000, isrc="USUM70300123"),
        SourceTrack(title="Local but named", artists=()),
        SourceTrack(title="No ISRC for this app", artists=("B",), duration_ms=200000),
    )


async def test_an_empty_playlist(fakes: Fakes) -> None:
    state, http = fakes
    state.spotify_playlists[PLAYLIST] = ("Nothing yet", [])
    playlist = await load_playlist(
        SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=state.settings()
    )
    assert (playlist.title, playlist.tracks) == ("Nothing yet", ())


@pytest.mark.parametrize("status", [400, 401])
async def test_a_wrong_secret_names_the_setting_not_its_value(
    fakes: Fakes, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    capture_debug(caplog)
    state, http = fakes
    fill(state, 1)
    state.spotify_token_status = status
    wrong = "wrong-secret-value-1234"
    settings = state.settings(spotify_client_secret=wrong)
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=settings)
    assert caught.value.message == (
        f"Spotify refused the app credentials (HTTP {status}): check SPOTIFY_CLIENT_SECRET"
    )
    assert state.counts["/api/token"] == 1
    assert state.counts[f"/v1/playlists/{PLAYLIST}"] == 0
    for secret in (wrong, CLIENT_SECRET):
        assert secret not in caplog.text
        assert secret not in repr(settings)


async def test_missing_credentials_send_nothing(fakes: Fakes) -> None:
    state, http = fakes
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.SPOTIFY_PLAYLIST,
            PLAYLIST,
            http=http,
            settings=state.settings(spotify_client_id="", spotify_client_secret=""),
        )
    assert "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET" in caught.value.message
    assert sum(state.counts.values()) == 0


async def test_an_unknown_playlist_is_not_found(fakes: Fakes) -> None:
    state, http = fakes
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=state.settings()
        )
    assert caught.value.message.startswith(f"Spotify playlist {PLAYLIST} not found")


async def test_server_errors_and_malformed_pages(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 3)
    state.faults[f"/v1/playlists/{PLAYLIST}/items"] = 502
    with pytest.raises(Unavailable):
        await load_playlist(
            SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=state.settings()
        )
    state.faults[f"/v1/playlists/{PLAYLIST}/items"] = 429
    with pytest.raises(Unavailable):
        await load_playlist(
            SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=state.settings()
        )
    del state.faults[f"/v1/playlists/{PLAYLIST}/items"]
    state.spotify_playlists[PLAYLIST] = ("Odd", [{"name": "x", "artists": "not a list"}])
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=state.settings()
        )
    assert caught.value.message == (
        f"Spotify playlist {PLAYLIST}: malformed answer: "
        "items[0].item.artists: must be an array, not a string"
    )


async def test_too_many_tracks_stop_before_paging(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 5)
    state.spotify_page = 2
    with pytest.raises(InvalidArgument):
        await load_playlist(
            SourceKind.SPOTIFY_PLAYLIST, PLAYLIST, http=http, settings=state.settings(max_tracks=4)
        )
    assert state.counts[f"/v1/playlists/{PLAYLIST}/items"] == 1


async def test_the_description_and_largest_image_come_with_the_playlist(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 2)
    state.spotify_heads[PLAYLIST] = {
        "description": 'Fresh <a href="spotify:genre:pop">pop</a>',
        "images": [{"url": "https://i.example/640.jpg"}, {"url": "https://i.example/60.jpg"}],
    }
    playlist = await load_playlist(
        SourceKind.SPOTIFY_PLAYLIST, URL, http=http, settings=state.settings()
    )
    assert playlist.description == 'Fresh <a href="spotify:genre:pop">pop</a>'
    assert playlist.image_url == "https://i.example/640.jpg", "Spotify lists the largest first"
    state.spotify_heads[PLAYLIST] = {"images": None}
    bare = await load_playlist(
        SourceKind.SPOTIFY_PLAYLIST, URL, http=http, settings=state.settings()
    )
    assert (bare.description, bare.image_url) == ("", "")
