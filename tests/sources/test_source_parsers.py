"""Every file format, read from small fixtures: what a good file yields, and where a bad
one is wrong (the field names the JSON path, the element or the line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.errors import InvalidArgument
from sync_svc.sources import (
    PlaylistFormat,
    SourceTrack,
    detect_format,
    parse_csv,
    parse_jspf,
    parse_m3u,
    parse_playlist,
    parse_xspf,
)

DATA = Path(__file__).parent.parent / "data" / "playlists"
LIMIT = 1000


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def violation(caught: pytest.ExceptionInfo[InvalidArgument]) -> tuple[str, str]:
    assert len(caught.value.violations) == 1
    found = caught.value.violations[0]
    return found.field, found.description


def test_jspf_reads_titles_credits_durations_and_mbids() -> None:
    playlist = parse_jspf(read("good.jspf"), origin="JSPF file good.jspf", max_tracks=LIMIT)
    assert playlist.title == "Weekly Jams"
    assert playlist.origin == "JSPF file good.jspf"
    assert playlist.tracks == (
        SourceTrack(
            title="Ace of Spades",
            artists=("Motörhead",),
            album="Ace of Spades",
            duration_ms=169000,
            recording_mbid="0b4f0c2c-1e4a-4a62-9a0e-54a2c9e5a8f1",
        ),
        SourceTrack(
            title="The Boxer",
            artists=("Simon & Garfunkel",),
            recording_mbid="8d3c4c5e-2b1a-4f6e-9c7d-1a2b3c4d5e6f",
        ),
        SourceTrack(title="Untitled Demo", artists=()),
    )


def test_jspf_missing_title_names_the_json_path() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_jspf(read("bad-title.jspf"), origin="x", max_tracks=LIMIT)
    assert violation(caught) == ("playlist.track[3].title", "is required")
    assert "playlist.track[3].title: is required" in str(caught.value)


def test_jspf_syntax_error_names_the_line() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_jspf(read("bad-syntax.jspf"), origin="x", max_tracks=LIMIT)
    field, description = violation(caught)
    assert field == "source"
    assert description.startswith("line 2 column")


@pytest.mark.parametrize(
    ("document", "field", "description"),
    [
        ("[]", "(document)", "must be an object, not an array"),
        ("{}", "playlist", "is required"),
        ('{"playlist": {"track": {}}}', "playlist.track", "must be an array, not an object"),
        ('{"playlist": {"track": [{"title": 3}]}}', "playlist.track[0].title", "must be a string"),
        (
            '{"playlist": {"track": [{"title": "a", "duration": -1}]}}',
            "playlist.track[0].duration",
            "must be a non-negative number",
        ),
        (
            '{"playlist": {"track": [{"title": "a", "duration": "5"}]}}',
            "playlist.track[0].duration",
            "must be a number",
        ),
        (
            '{"playlist": {"track": [{"title": "a", "identifier": [1]}]}}',
            "playlist.track[0].identifier[0]",
            "must be a string",
        ),
        (
            '{"playlist": {"track": [{"title": "a", "extension": []}]}}',
            "playlist.track[0].extension",
            "must be an object",
        ),
        (
            '{"playlist": {"track": [{"title": "a", "extension": {"https://musicbrainz.org/doc/'
            'jspf#track": {"artist_identifiers": [7]}}}]}}',
            "playlist.track[0].extension['https://musicbrainz.org/doc/jspf#track']"
            ".artist_identifiers[0]",
            "must be a string",
        ),
    ],
)
def test_jspf_wrong_shapes(document: str, field: str, description: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_jspf(document, origin="x", max_tracks=LIMIT)
    found_field, found_description = violation(caught)
    assert found_field == field
    assert found_description.startswith(description)


def test_an_empty_playlist_is_valid() -> None:
    playlist = parse_jspf(
        '{"playlist": {"title": "Nothing", "track": []}}', origin="x", max_tracks=LIMIT
    )
    assert playlist.title == "Nothing"
    assert playlist.tracks == ()
    assert parse_m3u("#EXTM3U\n", origin="x", max_tracks=LIMIT).tracks == ()
    assert parse_csv("title,artist\n", origin="x", max_tracks=LIMIT).tracks == ()
    assert parse_playlist(b"", where="x", max_tracks=LIMIT, name="empty.m3u").tracks == ()


def test_xspf_reads_tracks_and_falls_back_to_the_location() -> None:
    playlist = parse_xspf(read("good.xspf"), origin="x", max_tracks=LIMIT)
    assert playlist.title == "Road Trip"
    assert playlist.tracks == (
        SourceTrack(
            title="Bohemian Rhapsody",
            artists=("Queen",),
            album="A Night at the Opera",
            duration_ms=354000,
            recording_mbid="b1a9c0e9-d987-4042-ae91-78d6a3267d69",
        ),
        SourceTrack(title="Back in Black", artists=("AC/DC",)),
        SourceTrack(title="Jolene", artists=("Dolly Parton",)),
    )


def test_xspf_without_namespace_is_accepted() -> None:
    document = "<playlist><trackList><track><title>A</title></track></trackList></playlist>"
    assert parse_xspf(document, origin="x", max_tracks=LIMIT).tracks[0].title == "A"


def test_xspf_bad_duration_names_the_element() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_xspf(read("bad-duration.xspf"), origin="x", max_tracks=LIMIT)
    field, description = violation(caught)
    assert field == "playlist.trackList.track[1].duration"
    assert "'three minutes'" in description


def test_xspf_refuses_entities() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_xspf(read("entities.xspf"), origin="x", max_tracks=LIMIT)
    assert "DTD" in violation(caught)[1]


def test_xspf_syntax_error_names_the_line() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_xspf(read("broken.xspf"), origin="x", max_tracks=LIMIT)
    assert violation(caught) == ("source", "line 4 column 28: not well-formed XML")


def test_xspf_refuses_another_root() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_xspf("<html><body/></html>", origin="x", max_tracks=LIMIT)
    assert "<html>" in violation(caught)[1]


def test_m3u8_reads_extinf_tags_and_path_only_entries() -> None:
    playlist = parse_playlist(
        read("good.m3u8"), where="file good.m3u8", max_tracks=LIMIT, name="good.m3u8"
    )
    assert playlist.origin == "M3U8 file good.m3u8"
    assert playlist.title == "Late Night"
    assert playlist.tracks == (
        SourceTrack(title="Glory Box", artists=("Portishead",), duration_ms=229000),
        SourceTrack(title="Intro", artists=()),
        SourceTrack(
            title="Unfinished Sympathy",
            artists=("Massive Attack",),
            album="Blue Lines",
            duration_ms=312500,
        ),
        SourceTrack(title="Human Behaviour", artists=("Björk",)),
        SourceTrack(title="Lonely Track", artists=()),
    )


def test_m3u_bad_duration_names_the_line() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_playlist(read("bad-duration.m3u"), where="x", max_tracks=LIMIT, name="b.m3u")
    assert violation(caught) == ("source", "line 4: #EXTINF duration 'abc' is not a number")


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("#EXTINF:10 no comma\n/a.mp3\n", "line 1: #EXTINF has no comma before the title"),
        ("#EXTINF:10,A - B\n#EXTINF:10,C - D\n/a.mp3\n", "line 2: #EXTINF follows"),
        ("#EXTM3U\n#EXTINF:10,A - B\n", "line 2: #EXTINF is not followed by a path"),
        ("#EXTINF:,A - B\n/a.mp3\n", "line 1: #EXTINF has no duration"),
    ],
)
def test_m3u_structure_errors(text: str, description: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_m3u(text, origin="x", max_tracks=LIMIT)
    assert violation(caught)[1].startswith(description)


def test_legacy_m3u_falls_back_to_the_windows_code_page() -> None:
    playlist = parse_playlist(read("legacy.m3u"), where="x", max_tracks=LIMIT, name="l.m3u")
    assert playlist.tracks == (
        SourceTrack(title="Eres", artists=("Café Tacvba",), duration_ms=180000),
    )


def test_m3u8_must_be_utf8() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_playlist(read("legacy.m3u"), where="x", max_tracks=LIMIT, name="l.m3u8")
    assert "not valid UTF-8" in violation(caught)[1]


def test_csv_reads_columns_by_name() -> None:
    playlist = parse_playlist(
        read("good.csv"), where="x", max_tracks=LIMIT, name="good.csv", default_title="good"
    )
    assert playlist.title == "good"
    assert playlist.tracks == (
        SourceTrack(
            title="Hurt",
            artists=("Johnny Cash",),
            album="American IV",
            duration_ms=218000,
            recording_mbid="5e4b4d1e-1d3b-4d1f-9f0a-2f5a7c9e1b3d",
            isrc="USUM70300123",
        ),
        SourceTrack(
            title="Me, Myself and I", artists=("De La Soul",), album="3 Feet High and Rising"
        ),
        SourceTrack(title="Clint Eastwood", artists=("Gorillaz",), duration_ms=341000),
    )


def test_csv_detects_semicolons_tabs_and_lengths() -> None:
    semicolons = parse_playlist(read("semicolon.csv"), where="x", max_tracks=LIMIT, name="s.csv")
    assert semicolons.tracks == (
        SourceTrack(title="Paper Planes", artists=("M.I.A.",), duration_ms=204000),
        SourceTrack(title="Wonderwall", artists=("Oasis",), duration_ms=258000),
    )
    tabs = parse_playlist(read("tabs.tsv"), where="x", max_tracks=LIMIT, name="t.tsv")
    assert tabs.tracks == (SourceTrack(title="One", artists=("Metallica",), duration_ms=447000),)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("bad-length.csv", "line 3: length 'three' is neither seconds nor m:ss"),
        ("no-title.csv", "line 1: the header has no title column (title, track or name)"),
    ],
)
def test_csv_errors_name_the_line(name: str, description: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_playlist(read(name), where="x", max_tracks=LIMIT, name=name)
    assert violation(caught) == ("source", description)


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("title,mbid\nA,not-an-mbid\n", "line 2: mbid 'not-an-mbid' is not a MusicBrainz id"),
        ("title,isrc\nA,12\n", "line 2: isrc '12' is not an ISRC"),
        ("title,duration_ms\nA,-5\n", "line 2: duration '-5' is out of range"),
        ("title,artist\n,B\n", "line 2: the title is empty"),
    ],
)
def test_csv_cell_errors(text: str, description: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_csv(text, origin="x", max_tracks=LIMIT)
    assert violation(caught) == ("source", description)


def test_too_many_tracks_is_invalid() -> None:
    text = "#EXTM3U\n" + "".join(f"/music/Artist - Song {i}.mp3\n" for i in range(6))
    assert len(parse_m3u(text, origin="x", max_tracks=6).tracks) == 6
    with pytest.raises(InvalidArgument) as caught:
        parse_m3u(text, origin="x", max_tracks=5)
    assert violation(caught) == ("source", "the playlist has more than 5 tracks, the limit")
    document = '{"playlist": {"track": [' + ",".join(['{"title": "a"}'] * 6) + "]}}"
    with pytest.raises(InvalidArgument):
        parse_jspf(document, origin="x", max_tracks=5)


@pytest.mark.parametrize(
    ("data", "name", "content_type", "expected"),
    [
        (b"", "a.jspf", "", PlaylistFormat.JSPF),
        (b"", "a.XSPF", "", PlaylistFormat.XSPF),
        (b"", "/x/a.m3u", "", PlaylistFormat.M3U),
        (b"", "a.m3u8", "", PlaylistFormat.M3U8),
        (b"", "a.tsv", "", PlaylistFormat.CSV),
        (b"", "", "application/xspf+xml; charset=utf-8", PlaylistFormat.XSPF),
        (b"", "a.m3u", "text/csv", PlaylistFormat.CSV),
        (b' \n{"playlist": {}}', "", "text/plain", PlaylistFormat.JSPF),
        (b"\xef\xbb\xbf<?xml version='1.0'?>", "", "", PlaylistFormat.XSPF),
        (b"#EXTM3U\n", "", "application/octet-stream", PlaylistFormat.M3U8),
        (b"Track Name;Artist\nA;B\n", "", "", PlaylistFormat.CSV),
        (b'"title","artist"\n', "", "", PlaylistFormat.CSV),
    ],
)
def test_detect_format(data: bytes, name: str, content_type: str, expected: PlaylistFormat) -> None:
    assert detect_format(data, name=name, content_type=content_type) is expected


def test_unknown_content_is_invalid() -> None:
    with pytest.raises(InvalidArgument) as caught:
        detect_format(b"\x89PNG\r\n\x1a\n", name="cover.png")
    assert violation(caught) == ("source", "the content is none of CSV, JSPF, M3U, XSPF")


def test_jspf_and_xspf_carry_their_annotation_and_image() -> None:
    jspf = (
        b'{"playlist": {"title": "T", "annotation": "<p>Loved</p>", '
        b'"image": "https://img.example/c.jpg", "track": []}}'
    )
    playlist = parse_jspf(jspf, origin="JSPF", max_tracks=LIMIT)
    assert (playlist.description, playlist.image_url) == (
        "<p>Loved</p>",
        "https://img.example/c.jpg",
    )
    xspf = (
        b'<playlist version="1" xmlns="http://xspf.org/ns/0/"><title>T</title>'
        b"<annotation>Loved</annotation><image>https://img.example/c.jpg</image>"
        b"<trackList/></playlist>"
    )
    parsed = parse_xspf(xspf, origin="XSPF", max_tracks=LIMIT)
    assert (parsed.description, parsed.image_url) == ("Loved", "https://img.example/c.jpg")
    bare = parse_jspf(b'{"playlist": {"title": "T"}}', origin="JSPF", max_tracks=LIMIT)
    assert (bare.description, bare.image_url) == ("", "")
