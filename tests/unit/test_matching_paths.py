"""The path match: the same file on two servers under different roots, and its limits."""

from __future__ import annotations

import pytest

from cache_svc.claims import full_build
from cache_svc.runtime import ServerRuntime
from common.matching import LibraryTrack, MatchMethod, Query, TrackIndex, image, match_track
from common.matching.image import decode, encode
from common.matching.paths import PathKeys, path_key
from common.matching.refresh import refreshed


def test_path_key_keeps_artist_album_and_file_whatever_the_root() -> None:
    unix = path_key("/data/music/Motörhead/Ace of Spades/01 Ace of Spades.flac")
    assert unix == "motörhead/ace of spades/01 ace of spades.flac"
    assert path_key("/media/music/MOTÖRHEAD/Ace Of Spades/01 Ace of Spades.FLAC") == unix
    assert path_key(r"D:\Music\Motörhead\Ace of Spades\01 Ace of Spades.flac") == unix
    # macOS writes accents decomposed: the same name once composed.
    assert path_key("/Volumes/x/Moto\u0308rhead/Ace of Spades/01 Ace of Spades.flac") == unix
    assert path_key("/music//Motörhead/./Ace of Spades/01 Ace of Spades.flac") == unix


def test_path_key_of_too_short_a_path_is_empty() -> None:
    assert path_key("") == ""
    assert path_key("01 Ace of Spades.flac") == ""
    assert path_key("Ace of Spades/01.flac") == ""


def _track(item_id: str, title: str, path: str, duration_ms: int = 200_000) -> LibraryTrack:
    return LibraryTrack(
        item_id, "Music", title, ("Artist",), "Artist", "Album", duration_ms, path=path
    )


LIBRARY = [
    _track("1", "Intro", "/media/music/Artist/Album/01 Intro.flac"),
    _track("2", "Intro", "/media/music/Artist/Album (Deluxe)/01 Intro.flac"),
    _track("3", "Outro (tags edited here)", "/media/music/Artist/Album/02 Outro.flac"),
]


PATHS = [
    "", "a", "/a", "a/b", "a/b/c", "/x/Motörhead/Ace/01 Ace.flac", r"C:\Music\A\B\c.mp3",
    "a/b/c/", "a/b/c/.", "a/b/c/..", "a/b/./c", "a/ /b/c", "/m/Moto\u0308rhead/Ace/01.flac",
    "/m/X/Y/ Z ", r"\\srv\share\a\b\c", "/M/ÄBC/ß/İx.FLAC", "a//b//c", "/a/b/\u0301c",
    "x/\u0301/b/c", "/x/ /y/z",
]  # fmt: skip


def test_path_keys_remembering_folders_are_path_key() -> None:
    keys = PathKeys(limit=2)  # cleared as it fills: found again, the same
    for path in PATHS * 2:
        assert keys.key(path) == path_key(path), path


def test_the_same_file_matches_by_path_even_when_the_tags_differ() -> None:
    index = TrackIndex(LIBRARY)
    query = Query(
        "Outro", ("Artist",), "Album", 200_500, path="/data/music/Artist/Album/02 Outro.flac"
    )
    match = match_track(index, query, 0.85)
    assert (match.method, match.track and match.track.item_id) == (MatchMethod.PATH, "3")
    # Two "Intro"s on two editions: metadata alone cannot tell them apart, the path can.
    deluxe = Query(
        "Intro", ("Artist",), "Album", path="/data/music/Artist/Album (Deluxe)/01 Intro.flac"
    )
    assert match_track(index, deluxe, 0.85).track == index.track(1)


def test_a_path_never_overrides_a_far_duration_nor_decides_between_two_files() -> None:
    index = TrackIndex(LIBRARY)
    far = Query("Outro", ("Artist",), "Album", 320_000, path="/x/Artist/Album/02 Outro.flac")
    assert match_track(index, far, 0.85).method is not MatchMethod.PATH
    twice = TrackIndex([*LIBRARY, _track("4", "Intro", "/lossless/Artist/Album/01 Intro.flac")])
    query = Query("Intro", ("Artist",), "Album", path="/x/Artist/Album/01 Intro.flac")
    assert match_track(twice, query, 0.85).method is not MatchMethod.PATH


def test_path_keys_survive_the_image_and_a_refresh() -> None:
    index = decode(encode(TrackIndex(LIBRARY)))
    query = Query("Outro", ("Artist",), path="/data/Artist/Album/02 Outro.flac")
    assert match_track(index, query, 0.85).method is MatchMethod.PATH
    again = refreshed(index, [0, 2], [_track("5", "New", "/media/music/Artist/Album/03 New.flac")])
    assert match_track(again, query, 0.85).track == again.track(1)
    new = Query("New", ("Artist",), path="/data/Artist/Album/03 New.flac")
    assert match_track(again, new, 0.85).track == again.track(2)


def test_an_image_of_the_previous_format_reads_without_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Format 2 (before paths) is served as it is: the tags still match, the path decides
    nothing, and the cache's next build is a full one (cache_svc ``refreshable``)."""
    monkeypatch.setattr(image, "FORMAT_VERSION", 2)
    monkeypatch.setattr(image, "_TABLES", tuple(t for t in image._TABLES if t != "path_table"))
    old = encode(TrackIndex(LIBRARY))
    monkeypatch.undo()
    assert image.image_version(old) == 2
    index = decode(old)
    query = Query("Outro (tags edited here)", ("Artist",), path="/x/Artist/Album/02 Outro.flac")
    found = match_track(index, query, 0.85)
    assert (found.method, found.track) == (MatchMethod.EXACT, index.track(2))
    assert index.by_path(query.path) == []


def test_a_cache_of_the_previous_format_is_rebuilt_in_full_next_time() -> None:
    old = ServerRuntime("plex", index=TrackIndex(LIBRARY), format_version=2)
    assert not old.refreshable
    assert full_build("build", has_index=old.refreshable)
    current = ServerRuntime("plex", index=TrackIndex(LIBRARY), format_version=image.FORMAT_VERSION)
    assert current.refreshable
    assert not full_build("build", has_index=current.refreshable)
