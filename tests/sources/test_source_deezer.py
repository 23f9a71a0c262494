"""Deezer against its emulator (emulators/deezer.py) over real HTTP: references, paging
with the exact request count, the fields kept, Deezer's HTTP-200 error objects (missing,
private, the quota with its bounded retries), and malformed answers."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from common.domain import SourceKind
from common.errors import (
    ErrorReason,
    FailedPrecondition,
    InvalidArgument,
    SourceFailed,
    SourceUnavailable,
    Unavailable,
)
from common.matching.normalize import parse_title
from common.source_refs import deezer_playlist_id
from config_svc.validation import check_source
from emulators.deezer import DeezerPlaylist, deezer_track
from sync_svc.sources import SourcePlaylist, SourceTrack, load_playlist
from sync_svc.sources.deezer import DeezerError, error_of, next_index, refusal
from sync_svc.sources.problems import ShapeError
from tests.support.source_fakes import State

pytestmark = pytest.mark.timeout(60)

Fakes = tuple[State, httpx.AsyncClient]
PLAYLIST = "908622995"
URL = f"https://www.deezer.com/fr/playlist/{PLAYLIST}?utm_source=deezer&utm_medium=web"
HEAD = f"/playlist/{PLAYLIST}"
PAGES = f"/playlist/{PLAYLIST}/tracks"


def fill(state: State, count: int, **playlist: Any) -> list[SourceTrack]:
    """A public playlist of ``count`` tracks; every fifth has a version."""
    tracks = [
        deezer_track(
            7000 + i,
            f"Song {i}",
            f"Artist {i}",
            version="(Remastered 2011)" if i % 5 == 0 else "",
            album=f"Album {i}",
            duration=180 + i,
            isrc=f"GBUM7100{i:04d}",
        )
        for i in range(count)
    ]
    state.deezer.playlists[PLAYLIST] = DeezerPlaylist("Bain moussant", tracks, **playlist)
    return [
        SourceTrack(
            title=f"Song {i} (Remastered 2011)" if i % 5 == 0 else f"Song {i}",
            artists=(f"Artist {i}",),
            album=f"Album {i}",
            duration_ms=(180 + i) * 1000,
        )
        for i in range(count)
    ]


async def read(state: State, http: httpx.AsyncClient, ref: str = URL, **settings: Any) -> Any:
    return await load_playlist(
        SourceKind.DEEZER_PLAYLIST, ref, http=http, settings=state.settings(**settings)
    )


@pytest.mark.parametrize(
    "ref",
    [
        PLAYLIST,
        f" {PLAYLIST} ",
        URL,
        f"https://www.deezer.com/playlist/{PLAYLIST}",
        f"https://deezer.com/en/playlist/{PLAYLIST}?host=5617782001&deferredFl=1",
        f"http://www.deezer.com/pt-br/playlist/{PLAYLIST}/",
        f"https://www.deezer.com/playlist/{PLAYLIST}#tracks",
    ],
)
def test_playlist_references(ref: str) -> None:
    assert deezer_playlist_id(ref) == PLAYLIST
    assert check_source(SourceKind.DEEZER_PLAYLIST, ref, "command.source") == []


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("https://www.deezer.com/album/302127", "https://www.deezer.com/[lang/]playlist/<id>"),
        ("https://www.deezer.com/fr/playlist/abc", "a Deezer playlist id"),
        ("https://evil.example/playlist/908622995", "a Deezer playlist id"),
        ("www.deezer.com/playlist/908622995", "a Deezer playlist id"),
        ("ftp://www.deezer.com/playlist/908622995", "a Deezer playlist id"),
        ("0", "a Deezer playlist id"),
        ("1" * 21, "a Deezer playlist id"),
        ("https://deezer.page.link/WSqyMRBenWbw6GJ19", "paste the full"),
        ("https://link.deezer.com/s/33nn9wdwNbqcSVFDkHPIl", "paste the full"),
        ("https://[::1/playlist/1", "a Deezer playlist id"),
    ],
)
async def test_bad_references_name_the_field_and_send_nothing(
    fakes: Fakes, ref: str, says: str
) -> None:
    state, http = fakes
    with pytest.raises(InvalidArgument) as caught:
        await read(state, http, ref)
    [violation] = caught.value.violations
    assert violation.field == "source.ref"
    assert says in violation.description
    # config_svc refuses what a run would refuse, in the same words.
    [stored] = check_source(SourceKind.DEEZER_PLAYLIST, ref, "command.source")
    assert (stored.field, stored.description) == ("command.source.ref", violation.description)
    assert state.deezer.requests == []


async def test_a_250_track_playlist_over_pages_costs_four_requests(fakes: Fakes) -> None:
    state, http = fakes
    expected = fill(state, 250)
    playlist = await read(state, http)
    assert playlist == SourcePlaylist(
        title="Bain moussant", tracks=tuple(expected), origin=f"Deezer playlist {PLAYLIST}"
    )
    # The playlist, then three pages of 100: 1 + ceil(250 / 100), and no request per track.
    assert state.deezer.requests == [
        HEAD,
        f"{PAGES}?index=0&limit=100",
        f"{PAGES}?index=100&limit=100",
        f"{PAGES}?index=200&limit=100",
    ]


async def test_short_pages_are_followed_by_their_next_index(fakes: Fakes) -> None:
    """A page may hold fewer entries than asked while ``next`` still moves a whole page."""
    state, http = fakes
    expected = fill(state, 250, hidden=frozenset(range(7095, 7105)))
    playlist = await read(state, http)
    assert list(playlist.tracks) == expected[:95] + expected[105:]
    assert state.deezer.counts == {HEAD: 1, PAGES: 3}


async def test_a_version_belongs_to_the_title_as_the_matcher_reads_it(fakes: Fakes) -> None:
    state, http = fakes
    entries = [
        deezer_track(1, "Roses", "SAINt JHN", version="(Imanbek Remix)", album="Roses"),
        deezer_track(2, "Yesterday", "The Beatles", version="(Remastered 2009)"),
        # A title without its version gets it; parts stand in for a missing title.
        {**deezer_track(3, "Help!", "The Beatles", version="(Remastered)"), "title": "Help!"},
        {**deezer_track(4, "Taxman", "The Beatles", version="(Take 2)"), "title": None},
    ]
    state.deezer.playlists[PLAYLIST] = DeezerPlaylist("Versions", entries)
    playlist = await read(state, http, PLAYLIST)
    assert [t.title for t in playlist.tracks] == [
        "Roses (Imanbek Remix)",
        "Yesterday (Remastered 2009)",
        "Help! (Remastered)",
        "Taxman (Take 2)",
    ]
    # The matcher finds the same song and version as in Spotify's " - Remastered 2009".
    deezer = parse_title(playlist.tracks[1].title)
    spotify = parse_title("Yesterday - Remastered 2009")
    assert (deezer.core, deezer.tags) == (spotify.core, spotify.tags)
    assert deezer.core == "Yesterday"


async def test_an_isrc_is_kept_where_an_entry_has_one(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 3)
    state.deezer.isrc_in_pages = True
    state.deezer.playlists[PLAYLIST].tracks[1]["_isrc"] = "gb-um7-10-00001"
    playlist = await read(state, http)
    assert [t.isrc for t in playlist.tracks] == ["GBUM71000000", "GBUM71000001", "GBUM71000002"]
    assert state.deezer.counts == {HEAD: 1, PAGES: 1}


async def test_entries_that_are_not_tracks_are_skipped(
    fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    state, http = fakes
    entries = [
        {"id": 1, "type": "episode", "title": "A podcast"},
        {"id": 2, "type": "track", "title": "", "title_short": ""},
        {"id": 3, "type": "track", "title": "Bare", "artist": None, "album": None},
    ]
    state.deezer.playlists[PLAYLIST] = DeezerPlaylist("Mixed", entries)
    playlist = await read(state, http, PLAYLIST)
    assert playlist.tracks == (SourceTrack(title="Bare", artists=()),)
    assert "skipped 2 entries that are not tracks" in caplog.text


async def test_an_empty_playlist(fakes: Fakes) -> None:
    state, http = fakes
    state.deezer.playlists[PLAYLIST] = DeezerPlaylist("Nothing yet", [])
    playlist = await read(state, http, PLAYLIST)
    assert (playlist.title, playlist.tracks) == ("Nothing yet", ())
    assert state.deezer.counts == {HEAD: 1, PAGES: 1}


async def test_a_missing_playlist_names_the_field(fakes: Fakes) -> None:
    state, http = fakes
    with pytest.raises(SourceFailed) as caught:
        await read(state, http)
    assert caught.value.reason is ErrorReason.SOURCE_FAILED
    assert caught.value.message == (
        f"Deezer playlist {PLAYLIST} does not exist: check source.ref "
        "(Deezer: DataException 800: no data)"
    )
    assert state.deezer.counts == {HEAD: 1}


async def test_a_private_playlist_says_so(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 3, public=False)
    with pytest.raises(SourceFailed) as caught:
        await read(state, http)
    assert caught.value.message.startswith(
        f"Deezer playlist {PLAYLIST} is private: Deezer's public API serves public playlists "
        "only; make it public in Deezer, or export it to a file (Deezer: OAuthException 200: "
    )
    assert state.deezer.counts == {HEAD: 1}


async def test_the_quota_is_retried_and_each_retry_counted(
    fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    state, http = fakes
    expected = fill(state, 150)
    # The playlist once refused, then the second page twice, then busy once.
    state.deezer.refusals = [4, None, None, 4, 4, 700]
    playlist = await read(state, http)
    assert list(playlist.tracks) == expected
    assert state.deezer.requests == [
        HEAD,
        HEAD,
        f"{PAGES}?index=0&limit=100",
        f"{PAGES}?index=100&limit=100",
        f"{PAGES}?index=100&limit=100",
        f"{PAGES}?index=100&limit=100",
        f"{PAGES}?index=100&limit=100",
    ]
    assert "Deezer answered Exception 4: Quota limit exceeded; retrying" in caplog.text
    assert f"Deezer playlist {PLAYLIST}: 150 tracks in 7 requests (4 of them retries)" in (
        caplog.text
    )


async def test_a_quota_that_lasts_is_unavailable_after_four_attempts(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 3)
    state.deezer.refusals = [None, 4, 4, 4, 4, None]
    with pytest.raises(SourceUnavailable) as caught:
        await read(state, http)
    assert caught.value.reason is ErrorReason.SOURCE_UNAVAILABLE
    assert caught.value.message == (
        f"Deezer playlist {PLAYLIST}: Deezer is rate limiting or busy, still after 4 attempts; "
        "try again later (Deezer: Exception 4: Quota limit exceeded)"
    )
    assert state.deezer.counts == {HEAD: 1, PAGES: 4}
    assert state.deezer.refusals == [None], "no fifth attempt"


async def test_other_refusals_name_deezers_error(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 3)
    state.deezer.refusals = [None, 500]
    with pytest.raises(SourceFailed) as caught:
        await read(state, http)
    assert caught.value.message == (
        f"Deezer playlist {PLAYLIST}: Deezer refused the request "
        "(Deezer: ParameterException 500: Wrong parameter)"
    )
    assert state.deezer.counts == {HEAD: 1, PAGES: 1}, "only the quota and busy are retried"


async def test_malformed_answers_name_what_is_wrong(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 3)
    state.deezer.faults[PAGES] = "malformed"
    with pytest.raises(FailedPrecondition) as caught:
        await read(state, http)
    assert caught.value.message == f"Deezer playlist {PLAYLIST}: the answer is not JSON"

    del state.deezer.faults[PAGES]
    state.deezer.playlists[PLAYLIST].tracks[2]["artist"] = "Morcheeba"
    with pytest.raises(FailedPrecondition) as caught:
        await read(state, http)
    assert caught.value.message == (
        f"Deezer playlist {PLAYLIST}: malformed answer: "
        "(answer).data[2].artist: must be an object, not a string"
    )

    state.deezer.playlists[PLAYLIST] = DeezerPlaylist(["not", "a", "title"])  # type: ignore[arg-type]
    with pytest.raises(FailedPrecondition) as caught:
        await read(state, http)
    assert caught.value.message == (
        f"Deezer playlist {PLAYLIST}: malformed answer: (answer).title: must be a string, "
        "not an array"
    )


def test_error_objects_and_next_links_are_read_strictly() -> None:
    assert error_of({"data": []}) is None
    assert error_of({"error": {"type": "DataException", "message": "no data", "code": 800}}) == (
        DeezerError(800, "DataException", "no data")
    )
    # Some error objects carry no code (the cassettes' GET /episode/-1): not retried.
    assert error_of({"error": {"type": "Exception", "message": "An error has occured"}}) == (
        DeezerError(0, "Exception", "An error has occured")
    )
    with pytest.raises(ShapeError) as caught:
        error_of({"error": "quota"})
    assert (caught.value.path, caught.value.problem) == (
        "(answer).error",
        "must be an object, not a string",
    )
    assert next_index("https://api.deezer.com/playlist/9200461/tracks?index=25") == 25
    assert next_index("https://api.deezer.com/playlist/1/tracks?limit=100&index=200") == 200
    for bad in ("https://api.deezer.com/playlist/1/tracks", "x?index=-5", "x?index=1&index=2"):
        with pytest.raises(ShapeError):
            next_index(bad)
    long = DeezerError(99, "Exception", "x" * 500)
    assert len(refusal(long, "Deezer playlist 1", attempts=1).message) < 300


async def test_an_answer_that_is_not_deezers_names_the_setting(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 3)
    state.deezer.faults[HEAD] = 404
    with pytest.raises(FailedPrecondition) as caught:
        await read(state, http)
    assert caught.value.message == (
        f"Deezer playlist {PLAYLIST}: the API at {state.base_url} answered HTTP 404; "
        "check DEEZER_API_URL"
    )
    state.deezer.faults[HEAD] = 502
    with pytest.raises(Unavailable) as caught_down:
        await read(state, http)
    assert "HTTP 502" in caught_down.value.message
    assert state.deezer.counts == {HEAD: 2}, "an HTTP error is not retried here"


async def test_a_timeout_is_unavailable(fakes: Fakes) -> None:
    state, _ = fakes
    fill(state, 3)
    state.deezer.faults[PAGES] = "hang"
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(Unavailable) as caught:
            await read(state, impatient)
    assert caught.value.message == f"Deezer playlist {PLAYLIST}: the server did not answer in time"


async def test_too_many_tracks_stop_before_paging(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 250)
    with pytest.raises(InvalidArgument):
        await read(state, http, max_tracks=200)
    assert state.deezer.counts == {HEAD: 1}


async def test_the_description_and_picture_come_with_the_playlist(fakes: Fakes) -> None:
    state, http = fakes
    fill(state, 3, description="Bubbles & foam", picture="https://cdn.example/p/1000x1000.jpg")
    playlist = await read(state, http)
    assert playlist.description == "Bubbles & foam"
    assert playlist.image_url == "https://cdn.example/p/1000x1000.jpg"
    assert len(state.deezer.requests) == 2, "no request more: the head carries both"
