"""ListenBrainz against a local fake of its API: playlists by MBID, created-for
playlists, and every bad answer as a typed error without the token."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from common.domain import SourceKind
from common.errors import FailedPrecondition, InvalidArgument, Unavailable
from sync_svc.sources import SourceTrack, load_playlist
from tests.support.log_capture import capture_debug
from tests.support.source_fakes import LB_TOKEN, State, jspf

pytestmark = pytest.mark.timeout(60)

Fakes = tuple[State, httpx.AsyncClient]
MBID = "4c2e1c0a-8f8e-4a55-9d4e-6d1b3f0c2a11"
OTHER = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
OLDER = "11111111-2222-4333-8444-555555555555"
RECORDING = "https://musicbrainz.org/recording/0b4f0c2c-1e4a-4a62-9a0e-54a2c9e5a8f1"
MOTORHEAD = "57961a97-3796-4bf7-9f02-a985a8979ae9"
TRACKS: list[dict[str, Any]] = [
    {
        "title": "Ace of Spades",
        "creator": "Motörhead",
        "album": "Ace of Spades",
        "duration": 169000,
        "identifier": [RECORDING],
        # ListenBrainz's track extension: the artists' MusicBrainz URLs.
        "extension": {
            "https://musicbrainz.org/doc/jspf#track": {
                "artist_identifiers": [f"https://musicbrainz.org/artist/{MOTORHEAD.upper()}"],
                "added_by": "troi-bot",
            }
        },
    },
    {"title": "The Boxer", "creator": "Simon & Garfunkel"},
]


async def test_a_playlist_by_mbid(fakes: Fakes) -> None:
    state, http = fakes
    state.lb_playlists[MBID] = jspf("Weekly Jams", MBID, TRACKS)
    playlist = await load_playlist(
        SourceKind.LISTENBRAINZ_PLAYLIST, MBID.upper(), http=http, settings=state.settings()
    )
    assert playlist.title == "Weekly Jams"
    assert playlist.origin == f"ListenBrainz playlist {MBID}"
    assert playlist.tracks == (
        SourceTrack(
            title="Ace of Spades",
            artists=("Motörhead",),
            album="Ace of Spades",
            duration_ms=169000,
            recording_mbid="0b4f0c2c-1e4a-4a62-9a0e-54a2c9e5a8f1",
            artist_mbids=(MOTORHEAD,),
        ),
        SourceTrack(title="The Boxer", artists=("Simon & Garfunkel",)),
    )
    assert state.counts[f"/1/playlist/{MBID}"] == 1
    assert state.authorizations == [""]  # no token set, none sent


async def test_the_token_is_sent_when_set_and_never_shown(
    fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    capture_debug(caplog)
    state, http = fakes
    state.lb_playlists[MBID] = jspf("Private", MBID, [])
    settings = state.settings(listenbrainz_token=LB_TOKEN)
    ref = f"https://listenbrainz.org/playlist/{MBID}/"
    playlist = await load_playlist(
        SourceKind.LISTENBRAINZ_PLAYLIST, ref, http=http, settings=settings
    )
    assert playlist.tracks == ()
    assert state.authorizations == [f"Token {LB_TOKEN}"]
    state.faults[f"/1/playlist/{MBID}"] = 401
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(SourceKind.LISTENBRAINZ_PLAYLIST, MBID, http=http, settings=settings)
    assert "LISTENBRAINZ_TOKEN" in caught.value.message
    assert LB_TOKEN not in caught.value.message
    assert LB_TOKEN not in repr(settings)
    assert LB_TOKEN not in caplog.text


async def test_an_unknown_playlist_is_not_found(fakes: Fakes) -> None:
    state, http = fakes
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.LISTENBRAINZ_PLAYLIST, MBID, http=http, settings=state.settings()
        )
    assert caught.value.message == f"ListenBrainz playlist {MBID} not found"
    assert state.counts[f"/1/playlist/{MBID}"] == 1


async def test_a_server_error_is_unavailable(fakes: Fakes) -> None:
    state, http = fakes
    state.faults[f"/1/playlist/{MBID}"] = 503
    with pytest.raises(Unavailable) as caught:
        await load_playlist(
            SourceKind.LISTENBRAINZ_PLAYLIST, MBID, http=http, settings=state.settings()
        )
    assert "HTTP 503" in caught.value.message
    assert state.counts[f"/1/playlist/{MBID}"] == 1  # no retries here: the caller decides


async def test_a_timeout_is_unavailable(fakes: Fakes) -> None:
    state, _ = fakes
    state.faults[f"/1/playlist/{MBID}"] = "hang"
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(Unavailable) as caught:
            await load_playlist(
                SourceKind.LISTENBRAINZ_PLAYLIST, MBID, http=impatient, settings=state.settings()
            )
    assert "did not answer in time" in caught.value.message


async def test_malformed_answers_name_what_is_wrong(fakes: Fakes) -> None:
    state, http = fakes
    state.faults[f"/1/playlist/{MBID}"] = "malformed"
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.LISTENBRAINZ_PLAYLIST, MBID, http=http, settings=state.settings()
        )
    assert caught.value.message == f"ListenBrainz playlist {MBID}: the answer is not JSON"
    del state.faults[f"/1/playlist/{MBID}"]
    state.lb_playlists[MBID] = {"playlist": {"title": "x", "track": [{"title": "a"}, {}]}}
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.LISTENBRAINZ_PLAYLIST, MBID, http=http, settings=state.settings()
        )
    assert caught.value.message == (
        f"ListenBrainz playlist {MBID}: malformed answer: playlist.track[1].title: is required"
    )


@pytest.mark.parametrize("ref", ["nope", "https://example.org/playlist/x", "spotify:playlist:1"])
async def test_a_bad_reference_is_invalid(fakes: Fakes, ref: str) -> None:
    state, http = fakes
    with pytest.raises(InvalidArgument) as caught:
        await load_playlist(
            SourceKind.LISTENBRAINZ_PLAYLIST, ref, http=http, settings=state.settings()
        )
    assert caught.value.violations[0].field == "source.ref"
    assert sum(state.counts.values()) == 0


def created_for(state: State) -> None:
    state.lb_created_for["alice"] = [
        jspf("Weekly Exploration for alice, week of 2024-01-08", OTHER, [],
             "2024-01-08T00:00:00.000000+00:00")["playlist"],
        jspf("Weekly Jams for alice, week of 2024-01-08", MBID, [],
             "2024-01-08T00:01:00.000000+00:00")["playlist"],
        jspf("Weekly Jams for alice, week of 2024-01-01", OLDER, [],
             "2024-01-01T00:01:00+00:00")["playlist"],
    ]  # fmt: skip
    state.lb_playlists[MBID] = jspf("Weekly Jams for alice, week of 2024-01-08", MBID, TRACKS)
    state.lb_playlists[OTHER] = jspf("Weekly Exploration for alice", OTHER, TRACKS[:1])


async def test_created_for_picks_the_newest_playlist(fakes: Fakes) -> None:
    state, http = fakes
    created_for(state)
    playlist = await load_playlist(
        SourceKind.LISTENBRAINZ_CREATED_FOR, "alice", http=http, settings=state.settings()
    )
    assert playlist.origin == f"ListenBrainz playlist {MBID}, created for alice"
    assert len(playlist.tracks) == 2
    assert state.counts["/1/user/alice/playlists/createdfor"] == 1
    assert state.counts[f"/1/playlist/{MBID}"] == 1


async def test_created_for_with_a_title_prefix_pages_through_the_list(fakes: Fakes) -> None:
    state, http = fakes
    created_for(state)
    state.lb_created_for_page = 1
    playlist = await load_playlist(
        SourceKind.LISTENBRAINZ_CREATED_FOR,
        "alice/weekly exploration",
        http=http,
        settings=state.settings(),
    )
    assert playlist.title == "Weekly Exploration for alice"
    assert state.counts["/1/user/alice/playlists/createdfor"] == 3
    assert state.counts[f"/1/playlist/{OTHER}"] == 1


async def test_created_for_without_a_match_or_user(fakes: Fakes) -> None:
    state, http = fakes
    created_for(state)
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.LISTENBRAINZ_CREATED_FOR, "alice/Daily", http=http, settings=state.settings()
        )
    assert caught.value.message == (
        "ListenBrainz has no playlist created for alice whose title starts with 'Daily'"
    )
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.LISTENBRAINZ_CREATED_FOR, "bob", http=http, settings=state.settings()
        )
    assert caught.value.message == "ListenBrainz user bob not found"
    with pytest.raises(InvalidArgument):
        await load_playlist(
            SourceKind.LISTENBRAINZ_CREATED_FOR, "/Weekly", http=http, settings=state.settings()
        )


async def test_created_for_malformed_list(fakes: Fakes) -> None:
    state, http = fakes
    state.lb_created_for["alice"] = [{"title": "Weekly Jams", "identifier": "nothing here"}]
    with pytest.raises(FailedPrecondition) as caught:
        await load_playlist(
            SourceKind.LISTENBRAINZ_CREATED_FOR, "alice", http=http, settings=state.settings()
        )
    assert caught.value.message == (
        "ListenBrainz playlists created for alice: malformed answer: "
        "playlists[0].playlist.identifier: holds no playlist MBID"
    )
    state.faults["/1/user/alice/playlists/createdfor"] = 500
    with pytest.raises(Unavailable):
        await load_playlist(
            SourceKind.LISTENBRAINZ_CREATED_FOR, "alice", http=http, settings=state.settings()
        )
