"""The server playlist reference, as config_svc and sync_svc both read it, and how a run
finds the playlist it names."""

from __future__ import annotations

import pytest

from common.errors import SourceFailed
from common.source_refs import ServerPlaylistRef, server_playlist_ref
from common.targets.items import TargetPlaylist
from sync_svc.server_source import find_playlist


def test_the_forms_a_reference_takes() -> None:
    assert server_playlist_ref("plex:plex/Road Trip") == ServerPlaylistRef(
        "plex", "plex", "", "", "Road Trip"
    )
    assert server_playlist_ref(" jellyfin:alice@den/id:5b2c0f7e ") == ServerPlaylistRef(
        "jellyfin", "den", "alice", "5b2c0f7e", ""
    )
    # A Plex user may be an e-mail address: the server is what follows the last '@'.
    assert server_playlist_ref("plex:bob@example.org@cabin/Mix").user == "bob@example.org"
    # A title may hold '/', and one that starts with "id:" is written title:id:...
    assert server_playlist_ref("plex:cabin/AC/DC Live").title == "AC/DC Live"
    assert server_playlist_ref("plex:cabin/title:id:42").title == "id:42"
    assert str(server_playlist_ref("jellyfin:alice@den/id:5b2c")) == "jellyfin:alice@den/id:5b2c"


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("cabin/Road Trip", "must be KIND:SERVER/PLAYLIST"),
        ("emby:cabin/Road Trip", "must be KIND:SERVER/PLAYLIST"),
        ("plex:Cabin/Road Trip", "'Cabin' is not a server name"),
        ("plex:cabin", "no '/' before the playlist"),
        ("plex:cabin/", "the playlist's title or id is missing"),
        ("plex:@cabin/Mix", "the user before '@' is empty"),
        ("plex:cabin/id:", "is not a playlist id"),
        ("plex:cabin/id:12/34", "is not a playlist id"),
    ],
)
def test_a_bad_reference_says_what_to_write(ref: str, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(")):
        server_playlist_ref(ref)


PLAYLISTS = [
    TargetPlaylist("1", "Road Trip"),
    TargetPlaylist("2", "road trip"),
    TargetPlaylist("3", "Chill"),
    TargetPlaylist("4", "Twice"),
    TargetPlaylist("5", "Twice"),
]


def test_a_playlist_is_found_by_id_then_by_title_as_written_then_ignoring_case() -> None:
    assert find_playlist(server_playlist_ref("plex:p/id:3"), PLAYLISTS).playlist_id == "3"
    assert find_playlist(server_playlist_ref("plex:p/road trip"), PLAYLISTS).playlist_id == "2"
    assert find_playlist(server_playlist_ref("plex:p/CHILL"), PLAYLISTS).playlist_id == "3"


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("plex:p/id:9", "plex:p/id:9: no playlist has this id: check source.ref"),
        ("plex:p/Gone", "plex:p/Gone: no playlist has this title: check source.ref"),
        ("plex:p/ROAD TRIP", "several playlists have this title (id:1, id:2): name one by id"),
        ("plex:p/Twice", "several playlists have this title (id:4, id:5): name one by id"),
    ],
)
def test_a_missing_or_ambiguous_playlist_names_the_field(ref: str, says: str) -> None:
    with pytest.raises(SourceFailed) as caught:
        find_playlist(server_playlist_ref(ref), PLAYLISTS)
    assert says in caught.value.message
