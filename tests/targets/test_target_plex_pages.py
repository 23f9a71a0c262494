"""Plex listing pages read straight from JSON (plex_pages.py) give what the generic node
tree gives (plex_parse.py), whatever form the values come in, and refuse what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from common.targets.plex_pages import ids_page, indexed_page, tracks_page
from common.targets.plex_parse import PlexParseError, parse_container, track_ids_of, tracks_of

UUID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
ARTIST = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
JSON_TYPE = "application/json"


def _body(*items: dict[str, Any], **container: Any) -> bytes:
    page = {"totalSize": 3, "offset": 0, **container, "Metadata": list(items)}
    return json.dumps({"MediaContainer": page}).encode()


TRACKS = (
    {  # numbers as numbers, MBIDs in Guid, a file in the second Part of the first Media
        "ratingKey": "7", "type": "track", "title": "Slide", "grandparentTitle": "Calvin Harris",
        "originalTitle": "Calvin Harris feat. Frank Ocean", "parentTitle": "Funk Wav",
        "index": 1, "parentIndex": 1, "duration": 230000, "year": 2017,
        "addedAt": 1600000000, "updatedAt": 1600000100,
        "Guid": [{"id": f"mbid://recording/{UUID.upper()}"}, {"id": f"mbid://artist/{ARTIST}"}],
        "Media": [{"id": 1, "Part": [{"id": 1}, {"id": 2, "file": "/m/Calvin/Funk/01.flac"}]},
                  {"Part": [{"file": "/elsewhere.flac"}]}],
    },
    {  # numbers as text (a float among them), no originalTitle, no updatedAt, no Media
        "ratingKey": 8, "type": "track", "title": "Bool", "grandparentTitle": "X",
        "duration": "1000.5", "index": "", "year": None, "addedAt": "1600000000",
        "librarySectionID": 3, "smart": True,
    },
    {  # a track by its key alone, with a value no attribute holds
        "ratingKey": "9", "type": "track", "title": ["not", "text"], "Guid": {"id": "x"},
    },
)  # fmt: skip


@pytest.mark.parametrize("library", ["1", ""])
def test_tracks_from_json_are_those_of_the_node_tree(library: str) -> None:
    body = _body(*TRACKS, Directory=[{"type": "album", "title": "no track"}])
    tracks, total, offset = tracks_page(body, JSON_TYPE, library)
    node = parse_container(body, JSON_TYPE)
    assert tracks == tracks_of(node, library)
    assert (total, offset) == (3, 0)
    assert tracks[0].path == "/m/Calvin/Funk/01.flac"
    assert (tracks[0].mbid, tracks[0].artist_mbids) == (UUID, (ARTIST,))
    assert (tracks[1].duration_ms, tracks[1].track_index, tracks[1].updated_at) == (
        1000,
        None,
        1600000000,
    )
    assert tracks[1].library == (library or "3")
    assert ids_page(body, JSON_TYPE) == (["7", "8", "9"], 3, 0)
    assert ids_page(body, JSON_TYPE)[0] == track_ids_of(node)


@pytest.mark.parametrize("content_type", [JSON_TYPE, "text/xml"])
def test_tracks_for_the_index_are_the_tracks_indexed(content_type: str) -> None:
    body = _body(*TRACKS)
    if content_type != JSON_TYPE:
        body = (
            b'<MediaContainer totalSize="3" offset="0"><Track ratingKey="7" type="track" '
            b'title="Slide" duration="5" updatedAt="9" /></MediaContainer>'
        )
    tracks, total, offset = tracks_page(body, content_type, "1")
    expected = ([t.indexed("Music") for t in tracks], total, offset)
    assert indexed_page(body, content_type, "1", "Music") == expected


def test_xml_and_hubs_are_read_through_the_node_tree() -> None:
    xml = (
        b'<MediaContainer totalSize="1" offset="0"><Track ratingKey="7" type="track" '
        b'title="Slide" duration="5" /></MediaContainer>'
    )
    expected = tracks_of(parse_container(xml, "text/xml"), "1")
    assert tracks_page(xml, "text/xml", "1") == (expected, 1, 0)
    hubs = json.dumps({"MediaContainer": {"Hub": [{"title": "Tracks", "Metadata": [TRACKS[0]]}]}})
    tracks, total, _ = tracks_page(hubs.encode(), JSON_TYPE, "1")
    assert [t.item_id for t in tracks] == ["7"]
    assert total is None


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"MediaContainer": {"Metadata": [{"type": "track", "title": "x"}]}}', "ratingKey"),
        (
            b'{"MediaContainer": {"Metadata": [{"ratingKey": "1", "type": "track", '
            b'"duration": "long"}]}}',
            "duration",
        ),
        (b'{"MediaContainer": {"totalSize": "many", "Metadata": []}}', "totalSize"),
        (b'{"MediaContainer": {"Metadata": [', "invalid JSON"),
        (b'{"error": 1}', "no MediaContainer"),
    ],
)
def test_what_the_node_tree_refuses_is_refused(body: bytes, error: str) -> None:
    with pytest.raises(PlexParseError, match=error):
        tracks_page(body, JSON_TYPE, "1")
    with pytest.raises(PlexParseError, match=error):  # the index reads the duration too
        indexed_page(body, JSON_TYPE, "1", "Music")
